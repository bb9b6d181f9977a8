"""The coverage picture's data: a plan's searched tiles and the points of the businesses found."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from leadgen_desktop.core.discovery.purchases import PurchasePrices
from leadgen_desktop.core.discovery.tiling import TilePlanner, TileState
from leadgen_desktop.domain import Business, Coverage, CoverageTile


def coverage_of(planner: TilePlanner, points: Sequence[tuple[float, float]]) -> Coverage:
    """A snapshot of ``planner``'s tiles and counters, with the known business locations ``points``."""
    summary = planner.summary()
    leaves = tuple(
        CoverageTile(tile.key, tile.rect, len(tile.place_ids), tile.saturated) for tile in planner.leaves()
    )
    pending = tuple(tile.rect for tile in planner.tiles() if tile.state is TileState.PENDING)
    return Coverage(
        area=planner.area,
        tiles=leaves,
        pending=pending,
        tiles_searched=summary.tiles_searched,
        tiles_saturated=summary.tiles_saturated,
        places_mapped=summary.places_mapped,
        places_bought=summary.places_bought,
        points=tuple(points),
    )


def stored_coverage(
    header: Mapping[str, object],
    tiles: Iterable[Mapping[str, object]],
    groups: Iterable[Mapping[str, object]],
    marks: Iterable[tuple[str, int]],
    businesses: Iterable[Business],
) -> Coverage:
    """The coverage of a stored plan (a past job's) with the locations of the businesses it found.

    Raises ValueError when the stored plan is damaged.
    """
    planner = TilePlanner.from_parts(header, tiles, groups, marks, PurchasePrices(0.0, 0.0))
    points = [
        (b.latitude, b.longitude) for b in businesses if b.latitude is not None and b.longitude is not None
    ]
    return coverage_of(planner, points)
