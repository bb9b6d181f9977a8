"""The quadtree's records: a tile and its state, and a tile handed out to be mapped.

Kept apart from :mod:`leadgen_desktop.core.discovery.quadtree` (the tree's logic), which
re-exports them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from leadgen_desktop.domain import Area


class TileState(enum.StrEnum):
    """Where a tile is in its life."""

    PENDING = "pending"  # waiting to be mapped
    MAPPED = "mapped"  # a leaf: its ids are final
    SPLIT = "split"  # reached the cap: its children cover it
    FAILED = "failed"  # its search failed: not covered


@dataclass(frozen=True, slots=True)
class Tile:
    """One rectangle of the quadtree; ``key`` is its path ("0", "0.3", "0.3.1")."""

    key: str
    rect: Area
    state: TileState = TileState.PENDING
    place_ids: tuple[str, ...] = ()
    results: int = 0
    saturated: bool = False
    children: tuple[str, ...] = ()
    group: str | None = None
    echo: bool = False  # at the cap with exactly its parent's ids (see the module docstring)

    @property
    def parent(self) -> str | None:
        """The key of the tile this one was split from (None for a root)."""
        return self.key.rpartition(".")[0] or None

    def to_dict(self) -> dict[str, object]:
        """Plain data for a checkpoint."""
        return {
            "key": self.key,
            "rect": self.rect.to_list(),
            "state": self.state.value,
            "place_ids": list(self.place_ids),
            "results": self.results,
            "saturated": self.saturated,
            "children": list(self.children),
            "group": self.group,
            "echo": self.echo,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Tile:
        """Inverse of :meth:`to_dict`; raises ValueError on malformed data."""
        ids, children, group, results = data["place_ids"], data["children"], data["group"], data["results"]
        if not isinstance(ids, list) or not isinstance(children, list):
            raise ValueError("a tile needs lists of place ids and children")
        if isinstance(results, bool) or not isinstance(results, int) or results < 0:
            raise ValueError(f"a tile's result count must be a count, not {results!r}")
        return cls(
            key=str(data["key"]),
            rect=Area.from_list(data["rect"]),
            state=TileState(str(data["state"])),
            place_ids=tuple(str(i) for i in ids),
            results=results,
            saturated=bool(data["saturated"]),
            children=tuple(str(c) for c in children),
            group=None if group is None else str(group),
            echo=bool(data.get("echo", False)),
        )


@dataclass(frozen=True, slots=True)
class MapTask:
    """A tile to map: search it with the IDs-only mask, then :meth:`TilePlanner.record_mapping`.

    ``splittable``: the tile is big enough to be split, so a full first page that
    says more are coming may decide the split by itself (:func:`tile_search.map_tile_ids`),
    unless it lists exactly ``parent_first_page`` (the ids of its parent's first page):
    then it may be an echo of its parent and is searched to the end.
    """

    key: str
    rect: Area
    splittable: bool = False
    parent_first_page: frozenset[str] = frozenset()
