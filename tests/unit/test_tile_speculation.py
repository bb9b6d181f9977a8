"""A root tile's four parts go out with it (speculatively), before its mapping says it is full."""

from __future__ import annotations

import pytest

from leadgen_desktop.core.discovery.tiling import TilePlanner, TileState
from tests.unit.test_tiling import CITY, PRICES, ids


def test_a_roots_parts_go_out_with_it_and_count_once_it_is_split() -> None:
    planner = TilePlanner(CITY, PRICES)
    tasks = planner.next_blocking_tiles(8)
    assert [t.key for t in tasks] == ["0", "0.0", "0.1", "0.2", "0.3"]
    assert all(t.parent_first_page == frozenset() for t in tasks)  # not known yet
    root = planner.record_mapping("0", ids("r", 20), results=60)  # full: split on its first page
    assert root is not None
    assert root.state is TileState.SPLIT
    assert planner.next_blocking_tiles(8) == []
    assert planner.next_tiles(8) == []
    for index in range(4):
        part = planner.record_mapping(f"0.{index}", ids(f"p{index}-", 5))
        assert part is not None
        assert part.state is TileState.MAPPED
    assert planner.mapping_done
    assert planner.summary().tiles_searched == 5


def test_a_roots_parts_are_dropped_when_it_was_not_full() -> None:
    planner = TilePlanner(CITY, PRICES)
    planner.next_blocking_tiles(8)
    root = planner.record_mapping("0", ids("r", 12))
    assert root is not None
    assert root.state is TileState.MAPPED
    assert planner.record_mapping("0.0", ids("r", 3)) is None
    assert planner.record_mapping_failed("0.1") is None  # a failed part is no missing tile
    assert planner.record_mapping("0.2", []) is None
    assert planner.record_mapping("0.3", []) is None
    assert [t.key for t in planner.tiles()] == ["0"]
    assert planner.mapping_done
    assert planner.summary().tiles_failed == 0


def test_a_part_listing_the_roots_first_page_is_mapped_again_knowing_it() -> None:
    """It may be an echo (a provider ignoring the rectangle), which only its whole list tells."""
    planner = TilePlanner(CITY, PRICES)
    planner.next_blocking_tiles(8)
    first_page = ids("r", 20)
    planner.record_mapping("0", first_page, results=60)
    assert planner.record_mapping("0.0", first_page) is None
    for index in (1, 2, 3):
        planner.record_mapping(f"0.{index}", ids(f"p{index}-", 5))
    (again,) = planner.next_tiles(8)
    assert again.key == "0.0"
    assert again.parent_first_page == frozenset(first_page)
    recorded = planner.record_mapping("0.0", ids("q", 7))
    assert recorded is not None
    assert recorded.state is TileState.MAPPED


def test_a_resumed_round_sends_a_roots_parts_with_it_again() -> None:
    """A stopped run's stored round lists the parts after the root: they go out speculatively again."""
    planner = TilePlanner(CITY, PRICES)
    assert planner.take_tile("0").key == "0"
    part = planner.take_tile("0.2")
    assert part.key == "0.2"
    assert part.parent_first_page == frozenset()
    with pytest.raises(ValueError, match="no tile"):
        planner.take_tile("0.2")  # handed out once
    with pytest.raises(ValueError, match="no tile"):
        planner.take_tile("0.2.1")  # only a root's parts
    planner.release_tile("0.2")
    planner.record_mapping("0", ids("r", 20), results=60)
    assert {t.key for t in planner.next_tiles(8)} == {"0.0", "0.1", "0.2", "0.3"}  # all mapped normally now
