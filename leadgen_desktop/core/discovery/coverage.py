"""The coverage picture's data: a plan's searched tiles and the points of the businesses found."""

from __future__ import annotations

from collections.abc import Sequence

from leadgen_desktop.core.discovery.tiling import TilePlanner, TileState
from leadgen_desktop.domain import Coverage, CoverageTile


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
