"""A Places service that ignores the search rectangle: the plan stops splitting instead of recursing.

Every part of a tile answering with exactly the tile's own ids means the
rectangles are ignored: the parts stay leaves and nothing smaller is searched
or bought. One full part with its parent's ids while a sibling differs is a
dense corner, and is split as usual.
"""

from __future__ import annotations

from leadgen_desktop.core.discovery.tiling import TilePlanner, TileState
from tests.unit.test_tiling import CITY, PRICES, buy_all, ids


def test_parts_that_all_echo_their_parent_are_not_split_again() -> None:
    planner = TilePlanner(CITY, PRICES)
    same = ids("a", 60)
    mapped = 0
    while tasks := planner.next_tiles(10):
        for task in tasks:
            planner.record_mapping(task.key, same)  # the provider ignores the rectangle
            mapped += 1
    assert mapped == 5  # the area and its four parts, no deeper
    assert planner.mapping_done
    assert planner.rectangles_ignored == 1
    summary = planner.summary()
    assert (summary.tiles_searched, summary.tiles_saturated, summary.tiles_left) == (5, 4, 0)
    bought = buy_all(planner)
    assert len(bought) == 3  # its 60 places once: three pages, not four times over
    assert planner.summary().places_bought == 60


def test_a_full_part_with_its_parents_ids_is_split_when_a_sibling_differs() -> None:
    planner = TilePlanner(CITY, PRICES)
    planner.next_tiles()
    parent = ids("a", 60)
    planner.record_mapping("0", parent)
    planner.next_tiles(10)
    first = planner.record_mapping("0.0", parent)  # a dense corner holding all of the parent's 60 ...
    assert first.echo
    assert first.state is TileState.MAPPED
    assert planner.next_purchase() is None  # nothing is bought while its fate is open
    planner.record_mapping("0.1", [])
    split = planner.tile("0.0")  # ... and a sibling that differs: the rectangles hold
    assert split.state is TileState.SPLIT
    assert not split.echo
    assert split.children == ("0.0.0", "0.0.1", "0.0.2", "0.0.3")
    planner.record_mapping("0.2", [])
    planner.record_mapping("0.3", [])
    assert sorted(t.key for t in planner.next_tiles(10)) == ["0.0.0", "0.0.1", "0.0.2", "0.0.3"]
    assert planner.rectangles_ignored == 0


def test_an_echo_waiting_for_its_siblings_survives_a_checkpoint() -> None:
    planner = TilePlanner(CITY, PRICES)
    same = ids("a", 60)
    planner.next_tiles()
    planner.record_mapping("0", same)
    planner.next_tiles(10)
    planner.record_mapping("0.0", same)
    planner.record_mapping("0.1", same)
    resumed = TilePlanner.from_dict(planner.to_dict(), PRICES)
    assert resumed.next_purchase() is None  # the echoes are not leaves to buy yet
    for task in resumed.next_tiles(10):
        resumed.record_mapping(task.key, same)
    assert resumed.mapping_done
    assert resumed.rectangles_ignored == 1
    assert len(buy_all(resumed)) == 3
