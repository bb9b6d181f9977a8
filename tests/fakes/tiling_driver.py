"""A plain, sequential driver of the tiling planner for tests and the tiling benchmark.

The pipeline's real driver (concurrent, checkpointed, budgeted) is built on the
same calls: map the tiles the planner hands out, record each mapping with the
ids the place cache holds, buy what it hands out, record each answer.
"""

from __future__ import annotations

import math
from collections.abc import MutableMapping
from dataclasses import dataclass, field

from leadgen_desktop.core.discovery.tile_search import map_task_ids, run_purchase
from leadgen_desktop.core.discovery.tiling import TilePlanner
from leadgen_desktop.domain import DEFAULT_PRICES, ApiCall, AreaDiscovery, Business, CancelToken


@dataclass
class DriveResult:
    """What a drive found and every request it made."""

    found: dict[str, Business] = field(default_factory=dict)
    calls: list[ApiCall] = field(default_factory=list)
    mappings: int = 0
    purchases: int = 0
    budget_stop: bool = False

    @property
    def cost(self) -> float:
        """USD of every call at the default prices."""
        return math.fsum(DEFAULT_PRICES.get(c.sku, 0.0) * c.units for c in self.calls if not c.cached)

    def requests_by_sku(self) -> dict[str, int]:
        """Request attempts per SKU."""
        counts: dict[str, int] = {}
        for call in self.calls:
            counts[call.sku] = counts.get(call.sku, 0) + 1
        return counts


def drive(
    planner: TilePlanner,
    discovery: AreaDiscovery,
    query: str,
    cache: MutableMapping[str, Business | None],
    *,
    wanted: int | None = None,
    map_batch: int = 4,
    max_mappings: int | None = None,
    max_purchases: int | None = None,
    budget: float | None = None,
) -> DriveResult:
    """Map and buy until the planner is done or a limit is reached.

    Limits: ``wanted`` businesses found, ``max_mappings`` tiles mapped or
    ``max_purchases`` purchases made (a kill), ``budget`` USD (a purchase whose
    worst case would cross it is handed back and the drive stops).

    ``cache`` plays the place cache: businesses found there cost nothing and
    every bought business is added to it (a permanently closed place as None:
    known, never bought again, not a lead).
    """
    result = DriveResult()
    cancel = CancelToken()

    def enough() -> bool:
        full = wanted is not None and len(result.found) >= wanted
        return full or (max_purchases is not None and result.purchases >= max_purchases)

    while not enough():
        progressed = False
        batch = map_batch if max_mappings is None else min(map_batch, max_mappings - result.mappings)
        if max_mappings is not None and batch <= 0:
            break
        for task in planner.next_tiles(batch):
            mapping = map_task_ids(discovery, query, task, cancel)
            result.calls.extend(mapping.calls)
            cached = [i for i in mapping.place_ids if i in cache]
            for place_id in cached:
                business = cache[place_id]
                if business is not None:
                    result.found.setdefault(place_id, business)
            planner.record_mapping(task.key, mapping.place_ids, results=mapping.results, cached=cached)
            result.mappings += 1
            progressed = True
        while not enough() and (purchase := planner.next_purchase()) is not None:
            if budget is not None and result.cost + purchase.worst_case(planner.prices) > budget + 1e-9:
                planner.release_purchase(purchase)
                result.budget_stop = True
                return result
            answer = run_purchase(discovery, query, purchase, cancel)
            result.calls.extend(answer.calls)
            result.purchases += 1
            cache.update({b.place_id: b for b in answer.businesses})
            cache.update(dict.fromkeys(answer.closed_place_ids))
            for business in planner.record_purchase(purchase, answer):
                result.found.setdefault(business.place_id, business)
            progressed = True
        if not progressed:
            break
    return result
