"""Finding and verifying emails for many leads at once, paying for each lookup once, across runs too.

The scheduler runs on the pipeline's thread and owns every decision; its
requests run in the background through the run's
:class:`~leadgen_desktop.core.run.run_requests.RunRequests` and come back to
:meth:`EnrichScheduler.handle`. For each lead it:

1. settles leads that need no lookup (no website, shared platform) at once;
2. hands the lead to the website step (:mod:`~leadgen_desktop.core.run.website_step`):
   the website is read first, free; the paid search is asked for only as the
   Hunter mode says and when the domain has a mail server; the email is chosen
   among the website's and the finder's addresses, and its domain's mail
   server is checked before the verification is paid for;
3. for each paid lookup looks in this run, then in the shared cache (a hit
   costs $0 and is logged as such), then claims it in the database
   (:mod:`~leadgen_desktop.core.run.lookup_claims`; while another run pays for
   it, the lead waits for that answer), and only then reserves the worst-case
   price against the budget and asks the provider: one request per domain
   (search) or address (verification) however many leads, in this run or
   another, need it.

Every paid answer is written to the cache together with its API calls and the
release of its claim in one transaction the moment it is handled, so a crash
never loses a lookup that was paid for. Final leads go to ``on_final``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from leadgen_desktop.core.billing.budget import Budget, UnitPrices
from leadgen_desktop.core.emails.domains import is_shared_platform, registrable_domain
from leadgen_desktop.core.run.lead_work import LeadWork
from leadgen_desktop.core.run.lookup_claims import DOMAIN, EMAIL, LookupClaims
from leadgen_desktop.core.run.run_requests import RunRequests
from leadgen_desktop.core.run.run_state import RunState
from leadgen_desktop.core.run.website_checks import KINDS as WEBSITE_KINDS
from leadgen_desktop.core.run.website_checks import WebsiteChecks
from leadgen_desktop.core.run.website_step import WebsiteStep
from leadgen_desktop.core.run.worker_pool import Finished, Request
from leadgen_desktop.db.records import CachedLookup
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import (
    ApiCall,
    BudgetReached,
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
SEARCH = "search"
"""Request kind of an email-finder search."""
VERIFY = "verify"
"""Request kind of a verification."""

Answer = DomainSearch | Verification | ProviderError


@dataclass
class _Lookup:
    """One kind of paid lookup (searches by domain, verifications by address) and its state in the run."""

    kind: str  # request kind, and the word the charge is filed under
    claim_kind: str
    provenance: str  # provenance key prefix: "email_search" or "verification"
    answer_type: type[DomainSearch] | type[Verification]
    provider: str
    endpoint: str
    sku: str
    ask: Callable[[str, CancelToken], object]
    read_cache: Callable[[str], CachedLookup | None]
    then: Callable[[LeadWork, Answer], None]
    answers: dict[str, Answer] = field(default_factory=dict)
    waiters: dict[str, list[LeadWork]] = field(default_factory=dict)  # asked in this run: the first pays
    elsewhere: dict[str, list[LeadWork]] = field(default_factory=dict)  # another run is paying for it
    charged: set[str] = field(default_factory=set)  # paid by this job and put on one of its leads
    exhausted: bool = False


def _cache_hit(lookup: _Lookup) -> ApiCall:
    return ApiCall(lookup.provider, lookup.endpoint, None, "cache_hit", lookup.sku, 0.0, 0.0, cached=True)


class EnrichScheduler:
    """Enriches leads concurrently within per-provider bounds, a budget, claims and a cancel token."""

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
        requests: RunRequests,
        claims: LookupClaims,
        on_final: FinalCallback,
        cache_ttl: dt.timedelta,
        hunter: HunterMode = HunterMode.FALLBACK,
    ) -> None:
        self.store, self.job_id, self.providers, self.prices = store, job_id, providers, prices
        self.verify, self.state, self.budget, self.on_final = verify, state, budget, on_final
        self.requests, self.claims, self.hunter = requests, claims, hunter
        self.blocked: list[LeadWork] = []
        self._in_flight = 0
        self._out: dict[str, int] = {SEARCH: 0, VERIFY: 0}
        charged_domains, charged_emails = store.leads.charged_lookups(job_id)
        self._lookups: dict[str, _Lookup] = {}
        if (finder := providers.finder) is not None:
            self._lookups[SEARCH] = _Lookup(
                kind=SEARCH, claim_kind=DOMAIN, provenance="email_search", answer_type=DomainSearch,
                provider=finder.provider, endpoint="/v2/domain-search", sku=finder.billing_sku,
                ask=finder.find, read_cache=lambda d: store.lookups.domain(d, cache_ttl),
                then=lambda work, outcome: self._step.searched(work, outcome), charged=charged_domains,
            )  # fmt: skip
        if (verifier := providers.verifier) is not None:
            self._lookups[VERIFY] = _Lookup(
                kind=VERIFY, claim_kind=EMAIL, provenance="verification", answer_type=Verification,
                provider=verifier.provider, endpoint="/v4.2/single/check", sku=verifier.billing_sku,
                ask=verifier.verify, read_cache=lambda e: store.lookups.verification(e, cache_ttl),
                then=self._on_verdict, charged=charged_emails,
            )  # fmt: skip
        self._checks = WebsiteChecks(
            store=store, job_id=job_id, websites=providers.websites, mail_servers=providers.mail_servers,
            reader_name="demo" if providers.demo else "website", cache_ttl=cache_ttl, requests=requests,
            claims=claims,
        )  # fmt: skip
        self._step = WebsiteStep(
            self._checks, hunter=hunter, finder=finder.provider if finder else None, notice=state.notice,
            search=self._search, verify=self._verify, finish_without=self._final_without,
            finish_with=self._final_with,
        )  # fmt: skip

    # -- public API (pipeline thread) ------------------------------------------------

    def add_all(self, leads: list[Lead]) -> None:
        """Start enriching ``leads`` (a page's): their websites are looked up in the database at once."""
        domains = [registrable_domain(lead.business.website) for lead in leads]
        self._checks.read_sites_ahead(d for d in domains if d is not None and not is_shared_platform(d))
        for lead in leads:
            self.add(lead)

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
        """Requests started and not yet handled (free website and DNS requests too)."""
        return self._in_flight + self._checks.in_flight

    @property
    def waiting_elsewhere(self) -> bool:
        """True while some lead waits for a lookup (or a website) another run is paying for (reading)."""
        return self._checks.waiting_elsewhere or any(lookup.elsewhere for lookup in self._lookups.values())

    def still_out(self) -> dict[str, int]:
        """Paid requests started and not handled, per kind (those still counted may bill)."""
        return {kind: count for kind, count in self._out.items() if count > 0}

    def handle(self, finished: Finished) -> None:
        """Take a request that came back: store what it paid for (or read), then carry its leads on."""
        if finished.kind in WEBSITE_KINDS:
            self._checks.handle(finished)
            return
        lookup = self._lookups[finished.kind]
        subject = str(finished.request.key)
        outcome = finished.outcome
        self._in_flight -= 1
        self._out[lookup.kind] -= 1
        calls = outcome.calls if isinstance(outcome, ProviderError | DomainSearch | Verification) else ()
        RunRequests.settle_bill(finished, calls)
        claim = self.claims.key(lookup.claim_kind, subject)
        cost = self.state.add_calls(calls)
        if isinstance(outcome, DomainSearch) and lookup.kind == SEARCH:
            self.store.lookups.save_domain(self.job_id, lookup.provider, outcome, calls, self.prices, claim)
        elif isinstance(outcome, Verification) and lookup.kind == VERIFY:
            self.store.lookups.save_verification(
                self.job_id, lookup.provider, outcome, calls, self.prices, claim
            )
        elif isinstance(outcome, ProviderError):
            self.store.lookups.give_up(self.job_id, calls, self.prices, claim)
            if isinstance(outcome, BudgetReached):  # not sent: its leads wait for a higher budget
                for work in lookup.waiters.pop(subject, []):
                    self._block(work, lookup.kind)
                return
            if isinstance(outcome, ProviderAuthError | NetworkUnavailable):
                # its calls are logged above; the copy carries none so they are not logged twice
                raise type(outcome)(outcome.provider, outcome.message) from None
            if isinstance(outcome, QuotaExhausted):
                lookup.exhausted = True
                what = (
                    "the remaining leads were finished without emails"
                    if lookup.kind == SEARCH
                    else ("remaining emails were left unverified")
                )
                self.state.notice(f"{outcome.provider} quota is exhausted: {what}.")
        else:
            self.store.lookups.give_up(self.job_id, calls, self.prices, claim)
            if isinstance(outcome, Cancelled):
                raise Cancelled
            raise TypeError(f"unexpected provider result {type(outcome).__name__}") from (
                outcome if isinstance(outcome, BaseException) else None
            )
        lookup.answers[subject] = outcome
        for index, work in enumerate(lookup.waiters.pop(subject, [])):
            if index == 0:
                self._charge(work, lookup, subject, cost)
            else:
                work.provenance[f"{lookup.provenance}_reused_in_run"] = True
            lookup.then(work, outcome)

    def dropped(self, request: Request) -> None:
        """A request dropped before it was sent (the run is ending): it is no longer out."""
        if request.kind in WEBSITE_KINDS:
            self._checks.dropped(request)
            return
        self._in_flight -= 1
        self._out[request.kind] -= 1

    def poll_claims(self) -> None:
        """Carry on the leads whose lookup another run was paying for, once its answer is cached."""
        self._checks.poll_claims()
        for lookup in self._lookups.values():
            waiting, lookup.elsewhere = lookup.elsewhere, {}
            for subject, works in waiting.items():
                if lookup.read_cache(subject) is None and self.claims.held_elsewhere(
                    lookup.claim_kind, subject
                ):
                    lookup.elsewhere[subject] = works
                    continue
                for work in works:
                    (self._search if lookup.kind == SEARCH else self._verify)(work)

    def remaining_worst_case(self) -> float:
        """What the leads stopped by the budget could cost at most."""
        unit = UnitPrices.of(self.providers, self.prices, self.verify, self.hunter)
        return sum((unit.search if w.waiting_for == SEARCH else 0.0) + unit.check for w in self.blocked)

    # -- one lookup, whatever its kind ----------------------------------------------------

    def _ask(self, work: LeadWork, lookup: _Lookup, subject: str) -> None:
        """Get ``subject`` looked up for ``work``: from this run, the cache, another run, or paid for."""
        if subject in lookup.answers:
            work.provenance[f"{lookup.provenance}_reused_in_run"] = True
            lookup.then(work, lookup.answers[subject])
        elif subject in lookup.waiters:
            lookup.waiters[subject].append(work)
        elif subject in lookup.elsewhere:
            lookup.elsewhere[subject].append(work)
        elif (entry := lookup.read_cache(subject)) is not None:
            answer = entry.value
            assert isinstance(answer, lookup.answer_type)
            lookup.answers[subject] = answer
            if entry.job_id == self.job_id:  # paid by this job before it was interrupted
                if subject not in lookup.charged:
                    self._charge(work, lookup, subject, entry.cost)
            else:
                work.log_calls.append(_cache_hit(lookup))
                work.provenance[f"{lookup.provenance}_cache_hit"] = True
            lookup.then(work, answer)
        elif not self.requests.sending:  # the run is ending: the lead stays unfinished (resumable)
            return
        elif not self.claims.take(lookup.claim_kind, subject):
            lookup.elsewhere[subject] = [work]  # another run pays for it: wait for its answer
        elif lookup.read_cache(subject) is not None:
            # answered (and released) by another run between the cache read and the claim:
            # its answer and its release were one transaction, so it is in the cache now
            self.claims.give_up(lookup.claim_kind, subject)
            self._ask(work, lookup, subject)
        else:
            hold = self.budget.reserve(self.prices.price(lookup.sku))
            if hold is None:
                self.claims.give_up(lookup.claim_kind, subject)
                self._block(work, lookup.kind)
                return
            lookup.waiters[subject] = [work]
            self._start(lookup, subject, hold)

    def _start(self, lookup: _Lookup, subject: str, hold: int | None) -> None:
        self._in_flight += 1
        self._out[lookup.kind] += 1
        ask = lookup.ask
        self.requests.submit(lookup.kind, subject, lambda stop: ask(subject, stop), hold)

    def _block(self, work: LeadWork, kind: str) -> None:
        work.waiting_for = kind
        self.blocked.append(work)

    # -- what a lead does with an answer ---------------------------------------------------

    def _search(self, work: LeadWork) -> None:
        search = self._lookups.get(SEARCH)
        assert work.domain is not None
        if search is None:  # the website step asks only when there is a finder
            self._step.choose(work, work.site_candidates, EmailReason.NO_KEY)
        elif search.exhausted:
            self._step.choose(work, work.site_candidates, EmailReason.QUOTA_EXHAUSTED)
        else:
            self._ask(work, search, work.domain)

    def _verify(self, work: LeadWork) -> None:
        lookup = self._lookups.get(VERIFY)
        assert work.email is not None
        if not self.verify:
            work.provenance["verification"] = "Verification was turned off for this campaign."
            self._final_with(work, EmailStatus.UNVERIFIED, ())
        elif lookup is None:
            self.state.notice("Emails were not verified: no NeverBounce API key. Add one in Settings.")
            work.provenance["verification"] = "Not verified: no NeverBounce API key."
            self._final_with(work, EmailStatus.UNVERIFIED, ())
        elif lookup.exhausted:
            work.provenance["verification"] = "Not verified: the verification quota was exhausted."
            self._final_with(work, EmailStatus.UNVERIFIED, ())
        else:
            self._ask(work, lookup, work.email.casefold())

    def _on_verdict(self, work: LeadWork, outcome: Answer) -> None:
        verifier = self.providers.verifier
        assert verifier is not None
        if isinstance(outcome, QuotaExhausted):
            work.provenance["verification"] = f"Not verified: {outcome.message}"
            self._final_with(work, EmailStatus.UNVERIFIED, ())
        elif isinstance(outcome, ProviderError):
            work.provenance["verification"] = f"{verifier.provider} error: {outcome.message}"
            self._final_with(work, EmailStatus.UNKNOWN, ())
        else:
            assert isinstance(outcome, Verification)
            work.provenance["verification"] = {"provider": verifier.provider, "result": outcome.status.value}
            self._final_with(work, outcome.status, outcome.flags)

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

    def _charge(self, work: LeadWork, lookup: _Lookup, subject: str, cost: float) -> None:
        """Put a paid lookup's cost on this lead (once per lookup and job, also across resumes)."""
        work.cost += cost
        charged = work.provenance.setdefault("charged", {})
        assert isinstance(charged, dict)
        charged[lookup.kind] = subject
        lookup.charged.add(subject)
