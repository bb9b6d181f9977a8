"""The campaign pipeline: discover → score → enrich (find + verify) → store.

``Pipeline.run`` drives one job to a final state on the calling thread, which
makes every decision and every write but one (a paid request's row, written by
the request's own thread right before it is sent). It is resumable from any point:

* discovery covers the campaign's area tile by tile (:mod:`area_stage`; page by
  page, :mod:`page_discovery`, when the provider has no areas) and stores each
  answer with what it changed, its businesses and its API calls in one
  transaction, so a resumed job re-reads them instead of paying again;
* qualified businesses (score ≥ the minimum) are taken in discovery order up
  to ``max_results`` and enriched while later pages are still being fetched;
  a business is never enriched and then dropped, so no paid lookup is wasted;
* every paid lookup lands in the shared cache with its calls the moment it
  answers, and every lead is stored the moment it is final, with the job's
  stage, progress and metrics in the same transaction;
* a job holds a lease (:class:`~leadgen_desktop.core.jobs.Jobs`) so two
  processes never run it at once, and each lookup it pays for is claimed
  (:mod:`~leadgen_desktop.core.run.lookup_claims`) so two runs never pay for one;
* every paid attempt is held against the budget and written down before it is
  sent (:mod:`~leadgen_desktop.core.billing.ledger`), so the bill a run ends
  with, or a resume rebuilds, counts what never got an answer as unconfirmed.

It reports plain immutable events through a callback, honours a cancel token
(also inside provider waits; a SIGINT handler may set it), keeps spend under
the budget, and never lets an exception escape: every failure ends as a
``failed`` (or ``cancelled``) job with a readable message.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import replace
from pathlib import Path

from leadgen_desktop.core.billing.budget import Budget, UnitPrices
from leadgen_desktop.core.export import ExportError, export_job_csv
from leadgen_desktop.core.jobs import Jobs
from leadgen_desktop.core.run.area_round import AREA_REQUESTS
from leadgen_desktop.core.run.area_search import AreaSearch
from leadgen_desktop.core.run.area_stage import (
    capacity_note,
    discover_by_area,
    discovery_remaining,
    found_in,
)
from leadgen_desktop.core.run.enrich_scheduler import SEARCH, VERIFY, EnrichScheduler
from leadgen_desktop.core.run.lookup_claims import CLAIM_POLL_SECONDS, LookupClaims
from leadgen_desktop.core.run.page_discovery import PAGE, PageDiscovery, Ranked, Selection
from leadgen_desktop.core.run.run_requests import SETTLE_TIMEOUT, RunRequests
from leadgen_desktop.core.run.run_state import RunState
from leadgen_desktop.core.run.website_checks import (
    MAIL_SERVER,
    MAIL_SERVER_CONCURRENCY,
    WEBSITE,
    WEBSITE_CONCURRENCY,
)
from leadgen_desktop.core.scoring import score_business
from leadgen_desktop.db.errors import StorageError
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import (
    ApiCall,
    AreaUnknown,
    BudgetStop,
    Business,
    CampaignConfig,
    Cancelled,
    CancelToken,
    EventCallback,
    JobFinished,
    JobStatus,
    Lead,
    LeadStored,
    NetworkUnavailable,
    PriceTable,
    ProgressEvent,
    ProviderAuthError,
    ProviderError,
    Providers,
    Stage,
    StopReason,
)

log = logging.getLogger(__name__)

DEFAULT_CACHE_TTL = dt.timedelta(days=30)
HEARTBEAT_SECONDS = 10.0
"""How often a running job renews its lease and its lookup claims."""


class Pipeline:
    """Runs campaigns with the given providers against one store."""

    def __init__(
        self,
        store: Store,
        providers: Providers,
        prices: PriceTable | None = None,
        *,
        cache_ttl: dt.timedelta = DEFAULT_CACHE_TTL,
        concurrency: int = 12,
        owner: str | None = None,
        user: str | None = None,
    ) -> None:
        self.store = store
        self.jobs = Jobs(store, owner=owner, user=user)
        self.providers = providers
        self.prices = prices or PriceTable()
        self.cache_ttl = cache_ttl
        self.concurrency = concurrency

    def start(self, config: CampaignConfig) -> tuple[str, str]:
        """Create the job to run (:meth:`Jobs.start`; with demo providers, a demo campaign); return ids."""
        return self.jobs.start(replace(config, demo=config.demo or self.providers.demo))

    def run(self, job_id: str, cancel: CancelToken, on_event: EventCallback) -> JobFinished:
        """Run (or resume) job ``job_id`` to a final state; the last event is a :class:`JobFinished`.

        Raises:
            JobNotFound: no such job.
            JobBusy: a live process (maybe this one) is running it.
        """
        job = self.jobs.claim(job_id)
        try:
            finished = _Run(self, job_id, job.campaign_id, job.config, cancel, on_event).execute()
        finally:
            self.jobs.release(job_id)
        on_event(finished)
        return finished


class _Run:
    """State and steps of one execution of a job."""

    def __init__(
        self,
        pipeline: Pipeline,
        job_id: str,
        campaign_id: str,
        config: CampaignConfig,
        cancel: CancelToken,
        on_event: EventCallback,
    ) -> None:
        self.pipeline = pipeline
        self.store = store = pipeline.store
        self.providers = pipeline.providers
        self.prices = pipeline.prices
        self.job_id, self.campaign_id, self.config = job_id, campaign_id, config
        self.cancel, self.on_event = cancel, on_event
        store.calls.mark_unanswered(job_id)  # a dead run's attempts without an answer: unconfirmed
        self.state = RunState.rebuild(self.prices, store, job_id)
        self.budget = Budget(config.budget)
        bill = self.state.snapshot()
        self.budget.add_spent(bill.total_cost, bill.cost_unconfirmed)
        self.stage = Stage.DISCOVERING
        self.progress = 0
        self.selected: list[Business] = []
        self.stored = store.leads.place_ids(job_id)
        self.finished_leads = len(self.stored)
        self.seen_elsewhere: set[str] = set()
        self._books_closed = False
        limits = {
            PAGE: 1,
            SEARCH: pipeline.concurrency,
            VERIFY: pipeline.concurrency,
            WEBSITE: WEBSITE_CONCURRENCY,
            MAIL_SERVER: MAIL_SERVER_CONCURRENCY,
            **AREA_REQUESTS,
        }
        self.requests = RunRequests(
            store.calls, job_id, self.prices, self.budget, cancel, limits, thread_done=store.db.close
        )
        self.claims = LookupClaims(store, pipeline.jobs.owner, job_id)
        self.scheduler = EnrichScheduler(
            store=store,
            job_id=job_id,
            providers=self.providers,
            prices=self.prices,
            verify=config.verify,
            state=self.state,
            budget=self.budget,
            requests=self.requests,
            claims=self.claims,
            on_final=self._store_lead,
            cache_ttl=pipeline.cache_ttl,
            hunter=config.hunter,
        )
        self.discovery = PageDiscovery(
            store=store,
            job_id=job_id,
            config=config,
            discovery=self.providers.discovery,
            prices=self.prices,
            budget=self.budget,
            state=self.state,
            requests=self.requests,
            cancel=cancel,
            selection=Selection(self._select, self._start_enrichment, lambda: len(self.selected)),
            progress=self._emit_progress,
            log_failed=self._log_calls_quietly,
        )
        self.area_search: AreaSearch | None = None  # discovery by area, once it started
        for kind in (SEARCH, VERIFY, WEBSITE, MAIL_SERVER):
            self.requests.on(kind, self.scheduler.handle)
        self.requests.every(HEARTBEAT_SECONDS, self._heartbeat)
        self.requests.every(
            CLAIM_POLL_SECONDS, self.scheduler.poll_claims, when=lambda: self.scheduler.waiting_elsewhere
        )

    # -- orchestration -------------------------------------------------------------

    def execute(self) -> JobFinished:
        try:
            if self.providers.area is None or not discover_by_area(self):
                self.discovery.run()  # page by page
            self._score()
            self._enrich()
            if self.budget.exhausted:
                return self._budget_finish()
            return self._finish(JobStatus.COMPLETED, output=self._store())
        except Cancelled:
            self._report_requests_out_on_cancel()
            return self._finish(JobStatus.CANCELLED, error="Cancelled by the user.")
        except ProviderError as exc:  # also NetworkUnavailable and ProviderAuthError
            self._settle_after_failure()
            self._log_calls_quietly(exc)
            return self._finish(JobStatus.FAILED, error=self._failure_text(exc))
        except StorageError as exc:
            return self._finish(JobStatus.FAILED, error=self._failure_text(exc))
        except ExportError as exc:
            return self._finish(JobStatus.FAILED, error=str(exc))
        except Exception as exc:
            log.exception("Unexpected error in job %s", self.job_id)
            return self._finish(JobStatus.FAILED, error=f"Unexpected error: {type(exc).__name__}: {exc}")
        finally:
            self.requests.close()

    def _emit_progress(
        self, stage: Stage, fraction: float, message: str, done: int = 0, total: int = 0
    ) -> None:
        self.stage = stage
        self.progress = max(self.progress, stage.progress_at(fraction))
        self.on_event(
            ProgressEvent(self.job_id, stage, self.progress, message, self.state.snapshot(), done, total)
        )

    def _heartbeat(self) -> None:
        self.pipeline.jobs.heartbeat(self.job_id)
        self.claims.renew()

    def _requests_pending(self) -> bool:
        area_out = self.area_search is not None and self.area_search.requests_out > 0
        return self.scheduler.in_flight > 0 or self.discovery.page_out or area_out

    # -- selection (discovery hands businesses over as their pages are stored) ----------

    def _select(self, businesses: list[Business]) -> Ranked:
        """Take qualified businesses in discovery order, up to max_results; return (rank, business)."""
        new: list[tuple[int, Business]] = []
        for business in businesses:
            if len(self.selected) >= self.config.max_results:
                break
            if score_business(business)[0] >= self.config.min_score:
                self.selected.append(business)
                new.append((len(self.selected), business))
        self.state.qualified_leads = len(self.selected)
        return new

    def _start_enrichment(self, ranked: Ranked) -> None:
        """Hand newly selected businesses that have no stored lead yet to the scheduler."""
        self.seen_elsewhere |= self.store.leads.seen_elsewhere(self.job_id, [b.place_id for _, b in ranked])
        leads: list[Lead] = []
        for rank, business in ranked:
            if business.place_id in self.stored:
                continue
            score, components = score_business(business)
            provider = business.source or self.providers.discovery.provider
            tile = found_in(self, business)
            leads.append(
                Lead(
                    business=business,
                    score=score,
                    components=components,
                    rank=rank,
                    provenance={"discovery": {"provider": provider, **tile}},
                )
            )
        self.scheduler.add_all(leads)

    # -- the other stages --------------------------------------------------------------

    def _score(self) -> None:
        self.cancel.raise_if_cancelled()
        selected = len(self.selected)
        self.state.qualified_leads = selected
        self._emit_progress(Stage.SCORING, 0.0, f"{selected} qualified leads", selected, selected)
        if selected < self.config.max_results and not self.budget.exhausted:
            self.state.notice(
                f"Only {selected} of {self.state.businesses_found} businesses reached the minimum score "
                f"{self.config.min_score} (asked for {self.config.max_results}; {capacity_note(self)})."
            )
        self.store.jobs.update_progress(
            self.job_id, Stage.SCORING, Stage.SCORING.progress_at(1.0), self.state.snapshot()
        )
        self._emit_progress(Stage.SCORING, 1.0, f"{selected} qualified leads", selected, selected)

    def _enrich(self) -> None:
        total = len(self.selected)
        self._emit_progress(
            Stage.ENRICHING, self.finished_leads / max(total, 1), "Finding emails", self.finished_leads, total
        )
        self.requests.serve(
            until=lambda: self.scheduler.in_flight == 0 and not self.scheduler.waiting_elsewhere
        )

    def _store_lead(self, lead: Lead, log_calls: tuple[ApiCall, ...]) -> None:
        total = max(len(self.selected), 1)
        self.state.add_calls(log_calls)
        self.state.add_lead(lead)
        self.finished_leads += 1
        fraction = self.finished_leads / total
        stage = Stage.ENRICHING if self.stage is not Stage.DISCOVERING else Stage.DISCOVERING
        progress = (
            self.progress if stage is Stage.DISCOVERING else max(self.progress, stage.progress_at(fraction))
        )
        lead_id = self.store.leads.add(
            self.job_id,
            lead,
            log_calls,
            self.prices,
            (stage, progress, self.state.snapshot()),
            seen_before=lead.business.place_id in self.seen_elsewhere,
        )
        self.stored.add(lead.business.place_id)
        self.on_event(LeadStored(self.job_id, lead_id, lead))
        if stage is Stage.ENRICHING:
            self._emit_progress(
                Stage.ENRICHING,
                fraction,
                f"Enriched {self.finished_leads}/{total}",
                self.finished_leads,
                total,
            )

    def _store(self) -> str | None:
        self.cancel.raise_if_cancelled()
        self._emit_progress(Stage.STORING, 0.0, "Storing results")
        output = self.config.output
        if output:
            export_job_csv(self.store, self.job_id, Path(output))
        self._emit_progress(Stage.STORING, 1.0, "Done")
        return output

    # -- endings -----------------------------------------------------------------------

    def _budget_finish(self) -> JobFinished:
        self._stop_sending()
        self._close_books()
        blocked = len(self.scheduler.blocked)
        more = self.scheduler.remaining_worst_case()
        to_come = 0
        if not self.discovery.done:
            unit = UnitPrices.of(self.providers, self.prices, self.config.verify, self.config.hunter)
            buying, places_left = discovery_remaining(self, unit.page)
            to_come = min(self.config.max_results - len(self.selected), places_left)
            more += buying + to_come * unit.lead
        bill = self.state.snapshot()
        stop = BudgetStop(
            bill.total_cost, self.config.budget or 0.0, more, blocked + to_come, bill.cost_unconfirmed
        )
        output = self._store()
        return self._finish(
            JobStatus.COMPLETED, output=output, stop_reason=StopReason.BUDGET, budget_stop=stop
        )

    def _stop_sending(self) -> None:
        """Send nothing more (idempotent): no attempt is written down, queued requests are dropped."""
        for request in self.requests.stop_sending():
            if request.kind == PAGE:
                self.discovery.dropped()
            elif request.kind in AREA_REQUESTS:
                if self.area_search is not None:
                    self.area_search.dropped(request)
            else:
                self.scheduler.dropped(request)

    def _close_books(self) -> None:
        """Give the run's claims up and take its bill from the call log (idempotent; never raises)."""
        if self._books_closed:
            return
        self._books_closed = True
        try:
            self.claims.release_all()
            self.store.calls.mark_unanswered(self.job_id)
            self.state.load_bill(self.store, self.job_id)
        except StorageError as exc:  # the bill counted so far stands; the claims go stale on their own
            log.warning("Could not close the books of job %s: %s", self.job_id, exc)

    def _settle_after_failure(self) -> None:
        """Record requests already sent before the job is marked failed (never raises)."""
        self._stop_sending()
        try:
            self.requests.settle(self._requests_pending, SETTLE_TIMEOUT)
        except Exception:
            log.warning("Could not settle requests in flight for job %s", self.job_id, exc_info=True)
        if self.area_search is not None:
            self.area_search.store_answered()

    def _report_requests_out_on_cancel(self) -> None:
        """Store the answers already back; say what the requests still out may cost (never raises)."""
        self._stop_sending()
        try:
            self.requests.settle_cancelled(self._requests_pending)  # what is back or in hand
        except Exception:
            log.warning("Could not settle the answers of cancelled job %s", self.job_id, exc_info=True)
            return
        if self.area_search is not None:
            self.area_search.store_answered()
        out = self.scheduler.still_out()
        unit = UnitPrices.of(self.providers, self.prices, self.config.verify, self.config.hunter)
        pages = int(self.discovery.page_out) + (self.area_search.purchases_out if self.area_search else 0)
        notice = unit.requests_out_notice(pages, out.get(SEARCH, 0), out.get(VERIFY, 0))
        if notice:
            self.state.notice(notice)

    def _failure_text(self, exc: ProviderError | StorageError) -> str:
        """What to tell the user when the run failed, and how to go on when resuming helps."""
        if isinstance(exc, NetworkUnavailable):
            return (
                f"The network was unreachable ({exc.message}). Everything paid for is kept; "
                f"resume with: leadgen resume {self.job_id}"
            )
        if isinstance(exc, StorageError):
            return str(exc) if exc.damaged else f"{exc} Resume with: leadgen resume {self.job_id}"
        return exc.message if isinstance(exc, ProviderAuthError | AreaUnknown) else str(exc)

    def _log_calls_quietly(self, exc: ProviderError) -> None:
        """Count and record the calls of a failed request without masking the failure."""
        if not exc.calls:
            return
        self.state.add_calls(exc.calls)
        try:
            self.store.calls.add(self.job_id, exc.calls, self.prices)
        except StorageError:
            log.warning("Could not log %d failed call(s) for job %s", len(exc.calls), self.job_id)

    def _finish(
        self,
        status: JobStatus,
        *,
        error: str | None = None,
        output: str | None = None,
        stop_reason: StopReason | None = None,
        budget_stop: BudgetStop | None = None,
    ) -> JobFinished:
        self._stop_sending()
        self._close_books()
        notices = tuple(self.state.notices)
        finished = JobFinished(
            self.job_id,
            self.campaign_id,
            status,
            self.state.snapshot(),
            stop_reason,
            error,
            notices,
            output,
            budget_stop,
        )
        try:
            self.store.jobs.finish(finished)
        except StorageError as exc:  # the job stays resumable: its lease is not live once released
            log.warning("Could not store the end of job %s: %s", self.job_id, exc)
            failure = self._failure_text(exc)
            return replace(
                finished, status=JobStatus.FAILED, error=failure, stop_reason=None, budget_stop=None
            )
        return finished
