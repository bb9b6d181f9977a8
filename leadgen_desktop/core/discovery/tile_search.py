"""Running the planner's work against an area provider: one tile's mapping, one purchase.

These helpers only call the provider; the caller records the results in the
:class:`~leadgen_desktop.core.discovery.tiling.TilePlanner` and logs the calls
(every request attempt is an ``ApiCall``, free or not). When a request fails,
the calls of the pages already answered travel with the error, so the bill
never loses one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from leadgen_desktop.core.discovery.purchases import PagePurchase, Purchase
from leadgen_desktop.core.discovery.quadtree import MapTask
from leadgen_desktop.domain import (
    RESULTS_PER_PAGE,
    RESULTS_PER_QUERY,
    ApiCall,
    Area,
    AreaDiscovery,
    CancelToken,
    DiscoveryPage,
    ProviderError,
)


@dataclass(frozen=True, slots=True)
class TileMapping:
    """A tile's IDs-only search over all its pages.

    ``results`` counts every id returned, repeats across pages included: it is
    what says whether the search reached the cap.
    """

    place_ids: tuple[str, ...]
    results: int
    pages: int
    calls: tuple[ApiCall, ...]


def map_tile_ids(
    discovery: AreaDiscovery,
    query: str,
    rect: Area,
    cancel: CancelToken,
    *,
    cap: int = RESULTS_PER_QUERY,
    split_early: bool = False,
    parent_first_page: frozenset[str] = frozenset(),
) -> TileMapping:
    """Page through the IDs-only search of ``query`` in ``rect`` (at most ``cap`` results).

    ``split_early`` (the tile can be split): a full first page with a next page
    token ends the mapping there, counted as reaching the cap, so the planner
    splits the tile at once and its four parts are searched instead of pages 2-3
    (free requests, one round trip instead of three before the parts are known;
    the parts cover the tile, so nothing is lost, and an id seen only on that
    first page is bought with Place Details like any split parent's). A first
    page listing exactly ``parent_first_page`` is paged to the end: the provider
    may be ignoring the rectangle, and the planner needs the whole list to tell.
    """
    ids: dict[str, None] = {}
    calls: list[ApiCall] = []
    results = pages = 0
    token: str | None = None
    while pages < math.ceil(cap / RESULTS_PER_PAGE):
        try:
            page = discovery.map_tile(query, rect, token, cancel)
        except ProviderError as exc:
            raise with_earlier_calls(exc, calls) from exc
        pages += 1
        calls.extend(page.calls)
        results += len(page.place_ids)
        ids.update(dict.fromkeys(page.place_ids))
        token = page.next_page_token
        if not token or results >= cap:
            break
        full = len(page.place_ids) >= RESULTS_PER_PAGE
        if split_early and pages == 1 and full and set(page.place_ids) != parent_first_page:
            results = cap  # more are coming: split now rather than page on
            break
    return TileMapping(tuple(ids), results, pages, tuple(calls))


def map_task_ids(discovery: AreaDiscovery, query: str, task: MapTask, cancel: CancelToken) -> TileMapping:
    """Map the planner's tile ``task`` (split on its first page when the task allows it)."""
    return map_tile_ids(
        discovery,
        query,
        task.rect,
        cancel,
        split_early=task.splittable,
        parent_first_page=task.parent_first_page,
    )


def run_purchase(
    discovery: AreaDiscovery, query: str, purchase: Purchase, cancel: CancelToken
) -> DiscoveryPage:
    """Send one purchase: a contact-field page of its group's search, or one Place Details request."""
    if isinstance(purchase, PagePurchase):
        return discovery.buy_tile(query, purchase.rect, purchase.page_token, cancel)
    return discovery.details(purchase.place_id, cancel)


def with_earlier_calls(error: ProviderError, earlier: list[ApiCall]) -> ProviderError:
    """The same error (same class and message) carrying the calls made before it too."""
    if not earlier:
        return error
    return type(error)(error.provider, error.message, (*earlier, *error.calls))
