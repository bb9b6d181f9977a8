"""Discovery page by page: one text search, pages of up to 20 places, at most 60 places in all.

Each page is a background request of the run (kind :data:`PAGE`), paid through
the run's ledger like any other, while the run's thread goes on storing
enriched leads. A page's new businesses (permanently closed dropped,
duplicates removed), its calls and the next page token are stored in one
transaction, so a resumed job reads them back instead of paying again; the
qualified ones are handed on at once. The whole-area tiles (``core/discovery``)
will drive the same requests with more kinds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from leadgen_desktop.core.billing.budget import Budget
from leadgen_desktop.core.discovery.dedupe import Deduper
from leadgen_desktop.core.emails.domains import registrable_domain
from leadgen_desktop.core.run.run_requests import SETTLE_TIMEOUT, RunRequests
from leadgen_desktop.core.run.run_state import RunState
from leadgen_desktop.core.run.worker_pool import Finished
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import (
    BudgetReached,
    Business,
    BusinessStatus,
    CampaignConfig,
    Cancelled,
    CancelToken,
    Discovery,
    DiscoveryPage,
    NetworkUnavailable,
    PriceTable,
    ProviderAuthError,
    ProviderError,
    Stage,
)

PAGE = "page"
"""Request kind of a discovery page."""

Ranked = list[tuple[int, Business]]


class _BudgetStop(Exception):
    """The budget cannot hold the next page."""


@dataclass(frozen=True)
class Selection:
    """How the run takes discovered businesses: ``select`` ranks the qualified ones (it counts
    them at once), ``start`` hands them on once their page is stored, ``count`` says how many
    are selected so far."""

    select: Callable[[list[Business]], Ranked]
    start: Callable[[Ranked], None]
    count: Callable[[], int]


class PageDiscovery:
    """Runs a job's page-by-page discovery on the run's thread; pages go through the run's requests."""

    def __init__(
        self,
        *,
        store: Store,
        job_id: str,
        config: CampaignConfig,
        discovery: Discovery,
        prices: PriceTable,
        budget: Budget,
        state: RunState,
        requests: RunRequests,
        cancel: CancelToken,
        selection: Selection,
        progress: Callable[[Stage, float, str, int, int], None],
        log_failed: Callable[[ProviderError], None],
    ) -> None:
        self.store, self.job_id, self.config, self.discovery = store, job_id, config, discovery
        self.prices, self.budget, self.state, self.requests = prices, budget, state, requests
        self.cancel, self.selection, self.progress, self.log_failed = cancel, selection, progress, log_failed
        self.done = False
        """True once discovery needs no more pages (False when the budget stopped it)."""
        self.page_out = False
        """True while a page request is out (a cancel reports it)."""
        self._page: Finished | None = None
        requests.on(PAGE, self._page_back)

    def run(self) -> None:
        """Read the stored pages back, then fetch pages until enough are selected, the query ends or
        the budget cannot hold the next page."""
        wanted = self.config.max_results
        limit = self.discovery.max_results_per_query
        checkpoint = self.store.checkpoints.load(self.job_id)
        deduper = Deduper()
        found: list[Business] = []
        for business in checkpoint.businesses:
            deduper.add(business)
            found.append(business)
        self.state.businesses_found = len(found)
        self.selection.start(self.selection.select(found))
        token, pages, done = checkpoint.next_page_token, checkpoint.pages, checkpoint.done
        if pages and not token:
            done = True
        fraction = self.selection.count() / wanted
        self.progress(Stage.DISCOVERING, fraction, f"Searching for {self.config.text_query}", 0, 0)
        while not done and self.selection.count() < wanted and len(found) < limit:
            self.cancel.raise_if_cancelled()
            try:
                page, failure = self._fetch(token)
            except _BudgetStop:
                break
            except ProviderError as exc:
                if isinstance(exc, ProviderAuthError | NetworkUnavailable) or not found:
                    raise
                self.log_failed(exc)
                self.state.notice(f"Discovery stopped early after {pages} page(s): {exc.message}")
                break
            pages += 1
            self.state.add_calls(page.calls)
            fresh = [
                b
                for b in page.businesses
                if b.business_status is not BusinessStatus.CLOSED_PERMANENTLY and deduper.add(b)
            ]
            found.extend(fresh)
            self.state.businesses_found = len(found)
            token = page.next_page_token
            ranked = self.selection.select(fresh)
            selected = self.selection.count()
            done = not token or selected >= wanted or len(found) >= limit
            fraction = min(selected / wanted, 1.0)
            progress = (Stage.DISCOVERING, Stage.DISCOVERING.progress_at(fraction), self.state.snapshot())
            self.store.checkpoints.save_page(
                self.job_id, fresh, page.calls, self.prices, token, done, progress
            )
            if failure is not None:  # storing failed while the page loaded: the page is kept, now fail
                raise failure
            self.selection.start(ranked)
            message = f"Found {len(found)} businesses ({pages} page(s))"
            self.progress(Stage.DISCOVERING, fraction, message, selected, wanted)
        if not self.budget.exhausted:
            self.done = True
            self.store.checkpoints.mark_done(self.job_id)

    def _fetch(self, token: str | None) -> tuple[DiscoveryPage, Exception | None]:
        """Fetch one page in the background while this thread keeps storing enriched leads.

        Returns the page and a failure that happened meanwhile: when enrichment fails
        while the page request is out (the network went away, a key was rejected), the
        page is waited for (bounded) so that it and what it cost are stored before the
        job fails, and a resume does not pay for it again. A cancel does not wait.
        """
        discovery, config = self.discovery, self.config
        hold = self.budget.reserve(self.prices.price(discovery.billing_sku))
        if hold is None:
            raise _BudgetStop
        self._page, self.page_out = None, True
        self.requests.submit(PAGE, token, lambda stop: discovery.search(config, token, stop), hold)
        registrable_domain("https://example.com")  # load the suffix list while the page loads
        failure: Exception | None = None
        try:
            self.requests.serve(until=lambda: self._page is not None)
        except Cancelled:
            raise
        except Exception as exc:
            self.requests.settle(lambda: self._page is None, SETTLE_TIMEOUT)  # a cancel ends the wait
            if self._page is None:
                raise
            failure = exc
        finished, self._page, self.page_out = self._page, None, False
        assert finished is not None
        outcome = finished.outcome
        RunRequests.settle_bill(
            finished, outcome.calls if isinstance(outcome, DiscoveryPage | ProviderError) else ()
        )
        if isinstance(outcome, ProviderError):
            if failure is not None or isinstance(outcome, BudgetReached):
                self.log_failed(outcome)
            if failure is not None:
                raise failure
            if isinstance(outcome, BudgetReached):  # not sent: the budget cannot hold it
                raise _BudgetStop
            raise outcome
        if isinstance(outcome, BaseException):
            raise failure or outcome
        assert isinstance(outcome, DiscoveryPage)
        return outcome, failure

    def _page_back(self, finished: Finished) -> None:
        self._page = finished

    def dropped(self) -> None:
        """The page request was dropped before it was sent (the run is ending)."""
        self.page_out = False
