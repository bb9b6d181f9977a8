"""Discovery by area (DESIGN 6.1): map the area's tiles for free, buy contact fields centre first.

The pipeline's thread owns the :class:`~leadgen_desktop.core.discovery.tiling.TilePlanner`
and every decision. Requests are the run's (:class:`~leadgen_desktop.core.run.run_requests.RunRequests`:
its pool and its ledger, which writes every paid attempt down before it is sent);
while they are out the thread handles the enrichment's answers too.

* **Rounds** (:mod:`area_round`): planned from what was recorded before and
  what is out, recorded in the round's order and topped up before each answer
  is recorded (a sliding window, no barrier between levels). Mapping is free
  (tiles in the way first while nothing can be bought); purchases are centre
  first, their worst case held in the budget, never more in flight than the
  leads still wanted need; ids in the shared place cache are never bought.
* **Durable** (:mod:`area_steps`: the plan and each answer stored as one step,
  with the round's requests not recorded yet). A resumed run sends those first;
  answers that came back after a stop are parked with the round and recorded in
  their turn, never bought again.
* **Claims**: a purchase is claimed before it is sent; one another run is making
  is waited for, then taken from the cache.

The host (the pipeline's run) selects what is found (:meth:`AreaHost.take`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from leadgen_desktop.core.billing.budget import Budget
from leadgen_desktop.core.discovery.purchases import DetailsPurchase, Purchase, PurchasePrices
from leadgen_desktop.core.discovery.quadtree import MapTask
from leadgen_desktop.core.discovery.tile_search import TileMapping
from leadgen_desktop.core.discovery.tiling import TilePlanner
from leadgen_desktop.core.run.area_round import (
    PLACE,
    TILE,
    AreaHost,
    InFlight,
    ParkedAnswer,
    RoundItem,
    claim_of,
    due_ids,
    gone_place,
    parked_page,
    plan_round,
    request_call,
    settled,
)
from leadgen_desktop.core.run.area_steps import COVERAGE_INTERVAL as COVERAGE_INTERVAL
from leadgen_desktop.core.run.area_steps import AreaSteps
from leadgen_desktop.core.run.lookup_claims import CLAIM_POLL_SECONDS, LookupClaims
from leadgen_desktop.core.run.run_requests import SETTLE_TIMEOUT as SETTLE_TIMEOUT
from leadgen_desktop.core.run.run_requests import RunRequests
from leadgen_desktop.core.run.run_state import RunState
from leadgen_desktop.core.run.worker_pool import Finished, Request
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import (
    Area,
    AreaDiscovery,
    BudgetReached,
    Business,
    CampaignConfig,
    Cancelled,
    CancelToken,
    DiscoveryPage,
    NetworkUnavailable,
    PriceTable,
    ProviderAuthError,
    ProviderError,
    QuotaExhausted,
)

log = logging.getLogger(__name__)

_FATAL = (ProviderAuthError, NetworkUnavailable, QuotaExhausted)


class AreaSearch:
    """Drives one job's tiling plan to the end (see the module docstring)."""

    def __init__(
        self,
        *,
        store: Store,
        job_id: str,
        config: CampaignConfig,
        discovery: AreaDiscovery,
        prices: PriceTable,
        budget: Budget,
        state: RunState,
        cancel: CancelToken,
        requests: RunRequests,
        claims: LookupClaims,
        host: AreaHost,
        cache_ttl: dt.timedelta,
        known: Sequence[Business] = (),
    ) -> None:
        self.store, self.job_id, self.config, self.discovery = store, job_id, config, discovery
        self.prices, self.budget, self.state, self.cancel, self.host = prices, budget, state, cancel, host
        self.requests, self.claims = requests, claims
        self.cache_ttl = cache_ttl
        self.purchase_prices = PurchasePrices.from_table(prices, discovery.buy_sku, discovery.details_sku)
        self.steps = AreaSteps(
            store=store,
            job_id=job_id,
            prices=prices,
            purchase_prices=self.purchase_prices,
            provider=discovery.provider,
            state=state,
            host=host,
            cache_ttl=cache_ttl,
            left=self._left,
            known=known,
        )
        self._sent: dict[int, RoundItem] = {}  # this round's requests sent and not recorded yet, by position
        self._answers: dict[int, Finished] = {}  # answers back but not recorded yet, by position
        self._held: dict[int, RoundItem] = {}  # this round's requests not sent, or handed back, by position
        self._parked: dict[int, DiscoveryPage] = {}  # answers from before a stop, recorded in their turn
        self._positions = 0  # positions handed out in this round
        self._stopped = False  # no new requests (budget, quota, failure)
        self._failed_tiles = 0
        self._claim_wait = False  # waiting for another run to finish a purchase
        self._claim_polls = 0  # claim polls while waiting (each ends a wait)
        requests.on(TILE, self._back)
        requests.on(PLACE, self._back)
        requests.every(CLAIM_POLL_SECONDS, self._claim_polled, when=lambda: self._claim_wait)

    # -- the public surface ------------------------------------------------------------

    @property
    def planner(self) -> TilePlanner | None:
        """The job's tiling plan, once the search started."""
        return self.steps.planner

    @property
    def purchases_out(self) -> int:
        """Paid requests sent and not answered yet."""
        return sum(1 for i in self._sent if i not in self._answers and self._sent[i].is_purchase)

    @property
    def requests_out(self) -> int:
        """Requests sent and not answered yet, free mapping searches too (their attempts count)."""
        return sum(1 for i in self._sent if i not in self._answers)

    def run(self, area: Area) -> None:
        """Search ``area`` until the plan is done, enough leads qualify, or the budget stops it."""
        items = self.steps.restore_or_start(area)
        searched = self._plan.area  # a resumed job's own, as stored
        self.state.area = (searched.south, searched.west, searched.north, searched.east)
        self.steps.count_tiles()
        self.steps.report(force=True)
        while True:
            self.cancel.raise_if_cancelled()
            if not items:
                items = self._plan_round()
            if not items:
                break
            self._run_round(items)
            items = []
        self.steps.report(force=True)

    def dropped(self, request: Request) -> None:
        """A request of this search was dropped before it was sent (the run stops sending)."""
        position = request.key
        if isinstance(position, int) and position in self._sent:
            self._held[position] = self._sent.pop(position)  # handed back when the round ends

    # -- planning rounds -----------------------------------------------------------------

    def _plan_round(self) -> list[RoundItem]:
        """The next round (none once the budget, a quota or a failure stopped the search)."""
        if self._stopped:
            return []
        return plan_round(self._plan, self.host.leads_wanted(), self.steps.qualified_share())

    def _run_round(self, items: list[RoundItem]) -> None:
        """Send the round's requests and record the answers in its order, topping it up before each:
        a tile's parts go out once its mapping is recorded, a group's next page once the page before.
        """
        self._sent.clear()
        self._answers.clear()
        self._held.clear()
        self._parked.clear()
        self._positions = 0
        try:
            if self._send_items(items) and not self._sent:  # only others' purchases: wait for one of them
                self._wait_for_other_runs()
            while self._sent:
                self._top_up()
                position = min(self._sent)
                parked = self._parked.pop(position, None)
                outcome = parked if parked is not None else self._await(position)
                if position in self._sent:  # not dropped while waiting, nor recorded while settling
                    self._record(position, self._sent.pop(position), outcome)
        finally:
            for item in self._held.values():  # kept out of the plan until now: no top-up plans them again
                self._hand_back(item)

    def _top_up(self) -> None:
        """Add what the plan allows now around what is out (held after a stop, in order): planned
        before each answer is recorded, so a resumed run, whose first step this is, goes on alike."""
        out = InFlight.of(self._plan, [*self._sent.values(), *self._held.values()])
        self._send_items(plan_round(self._plan, self.host.leads_wanted(), self.steps.qualified_share(), out))
        self.host.between_answers()

    def _send_items(self, items: Sequence[RoundItem]) -> int:
        """Send ``items`` after the round's others; return how many purchases another run is making."""
        elsewhere = 0  # planned again later
        for item in items:
            position = self._positions
            self._positions += 1
            if item.parked is not None and not (self._held or self._stopped):
                self._sent[position] = item  # answered before a stop: recorded in its turn, not sent
                self._parked[position] = parked_page(self.store, item.parked)
                continue
            if item.is_purchase and not (self._held or self._stopped) and not self._still_ours(item):
                elsewhere += 1
                self._hand_back(item)
                continue
            sendable = None if self._held or self._stopped else self._reserve(item)
            if sendable is None:  # after a budget stop nothing later is sent: the order stays
                self._held[position] = item
                continue
            self._sent[position] = sendable
            self._send(position, sendable)
        return elsewhere

    def _still_ours(self, item: RoundItem) -> bool:
        """Claim a purchase before sending it; False when another run makes it, or it is no longer due.

        What other runs bought meanwhile is taken from the cache first (and handed to selection).
        """
        if not self.claims.take(*self._claim(item)):
            return False
        cached = self.store.lookups.places(self._due_ids(item), self.cache_ttl)
        if cached:
            self._plan.mark_known(cached)
            self.steps.step(arrived=cached.values())
        if self._due_ids(item):
            return True
        self.claims.give_up(*self._claim(item))
        return False

    def _wait_for_other_runs(self) -> None:
        """Wait one claim poll (cancel-aware, answers handled meanwhile); the next round looks again."""
        polls = self._claim_polls
        self._claim_wait = True
        try:
            self.requests.serve(until=lambda: self._claim_polls != polls)
        finally:
            self._claim_wait = False

    def _claim_polled(self) -> None:
        self._claim_polls += 1

    def _claim(self, item: RoundItem) -> tuple[str, str]:
        return claim_of(item, self.config.business_query)

    def _due_ids(self, item: RoundItem) -> tuple[str, ...]:
        return due_ids(self._plan, item)

    def _reserve(self, item: RoundItem) -> RoundItem | None:
        """The item with its budget ticket, or None (and the search stops) when the budget cannot take it."""
        if isinstance(item.subject, MapTask):
            return item
        ticket = self.budget.reserve(item.subject.worst_case(self.purchase_prices))
        if ticket is None:
            self._stopped = True
            return None
        return RoundItem(item.subject, ticket)

    def _send(self, position: int, item: RoundItem) -> None:
        kind = PLACE if item.is_purchase else TILE
        call = request_call(item, self.discovery, self.config.business_query)
        self.requests.submit(kind, position, call, item.ticket)

    def _back(self, finished: Finished) -> None:
        """A request of this search came back (on the run's thread)."""
        if isinstance(finished.request.key, int):
            self._answers[finished.request.key] = finished

    def _await(self, position: int) -> object:
        """The answer at ``position`` (its bill settled), while enrichment answers are handled."""
        self.requests.serve(until=lambda: position in self._answers or position not in self._sent)
        finished = self._answers.pop(position, None)
        if finished is None:  # dropped before it was sent
            return Cancelled()
        return settled(finished)

    # -- recording answers ----------------------------------------------------------------

    @property
    def _plan(self) -> TilePlanner:
        return self.steps.plan

    def _left(self) -> list[RoundItem]:
        """The round's requests not recorded yet, in the round's order (stored with each step)."""
        waiting = {**self._sent, **self._held}
        return [waiting[position] for position in sorted(waiting)]

    def _record(self, position: int, item: RoundItem, outcome: object) -> None:
        """Record one answer of the round (already taken out of the requests sent)."""
        subject = item.subject
        if isinstance(subject, MapTask) and isinstance(outcome, TileMapping):
            self.steps.record_mapping(subject, outcome)
        elif not isinstance(subject, MapTask) and isinstance(outcome, DiscoveryPage):
            self._record_purchase(subject, outcome)
        elif isinstance(outcome, Cancelled):
            self._held[position] = item
            raise Cancelled
        elif isinstance(outcome, ProviderError):
            self._failed(position, item, outcome)
        else:
            self._held[position] = item
            raise RuntimeError(f"unexpected answer {type(outcome).__name__} from the area search") from (
                outcome if isinstance(outcome, BaseException) else None
            )

    def _record_purchase(self, purchase: Purchase, page: DiscoveryPage) -> None:
        self.state.add_calls(page.calls)
        self._plan.record_purchase(purchase, page)
        finished = isinstance(purchase, DetailsPurchase) or not self._plan.outstanding(purchase.group)
        claim = self.claims.key(*self._claim(RoundItem(purchase))) if finished else None
        self.steps.step(
            calls=page.calls,
            arrived=page.businesses,
            bought=page.businesses,
            closed=page.closed_place_ids,
            claim=claim,  # a group's claim is held until its last page
        )

    def _failed(self, position: int, item: RoundItem, error: ProviderError) -> None:
        """A request failed for good: log its calls; a fatal error (or the budget) stops the search."""
        self.state.add_calls(error.calls)
        if isinstance(error, BudgetReached):  # an attempt the budget could not hold was not sent
            self._held[position] = item
            self._stopped = True
            self.steps.step(calls=error.calls)
            return
        if isinstance(error, _FATAL):
            self._held[position] = item
            self._stopped = True
            self.steps.step(calls=error.calls)
            if isinstance(error, QuotaExhausted):
                self.state.notice(f"Discovery stopped early: {error.message}")
                return
            raise type(error)(error.provider, error.message) from None  # its calls are logged
        if isinstance(item.subject, MapTask):
            self._plan.record_mapping_failed(item.subject.key)
            self._failed_tiles += 1
            self.state.notice(
                f"{self._failed_tiles} tile(s) of the area could not be searched ({error.message}); "
                "the businesses in them are missing."
            )
        else:
            self._plan.purchase_failed(item.subject)
        claim = self.claims.key(*self._claim(item)) if item.is_purchase else None
        self.steps.step(calls=error.calls, closed=gone_place(item, error), claim=claim)

    def _hand_back(self, item: RoundItem) -> None:
        """Hand an unanswered request back to the plan (a resumed run sends it first)."""
        if isinstance(item.subject, MapTask):
            self._plan.release_tile(item.subject.key)
        else:
            self._plan.release_purchase(item.subject)

    def store_answered(self) -> None:
        """The run is ending: keep what came back after the stop (never raises).

        Called after waiting for the requests already sent. A purchase is not recorded out
        of the round's order: its places go to the cache, its calls to the bill, and it is
        parked with the round, so a resumed run records it in its turn instead of buying it
        again. A free mapping or an error only adds its attempts to the bill.
        """
        for position in sorted(p for p in self._sent if p in self._answers):
            item = self._sent.pop(position)
            self._hand_back(item)
            outcome = settled(self._answers.pop(position))
            try:
                if item.is_purchase and isinstance(outcome, DiscoveryPage):
                    ids = tuple(b.place_id for b in outcome.businesses)
                    parked = ParkedAnswer(ids, outcome.closed_place_ids, outcome.next_page_token)
                    self._held[position] = RoundItem(item.subject, None, parked)
                    self.state.add_calls(outcome.calls)
                    closed = outcome.closed_place_ids
                    self.steps.save(calls=outcome.calls, bought=outcome.businesses, closed=closed)
                    continue
                self._held[position] = item
                if isinstance(outcome, (TileMapping, ProviderError)) and outcome.calls:
                    self.state.add_calls(outcome.calls)
                    self.steps.save(calls=outcome.calls)
            except Exception:
                log.warning("Could not keep an answer back as job %s ended", self.job_id, exc_info=True)
