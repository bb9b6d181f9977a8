"""Map an area for free before anything is paid: what it holds and what buying it would take.

Used by the estimate (``leadgen run --estimate`` and the window's): the whole
area is searched tile by tile with the IDs-only mask (Text Search Essentials
IDs Only, $0), several tiles at once within the provider's rate limit; ids the
shared place cache already holds are counted as cached. Nothing is stored and
nothing paid; the result is an :class:`AreaPreview`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from leadgen_desktop.core.discovery.purchases import PurchasePrices
from leadgen_desktop.core.discovery.quadtree import MapTask
from leadgen_desktop.core.discovery.tile_search import TileMapping, map_task_ids
from leadgen_desktop.core.discovery.tiling import PlannedBuy, TilePlanner
from leadgen_desktop.core.run.area_round import TILE
from leadgen_desktop.core.run.worker_pool import Finished, Inbox, Request, RequestPool
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import (
    Area,
    AreaDiscovery,
    BusinessStatus,
    CampaignConfig,
    CancelToken,
    NetworkUnavailable,
    PriceTable,
    ProviderAuthError,
    ProviderError,
    Providers,
    QuotaExhausted,
)

MAPPING_CONCURRENCY = 8
"""Tiles searched at once (the provider's rate limiter spaces the requests)."""


@dataclass(frozen=True, slots=True)
class AreaPreview:
    """What mapping an area found: its places, which are cached, and the purchases the rest needs."""

    area: Area
    places: int
    cached: int
    closed: int
    tiles_searched: int
    tiles_saturated: int
    tiles_failed: int
    buys: tuple[PlannedBuy, ...]

    @property
    def buying(self) -> float:
        """The most buying every place not cached could cost (USD)."""
        return sum(buy.worst_case for buy in self.buys)


def map_area(
    area: Area,
    discovery: AreaDiscovery,
    query: str,
    prices: PriceTable,
    store: Store | None,
    cache_ttl: dt.timedelta,
    cancel: CancelToken,
    on_progress: Callable[[int, int], None] | None = None,
) -> AreaPreview:
    """Map ``area`` for ``query`` with free IDs-only searches; ``on_progress(searched, left)`` as it goes.

    Raises:
        ProviderError: a search failed in a way that stops the mapping (a rejected key, no network).
        Cancelled: ``cancel`` was set.
    """
    planner = TilePlanner(area, PurchasePrices.from_table(prices, discovery.buy_sku, discovery.details_sku))
    inbox = Inbox()
    pool = RequestPool({TILE: MAPPING_CONCURRENCY}, inbox, cancel.child(), "leadgen-map")
    cancel.add_waker(inbox.waker)
    out = 0
    closed = 0
    try:
        while True:
            for task in planner.next_tiles(MAPPING_CONCURRENCY - out):
                pool.submit(Request(TILE, task, _mapping_call(discovery, query, task)))
                out += 1
            if out == 0:
                break
            cancel.raise_if_cancelled()
            message = inbox.next()
            if not isinstance(message, Finished):
                continue
            out -= 1
            done, outcome = message.request.key, message.outcome
            assert isinstance(done, MapTask)
            if isinstance(outcome, TileMapping):
                cached = store.lookups.places(outcome.place_ids, cache_ttl) if store is not None else {}
                closed += sum(
                    1 for b in cached.values() if b.business_status is BusinessStatus.CLOSED_PERMANENTLY
                )
                planner.record_mapping(
                    done.key, outcome.place_ids, results=outcome.results, cached=list(cached)
                )
            elif isinstance(outcome, ProviderError) and not _stops(outcome):
                planner.record_mapping_failed(done.key)
            elif isinstance(outcome, BaseException):
                raise outcome
            if on_progress is not None:
                summary = planner.summary()
                on_progress(summary.tiles_searched, summary.tiles_left)
    finally:
        cancel.remove_waker(inbox.waker)
        pool.close()
    summary = planner.summary()
    return AreaPreview(
        area=area,
        places=summary.places_mapped,
        cached=summary.places_known,
        closed=closed,
        tiles_searched=summary.tiles_searched,
        tiles_saturated=summary.tiles_saturated,
        tiles_failed=summary.tiles_failed,
        buys=planner.preview(),
    )


def _mapping_call(discovery: AreaDiscovery, query: str, task: MapTask) -> Callable[[CancelToken], object]:
    return lambda stop: map_task_ids(discovery, query, task, stop)


def _stops(error: ProviderError) -> bool:
    """True for failures that end the mapping (the key, the quota, the network), not just one tile."""
    return isinstance(error, ProviderAuthError | NetworkUnavailable | QuotaExhausted)


def known_area(
    config: CampaignConfig, providers: Providers, prices: PriceTable, store: Store, cache_ttl: dt.timedelta
) -> Area | None:
    """The campaign's area when known without paying: given, stored for the location, or free to look up.

    A location lookup is a paid search with live Google (so None); the demo's is free.
    """
    if providers.area is None:
        return None
    if config.area is not None:
        return config.area
    stored = store.tiling.located_area(config.location, config.demo, cache_ttl)
    if stored is not None:
        return stored.area
    if float(prices.prices.get(providers.area.locate_sku, 0.0)) > 0:
        return None
    located = providers.area.locate(config.location, CancelToken()).located
    return None if located is None else located.area
