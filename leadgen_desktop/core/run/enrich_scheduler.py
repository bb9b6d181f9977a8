"""Finding and verifying emails for many leads at once, paying for each lookup once.

The scheduler runs on the pipeline's thread and owns every decision; provider
calls run on a :class:`~leadgen_desktop.core.run.worker_pool.WorkerPool` and come
back through a queue. For each lead it:

1. settles leads that need no lookup (no website, shared platform) at once;
2. reads the website first, free (:mod:`~leadgen_desktop.core.run.website_checks`:
   once per domain, cached);
3. when the Hunter mode asks for the paid search
   (:mod:`~leadgen_desktop.core.emails.email_sources`) and the domain has a mail
   server, looks the domain up in this run, then in the shared cache (a hit
   costs $0 and is logged as such), and only then reserves the search's
   worst-case price against the budget and asks the email finder — one request
   per domain however many leads share it;
4. chooses the email (:mod:`~leadgen_desktop.core.emails.email_choice`) among the
   website's and the finder's addresses, checks that its domain receives mail
   (no mail server: ``invalid``, nothing paid), and verifies it the same way
   (run, cache, budget, verifier).

Every paid answer is written to the cache together with its API calls in one
transaction the moment it arrives, so a crash never loses a lookup that was
paid for. Final leads go to ``on_final`` (which stores them).
"""

from __future__ import annotations

import datetime as dt
import math
import queue
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace

from leadgen_desktop.core.billing.budget import Budget, UnitPrices
from leadgen_desktop.core.emails.domains import is_shared_platform, registrable_domain
from leadgen_desktop.core.run.lead_work import LeadWork
from leadgen_desktop.core.run.run_state import RunState
from leadgen_desktop.core.run.website_checks import MAIL_SERVER, WEBSITE, WebsiteChecks
from leadgen_desktop.core.run.website_step import WebsiteStep
from leadgen_desktop.core.run.worker_pool import WorkerPool
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import (
    ApiCall,
    Cancelled,
    CancelToken,
    DomainSearch,
    EmailReason,
    EmailStatus,
    HunterMode,
    Lead,
    NetworkUnavailable,
    PriceTable,
    ProviderAuthError,
    ProviderError,
    Providers,
    QuotaExhausted,
    Verification,
)

FinalCallback = Callable[[Lead, tuple[ApiCall, ...]], None]
HEARTBEAT_SECONDS = 10.0
WEBSITE_CONCURRENCY = 16
"""Websites read at once (each site one request at a time; the crawler's host gate sees to that)."""
MAIL_SERVER_CONCURRENCY = 8


def _cache_hit(provider: str, endpoint: str, sku: str) -> ApiCall:
    return ApiCall(provider, endpoint, None, "cache_hit", sku, 0.0, 0.0, cached=True)


class EnrichScheduler:
    """Enriches leads concurrently within per-provider bounds, a budget and a cancel token."""

    def __init__(
        self,
        *,
        store: Store,
        job_id: str,
        providers: Providers,
        prices: PriceTable,
        verify: bool,
        state: RunState,
        budget: Budget,
        cancel: CancelToken,
        on_final: FinalCallback,
        cache_ttl: dt.timedelta,
        concurrency: int = 12,
        heartbeat: Callable[[], None] | None = None,
        hunter: HunterMode = HunterMode.FALLBACK,
    ) -> None:
        self.store, self.job_id, self.providers, self.prices = store, job_id, providers, prices
        self.verify, self.state, self.budget, self.cancel = verify, state, budget, cancel
        self.hunter = hunter
        self.on_final, self.cache_ttl, self.heartbeat = on_final, cache_ttl, heartbeat
        # One pool per kind, so verifications never queue behind searches waiting on their rate limit.
        self._stop = cancel.child()  # set by close(): queued and waiting requests give up
        self._charged_domains, self._charged_emails = store.leads.charged_lookups(job_id)
        self._pools = {
            "search": WorkerPool(concurrency, "leadgen-search"),
            "verify": WorkerPool(concurrency, "leadgen-verify"),
            WEBSITE: WorkerPool(WEBSITE_CONCURRENCY, "leadgen-website"),
            MAIL_SERVER: WorkerPool(MAIL_SERVER_CONCURRENCY, "leadgen-dns"),
        }
        self._checks = WebsiteChecks(
            store=store,
            job_id=job_id,
            websites=providers.websites,
            mail_servers=providers.mail_servers,
            reader_name="demo" if providers.demo else "website",
            cache_ttl=cache_ttl,
            submit=lambda kind, subject, call: self._start(kind, subject, None, call),
        )
        self._step = WebsiteStep(
            self._checks,
            hunter=hunter,
            finder=providers.finder.provider if providers.finder else None,
            notice=state.notice,
            search=self._search,
            verify=self._verify,
            finish_without=self._final_without,
            finish_with=self._final_with,
        )
        self._results: queue.SimpleQueue[tuple[str, str, int | None, object]] = queue.SimpleQueue()
        self._in_flight = 0
        self._out: Counter[str] = Counter()  # started and not yet handled, per kind
        self._domains: dict[str, DomainSearch | ProviderError] = {}
        self._domain_waiters: dict[str, list[LeadWork]] = {}
        self._verdicts: dict[str, Verification | ProviderError] = {}
        self._verify_waiters: dict[str, list[LeadWork]] = {}
        self._finder_exhausted = False
        self._verifier_exhausted = False
        self.blocked: list[LeadWork] = []
        self._last_beat = time.monotonic()

    # -- public API (pipeline thread) ------------------------------------------------

    def add(self, lead: Lead) -> None:
        """Start enriching ``lead`` (it may finish at once)."""
        work = LeadWork(lead, provenance=dict(lead.provenance))
        website = lead.business.website
        work.domain = registrable_domain(website)
        if not website or work.domain is None:
            self._final_without(work, EmailReason.NO_WEBSITE)
            return
        work.provenance["domain"] = work.domain
        if is_shared_platform(work.domain):
            work.provenance["email_search"] = (
                f"Not searched: {work.domain} is a shared platform, not a company domain."
            )
            self._final_without(work, EmailReason.SHARED_PLATFORM)
            return
        self._step.begin(work, website)

    @property
    def in_flight(self) -> int:
        """Provider requests started and not yet handled."""
        return self._in_flight

    def pump(self, timeout: float) -> None:
        """Handle finished requests, waiting up to ``timeout`` for the first one."""
        self.cancel.raise_if_cancelled()
        self._beat()
        try:
            message = self._results.get(timeout=timeout) if timeout > 0 else self._results.get_nowait()
        except queue.Empty:
            return
        while True:
            self._handle(message)
            try:
                message = self._results.get_nowait()
            except queue.Empty:
                return

    def drain(self) -> None:
        """Wait until every started request is handled (cancel-aware, 50 ms steps)."""
        while self._in_flight:
            self.pump(0.05)

    def close(self) -> None:
        """Stop: queued requests are dropped, waiting ones give up, threads exit."""
        self._stop.cancel()
        for kind, pool in self._pools.items():
            dropped = pool.close()
            self._in_flight -= dropped
            self._out[kind] -= dropped

    def settle_in_flight(self, timeout: float) -> dict[str, int]:
        """Stop, record what the requests already sent cost; return those still out, per kind.

        Answers are handled like any other (calls logged, paid answers cached, finished
        leads stored), so the bill stays complete when a run ends early; errors in them
        no longer matter. ``timeout`` bounds the wait for answers not back yet: after a
        failure the longest read timeout, after a cancel 0 (only what is already back);
        a cancel during the wait ends it.
        The result (``search``/``verify`` -> count) is what is still missing from the bill.
        """
        self.close()
        deadline = time.monotonic() + timeout
        while self._in_flight > 0:
            try:
                message = self._results.get_nowait()
            except queue.Empty:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.cancel.cancelled:  # a cancel ends the wait at once
                    break
                try:
                    message = self._results.get(timeout=min(remaining, 0.1))
                except queue.Empty:
                    continue
            try:
                self._handle(message)
            except (ProviderError, Cancelled, TypeError):
                continue
        return {kind: count for kind, count in self._out.items() if count > 0}

    def remaining_worst_case(self) -> float:
        """What the leads stopped by the budget could cost at most."""
        unit = UnitPrices.of(self.providers, self.prices, self.verify, self.hunter)
        return sum((unit.search if w.waiting_for == "search" else 0.0) + unit.check for w in self.blocked)

    # -- searching -------------------------------------------------------------------

    def _search(self, work: LeadWork) -> None:
        finder = self.providers.finder
        assert finder is not None
        assert work.domain is not None
        domain = work.domain
        if self._finder_exhausted:
            self._step.choose(work, work.site_candidates, EmailReason.QUOTA_EXHAUSTED)
        elif domain in self._domains:
            work.provenance["email_search_reused_in_run"] = True
            self._step.searched(work, self._domains[domain])
        elif domain in self._domain_waiters:
            self._domain_waiters[domain].append(work)
        elif (entry := self.store.lookups.domain(domain, self.cache_ttl)) is not None:
            assert isinstance(entry.value, DomainSearch)
            self._domains[domain] = entry.value
            if entry.job_id == self.job_id:  # paid by this job before it was interrupted
                if domain not in self._charged_domains:
                    self._charge(work, "search", domain, entry.cost)
            else:
                work.log_calls.append(_cache_hit(finder.provider, "/v2/domain-search", finder.billing_sku))
                work.provenance["email_search_cache_hit"] = True
            self._step.searched(work, entry.value)
        else:
            ticket = self.budget.reserve(self._price(finder.billing_sku))
            if ticket is None:
                work.waiting_for = "search"
                self.blocked.append(work)
                return
            self._domain_waiters[domain] = [work]
            self._start("search", domain, ticket, finder.find)

    # -- verifying -------------------------------------------------------------------

    def _verify(self, work: LeadWork) -> None:
        verifier = self.providers.verifier
        assert work.email is not None
        key = work.email.casefold()
        if not self.verify:
            work.provenance["verification"] = "Verification was turned off for this campaign."
            self._final_with(work, EmailStatus.UNVERIFIED, ())
        elif verifier is None:
            self.state.notice("Emails were not verified: no NeverBounce API key. Add one in Settings.")
            work.provenance["verification"] = "Not verified: no NeverBounce API key."
            self._final_with(work, EmailStatus.UNVERIFIED, ())
        elif self._verifier_exhausted:
            work.provenance["verification"] = "Not verified: the verification quota was exhausted."
            self._final_with(work, EmailStatus.UNVERIFIED, ())
        elif key in self._verdicts:
            work.provenance["verification_reused_in_run"] = True
            self._on_verdict(work, self._verdicts[key])
        elif key in self._verify_waiters:
            self._verify_waiters[key].append(work)
        elif (entry := self.store.lookups.verification(key, self.cache_ttl)) is not None:
            assert isinstance(entry.value, Verification)
            self._verdicts[key] = entry.value
            if entry.job_id == self.job_id:  # paid by this job before it was interrupted
                if key not in self._charged_emails:
                    self._charge(work, "verify", key, entry.cost)
            else:
                hit = _cache_hit(verifier.provider, "/v4.2/single/check", verifier.billing_sku)
                work.log_calls.append(hit)
                work.provenance["verification_cache_hit"] = True
            self._on_verdict(work, entry.value)
        else:
            ticket = self.budget.reserve(self._price(verifier.billing_sku))
            if ticket is None:
                work.waiting_for = "verify"
                self.blocked.append(work)
                return
            self._verify_waiters[key] = [work]
            self._start("verify", work.email, ticket, verifier.verify)

    def _on_verdict(self, work: LeadWork, outcome: Verification | ProviderError) -> None:
        verifier = self.providers.verifier
        assert verifier is not None
        if isinstance(outcome, QuotaExhausted):
            work.provenance["verification"] = f"Not verified: {outcome.message}"
            self._final_with(work, EmailStatus.UNVERIFIED, ())
        elif isinstance(outcome, ProviderError):
            work.provenance["verification"] = f"{verifier.provider} error: {outcome.message}"
            self._final_with(work, EmailStatus.UNKNOWN, ())
        else:
            work.provenance["verification"] = {"provider": verifier.provider, "result": outcome.status.value}
            self._final_with(work, outcome.status, outcome.flags)

    # -- requests ----------------------------------------------------------------------

    def _start(
        self, kind: str, subject: str, ticket: int | None, call: Callable[[str, CancelToken], object]
    ) -> None:
        if self._stop.cancelled:  # closing: no new requests; the lead stays unfinished (resumable)
            self.budget.settle(ticket, 0.0)
            return
        self._in_flight += 1
        self._out[kind] += 1
        stop, results = self._stop, self._results

        def task() -> None:
            try:
                stop.raise_if_cancelled()  # dropped while queued: never send it
                outcome: object = call(subject, stop)
            except Exception as exc:  # noqa: BLE001 - reported to the pipeline thread
                outcome = exc
            results.put((kind, subject, ticket, outcome))

        self._pools[kind].submit(task)

    def _handle(self, message: tuple[str, str, int | None, object]) -> None:
        kind, subject, ticket, outcome = message
        self._in_flight -= 1
        self._out[kind] -= 1
        if kind in (WEBSITE, MAIL_SERVER):
            self._checks.handle(kind, subject, outcome)
            return
        if isinstance(outcome, Cancelled):
            raise Cancelled
        if isinstance(outcome, ProviderError):
            cost = self.state.add_calls(outcome.calls)
            self.budget.settle(ticket, cost)
            self.store.calls.add(self.job_id, outcome.calls, self.prices)
            if isinstance(outcome, ProviderAuthError | NetworkUnavailable):
                # its calls are logged above; the copy carries none so they are not logged twice
                raise type(outcome)(outcome.provider, outcome.message) from None
        elif not isinstance(outcome, DomainSearch | Verification):
            raise TypeError(f"unexpected provider result {type(outcome).__name__}") from (
                outcome if isinstance(outcome, BaseException) else None
            )
        if kind == "search":
            self._handle_search(subject, outcome, ticket)  # type: ignore[arg-type]
        else:
            self._handle_verdict(subject, outcome, ticket)  # type: ignore[arg-type]

    def _handle_search(self, domain: str, outcome: DomainSearch | ProviderError, ticket: int | None) -> None:
        finder = self.providers.finder
        assert finder is not None
        cost = 0.0
        if isinstance(outcome, DomainSearch):
            cost = self.state.add_calls(outcome.calls)
            self.budget.settle(ticket, cost)
            self.store.lookups.save_domain(self.job_id, finder.provider, outcome, outcome.calls, self.prices)
        elif isinstance(outcome, QuotaExhausted):
            self._finder_exhausted = True
            self.state.notice(
                f"{outcome.provider} quota is exhausted: the remaining leads were finished without emails."
            )
        self._domains[domain] = outcome
        waiters = self._domain_waiters.pop(domain, [])
        for index, work in enumerate(waiters):
            if index == 0:
                paid = cost if isinstance(outcome, DomainSearch) else self._cost_of(outcome.calls)
                self._charge(work, "search", domain, paid)
            else:
                work.provenance["email_search_reused_in_run"] = True
            self._step.searched(work, outcome)

    def _handle_verdict(self, email: str, outcome: Verification | ProviderError, ticket: int | None) -> None:
        verifier = self.providers.verifier
        assert verifier is not None
        key = email.casefold()
        cost = 0.0
        if isinstance(outcome, Verification):
            cost = self.state.add_calls(outcome.calls)
            self.budget.settle(ticket, cost)
            self.store.lookups.save_verification(
                self.job_id, verifier.provider, outcome, outcome.calls, self.prices
            )
        elif isinstance(outcome, QuotaExhausted):
            self._verifier_exhausted = True
            self.state.notice(
                f"{outcome.provider} quota is exhausted: remaining emails were left unverified."
            )
        self._verdicts[key] = outcome
        for index, work in enumerate(self._verify_waiters.pop(key, [])):
            if index == 0:
                paid = cost if isinstance(outcome, Verification) else self._cost_of(outcome.calls)
                self._charge(work, "verify", key, paid)
            else:
                work.provenance["verification_reused_in_run"] = True
            self._on_verdict(work, outcome)

    # -- endings ------------------------------------------------------------------------

    def _final_without(self, work: LeadWork, reason: EmailReason) -> None:
        work.provenance.setdefault("email_search", reason.description)
        lead = replace(
            work.lead,
            email=None,
            email_status=EmailStatus.NOT_FOUND,
            email_reason=reason,
            candidates=work.candidates,
            provenance=work.provenance,
            cost=work.cost,
        )
        self.on_final(lead, tuple(work.log_calls))

    def _final_with(
        self, work: LeadWork, status: EmailStatus, flags: tuple[str, ...], reason: EmailReason | None = None
    ) -> None:
        lead = replace(
            work.lead,
            email=work.email,
            email_status=status,
            email_reason=reason,
            email_source=work.source,
            candidates=work.candidates,
            verification_flags=flags,
            provenance=work.provenance,
            cost=work.cost,
        )
        self.on_final(lead, tuple(work.log_calls))

    def _charge(self, work: LeadWork, kind: str, subject: str, cost: float) -> None:
        """Put a paid lookup's cost on this lead (once per lookup and job, also across resumes)."""
        work.cost += cost
        charged = work.provenance.setdefault("charged", {})
        assert isinstance(charged, dict)
        charged[kind] = subject
        (self._charged_domains if kind == "search" else self._charged_emails).add(subject)

    def _cost_of(self, calls: tuple[ApiCall, ...]) -> float:
        return math.fsum(self.prices.cost_of(c) for c in calls)

    def _price(self, sku: str) -> float:
        return float(self.prices.prices.get(sku, 0.0))

    def _beat(self) -> None:
        now = time.monotonic()
        if self.heartbeat is not None and now - self._last_beat >= HEARTBEAT_SECONDS:
            self._last_beat = now
            self.heartbeat()
