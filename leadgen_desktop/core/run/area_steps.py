"""The durable side of an area search (DESIGN 6.1): its plan, and each recorded answer stored as one step.

:class:`AreaSteps` owns the job's :class:`~leadgen_desktop.core.discovery.tiling.TilePlanner`
(restored from the store, or new) and stores each recorded answer as a step, in one
transaction with what it changed in the plan, the businesses new to the job
(deduplicated, closed ones left out), the places bought (shared cache, closed ones too),
its calls and the round's requests not recorded yet. What a step found is then handed to
selection; coverage and progress are reported at most every :data:`COVERAGE_INTERVAL` s.
:class:`~leadgen_desktop.core.run.area_search.AreaSearch` decides what is sent and when.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Sequence

from leadgen_desktop.core.discovery.coverage import coverage_of
from leadgen_desktop.core.discovery.dedupe import Deduper
from leadgen_desktop.core.discovery.purchases import PurchasePrices
from leadgen_desktop.core.discovery.quadtree import MapTask
from leadgen_desktop.core.discovery.tile_search import TileMapping
from leadgen_desktop.core.discovery.tiling import TilePlanner
from leadgen_desktop.core.run.area_round import AreaHost, RoundItem, fraction_done, reissue
from leadgen_desktop.core.run.run_state import RunState
from leadgen_desktop.db.records import ClaimKey, TilingRows
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import ApiCall, Area, Business, BusinessStatus, PriceTable, Stage

COVERAGE_INTERVAL = 0.25
"""Seconds between two coverage reports."""


def _is_open(business: Business) -> bool:
    return business.business_status is not BusinessStatus.CLOSED_PERMANENTLY


class AreaSteps:
    """One job's tiling plan and its stored steps (see the module docstring).

    ``left`` gives the round's requests not recorded yet, in order (stored with each step).
    """

    def __init__(
        self,
        *,
        store: Store,
        job_id: str,
        prices: PriceTable,
        purchase_prices: PurchasePrices,
        provider: str,
        state: RunState,
        host: AreaHost,
        cache_ttl: dt.timedelta,
        left: Callable[[], list[RoundItem]],
        known: Sequence[Business] = (),
    ) -> None:
        self.store, self.job_id, self.prices, self.purchase_prices = store, job_id, prices, purchase_prices
        self.provider, self.state, self.host, self.cache_ttl = provider, state, host, cache_ttl
        self._left = left
        self.planner: TilePlanner | None = None
        self._deduper = Deduper()
        self._found = 0
        self._points: list[tuple[float, float]] = []
        self._last_report = 0.0
        for business in known:
            self._deduper.add(business)
            self._found += 1
            self._note_arrival(business)

    @property
    def plan(self) -> TilePlanner:
        """The plan (once :meth:`restore_or_start` made it)."""
        assert self.planner is not None
        return self.planner

    def restore_or_start(self, area: Area) -> list[RoundItem]:
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
                return reissue(self.planner, rows.round or ())
        except ValueError as exc:
            raise RuntimeError(f"The job's stored search of its area cannot be read: {exc}") from exc
        self.planner = TilePlanner(area, self.purchase_prices)
        self.save()
        return []

    def record_mapping(self, task: MapTask, mapping: TileMapping) -> None:
        """Record a tile's mapping; places already in the place cache are found at once."""
        cached = self.store.lookups.places(mapping.place_ids, self.cache_ttl)
        self.plan.record_mapping(task.key, mapping.place_ids, results=mapping.results, cached=list(cached))
        self.state.add_calls(mapping.calls)
        self.step(calls=mapping.calls, arrived=cached.values())

    def step(
        self,
        *,
        calls: Sequence[ApiCall] = (),
        arrived: Iterable[Business] = (),
        bought: Sequence[Business] = (),
        closed: Sequence[str] = (),
        claim: ClaimKey | None = None,
    ) -> None:
        """Store one recorded answer with the businesses it found, then hand those to selection."""
        found = [b for b in arrived if _is_open(b) and self._deduper.add(b)]
        for business in found:
            self._note_arrival(business)
        self._found += len(found)
        self.state.businesses_found = self._found
        self.save(calls=calls, found=found, bought=bought, closed=closed, claim=claim)
        self.host.take(found)

    def qualified_share(self) -> float:
        """The share of the businesses handed to selection that qualified (1.0 before any)."""
        return self.host.leads_selected() / self._found if self._found else 1.0

    def _note_arrival(self, business: Business) -> None:
        if business.latitude is not None and business.longitude is not None:
            self._points.append((business.latitude, business.longitude))

    def count_tiles(self) -> None:
        """Put the plan's tile counts in the run's state."""
        summary = self.plan.summary()
        self.state.tiles_searched = summary.tiles_searched
        self.state.tiles_saturated = summary.tiles_saturated

    def save(
        self,
        *,
        calls: Sequence[ApiCall] = (),
        found: Sequence[Business] = (),
        bought: Sequence[Business] = (),
        closed: Sequence[str] = (),
        claim: ClaimKey | None = None,
    ) -> None:
        """Store what changed in the plan since the last step, with these parts, in one transaction."""
        delta = self.plan.take_delta()
        self.count_tiles()
        stage = Stage.DISCOVERING
        progress = (stage, stage.progress_at(fraction_done(self.plan)), self.state.snapshot())
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
            provider=self.provider,
            progress=progress,
            claim=claim,
        )

    def report(self, *, force: bool = False) -> None:
        """Report coverage and progress to the host (at most every :data:`COVERAGE_INTERVAL`)."""
        now = time.monotonic()
        if not force and now - self._last_report < COVERAGE_INTERVAL:
            return
        self._last_report = now
        coverage = coverage_of(self.plan, self._points)
        self.host.coverage(coverage)
        self.host.progress(fraction_done(self.plan), coverage.describe())
