"""The quadtree over an area: which tiles to map, and what their mapping said.

The area's rectangles (two when it crosses the antimeridian) are the first
tiles. :meth:`TileMap.next_tiles` hands out tiles to map, nearest the area's
centre first (ties by key, so the order is stable); :meth:`TileMap.record_mapping`
takes the ids a tile's IDs-only search returned. A tile whose search reaches
the cap is split into four (into two once one side is at the minimum), down
to about :data:`MIN_TILE_SIDE_M` a side; a tile still at the cap then is
*saturated*. Leaves are indexed by their edges so that neighbours can be
packed into one rectangle later, and every id has one owner: the leaf nearest
the centre that returned it (a place on a shared edge counts once).

A provider that ignores the rectangle answers every part of a tile with the
tile's own list. A child at the cap that returned exactly its parent's ids is
an *echo*: its split waits for its siblings. If every sibling echoes too, the
rectangles are ignored: the echoes stay leaves (saturated) and nothing below
them is searched or paid for; as soon as one sibling differs, the echoes are
split like any full tile (a dense corner can hold all of its parent's ids).

A root is nearly always full, so its four parts are handed out *speculatively* with it
(free IDs-only searches, one round trip sooner): a part's answer counts once the root
is recorded as split, and is dropped when the root turns out not to be, or when the part
listed exactly the root's first page (a possible echo: it is mapped again, knowing it).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace

from leadgen_desktop.core.discovery.tiles import MapTask, Tile, TileState
from leadgen_desktop.domain import RESULTS_PER_PAGE, RESULTS_PER_QUERY, Area, Business

__all__ = ["MIN_TILE_SIDE_M", "MapTask", "Tile", "TileMap", "TileState", "tile_order"]

MIN_TILE_SIDE_M = 200.0
"""A tile is split only while the halves keep at least this many metres a side."""


class TileMap:
    """The tiles of an area and their mappings (see the module docstring).

    ``min_side_m`` is the smallest side a split may produce; ``cap`` the most
    results one search returns (a mapping that reaches it means "there may be more").
    """

    def __init__(
        self, area: Area, *, min_side_m: float = MIN_TILE_SIDE_M, cap: int = RESULTS_PER_QUERY
    ) -> None:
        if min_side_m <= 0 or cap < 1:
            raise ValueError("the minimum tile side and the cap must be positive")
        self.area = area
        self.min_side_m = min_side_m
        self.cap = cap
        self._tiles: dict[str, Tile] = {}
        self._owner: dict[str, str] = {}  # id -> the leaf nearest the centre that returned it
        self._mapped: dict[str, None] = {}  # every id any mapping returned, in order
        self._edges: dict[tuple[str, float, float, float], str] = {}  # leaves not yet planned, by edge
        self._unplanned: dict[str, None] = {}  # mapped leaves no purchase group holds yet
        self._open: dict[str, int] = {}  # pending tiles in each tile's subtree (itself included)
        self._orphans: dict[str, tuple[str, ...]] = {}  # complete split tile -> ids no descendant returned
        self._mapping_out: set[str] = set()
        self._speculative: set[str] = set()  # parts of a root handed out with it, before it was recorded
        self._distance: dict[str, float] = {}
        self._changed_tiles: dict[str, None] = {}  # tiles changed since the last checkpoint

    def _start(self) -> None:
        """Create the root tiles (one per side of the antimeridian)."""
        for index, part in enumerate(self.area.parts()):
            self._add_tile(Tile(str(index), part))

    def _restore_tiles(self, tiles: Iterable[Tile]) -> None:
        """Rebuild from saved tiles (in creation order): counts, owners and the leaf index."""
        for tile in tiles:
            if tile.key in self._tiles:
                raise ValueError(f"tile {tile.key} appears twice")
            parent = self._tiles.get(tile.parent) if tile.parent is not None else None
            if tile.parent is not None and (parent is None or tile.key not in parent.children):
                raise ValueError(f"tile {tile.key} has no parent that lists it")
            if tile.parent is None and tile.rect not in self.area.parts():
                raise ValueError(f"root tile {tile.key} is not a part of the area")
            self._tiles[tile.key] = tile
            self._mapped.update(dict.fromkeys(tile.place_ids))
        for tile in self._tiles.values():
            if any(child not in self._tiles for child in tile.children):
                raise ValueError(f"a child of tile {tile.key} is missing")
            if tile.state is TileState.PENDING:
                node: str | None = tile.key
                while node is not None:
                    self._open[node] = self._open.get(node, 0) + 1
                    node = self._tiles[node].parent
        for tile in self._tiles.values():
            if tile.state is TileState.SPLIT and not self._open.get(tile.key):
                self._note_orphans(tile.key)
            elif tile.state is TileState.MAPPED and not (tile.echo and self._echo_waits(tile)):
                self._index_leaf(tile)

    # -- order ----------------------------------------------------------------------

    def order(self, key: str) -> tuple[float, str]:
        """Metres from the area's centre to the tile's centre, then the key: the stable order."""
        distance = self._distance.get(key)
        if distance is None:
            distance = self.area.distance_to_centre_m(*self._tiles[key].rect.centre)
            self._distance[key] = distance
        return distance, key

    def frontier_m(self) -> float:
        """How near the centre a tile still to be mapped reaches (inf once mapping is done)."""
        c_lat, c_lng = self.area.centre
        tiles = self._tiles.values()
        pending = (t for t in tiles if t.state is TileState.PENDING or self._is_waiting_echo(t))
        return min((t.rect.nearest_distance_m(c_lat, c_lng) for t in pending), default=math.inf)

    # -- mapping ----------------------------------------------------------------------

    @property
    def mapping_done(self) -> bool:
        """True when no tile is left to map."""
        return self._open_below_roots() == 0

    def _open_below_roots(self) -> int:
        return sum(self._open.get(t.key, 0) for t in self._tiles.values() if t.parent is None)

    def next_tiles(self, limit: int = 1) -> list[MapTask]:
        """Up to ``limit`` tiles to map now, nearest the centre first (they count as in flight)."""
        waiting = [
            k for k, t in self._tiles.items() if t.state is TileState.PENDING and k not in self._mapping_out
        ]
        chosen = sorted(waiting, key=self.order)[: max(limit, 0)]
        self._mapping_out.update(chosen)
        return [self.task(key) for key in chosen]

    def _hand_out(self, chosen: list[str], limit: int) -> list[MapTask]:
        """The tasks of ``chosen`` (now in flight), then each root's parts (speculative); ``limit`` in all.

        Used while nothing can be bought yet (:meth:`TilePlanner.next_blocking_tiles`): the
        root's parts are then in the way too, a round trip sooner.
        """
        self._mapping_out.update(chosen)
        tasks = [self.task(key) for key in chosen]
        for key in chosen:
            parts = list(self._root_parts(key).items())
            tasks += [self._speculate(part, rect) for part, rect in parts[: max(limit - len(tasks), 0)]]
        return tasks

    def _root_parts(self, key: str) -> dict[str, Area]:
        """The parts a root tile would be split into, by key (none for a tile below a root)."""
        tile = self._tiles.get(key)
        if tile is None or tile.parent is not None:
            return {}
        return {f"{key}.{i}": rect for i, rect in enumerate(self._child_rects(tile.rect))}

    def _speculate(self, key: str, rect: Area) -> MapTask:
        """Hand out a root's part before the root is recorded (no parent page known yet)."""
        self._speculative.add(key)
        return MapTask(key, rect, splittable=bool(self._child_rects(rect)))

    def split_on_first_page(self, key: str) -> bool:
        """True when the tile was split after its first page (its list holds that page only)."""
        tile = self._tiles[key]
        return tile.state is TileState.SPLIT and len(tile.place_ids) <= RESULTS_PER_PAGE < tile.results

    def take_tile(self, key: str) -> MapTask:
        """Hand out this pending tile (resuming a round of work); ValueError when it is not pending.

        A root's part sent speculatively with it is handed out so again while the root is out.
        """
        root = key.rpartition(".")[0]
        if key not in self._tiles and root in self._mapping_out and key not in self._speculative:
            rect = self._root_parts(root).get(key)
            if rect is not None:
                return self._speculate(key, rect)
        tile = self.tile(key)
        if tile.state is not TileState.PENDING or key in self._mapping_out:
            raise ValueError(f"tile {key} is not waiting to be mapped")
        self._mapping_out.add(key)
        return self.task(key)

    def task(self, key: str) -> MapTask:
        """The tile ``key`` as work to hand out (the caller marks it in flight)."""
        tile = self._tiles[key]
        parent = self._tiles.get(tile.parent) if tile.parent is not None else None
        first_page = frozenset(parent.place_ids[:RESULTS_PER_PAGE]) if parent is not None else frozenset()
        return MapTask(
            key, tile.rect, splittable=bool(self._child_rects(tile.rect)), parent_first_page=first_page
        )

    def release_tile(self, key: str) -> None:
        """Hand a tile back unmapped (its search was not answered): it is handed out again."""
        self._mapping_out.discard(key)
        self._speculative.discard(key)

    def _speculation_dropped(self, key: str, ids: tuple[str, ...] | None) -> bool:
        """Drop a speculative part's answer (``ids``; None: it failed) unless its root was split on it.

        A part listing exactly the root's first page may be an echo: it is mapped again.
        """
        if key not in self._speculative:
            return False
        self._speculative.discard(key)
        tile = self._tiles.get(key)
        if tile is None or tile.state is not TileState.PENDING:
            return True  # the root was not split: its own list covers the part
        parent = self._tiles[key.rpartition(".")[0]]
        if ids is not None and set(ids) == set(parent.place_ids[:RESULTS_PER_PAGE]):
            self._mapping_out.discard(key)
            return True
        return False

    def record_mapping(
        self, key: str, place_ids: Iterable[str], *, results: int | None = None
    ) -> Tile | None:
        """Take a tile's mapping: its ids in search order and the raw result count (pages summed).

        Returns the tile as recorded: ``SPLIT`` (its children now wait to be
        mapped) when the search reached the cap and the tile can still be split,
        else ``MAPPED`` (a leaf; ``saturated`` when it reached the cap at the
        minimum size); None for a speculative part's answer that was dropped.
        """
        ids = tuple(dict.fromkeys(str(place_id) for place_id in place_ids))
        if self._speculation_dropped(key, ids):
            return None
        tile = self._pending(key)
        count = max(len(ids), results if results is not None else 0)
        self._mapped.update(dict.fromkeys(ids))
        children = self._child_rects(tile.rect) if count >= self.cap else ()
        if children and self._echoes_parent(tile, ids):
            tile = replace(tile, state=TileState.MAPPED, place_ids=ids, results=count, echo=True)
            self._settle(tile)
            self._resolve_echoes(tile)
            return self._tiles[key]
        if children:
            keys = tuple(f"{key}.{i}" for i in range(len(children)))
            for child_key, rect in zip(keys, children, strict=True):
                self._add_tile(Tile(child_key, rect))
                if child_key in self._speculative:  # already out
                    self._mapping_out.add(child_key)
            tile = replace(tile, state=TileState.SPLIT, place_ids=ids, results=count, children=keys)
        else:
            saturated = count >= self.cap
            tile = replace(tile, state=TileState.MAPPED, place_ids=ids, results=count, saturated=saturated)
            self._index_leaf(tile)
        self._settle(tile)
        self._resolve_echoes(tile)
        return tile

    # -- a provider that ignores the rectangle -------------------------------------------

    def _echoes_parent(self, tile: Tile, ids: tuple[str, ...]) -> bool:
        """The tile's search answered with its parent's list (a parent split after its first page:
        the tile's list begins with it)."""
        parent = self._tiles.get(tile.parent) if tile.parent is not None else None
        if parent is None:
            return False
        known = parent.place_ids
        if self.split_on_first_page(parent.key):  # its list is its first page
            ids = ids[: len(known)]
        return set(ids) == set(known)

    def _siblings(self, tile: Tile) -> tuple[Tile, ...]:
        if tile.parent is None:
            return (tile,)
        return tuple(self._tiles[key] for key in self._tiles[tile.parent].children)

    def _is_waiting_echo(self, tile: Tile) -> bool:
        return tile.echo and tile.state is TileState.MAPPED and self._echo_waits(tile)

    def _echo_waits(self, tile: Tile) -> bool:
        """An echo's fate is open while a sibling is still to be mapped (none differed yet)."""
        return any(sibling.state is TileState.PENDING for sibling in self._siblings(tile))

    def _resolve_echoes(self, recorded: Tile) -> None:
        """After a child is recorded: split its echoing siblings, or keep them all as leaves."""
        siblings = self._siblings(recorded)
        echoes = [s for s in siblings if s.echo and s.state is TileState.MAPPED]
        if not echoes:
            return
        if all(s.echo and s.state is TileState.MAPPED for s in siblings):
            for echo in echoes:  # the rectangle is ignored: searching smaller ones finds nothing new
                leaf = replace(echo, saturated=True)
                self._put_tile(leaf)
                self._index_leaf(leaf)
            return
        if any(s.state is not TileState.PENDING and not s.echo for s in siblings):
            for echo in echoes:  # a sibling differs: the rectangles hold, the echoes are full tiles
                keys = tuple(f"{echo.key}.{i}" for i in range(4))
                rects = self._child_rects(echo.rect)
                keys = keys[: len(rects)]
                self._put_tile(replace(echo, state=TileState.SPLIT, echo=False, children=keys))
                for child_key, rect in zip(keys, rects, strict=True):
                    self._add_tile(Tile(child_key, rect))

    @property
    def rectangles_ignored(self) -> int:
        """How many tiles' parts all answered with the tile's own list (the provider ignored them)."""
        return sum(
            1
            for tile in self._tiles.values()
            if tile.state is TileState.SPLIT
            and tile.children
            and all(self._tiles[c].echo and self._tiles[c].state is TileState.MAPPED for c in tile.children)
        )

    def record_mapping_failed(self, key: str) -> Tile | None:
        """The tile could not be searched: it stays uncovered (``tiles_failed``).

        None: a speculative part's failure, dropped with the part.
        """
        if self._speculation_dropped(key, None):
            return None
        tile = replace(self._pending(key), state=TileState.FAILED)
        self._settle(tile)
        return tile

    def _pending(self, key: str) -> Tile:
        tile = self.tile(key)
        if tile.state is not TileState.PENDING:
            raise ValueError(f"tile {key} was already mapped")
        self._mapping_out.discard(key)
        return tile

    def _child_rects(self, rect: Area) -> tuple[Area, ...]:
        lat_ok = rect.height_m >= 2 * self.min_side_m
        lng_ok = rect.width_m >= 2 * self.min_side_m
        return rect.split(lat=lat_ok, lng=lng_ok) if lat_ok or lng_ok else ()

    def _put_tile(self, tile: Tile) -> None:
        """Store a new or changed tile (the next checkpoint writes it)."""
        self._tiles[tile.key] = tile
        self._changed_tiles[tile.key] = None

    def _add_tile(self, tile: Tile) -> None:
        self._put_tile(tile)
        if tile.state is TileState.PENDING:
            self._count_open(tile.key, +1)

    def _settle(self, tile: Tile) -> None:
        """Store a tile that just left PENDING and update the counts above it."""
        self._put_tile(tile)
        self._count_open(tile.key, -1)

    def _take_changed_tiles(self) -> tuple[Tile, ...]:
        """The tiles created or changed since the last call, parents before children."""
        changed = sorted(self._changed_tiles, key=tile_order)
        self._changed_tiles.clear()
        return tuple(self._tiles[key] for key in changed)

    def _count_open(self, key: str, delta: int) -> None:
        node: str | None = key
        while node is not None:
            self._open[node] = self._open.get(node, 0) + delta
            if self._open[node] == 0 and self._tiles[node].state is TileState.SPLIT:
                self._note_orphans(node)
            node = self._tiles[node].parent

    def _note_orphans(self, key: str) -> None:
        """Ids a split tile returned that none of its descendants did (Google's lists vary)."""
        below: set[str] = set()
        stack = list(self._tiles[key].children)
        while stack:
            child = self._tiles[stack.pop()]
            below.update(child.place_ids)
            stack.extend(child.children)
        orphans = tuple(i for i in self._tiles[key].place_ids if i not in below)
        if orphans:
            self._orphans[key] = orphans
            for place_id in orphans:
                self._owner.setdefault(place_id, key)

    def _index_leaf(self, tile: Tile) -> None:
        for place_id in tile.place_ids:
            owner = self._owner.get(place_id)
            if owner is None or self.order(tile.key) < self.order(owner):
                self._owner[place_id] = tile.key
        if tile.group is None:
            self._unplanned[tile.key] = None
            for edge in _edges(tile.rect):
                self._edges[edge] = tile.key

    def _unindex_leaf(self, tile: Tile) -> None:
        """The leaf joined a purchase group: it is no longer offered for packing."""
        self._unplanned.pop(tile.key, None)
        for edge in _edges(tile.rect):
            if self._edges.get(edge) == tile.key:
                del self._edges[edge]

    def neighbour(self, rect: Area, side: str) -> str | None:
        """The unplanned leaf sharing ``rect``'s whole ``side`` edge ("north", "south", "east", "west")."""
        s, w, n, e = rect.south, rect.west, rect.north, rect.east
        wanted = {
            "east": ("west", s, n, e),
            "west": ("east", s, n, w),
            "north": ("south", w, e, n),
            "south": ("north", w, e, s),
        }[side]
        return self._edges.get(wanted)

    # -- reading --------------------------------------------------------------------------

    def tile(self, key: str) -> Tile:
        """The tile ``key`` (raises ValueError for an unknown key)."""
        if key not in self._tiles:
            raise ValueError(f"no tile {key!r} in this plan")
        return self._tiles[key]

    def tiles(self) -> tuple[Tile, ...]:
        """Every tile, in the order they were created."""
        return tuple(self._tiles.values())

    def leaves(self) -> tuple[Tile, ...]:
        """The mapped leaves (what the coverage picture shades), centre first."""
        leaves = [t for t in self._tiles.values() if t.state is TileState.MAPPED]
        return tuple(sorted(leaves, key=lambda t: self.order(t.key)))

    def tile_at(self, lat: float | None, lng: float | None) -> str | None:
        """The leaf owning a point: half-open edges, the area's outer north and east edges closed."""
        if lat is None or lng is None:
            return None
        for tile in self._tiles.values():
            if tile.state is not TileState.MAPPED:
                continue
            root = self._tiles[tile.key.partition(".")[0]].rect
            closed_north, closed_east = tile.rect.north == root.north, tile.rect.east == root.east
            if tile.rect.contains(lat, lng, closed_north=closed_north, closed_east=closed_east):
                return tile.key
        return None

    def owner_of(self, place_id: str) -> str | None:
        """The tile that owns a place id: the leaf nearest the centre that returned it (or a split tile)."""
        return self._owner.get(place_id)

    def tile_of(self, business: Business) -> str | None:
        """The tile that found a business: its mapping's owner, else the leaf at its location."""
        return self._owner.get(business.place_id) or self.tile_at(business.latitude, business.longitude)

    @property
    def places_mapped(self) -> int:
        """Distinct place ids the mapping returned."""
        return len(self._mapped)


def tile_order(key: str) -> tuple[int, str]:
    """Depth first, then the key: an order in which every tile comes after its parent."""
    return key.count("."), key


def _edges(rect: Area) -> tuple[tuple[str, float, float, float], ...]:
    """Keys under which a leaf is found by the neighbour on each side."""
    s, w, n, e = rect.south, rect.west, rect.north, rect.east
    return ("west", s, n, w), ("east", s, n, e), ("south", w, e, s), ("north", w, e, n)
