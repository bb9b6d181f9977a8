"""Tiling checkpoints as deltas: writing every delta and reading the rows back gives the plan itself."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pytest

from leadgen_desktop.core.discovery.plan_state import ANSWERED, FAILED, KNOWN
from leadgen_desktop.core.discovery.purchases import DetailsPurchase, PurchasePrices
from leadgen_desktop.core.discovery.tiling import TilePlanner
from leadgen_desktop.domain import Area, Business, DiscoveryPage

PRICES = PurchasePrices(0.035, 0.020)
CITY = Area(30.0, -97.8, 30.1, -97.7)


class Rows:
    """What the database keeps: the latest row per key of every delta written."""

    def __init__(self) -> None:
        self.header: Mapping[str, object] | None = None
        self.tiles: dict[str, dict[str, object]] = {}
        self.groups: dict[str, dict[str, object]] = {}
        self.marks: dict[str, int] = {}

    def write(self, planner: TilePlanner) -> None:
        delta = json.loads(json.dumps(_plain(planner)))  # through JSON, as stored
        if delta["header"] is not None:
            self.header = delta["header"]
        self.tiles.update({key: data for key, data in delta["tiles"]})
        self.groups.update({key: data for key, _, data in delta["groups"]})
        self.marks.update({place_id: bits for place_id, bits in delta["marks"]})

    def planner(self) -> TilePlanner:
        assert self.header is not None
        return TilePlanner.from_parts(
            self.header, self.tiles.values(), self.groups.values(), self.marks.items(), PRICES
        )


def _plain(planner: TilePlanner) -> dict[str, object]:
    delta = planner.take_delta()
    return {"header": delta.header, "tiles": delta.tiles, "groups": delta.groups, "marks": delta.marks}


def ids(prefix: str, count: int) -> list[str]:
    return [f"{prefix}-{i:03d}" for i in range(count)]


def answer(place_ids: list[str], token: str | None = None) -> DiscoveryPage:
    return DiscoveryPage(tuple(Business(i, f"Place {i}") for i in place_ids), token)


def test_a_new_plan_writes_its_header_and_root_tile_then_nothing() -> None:
    planner = TilePlanner(CITY, PRICES)
    first = planner.take_delta()
    assert first.header is not None
    assert first.header["area"] == CITY.to_list()
    assert [key for key, _ in first.tiles] == ["0"]
    assert planner.take_delta().empty


def test_every_step_replayed_from_its_deltas_is_the_plan() -> None:
    planner = TilePlanner(CITY, PRICES)
    rows = Rows()
    rows.write(planner)
    root = planner.next_tiles(1)[0]
    planner.record_mapping(root.key, ids("root", 60), results=60)  # full: split in four
    rows.write(planner)
    for n, task in enumerate(planner.next_tiles(4)):
        cached = ids(f"t{n}", 30)[:5] if n == 0 else []
        planner.record_mapping(task.key, ids(f"t{n}", 30), results=30, cached=cached)
        rows.write(planner)
    assert rows.planner().to_dict() == planner.to_dict()
    bought = 0
    while (purchase := planner.next_purchase()) is not None and bought < 6:
        bought += 1
        if isinstance(purchase, DetailsPurchase):
            planner.purchase_failed(purchase)
        else:
            claimed = [i for i in planner.tile(planner.tiles()[-1].key).place_ids][:20]
            planner.record_purchase(purchase, answer(claimed, None))
        rows.write(planner)
        assert rows.planner().to_dict() == planner.to_dict(), f"after purchase {bought}"
    marks = set(rows.marks.values())
    assert marks <= {KNOWN, KNOWN | ANSWERED, FAILED, KNOWN | FAILED, 0}


def test_damaged_rows_are_refused_with_a_reason() -> None:
    planner = TilePlanner(CITY, PRICES)
    rows = Rows()
    rows.write(planner)
    rows.tiles["0.9"] = {**rows.tiles["0"], "key": "0.9"}  # a child no parent lists
    with pytest.raises(ValueError, match="damaged"):
        rows.planner()
