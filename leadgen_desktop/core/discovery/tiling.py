"""Covering a whole area past the 60-place cap: the pure, deterministic planner the pipeline drives.

A :class:`TilePlanner` never calls a provider and never waits; it hands out
work and takes answers, so every step can be checkpointed
(:meth:`TilePlanner.to_dict`) and resumed (:meth:`TilePlanner.from_dict`).

1. **Map** (free): :meth:`~TileMap.next_tiles` → the caller searches each tile
   with the IDs-only mask (:func:`tile_search.map_tile_ids`) →
   :meth:`TilePlanner.record_mapping` with the ids and which of them the place
   cache already holds. Saturated tiles split (see :mod:`quadtree`).
2. **Buy** (paid): :meth:`TilePlanner.next_purchase` → the caller reserves
   ``purchase.worst_case(prices)`` in its budget, sends it
   (:func:`tile_search.run_purchase`) → :meth:`TilePlanner.record_purchase`, which
   returns the businesses new to the plan. On failure
   :meth:`TilePlanner.purchase_failed`; a request not sent goes back with
   :meth:`TilePlanner.release_purchase`.

Purchases come centre first: a leaf is planned only when no tile still to be
mapped reaches nearer the centre than it, so mapping and buying can overlap
and a small campaign still buys the core of the area. Planning a leaf packs
neighbouring unplanned leaves into its rectangle while that lowers the cost
and the packed search stays under the cap, then claims the ids nobody knows
or buys yet and chooses pages or Place Details (:mod:`purchases`). The caller
simply stops asking once enough leads qualify or the budget is spent.

The planner is not thread-safe: one thread (the pipeline's) owns it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from leadgen_desktop.core.discovery.plan_state import (
    PlanDelta,
    plan_from_dict,
    plan_from_parts,
    plan_to_dict,
    take_delta,
)
from leadgen_desktop.core.discovery.purchases import (
    DetailsPurchase,
    Method,
    PagePurchase,
    Purchase,
    PurchaseGroup,
    PurchasePrices,
    purchase_cost,
)
from leadgen_desktop.core.discovery.quadtree import (
    MIN_TILE_SIDE_M,
    MapTask,
    Tile,
    TileMap,
    TileState,
)
from leadgen_desktop.domain import RESULTS_PER_PAGE, RESULTS_PER_QUERY, Area, Business, DiscoveryPage

_SIDES = ("east", "west", "north", "south")
_EPSILON = 1e-12
_EPSILON_M = 1e-6
"""Distances (metres) closer than this count as equal."""

__all__ = [
    "MIN_TILE_SIDE_M",
    "MapTask",
    "PlanDelta",
    "PlannedBuy",
    "Tile",
    "TilePlanner",
    "TileState",
    "TilingSummary",
]


@dataclass(frozen=True, slots=True)
class TilingSummary:
    """Counters for the window and ``--json`` (``tiles_searched``, ``tiles_saturated``)."""

    tiles_searched: int
    tiles_saturated: int
    tiles_left: int
    tiles_failed: int
    places_mapped: int
    places_known: int
    places_bought: int
    places_failed: int


@dataclass(frozen=True, slots=True)
class PlannedBuy:
    """One group of a purchase preview: how many places it would buy, how, and at most for how much."""

    group: str
    rect: Area
    method: Method
    places: int
    worst_case: float


class TilePlanner(TileMap):
    """Mapping (inherited from :class:`TileMap`) plus the purchases that follow it."""

    def __init__(
        self,
        area: Area,
        prices: PurchasePrices,
        *,
        min_side_m: float = MIN_TILE_SIDE_M,
        cap: int = RESULTS_PER_QUERY,
    ) -> None:
        super().__init__(area, min_side_m=min_side_m, cap=cap)
        self.prices = prices
        self._groups: dict[str, PurchaseGroup] = {}
        self._active: list[str] = []  # groups with something left to buy, in planning order
        self._known: dict[str, None] = {}  # ids whose contact fields are known (cache or answer)
        self._answered: dict[str, None] = {}  # ids this plan's purchases answered
        self._failed: dict[str, None] = {}  # ids whose purchase failed
        self._claims: dict[str, str] = {}  # id -> the group that buys it
        self._orphans_planned: set[str] = set()
        self._changed_groups: dict[str, None] = {}
        self._changed_marks: dict[str, None] = {}
        self._header_changed = True
        self._start()

    # -- mapping --------------------------------------------------------------------------

    def record_mapping(
        self, key: str, place_ids: Iterable[str], *, results: int | None = None, cached: Iterable[str] = ()
    ) -> Tile | None:
        """Take a tile's mapping; ``cached`` are the ids the place cache already holds (never bought).

        None: the answer of a root's part sent speculatively was dropped (see :mod:`.quadtree`)."""
        self.mark_known(cached)
        return super().record_mapping(key, place_ids, results=results)

    def mark_known(self, place_ids: Iterable[str]) -> None:
        """These places need no purchase (e.g. found in the place cache)."""
        for place_id in place_ids:
            self._known[str(place_id)] = None
            self._failed.pop(str(place_id), None)
            self._changed_marks[str(place_id)] = None

    def is_known(self, place_id: str) -> bool:
        """True when the place's contact fields are known (cached or answered)."""
        return place_id in self._known

    def is_resolved(self, place_id: str) -> bool:
        """True when nothing more will be done for this place: its fields are known or its purchase failed."""
        return place_id in self._known or place_id in self._failed

    def known_ids(self) -> tuple[str, ...]:
        """Every place id whose fields are known (from the cache or an answer), in the order learnt."""
        return tuple(self._known)

    # -- mapping ------------------------------------------------------------------------

    def next_blocking_tiles(self, limit: int) -> list[MapTask]:
        """Up to ``limit`` tiles that keep the next purchase from being planned, the nearest reach first.

        Those are the tiles still to be mapped that reach nearer the centre than the
        nearest mapped leaf not yet bought (when there is none, those that reach
        nearest), and the parts of a tile split on its first page one of whose
        parts is such a leaf (the leaf waits for them: :meth:`family_waits`).
        Mapping them first lets buying start as soon as possible, whatever the
        area's size.
        """
        target = min((self.order(key)[0] for key in self._unplanned), default=math.inf)
        c_lat, c_lng = self.area.centre
        reach = sorted(
            (tile.rect.nearest_distance_m(c_lat, c_lng), self.order(key), key)
            for key, tile in self._tiles.items()
            if tile.state is TileState.PENDING and key not in self._mapping_out
        )
        if reach and math.isinf(target):  # no leaf yet: the tiles that reach nearest lead to the first one
            target = reach[0][0] + _EPSILON_M
        waiting = {self._tiles[key].parent for key in self._unplanned if self.family_waits(key)}
        chosen = [
            key for distance, _, key in reach if distance < target or self._tiles[key].parent in waiting
        ][: max(limit, 0)]
        return self._hand_out(chosen, limit)

    def family_waits(self, key: str) -> bool:
        """True when the leaf's parent was split on its first page and a part of it is still unmapped.

        Such a parent's parts may hold fewer than the cap together, and are then
        bought as the parent's rectangle, page by page, so its leaf waits for them.
        """
        parent = self._tiles[key].parent
        if parent is None or not self.split_on_first_page(parent):
            return False
        stack = list(self._tiles[parent].children)
        while stack:
            tile = self._tiles[stack.pop()]
            if tile.state is TileState.PENDING:
                return True
            stack.extend(tile.children)
        return False

    # -- purchases ----------------------------------------------------------------------

    def next_purchase(self) -> Purchase | None:
        """The next paid request due, centre first; None when nothing can be bought right now.

        None while mapping still runs may mean "ask again after the next mapping";
        :attr:`done` says when everything is bought.
        """
        for key in list(self._active):
            active = self._groups[key]
            outstanding = self._outstanding(active)
            if not outstanding and active.idle():
                self._active.remove(key)
                continue
            purchase = active.next_purchase(outstanding)
            if purchase is not None:
                return purchase
        while (planned := self._plan_group(self.frontier_m())) is not None:
            purchase = planned.next_purchase(self._outstanding(planned))
            if purchase is not None:
                return purchase
        return None

    def record_purchase(self, purchase: Purchase, answer: DiscoveryPage) -> tuple[Business, ...]:
        """Take a purchase's answer; return the businesses it brought that were new to the plan."""
        group = self._group(purchase.group)
        answered = [b.place_id for b in answer.businesses] + list(answer.closed_place_ids)
        fresh = tuple(b for b in answer.businesses if b.place_id not in self._known)
        self._changed_groups[group.key] = None
        if isinstance(purchase, PagePurchase):
            self._check_page_out(group, purchase)
            group.page_out = False
            group.pages_done += 1
            group.next_token = answer.next_page_token
        else:
            self._check_details_out(group, purchase)
            group.details_out.discard(purchase.place_id)
            if purchase.place_id not in answered:
                self._failed[purchase.place_id] = None
                self._changed_marks[purchase.place_id] = None
        for place_id in answered:
            self._known[place_id] = None
            self._answered[place_id] = None
            self._failed.pop(place_id, None)
            self._changed_marks[place_id] = None
        return fresh

    def purchase_failed(self, purchase: Purchase) -> None:
        """The request failed for good: a page ends its group's pages (details for the rest)."""
        group = self._group(purchase.group)
        self._changed_groups[group.key] = None
        if isinstance(purchase, PagePurchase):
            self._check_page_out(group, purchase)
            group.page_out = False
            group.fallback = True
        else:
            self._check_details_out(group, purchase)
            group.details_out.discard(purchase.place_id)
            self._failed[purchase.place_id] = None
            self._changed_marks[purchase.place_id] = None

    def release_purchase(self, purchase: Purchase) -> None:
        """The request was not sent (cancel, budget): it will be handed out again."""
        group = self._group(purchase.group)
        if isinstance(purchase, PagePurchase):
            group.page_out = False
        else:
            group.details_out.discard(purchase.place_id)

    def reissue(self, group_key: str, *, page: int | None = None, place_id: str | None = None) -> Purchase:
        """Hand out again a purchase a stopped run had planned (page ``page`` or one place's details).

        Raises ValueError when the plan does not expect that request now.
        """
        group = self._group(group_key)
        outstanding = self._outstanding(group)
        if page is not None:
            if group.pages_over() or group.page_out or page != group.pages_done + 1 or not outstanding:
                raise ValueError(f"page {page} of group {group_key} is not due")
            group.page_out = True
            return PagePurchase(group.key, group.rect, page, group.next_token)
        if place_id is None or place_id not in outstanding or place_id in group.details_out:
            raise ValueError(f"the details of {place_id!r} are not due in group {group_key}")
        if not group.pages_over() or group.page_out:
            raise ValueError(f"group {group_key} is still buying pages")
        group.details_out.add(place_id)
        return DetailsPurchase(group.key, place_id)

    def outstanding(self, group_key: str) -> tuple[str, ...]:
        """The ids a purchase group still has to buy (claimed, not known, not failed)."""
        return tuple(self._outstanding(self._group(group_key)))

    def expected_places(self, purchase: Purchase) -> int:
        """How many places this purchase should bring that the plan still needs (0 to 20)."""
        if isinstance(purchase, DetailsPurchase):
            return 1
        return min(len(self._outstanding(self._group(purchase.group))), RESULTS_PER_PAGE)

    @property
    def done(self) -> bool:
        """True when every tile is mapped and every place it found is known, bought or failed."""
        if not self.mapping_done or self._unplanned or self._orphans:
            return False
        return all(not self._outstanding(self._groups[k]) and self._groups[k].idle() for k in self._active)

    def preview(self) -> tuple[PlannedBuy, ...]:
        """What buying everything mapped so far would take, group by group in purchase order."""
        clone = TilePlanner.from_dict(self.to_dict(), self.prices)
        while clone._plan_group(math.inf, wait=False) is not None:
            pass
        planned: list[PlannedBuy] = []
        for key in clone._active:
            group = clone._groups[key]
            outstanding = clone._outstanding(group)
            if not outstanding:
                continue
            if group.pages_over():
                method, cost = Method.DETAILS, len(outstanding) * self.prices.details
            else:
                method, cost = Method.PAGES, (group.page_limit - group.pages_done) * self.prices.page
            planned.append(PlannedBuy(key, group.rect, method, len(outstanding), cost))
        return tuple(planned)

    def summary(self) -> TilingSummary:
        """The counters of the plan so far."""
        states = [t.state for t in self._tiles.values()]
        return TilingSummary(
            tiles_searched=sum(s in (TileState.MAPPED, TileState.SPLIT) for s in states),
            tiles_saturated=sum(t.saturated for t in self._tiles.values() if t.state is TileState.MAPPED),
            tiles_left=states.count(TileState.PENDING),
            tiles_failed=states.count(TileState.FAILED),
            places_mapped=self.places_mapped,
            places_known=len(self._known),
            places_bought=len(self._answered),
            places_failed=len(self._failed),
        )

    # -- planning ---------------------------------------------------------------------

    def _outstanding(self, group: PurchaseGroup) -> list[str]:
        return [i for i in group.claimed if i not in self._known and i not in self._failed]

    def _claimable(self, ids: Iterable[str]) -> tuple[str, ...]:
        taken = (self._known, self._claims, self._failed)
        return tuple(i for i in ids if not any(i in seen for seen in taken))

    def _cost(self, ids: Mapping[str, None]) -> float:
        return purchase_cost(len(ids), len(self._claimable(ids)), self.prices)[1]

    def _plan_group(self, frontier_m: float, *, wait: bool = True) -> PurchaseGroup | None:
        """Plan the unplanned leaf (or orphan set) nearest the centre, if nothing nearer is unmapped.

        With ``wait``, a leaf whose family is still being mapped waits for it (:meth:`family_waits`).
        """
        candidates = [*self._unplanned, *self._orphans]
        if not candidates:
            return None
        seed = min(candidates, key=self.order)
        if self.order(seed)[0] > frontier_m or (wait and seed in self._unplanned and self.family_waits(seed)):
            return None
        key = f"g{len(self._groups) + 1}"
        if seed in self._orphans:  # ids only a bigger search returned: nothing to page, buy each
            ids = dict.fromkeys(self._orphans.pop(seed))
            self._orphans_planned.add(seed)
            self._header_changed = True
            claimed = self._claimable(ids)
            method = Method.DETAILS if claimed else Method.NONE
            return self._add_group(PurchaseGroup(key, self._tiles[seed].rect, (), method, len(ids), claimed))
        leaves, rect, ids = self._pack(seed)
        claimed = self._claimable(ids)
        method, _ = purchase_cost(len(ids), len(claimed), self.prices)
        for leaf in leaves:
            self._put_tile(replace(self._tiles[leaf], group=key))
        return self._add_group(PurchaseGroup(key, rect, leaves, method, len(ids), claimed))

    def _pack(self, seed: str) -> tuple[tuple[str, ...], Area, dict[str, None]]:
        """Grow the seed leaf with unplanned neighbours while each merge saves money under the cap.

        First the seed's parents, while all their leaves are unplanned, hold fewer than
        the cap and cost no more together (a tile split on its first page is bought whole).
        """
        leaves, rect, ids = self._climb(seed)
        for leaf in leaves:
            self._unindex_leaf(self._tiles[leaf])
        while True:
            best: tuple[float, tuple[float, str], str, Area, dict[str, None]] | None = None
            for side in _SIDES:
                neighbour = self.neighbour(rect, side)
                if neighbour is None:
                    continue
                other = self._tiles[neighbour]
                union = {**ids, **dict.fromkeys(other.place_ids)}
                merged = rect.union_if_rectangle(other.rect)
                if merged is None or len(union) >= self.cap:
                    continue
                saving = self._cost(ids) + self._cost(dict.fromkeys(other.place_ids)) - self._cost(union)
                rank = self.order(neighbour)
                if saving > _EPSILON and (best is None or (-saving, rank) < (-best[0], best[1])):
                    best = (saving, rank, neighbour, merged, union)
            if best is None:
                return tuple(leaves), rect, ids
            _, _, neighbour, rect, ids = best
            self._unindex_leaf(self._tiles[neighbour])
            leaves.append(neighbour)

    def _climb(self, seed: str) -> tuple[list[str], Area, dict[str, None]]:
        """The seed leaf, or its highest parent whose leaves (all unplanned) cost no more bought together.

        Only parents split on their first page: one that reached the cap would answer with
        other places than its parts' (its top 60), so its parts are bought apart.
        """
        tile = self._tiles[seed]
        leaves, rect, ids = [seed], tile.rect, dict.fromkeys(tile.place_ids)
        while tile.parent is not None and self.split_on_first_page(tile.parent):
            tile = self._tiles[tile.parent]
            below = self._unplanned_below(tile.key)
            if below is None:
                break
            union = dict.fromkeys(i for leaf in below for i in self._tiles[leaf].place_ids)
            apart = sum(self._cost(dict.fromkeys(self._tiles[leaf].place_ids)) for leaf in below)
            if len(union) >= self.cap or self._cost(union) > apart + _EPSILON:
                break
            leaves, rect, ids = below, tile.rect, union
        return leaves, rect, ids

    def _unplanned_below(self, key: str) -> list[str] | None:
        """The leaves under a split tile, when all are mapped and in no group yet (else None)."""
        leaves: list[str] = []
        stack = [key]
        while stack:
            tile = self._tiles[stack.pop()]
            if tile.state is TileState.SPLIT:
                stack.extend(reversed(tile.children))
            elif tile.state is TileState.MAPPED and tile.key in self._unplanned:
                leaves.append(tile.key)
            else:
                return None
        return leaves

    def _add_group(self, group: PurchaseGroup) -> PurchaseGroup:
        self._groups[group.key] = group
        self._changed_groups[group.key] = None
        for place_id in group.claimed:
            self._claims.setdefault(place_id, group.key)
        if group.claimed:
            self._active.append(group.key)
        return group

    def _group(self, key: str) -> PurchaseGroup:
        if key not in self._groups:
            raise ValueError(f"no purchase group {key!r} in this plan")
        return self._groups[key]

    @staticmethod
    def _check_page_out(group: PurchaseGroup, purchase: PagePurchase) -> None:
        if not group.page_out or purchase.page != group.pages_done + 1:
            raise ValueError(f"page {purchase.page} of group {group.key} is not the page in flight")

    @staticmethod
    def _check_details_out(group: PurchaseGroup, purchase: DetailsPurchase) -> None:
        if purchase.place_id not in group.details_out:
            raise ValueError(f"details of {purchase.place_id} were not handed out by group {group.key}")

    # -- checkpoints (plan_state) -------------------------------------------------------

    def take_delta(self) -> PlanDelta:
        """What changed since the last call (or since the plan was made): the next checkpoint."""
        return take_delta(self)

    def to_dict(self) -> dict[str, object]:
        """The whole plan as plain JSON-ready data (requests in flight count as not sent)."""
        return plan_to_dict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, object], prices: PurchasePrices) -> TilePlanner:
        """Rebuild a plan saved by :meth:`to_dict`; raises ValueError when the data is damaged."""
        return plan_from_dict(cls, data, prices)

    @classmethod
    def from_parts(
        cls,
        header: Mapping[str, object],
        tiles: Iterable[Mapping[str, object]],
        groups: Iterable[Mapping[str, object]],
        marks: Iterable[tuple[str, int]],
        prices: PurchasePrices,
    ) -> TilePlanner:
        """Rebuild a plan from the latest row of each key of its :meth:`take_delta` deltas."""
        return plan_from_parts(cls, header, tiles, groups, marks, prices)
