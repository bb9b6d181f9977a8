"""Discovery by area (DESIGN 6.1): map the area's tiles for free, buy contact fields centre first.

The pipeline's thread owns the :class:`~leadgen_desktop.core.discovery.tiling.TilePlanner`
and every decision; requests run on a :class:`~leadgen_desktop.core.run.worker_pool.WorkerPool`
and come back through a queue. While requests are out, the thread keeps
handling the enrichment scheduler's answers (``host.pump``), so emails are
found for the first businesses while the area is still being searched.

* **Mapping** (free): up to :data:`MAP_IN_FLIGHT` tiles at once, nearest the
  centre first, within the provider's rate limit. A mapped tile's ids already
  in the shared place cache are known at once (no purchase; their businesses
  are found for free).
* **Buying**: the planner hands out purchases centre first (pages or Place
  Details, packed neighbours); each one's worst-case price is reserved in the
  budget before it is sent. Purchases start while mapping still runs, and stop
  once enough leads qualify: the places still expected from requests in flight
  (at the share that qualified so far) never exceed the leads still wanted.
* **Durable**: each answer is stored in one transaction with what it changed in
  the plan (:meth:`TilePlanner.take_delta`), the businesses new to the job,
  the bought places (shared cache, closed ones too) and its calls. A killed run
  resumes from the stored plan; requests that were in flight are handed out
  again, nothing answered is paid twice.

The host (the pipeline's run) scores and selects what is found
(:meth:`AreaHost.take`) and says how many leads are still wanted.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import math
import queue
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from leadgen_desktop.core.billing.budget import Budget
from leadgen_desktop.core.discovery.coverage import coverage_of
from leadgen_desktop.core.discovery.dedupe import Deduper
from leadgen_desktop.core.discovery.purchases import PagePurchase, Purchase, PurchasePrices
from leadgen_desktop.core.discovery.quadtree import MapTask
from leadgen_desktop.core.discovery.tile_search import TileMapping, map_tile_ids, run_purchase
from leadgen_desktop.core.discovery.tiling import TilePlanner
from leadgen_desktop.core.run.run_state import RunState
from leadgen_desktop.core.run.worker_pool import WorkerPool
from leadgen_desktop.db.records import TilingRows
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import (
    ApiCall,
    Area,
    AreaDiscovery,
    Business,
    BusinessStatus,
    CampaignConfig,
    Cancelled,
    CancelToken,
    Coverage,
    DiscoveryPage,
    NetworkUnavailable,
    PriceTable,
    ProviderAuthError,
    ProviderError,
    QuotaExhausted,
    Stage,
)

log = logging.getLogger(__name__)

ROUND_TILES = 24
"""Most tiles mapped in one round (each a chain of up to three IDs-only pages)."""
ROUND_PURCHASES = 24
"""Most purchases (pages of different groups, Place Details) in one round."""
BLOCKING_TILES = 8
"""Most tiles mapped in a round while nothing can be bought yet (those nearest the centre)."""
POOL_SIZE = 16
"""Requests in flight at once (the provider's rate limiter spaces them)."""
LOOKAHEAD_PLACES = 120
"""Mapped places waiting to be bought (beyond twice the leads wanted) at which mapping pauses."""
COVERAGE_INTERVAL = 0.25
"""Seconds between two coverage reports."""
SETTLE_TIMEOUT = 20.0
"""After a failure, how long to wait for purchases already sent (the longest read timeout)."""
MIN_QUALIFIED_SHARE = 0.05
"""The least share of found places assumed to qualify when deciding how much to keep in flight."""

_FATAL = (ProviderAuthError, NetworkUnavailable, QuotaExhausted)


def _is_open(business: Business) -> bool:
    return business.business_status is not BusinessStatus.CLOSED_PERMANENTLY


class AreaHost(Protocol):
    """What the area search needs from the run that drives it."""

    def pump(self, timeout: float) -> None:
        """Handle the enrichment's answers (waiting up to ``timeout``); raises Cancelled when cancelled."""
        ...

    def leads_wanted(self) -> int:
        """How many more qualified leads the run wants (0: enough)."""
        ...

    def leads_selected(self) -> int:
        """How many qualified leads the run has selected so far."""
        ...

    def take(self, businesses: Sequence[Business]) -> None:
        """Businesses new to the job, in discovery order: score, select, enrich."""
        ...

    def progress(self, fraction: float, message: str) -> None:
        """Report the discovery stage's progress (``fraction`` of the stage, 0..1)."""
        ...

    def coverage(self, coverage: Coverage) -> None:
        """Report what the search covered so far."""
        ...


@dataclass(frozen=True, slots=True)
class _Item:
    """One request of a round: a tile's mapping or a purchase, with its budget ticket once sent."""

    subject: MapTask | Purchase
    ticket: int | None = None

    def to_dict(self) -> dict[str, object]:
        """Plain data for the stored round (what a resumed run sends first)."""
        subject = self.subject
        if isinstance(subject, MapTask):
            return {"map": subject.key}
        if isinstance(subject, PagePurchase):
            return {"group": subject.group, "page": subject.page}
        return {"group": subject.group, "place_id": subject.place_id}


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
        host: AreaHost,
        cache_ttl: dt.timedelta,
        known: Sequence[Business] = (),
    ) -> None:
        self.store, self.job_id, self.config, self.discovery = store, job_id, config, discovery
        self.prices, self.budget, self.state, self.cancel, self.host = prices, budget, state, cancel, host
        self.cache_ttl = cache_ttl
        self.purchase_prices = PurchasePrices.from_table(prices, discovery.buy_sku, discovery.details_sku)
        self.planner: TilePlanner | None = None
        self._deduper = Deduper()
        self._known = tuple(known)
        self._found = 0
        self._points: list[tuple[float, float]] = []
        for business in known:
            self._deduper.add(business)
            self._found += 1
            self._note_arrival(business)
        self._stop = cancel.child()  # set by close(): requests not yet sent give up
        self._pool = WorkerPool(POOL_SIZE, "leadgen-area")
        self._results: queue.SimpleQueue[tuple[int, object]] = queue.SimpleQueue()
        self._sent: dict[int, _Item] = {}  # this round's requests sent and not recorded yet, by position
        self._answers: dict[int, object] = {}  # answers back but not recorded yet, by position
        self._held: dict[int, _Item] = {}  # this round's requests not sent, or handed back, by position
        self._stopped = False  # no new requests (budget, quota, failure)
        self._failed_tiles = 0
        self._settling = False
        self._last_report = 0.0

    # -- the public surface ------------------------------------------------------------

    @property
    def purchases_out(self) -> int:
        """Paid requests sent and not answered yet."""
        return sum(1 for i in self._sent if i not in self._answers and self._is_purchase(self._sent[i]))

    def run(self, area: Area) -> None:
        """Search ``area`` until the plan is done, enough leads qualify, or the budget stops it."""
        items = self._restore_or_start(area)
        self.state.area = (area.south, area.west, area.north, area.east)
        self._count_tiles()
        self._report(force=True)
        while True:
            self.cancel.raise_if_cancelled()
            if not items:
                items = self._plan_round()
            if not items:
                break
            self._run_round(items)
            items = []
        self._report(force=True)

    def remaining(self) -> tuple[float, int]:
        """The most buying the rest of what was mapped could cost, and how many places that is."""
        if self.planner is None:
            return 0.0, 0
        planned = self.planner.preview()
        return math.fsum(p.worst_case for p in planned), sum(p.places for p in planned)

    def provenance(self, business: Business) -> dict[str, object]:
        """Where a business was found: its tile (key and rectangle), for the lead's provenance."""
        if self.planner is None:
            return {}
        key = self.planner.tile_of(business)
        if key is None:
            return {}
        tile = self.planner.tile(key)
        return {"tile": key, "tile_area": tile.rect.to_list(), "tile_places": len(tile.place_ids)}

    def close(self) -> None:
        """Stop: queued requests are dropped, threads exit after their current request."""
        self._stop.cancel()
        self._pool.close()

    # -- planning rounds -----------------------------------------------------------------

    def _restore_or_start(self, area: Area) -> list[_Item]:
        """The stored plan (and the requests of its unfinished round), or a new plan."""
        try:
            rows = self.store.tiling.load(self.job_id)
            if rows is not None and rows.header is not None:
                self.planner = TilePlanner.from_parts(
                    rows.header,
                    (data for _, data in rows.tiles),
                    (data for _, _, data in rows.groups),
                    rows.marks,
                    self.purchase_prices,
                )
                return self._reissue(rows.round or ())
        except ValueError as exc:
            raise RuntimeError(f"The job's stored search of its area cannot be read: {exc}") from exc
        self.planner = TilePlanner(area, self.purchase_prices)
        self._save()
        return []

    def _reissue(self, stored: Sequence[Mapping[str, object]]) -> list[_Item]:
        """The requests a stopped run's round had not recorded, handed out again in their order."""
        items: list[_Item] = []
        for data in stored:
            try:
                if "map" in data:
                    items.append(_Item(self._plan.take_tile(str(data["map"]))))
                elif "page" in data:
                    page = data["page"]
                    if not isinstance(page, int):
                        raise ValueError(f"page {page!r} is not a number")
                    items.append(_Item(self._plan.reissue(str(data.get("group")), page=page)))
                else:
                    place_id = str(data.get("place_id"))
                    items.append(_Item(self._plan.reissue(str(data.get("group")), place_id=place_id)))
            except ValueError as exc:  # the plan moved on (a cache hit meanwhile): nothing to send
                log.info("Not sending a stored request again: %s", exc)
        return items

    def _plan_round(self) -> list[_Item]:
        """The next round: purchases first (centre first, no more than the leads still wanted), then tiles.

        Every decision depends only on what was recorded before, so a run gives the
        same requests in the same order whatever the timing, and so does a resumed one.
        """
        if self._stopped:
            return []
        wanted = self.host.leads_wanted()
        if wanted <= 0:
            return []
        share = max(self._qualified_share(), MIN_QUALIFIED_SHARE)
        purchases: list[Purchase] = []
        coming = 0
        blocked = False
        while len(purchases) < ROUND_PURCHASES and share * coming < wanted:
            purchase = self._plan.next_purchase()
            if purchase is None:
                blocked = not self._plan.done
                break
            purchases.append(purchase)
            coming += self._plan.expected_places(purchase)
        waiting = self._plan.places_mapped - self._plan.summary().places_known
        tiles: list[MapTask] = []
        if blocked and not purchases:  # nothing to buy yet: map what lets buying start
            tiles = self._plan.next_blocking_tiles(BLOCKING_TILES)
        if not tiles and (not purchases or waiting < LOOKAHEAD_PLACES + 2 * wanted / share):
            tiles = self._plan.next_tiles(ROUND_TILES)
        return [_Item(p) for p in purchases] + [_Item(t) for t in tiles]

    def _run_round(self, items: list[_Item]) -> None:
        """Send the round's requests, then record the answers in the round's order."""
        self._sent.clear()
        self._answers.clear()
        self._held.clear()
        for position, item in enumerate(items):
            sendable = None if self._held or self._stopped else self._reserve(item)
            if sendable is None:  # after a budget stop nothing later is sent: the order stays
                self._held[position] = item
                self._hand_back(item)
                continue
            self._sent[position] = sendable
            self._send(position, sendable)
        for position in sorted(self._sent):
            if position not in self._sent:  # recorded while settling after a failure
                continue
            outcome = self._await(position)
            self._record(position, self._sent.pop(position), outcome)

    def _reserve(self, item: _Item) -> _Item | None:
        """The item with its budget ticket, or None (and the search stops) when the budget cannot take it."""
        if isinstance(item.subject, MapTask):
            return item
        ticket = self.budget.reserve(item.subject.worst_case(self.purchase_prices))
        if ticket is None:
            self._stopped = True
            return None
        return _Item(item.subject, ticket)

    def _send(self, position: int, item: _Item) -> None:
        stop, results, discovery = self._stop, self._results, self.discovery
        query, subject = self.config.business_query, item.subject

        def task() -> None:
            try:
                stop.raise_if_cancelled()  # dropped while queued: never sent
                if isinstance(subject, MapTask):
                    outcome: object = map_tile_ids(discovery, query, subject.rect, stop)
                else:
                    outcome = run_purchase(discovery, query, subject, stop)
            except Exception as exc:  # noqa: BLE001 - handed back to the pipeline thread
                outcome = exc
            results.put((position, outcome))

        self._pool.submit(task)

    def _await(self, position: int) -> object:
        """The answer at ``position``, handling enrichment answers meanwhile."""
        while position not in self._answers:
            try:
                self.host.pump(0)
            except Cancelled:
                raise
            except Exception:
                self._settle_out()  # keep what the purchases already sent cost, then fail
                raise
            try:
                got, outcome = self._results.get(timeout=0.005)
            except queue.Empty:
                continue
            self._answers[got] = outcome
        return self._answers.pop(position)

    # -- recording answers ----------------------------------------------------------------

    def _left(self) -> list[_Item]:
        """The round's requests not recorded yet, in the round's order (stored with each step)."""
        waiting = {**self._sent, **self._held}
        return [waiting[position] for position in sorted(waiting)]

    def _record(self, position: int, item: _Item, outcome: object) -> None:
        """Record one answer of the round (already taken out of the requests sent)."""
        subject = item.subject
        if isinstance(subject, MapTask) and isinstance(outcome, TileMapping):
            self._record_mapping(subject, outcome)
        elif not isinstance(subject, MapTask) and isinstance(outcome, DiscoveryPage):
            self._record_purchase(subject, item.ticket, outcome)
        elif isinstance(outcome, Cancelled):
            self.budget.settle(item.ticket, 0.0)
            self._held[position] = item
            self._hand_back(item)
            raise Cancelled
        elif isinstance(outcome, ProviderError):
            self._failed(position, item, outcome)
        else:
            self.budget.settle(item.ticket, 0.0)
            self._held[position] = item
            self._hand_back(item)
            raise RuntimeError(f"unexpected answer {type(outcome).__name__} from the area search") from (
                outcome if isinstance(outcome, BaseException) else None
            )

    def _record_mapping(self, task: MapTask, mapping: TileMapping) -> None:
        cached = self.store.lookups.places(mapping.place_ids, self.cache_ttl)
        self._plan.record_mapping(task.key, mapping.place_ids, results=mapping.results, cached=list(cached))
        self.budget.settle(None, self.state.add_calls(mapping.calls))
        self._step(calls=mapping.calls, arrived=cached.values())

    def _record_purchase(self, purchase: Purchase, ticket: int | None, page: DiscoveryPage) -> None:
        self.budget.settle(ticket, self.state.add_calls(page.calls))
        self._plan.record_purchase(purchase, page)
        self._step(
            calls=page.calls, arrived=page.businesses, bought=page.businesses, closed=page.closed_place_ids
        )

    def _failed(self, position: int, item: _Item, error: ProviderError) -> None:
        """A request failed for good: log its calls; a fatal error stops the search."""
        self.budget.settle(item.ticket, self.state.add_calls(error.calls))
        if isinstance(error, _FATAL):
            self._held[position] = item
            self._hand_back(item)
            self._stopped = True
            self._step(calls=error.calls)
            if isinstance(error, QuotaExhausted):
                self.state.notice(f"Discovery stopped early: {error.message}")
                return
            self._settle_out()
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
        self._step(calls=error.calls)

    def _hand_back(self, item: _Item) -> None:
        """Hand an unanswered request back to the plan (a resumed run sends it first)."""
        if isinstance(item.subject, MapTask):
            self._plan.release_tile(item.subject.key)
        else:
            self._plan.release_purchase(item.subject)

    def _settle_out(self) -> None:
        """Stop sending; record the purchases already answered or still coming (bounded wait).

        A cancel ends the wait. Their answers were paid for: they are stored even
        though they come after a failure (out of the round's order).
        """
        self._stopped = True
        self._stop.cancel()
        if self._settling:
            return
        self._settling = True
        deadline = time.monotonic() + SETTLE_TIMEOUT
        while any(self._is_purchase(item) for item in self._sent.values()):
            ready = [position for position in sorted(self._sent) if position in self._answers]
            if ready:
                item, outcome = self._sent.pop(ready[0]), self._answers.pop(ready[0])
                with contextlib.suppress(ProviderError, Cancelled, RuntimeError):
                    self._record(ready[0], item, outcome)
                continue
            if self.cancel.cancelled or time.monotonic() > deadline:
                return
            try:
                got, outcome = self._results.get(timeout=0.05)
            except queue.Empty:
                continue
            self._answers[got] = outcome

    @staticmethod
    def _is_purchase(item: _Item) -> bool:
        return not isinstance(item.subject, MapTask)

    # -- bookkeeping ---------------------------------------------------------------------

    @property
    def _plan(self) -> TilePlanner:
        assert self.planner is not None
        return self.planner

    def _step(
        self,
        *,
        calls: Sequence[ApiCall] = (),
        arrived: Iterable[Business] = (),
        bought: Sequence[Business] = (),
        closed: Sequence[str] = (),
    ) -> None:
        """Store one recorded answer with the businesses whose turn came, then hand those to selection."""
        found = [b for b in arrived if _is_open(b) and self._deduper.add(b)]
        for business in found:
            self._note_arrival(business)
        self._found += len(found)
        self.state.businesses_found = self._found
        self._save(calls=calls, found=found, bought=bought, closed=closed)
        self.host.take(found)

    def _qualified_share(self) -> float:
        """The share of the businesses handed to selection that qualified (1.0 before any)."""
        return self.host.leads_selected() / self._found if self._found else 1.0

    def _note_arrival(self, business: Business) -> None:
        if business.latitude is not None and business.longitude is not None:
            self._points.append((business.latitude, business.longitude))

    def _count_tiles(self) -> None:
        summary = self._plan.summary()
        self.state.tiles_searched = summary.tiles_searched
        self.state.tiles_saturated = summary.tiles_saturated

    def _fraction(self) -> float:
        summary = self._plan.summary()
        tiles = summary.tiles_searched + summary.tiles_failed
        mapped = tiles / max(tiles + summary.tiles_left, 1)
        bought = summary.places_known / max(summary.places_mapped, 1)
        return min(1.0, 0.5 * mapped + 0.5 * bought)

    def _save(
        self,
        *,
        calls: Sequence[ApiCall] = (),
        found: Sequence[Business] = (),
        bought: Sequence[Business] = (),
        closed: Sequence[str] = (),
    ) -> None:
        delta = self._plan.take_delta()
        self._count_tiles()
        stage = Stage.DISCOVERING
        progress = (stage, stage.progress_at(self._fraction()), self.state.snapshot())
        self.store.tiling.save_step(
            self.job_id,
            TilingRows(
                delta.header, delta.tiles, delta.groups, delta.marks, tuple(i.to_dict() for i in self._left())
            ),
            calls=calls,
            prices=self.prices,
            found=found,
            bought=bought,
            closed=closed,
            provider=self.discovery.provider,
            progress=progress,
        )

    def _report(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_report < COVERAGE_INTERVAL:
            return
        self._last_report = now
        coverage = coverage_of(self._plan, self._points)
        self.host.coverage(coverage)
        self.host.progress(self._fraction(), coverage.describe())
