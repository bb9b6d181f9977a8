"""What a run covered of its area: the tiles searched so far and where the businesses bought are.

A :class:`Coverage` is an immutable snapshot that the area search reports
(through :class:`~leadgen_desktop.domain.events.CoverageEvent`) and the window
draws: the area's rectangle, the mapped tiles shaded by how many places each
holds, the tiles still waiting to be searched, and one point per business
whose location is known.
"""

from __future__ import annotations

from dataclasses import dataclass

from leadgen_desktop.domain.geo import Area


@dataclass(frozen=True, slots=True)
class CoverageTile:
    """One searched tile (a leaf of the quadtree): where it is and how many places its search returned.

    ``saturated`` is set when the tile still reached the 60-place cap at the
    smallest size: Google may hold more places in it than it shows.
    """

    key: str
    rect: Area
    places: int
    saturated: bool = False


@dataclass(frozen=True, slots=True)
class Coverage:
    """A snapshot of an area's search: its tiles, counters and the businesses found so far."""

    area: Area
    tiles: tuple[CoverageTile, ...] = ()
    pending: tuple[Area, ...] = ()
    tiles_searched: int = 0
    tiles_saturated: int = 0
    places_mapped: int = 0
    places_bought: int = 0
    points: tuple[tuple[float, float], ...] = ()

    @property
    def tiles_left(self) -> int:
        """Tiles still waiting to be searched."""
        return len(self.pending)

    def describe(self) -> str:
        """One line for the window's discovery stage."""
        saturated = f", {self.tiles_saturated} saturated" if self.tiles_saturated else ""
        return (
            f"Tiles searched {self.tiles_searched}, left {self.tiles_left}{saturated} · "
            f"places mapped {self.places_mapped}, bought {self.places_bought}"
        )
