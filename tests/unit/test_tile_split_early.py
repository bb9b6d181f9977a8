"""Tests of the area search's short cuts: a tile split on its first page, its family bought whole,
and a round topped up around what is out (no timing: plans and page answers only)."""

from __future__ import annotations

from dataclasses import dataclass, field

from leadgen_desktop.core.discovery.purchases import PagePurchase
from leadgen_desktop.core.discovery.quadtree import MapTask
from leadgen_desktop.core.discovery.tile_search import map_task_ids, map_tile_ids
from leadgen_desktop.core.discovery.tiling import TilePlanner, TileState
from leadgen_desktop.core.run.area_round import BUYING_TILES, InFlight, RoundItem, plan_round
from leadgen_desktop.domain import Area, CancelToken, IdsPage
from tests.unit.test_tiling import CITY, PRICES, buy_all, ids


@dataclass
class PagedIds:
    """An IDs-only search answering ``pages`` in turn (a token while more follow); counts the requests."""

    pages: list[list[str]]
    asked: list[str | None] = field(default_factory=list)

    def map_tile(self, query: str, rect: Area, token: str | None, cancel: CancelToken) -> IdsPage:
        self.asked.append(token)
        index = 0 if token is None else int(token)
        more = index + 1 < len(self.pages)
        return IdsPage(tuple(self.pages[index]), str(index + 1) if more else None)


def test_a_full_first_page_with_more_to_come_splits_the_tile_at_once() -> None:
    search = PagedIds([ids("a", 20), ids("b", 20), ids("c", 20)])
    mapping = map_tile_ids(search, "dentist", CITY, CancelToken(), split_early=True)  # type: ignore[arg-type]
    assert search.asked == [None]  # pages 2 and 3 are not asked for
    assert mapping.place_ids == tuple(ids("a", 20))
    assert mapping.results == 60  # counted as reaching the cap: the planner splits it


def test_without_leave_to_split_or_with_the_parents_first_page_every_page_is_read() -> None:
    pages = [ids("a", 20), ids("b", 20), ids("c", 15)]
    whole = PagedIds(pages)
    assert map_tile_ids(whole, "q", CITY, CancelToken()).results == 55  # type: ignore[arg-type]
    assert len(whole.asked) == 3
    echo = PagedIds(pages)  # answers with its parent's first page: maybe the rectangle is ignored
    task = MapTask("0.1", CITY, splittable=True, parent_first_page=frozenset(ids("a", 20)))
    assert map_task_ids(echo, "q", task, CancelToken()).results == 55  # type: ignore[arg-type]
    assert len(echo.asked) == 3


def test_a_short_first_page_ends_the_mapping_as_before() -> None:
    search = PagedIds([ids("a", 12)])
    mapping = map_tile_ids(search, "q", CITY, CancelToken(), split_early=True)  # type: ignore[arg-type]
    assert mapping.results == 12
    assert search.asked == [None]


def test_tasks_say_whether_their_first_page_may_split_them() -> None:
    planner = TilePlanner(CITY, PRICES)
    (root,) = planner.next_tiles()
    assert root.splittable
    assert root.parent_first_page == frozenset()
    planner.record_mapping(root.key, ids("r", 20), results=60)
    children = planner.next_tiles(4)
    assert len(children) == 4
    assert all(task.parent_first_page == frozenset(ids("r", 20)) for task in children)
    tiny = TilePlanner(Area(30.0, -98.0, 30.003, -97.997), PRICES)  # about 330 m a side: never split
    assert not tiny.next_tiles()[0].splittable


def test_a_family_split_on_its_first_page_is_bought_whole_once_all_of_it_is_mapped() -> None:
    planner = TilePlanner(CITY, PRICES)
    (root,) = planner.next_tiles()
    planner.record_mapping(root.key, ids("a", 20), results=60)  # split on its first page
    assert planner.split_on_first_page(root.key)
    (nearest,) = planner.next_tiles(1)
    first_page = ids("a", 20)  # the parts hold the parent's first page and more: 37 places, 2 pages not 4
    contents = [first_page[:8], first_page[8:15], first_page[15:] + ids("c", 7), ids("d", 10)]
    planner.record_mapping(nearest.key, contents[0])
    assert planner.next_purchase() is None  # the leaf waits for its family
    blocking = planner.next_blocking_tiles(8)
    assert len(blocking) == 3  # the rest of the family is what is in the way
    for task, place_ids in zip(blocking, contents[1:], strict=True):
        planner.record_mapping(task.key, place_ids)
    bought = buy_all(planner)
    assert all(isinstance(p, PagePurchase) for p in bought)
    assert len(bought) == 2
    assert {p.rect for p in bought if isinstance(p, PagePurchase)} == {CITY}
    assert planner.summary().places_bought == 37


def test_a_part_answering_with_its_parents_first_page_is_an_echo() -> None:
    planner = TilePlanner(CITY, PRICES)
    (root,) = planner.next_tiles()
    planner.record_mapping(root.key, ids("a", 20), results=60)
    first, *_ = planner.next_tiles(4)
    recorded = planner.record_mapping(first.key, ids("a", 60))  # its whole list starts with that page
    assert recorded.state is TileState.MAPPED
    assert recorded.echo


def test_a_top_up_counts_what_is_out_towards_the_leads_and_the_limits() -> None:
    planner = TilePlanner(CITY, PRICES)
    (root,) = planner.next_tiles()
    planner.record_mapping(root.key, ids("a", 45))  # one leaf, three pages
    first = plan_round(planner, wanted=10, share=1.0)
    purchases = [i for i in first if i.is_purchase]
    assert len(purchases) == 1  # 20 coming for 10 wanted
    out = InFlight.of(planner, first)
    assert out.purchases == 1
    assert out.places == 20
    assert plan_round(planner, wanted=10, share=1.0, out=out) == []  # nothing more while it is out
    more = plan_round(planner, wanted=40, share=1.0, out=out)
    assert more == []  # the group's next page follows the one out (its token)
    assert InFlight.of(planner, [RoundItem(MapTask("x", CITY))]).tiles == 1


def test_while_buying_with_enough_mapped_few_tiles_are_out_at_once() -> None:
    def split_twice() -> TilePlanner:
        planner = TilePlanner(CITY, PRICES)
        (root,) = planner.next_tiles()
        planner.record_mapping(root.key, ids("r", 60))
        for i, child in enumerate(planner.next_tiles(4)):
            planner.record_mapping(child.key, ids(f"c{i}", 60))  # 16 parts wait to be mapped
        return planner

    buying = InFlight(purchases=1, places=20)
    few = plan_round(split_twice(), wanted=100, share=1.0, out=buying)  # 300 mapped: enough for 100
    assert len(few) == BUYING_TILES  # the pages out wait behind fewer free searches
    many = plan_round(split_twice(), wanted=1000, share=1.0, out=buying)  # not enough mapped yet
    assert len(many) == 16
