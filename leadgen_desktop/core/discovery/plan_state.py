"""Checkpoints of a tiling plan: the whole plan as plain data, and what changed since the last one.

Two forms, one shape:

* :func:`plan_to_dict` / :func:`plan_from_dict`: the whole plan as one JSON-ready
  mapping (tests, the preview's clone);
* :func:`take_delta` / :func:`plan_from_parts`: only what changed since the
  last checkpoint, as rows replaced by key (a tile, a purchase group, one
  place id's marks). The pipeline writes each delta in the transaction that
  stores the answer which caused it, so a checkpoint costs what changed, not
  the size of the plan.

Writing every delta in order and reading the rows back with
:func:`plan_from_parts` gives the same plan as :func:`plan_to_dict` did.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from leadgen_desktop.core.discovery.purchases import PurchaseGroup, PurchasePrices
from leadgen_desktop.core.discovery.quadtree import Tile, tile_order
from leadgen_desktop.domain import Area

if TYPE_CHECKING:
    from leadgen_desktop.core.discovery.tiling import TilePlanner

STATE_VERSION = 1
"""Version of the checkpoint shape."""

KNOWN, ANSWERED, FAILED = 1, 2, 4
"""Bits of a place id's marks: its fields are known (cache or answer), a purchase of this plan
answered it, its purchase failed."""


@dataclass(frozen=True, slots=True)
class PlanDelta:
    """What changed in a plan since the last checkpoint, as plain JSON-ready rows.

    ``header`` (the area, sizes and planned orphan tiles) is None when unchanged;
    ``tiles`` are ``(key, data)`` with parents first, ``groups``
    ``(key, position, data)``, ``marks`` ``(place_id, bits)`` with the bits
    :data:`KNOWN`, :data:`ANSWERED` and :data:`FAILED`.
    """

    header: dict[str, object] | None
    tiles: tuple[tuple[str, dict[str, object]], ...]
    groups: tuple[tuple[str, int, dict[str, object]], ...]
    marks: tuple[tuple[str, int], ...]

    @property
    def empty(self) -> bool:
        """True when nothing changed."""
        return self.header is None and not self.tiles and not self.groups and not self.marks


def take_delta(planner: TilePlanner) -> PlanDelta:
    """What changed since the last call (or since the plan was made); clears the record of changes."""
    header = _header(planner) if planner._header_changed else None
    tiles = tuple((tile.key, tile.to_dict()) for tile in planner._take_changed_tiles())
    groups = tuple(
        (key, group_position(key), planner._groups[key].to_dict())
        for key in sorted(planner._changed_groups, key=group_position)
    )
    marks = tuple((place_id, _marks(planner, place_id)) for place_id in planner._changed_marks)
    forget_changes(planner)
    return PlanDelta(header, tiles, groups, marks)


def forget_changes(planner: TilePlanner) -> None:
    """Treat the plan as checkpointed as it is."""
    planner._changed_tiles.clear()
    planner._changed_groups.clear()
    planner._changed_marks.clear()
    planner._header_changed = False


def _marks(planner: TilePlanner, place_id: str) -> int:
    return (
        (KNOWN if place_id in planner._known else 0)
        | (ANSWERED if place_id in planner._answered else 0)
        | (FAILED if place_id in planner._failed else 0)
    )


def _header(planner: TilePlanner) -> dict[str, object]:
    return {
        "version": STATE_VERSION,
        "area": planner.area.to_list(),
        "min_side_m": planner.min_side_m,
        "cap": planner.cap,
        "orphans_planned": sorted(planner._orphans_planned),
    }


def plan_to_dict(planner: TilePlanner) -> dict[str, object]:
    """The whole plan as plain JSON-ready data (requests in flight count as not sent)."""
    return {
        **_header(planner),
        "tiles": [tile.to_dict() for tile in planner._tiles.values()],
        "groups": [group.to_dict() for group in planner._groups.values()],
        "known": list(planner._known),
        "answered": list(planner._answered),
        "failed": list(planner._failed),
    }


def plan_from_parts(
    cls: type[TilePlanner],
    header: Mapping[str, object],
    tiles: Iterable[Mapping[str, object]],
    groups: Iterable[Mapping[str, object]],
    marks: Iterable[tuple[str, int]],
    prices: PurchasePrices,
) -> TilePlanner:
    """Rebuild a plan from the latest row of each key of its deltas; ValueError when damaged."""
    buckets: dict[int, list[str]] = {KNOWN: [], ANSWERED: [], FAILED: []}
    for place_id, bits in marks:
        for bit, bucket in buckets.items():
            if bits & bit:
                bucket.append(place_id)
    data = {
        **header,
        "tiles": [dict(t) for t in sorted(tiles, key=lambda t: tile_order(str(t.get("key", ""))))],
        "groups": [dict(g) for g in sorted(groups, key=lambda g: group_position(str(g.get("key", ""))))],
        "known": buckets[KNOWN],
        "answered": buckets[ANSWERED],
        "failed": buckets[FAILED],
    }
    return plan_from_dict(cls, data, prices)


def plan_from_dict(cls: type[TilePlanner], data: Mapping[str, object], prices: PurchasePrices) -> TilePlanner:
    """Rebuild a plan saved by :func:`plan_to_dict`; raises ValueError when the data is damaged."""
    try:
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"unknown version {data.get('version')!r}")
        min_side, cap = data["min_side_m"], data["cap"]
        if not isinstance(min_side, int | float) or not isinstance(cap, int):
            raise ValueError("min_side_m and cap must be numbers")
        planner = cls(Area.from_list(data["area"]), prices, min_side_m=float(min_side), cap=cap)
        planner._tiles.clear()
        planner._open.clear()
        planner._restore_tiles(Tile.from_dict(_mapping(t)) for t in _list(data["tiles"]))
        groups = [PurchaseGroup.from_dict(_mapping(g)) for g in _list(data["groups"])]
        planner._known = dict.fromkeys(str(i) for i in _list(data["known"]))
        planner._answered = dict.fromkeys(str(i) for i in _list(data["answered"]))
        planner._failed = dict.fromkeys(str(i) for i in _list(data["failed"]))
        planner._orphans_planned = {str(k) for k in _list(data["orphans_planned"])}
        for key in planner._orphans_planned:
            planner._orphans.pop(key, None)
        for group in groups:
            leaves_agree = all(planner.tile(leaf).group == group.key for leaf in group.leaves)
            if group.key in planner._groups or not leaves_agree:
                raise ValueError(f"purchase group {group.key} does not match its tiles")
            planner._add_group(group)
        for tile in planner._tiles.values():
            if tile.group is not None and tile.group not in planner._groups:
                raise ValueError(f"tile {tile.key} names a purchase group {tile.group} that is missing")
        planner._active = [k for k in planner._active if planner._outstanding(planner._groups[k])]
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"the saved tiling plan is damaged: {exc}") from exc
    forget_changes(planner)
    return planner


def group_position(key: str) -> int:
    """Groups are planned as g1, g2, ...: the number is their planning order."""
    digits = key[1:]
    return int(digits) if key.startswith("g") and digits.isdigit() else 0


def _list(value: object) -> list[object]:
    if not isinstance(value, list):
        raise ValueError(f"expected a list, got {type(value).__name__}")
    return value


def _mapping(value: object) -> dict[str, object]:
    if not isinstance(value, dict):
        raise ValueError(f"expected an object, got {type(value).__name__}")
    return value
