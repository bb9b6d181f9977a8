"""Tests of the tiling planner: the quadtree, purchase choices and costs, order, checkpoints."""

from __future__ import annotations

import json

import pytest

from leadgen_desktop.core.discovery.purchases import (
    DetailsPurchase,
    Method,
    PagePurchase,
    PurchasePrices,
    purchase_cost,
)
from leadgen_desktop.core.discovery.tiling import TilePlanner, TileState
from leadgen_desktop.domain import Area, Business, BusinessStatus, DiscoveryPage

PRICES = PurchasePrices(page=0.035, details=0.020)
CITY = Area(30.0, -98.0, 30.1, -97.9)  # about 11 km x 9.6 km


def ids(prefix: str, count: int) -> list[str]:
    return [f"{prefix}{i:03d}" for i in range(count)]


def page_of(place_ids: list[str], token: str | None = None, closed: tuple[str, ...] = ()) -> DiscoveryPage:
    return DiscoveryPage(tuple(Business(i, f"Biz {i}") for i in place_ids), token, (), closed)


def map_all(planner: TilePlanner, contents: dict[str, list[str]]) -> None:
    """Map every tile the planner hands out; a tile's ids come from ``contents`` (missing: empty)."""
    while tasks := planner.next_tiles(10):
        for task in tasks:
            planner.record_mapping(task.key, contents.get(task.key, []))


def buy_all(planner: TilePlanner) -> list[object]:
    """Hand out and answer every purchase, each page answering exactly its group's claimed ids."""
    bought: list[object] = []
    while (purchase := planner.next_purchase()) is not None:
        bought.append(purchase)
        if isinstance(purchase, PagePurchase):
            group = planner._groups[purchase.group]
            start = (purchase.page - 1) * 20
            chunk = list(group.claimed[start : start + 20])
            more = start + 20 < group.place_count
            planner.record_purchase(purchase, page_of(chunk, "t" if more else None))
        else:
            planner.record_purchase(purchase, page_of([purchase.place_id]))
    return bought


# -- what to buy and how -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("places", "claimed", "method", "cost"),
    [
        (0, 0, Method.NONE, 0.0),
        (25, 0, Method.NONE, 0.0),
        (1, 1, Method.DETAILS, 0.020),
        (20, 1, Method.DETAILS, 0.020),
        (20, 2, Method.PAGES, 0.035),
        (60, 5, Method.DETAILS, 0.100),
        (60, 6, Method.PAGES, 0.105),
        (21, 3, Method.DETAILS, 0.060),
        (21, 4, Method.PAGES, 0.070),
        (21, 21, Method.PAGES, 0.070),
    ],
)
def test_the_cheaper_way_is_chosen(places: int, claimed: int, method: Method, cost: float) -> None:
    chosen, price = purchase_cost(places, claimed, PRICES)
    assert chosen is method
    assert price == pytest.approx(cost)


def test_one_tile_below_the_cap_is_one_leaf_bought_by_pages() -> None:
    planner = TilePlanner(CITY, PRICES)
    (task,) = planner.next_tiles(5)
    assert (task.key, task.rect) == ("0", CITY)
    tile = planner.record_mapping("0", ids("a", 45))
    assert tile.state is TileState.MAPPED
    assert not tile.saturated
    assert planner.mapping_done
    first = planner.next_purchase()
    assert first == PagePurchase("g1", CITY, 1, None)
    assert planner.next_purchase() is None  # pages of one search go one after another
    planner.record_purchase(first, page_of(ids("a", 45)[:20], "tok2"))
    second = planner.next_purchase()
    assert second == PagePurchase("g1", CITY, 2, "tok2")
    assert second.worst_case(PRICES) == PRICES.page
    planner.record_purchase(second, page_of(ids("a", 45)[20:], None))  # all 45 answered: no third page
    assert planner.next_purchase() is None
    assert planner.done
    assert planner.summary().places_bought == 45


def test_a_saturated_tile_splits_into_four_centre_first() -> None:
    planner = TilePlanner(CITY, PRICES)
    planner.next_tiles()
    tile = planner.record_mapping("0", ids("a", 60))
    assert tile.state is TileState.SPLIT
    assert tile.children == ("0.0", "0.1", "0.2", "0.3")
    assert [t.rect for t in planner.tiles()[1:]] == list(CITY.quarters())
    order = [t.key for t in planner.next_tiles(10)]
    assert sorted(order) == ["0.0", "0.1", "0.2", "0.3"]
    again = TilePlanner(CITY, PRICES)
    again.next_tiles()
    again.record_mapping("0", ids("a", 60))
    assert [t.key for t in again.next_tiles(10)] == order  # stable
    assert planner.next_tiles(10) == []  # all in flight
    planner.release_tile("0.2")
    assert [t.key for t in planner.next_tiles(10)] == ["0.2"]


def test_duplicates_across_pages_still_count_towards_the_cap() -> None:
    planner = TilePlanner(CITY, PRICES)
    planner.next_tiles()
    assert planner.record_mapping("0", ids("a", 59), results=60).state is TileState.SPLIT


def test_a_tile_at_the_minimum_size_that_is_still_full_is_saturated() -> None:
    small = Area.around(30.0, -97.0, 150.0)  # 300 m a side: below two minimum sides
    planner = TilePlanner(small, PRICES)
    planner.next_tiles()
    tile = planner.record_mapping("0", ids("a", 60))
    assert tile.state is TileState.MAPPED
    assert tile.saturated
    summary = planner.summary()
    assert (summary.tiles_searched, summary.tiles_saturated, summary.tiles_left) == (1, 1, 0)
    assert len(buy_all(planner)) == 3  # its 60 places: three pages


def test_a_long_thin_tile_splits_in_two_once_one_side_is_at_the_minimum() -> None:
    strip = Area(30.0, -98.0, 30.003, -97.9)  # 333 m x 9.6 km
    planner = TilePlanner(strip, PRICES)
    planner.next_tiles()
    tile = planner.record_mapping("0", ids("a", 60))
    assert len(tile.children) == 2
    assert all(planner.tile(c).rect.north == strip.north for c in tile.children)


def test_an_empty_area_buys_nothing() -> None:
    planner = TilePlanner(CITY, PRICES)
    map_all(planner, {})
    assert planner.next_purchase() is None
    assert planner.done
    assert planner.summary().places_mapped == 0
    assert planner.preview() == ()


def test_cached_places_are_never_bought() -> None:
    planner = TilePlanner(CITY, PRICES)
    planner.next_tiles()
    planner.record_mapping("0", ids("a", 30), cached=ids("a", 30))
    assert planner.next_purchase() is None
    assert planner.done
    planner = TilePlanner(CITY, PRICES)
    planner.next_tiles()
    planner.record_mapping("0", ids("a", 30), cached=ids("a", 30)[1:])
    assert planner.next_purchase() == DetailsPurchase("g1", "a000")  # one missing: details beat a page


def test_ids_missing_after_the_last_page_fall_back_to_details() -> None:
    planner = TilePlanner(CITY, PRICES)
    planner.next_tiles()
    planner.record_mapping("0", ids("a", 10))
    page = planner.next_purchase()
    assert isinstance(page, PagePurchase)
    fresh = planner.record_purchase(page, page_of([*ids("a", 10)[:8], "new"], None))
    assert {b.place_id for b in fresh} == {*ids("a", 10)[:8], "new"}
    assert planner.next_purchase() == DetailsPurchase("g1", "a008")
    assert planner.next_purchase() == DetailsPurchase("g1", "a009")
    assert planner.next_purchase() is None


def test_a_failed_page_falls_back_to_details_and_a_failed_details_is_given_up() -> None:
    planner = TilePlanner(CITY, PRICES)
    planner.next_tiles()
    planner.record_mapping("0", ids("a", 3))
    page = planner.next_purchase()
    assert isinstance(page, PagePurchase)
    planner.purchase_failed(page)
    details = [planner.next_purchase() for _ in range(3)]
    assert details == [DetailsPurchase("g1", i) for i in ids("a", 3)]
    planner.purchase_failed(details[0])
    planner.record_purchase(details[1], DiscoveryPage((), None, (), ("a001",)))  # closed: answered
    planner.record_purchase(details[2], page_of([]))  # answered nothing about it: failed
    assert planner.done
    summary = planner.summary()
    assert (summary.places_bought, summary.places_failed) == (1, 2)


def test_a_purchase_not_sent_is_handed_out_again() -> None:
    planner = TilePlanner(CITY, PRICES)
    planner.next_tiles()
    planner.record_mapping("0", ids("a", 30))
    page = planner.next_purchase()
    assert page is not None
    planner.release_purchase(page)
    assert planner.next_purchase() == page
    with pytest.raises(ValueError, match="not the page in flight"):
        planner.record_purchase(PagePurchase("g1", CITY, 2, None), page_of([]))
    with pytest.raises(ValueError, match="no purchase group"):
        planner.purchase_failed(DetailsPurchase("g9", "x"))


def test_a_mapped_tile_cannot_be_mapped_again() -> None:
    planner = TilePlanner(CITY, PRICES)
    planner.next_tiles()
    planner.record_mapping("0", [])
    with pytest.raises(ValueError, match="already mapped"):
        planner.record_mapping("0", [])
    with pytest.raises(ValueError, match="no tile"):
        planner.record_mapping("7", [])


def test_a_failed_tile_is_reported_and_does_not_block() -> None:
    planner = TilePlanner(CITY, PRICES)
    planner.next_tiles()
    planner.record_mapping("0", ids("a", 60))
    tasks = planner.next_tiles(4)
    planner.record_mapping_failed(tasks[0].key)
    for task in tasks[1:]:
        planner.record_mapping(task.key, ids(task.key, 5))
    assert planner.summary().tiles_failed == 1
    assert planner.mapping_done
    buy_all(planner)
    assert planner.done


# -- shared edges, packing, order ------------------------------------------------------------


def split_city(children: dict[int, list[str]]) -> TilePlanner:
    planner = TilePlanner(CITY, PRICES)
    planner.next_tiles()
    planner.record_mapping("0", ids("root", 60))
    map_all(planner, {f"0.{i}": v for i, v in children.items()})
    return planner


def test_a_place_on_a_shared_edge_is_bought_once() -> None:
    edge = "on-the-edge"
    planner = split_city({0: [*ids("a", 30), edge], 1: [edge, *ids("b", 30)]})
    planner.mark_known(ids("root", 60))
    groups = {p.group for p in buy_all(planner)}
    claims = [i for g in groups for i in planner._groups[g].claimed]
    assert claims.count(edge) == 1
    assert len(claims) == len(set(claims)) == 61
    assert planner.summary().places_bought == 61
    owner = planner.tile_of(Business(edge, "x"))
    assert owner == min("0.0", "0.1", key=planner.order)


def test_small_neighbours_are_packed_into_one_rectangle() -> None:
    # alone: 1 + 1 + 2 + 1 = 5 pages; packed into halves 8+30 (2 pages) and 7+12 (1 page): 3
    planner = split_city({0: ids("a", 8), 1: ids("b", 7), 2: ids("c", 30), 3: ids("d", 12)})
    planner.mark_known(ids("root", 60))
    bought = buy_all(planner)
    assert not [p for p in bought if isinstance(p, DetailsPurchase)]
    pages = [p for p in bought if isinstance(p, PagePurchase)]
    assert len(pages) == 3
    sw, se, nw, ne = CITY.quarters()
    assert {p.rect for p in pages} == {sw.union_if_rectangle(nw), se.union_if_rectangle(ne)}
    assert planner.summary().places_bought == 57


def test_packing_never_reaches_the_cap() -> None:
    planner = split_city({0: ids("a", 31), 1: ids("b", 29), 2: ids("c", 1), 3: ids("d", 1)})
    planner.mark_known(ids("root", 60))
    groups = {p.group: p.rect for p in buy_all(planner) if isinstance(p, PagePurchase)}
    sw, se, _, _ = CITY.quarters()
    assert sw.union_if_rectangle(se) not in groups.values()


def test_purchases_wait_for_nearer_tiles_and_come_centre_first() -> None:
    planner = TilePlanner(CITY, PRICES)
    planner.next_tiles()
    planner.record_mapping("0", ids("root", 60))
    planner.mark_known(ids("root", 60))
    tasks = planner.next_tiles(4)
    planner.record_mapping(tasks[0].key, ids("a", 35))
    assert planner.next_purchase() is None  # the other quarters also touch the centre
    for i, task in enumerate(tasks[1:]):
        planner.record_mapping(task.key, ids(f"q{i}", 35))  # 35 + 35 > 60: no packing
    order = []
    while (purchase := planner.next_purchase()) is not None:
        group = planner._groups[purchase.group]
        order.append(planner.order(group.leaves[0]))
        planner.release_purchase(purchase)
        planner._active.remove(purchase.group)  # skip it: look at the next group's order
    assert order == sorted(order)
    assert len(order) == 4


# -- antimeridian, orphans, preview ---------------------------------------------------------------


def test_an_area_across_the_antimeridian_is_mapped_as_two_roots() -> None:
    fiji = Area(-17.2, 179.9, -17.1, -179.9)
    planner = TilePlanner(fiji, PRICES)
    roots = planner.next_tiles(5)
    assert {t.rect for t in roots} == set(fiji.parts())
    assert all(not t.rect.crosses_antimeridian for t in roots)


def test_ids_only_the_parent_returned_are_bought_by_details() -> None:
    planner = split_city({0: ids("root", 30)[:25], 1: ids("root", 60)[30:]})
    bought = buy_all(planner)
    details = [p for p in bought if isinstance(p, DetailsPurchase)]
    assert [p.place_id for p in details] == ids("root", 30)[25:]


def test_preview_counts_what_everything_would_cost_without_changing_the_plan() -> None:
    planner = split_city({0: ids("a", 40), 1: ids("b", 3), 2: [], 3: ids("d", 1)})
    planner.mark_known(ids("root", 60))
    before = planner.to_dict()
    plan = planner.preview()
    assert planner.to_dict() == before
    assert sum(p.places for p in plan) == 44
    assert sum(p.worst_case for p in plan) == pytest.approx(2 * 0.035 + 0.035)  # 40: 2 pages; 3+1: packed
    assert [p.method for p in plan].count(Method.PAGES) == 2


# -- checkpoints -----------------------------------------------------------------------------


def test_a_plan_survives_a_checkpoint_at_any_step() -> None:
    contents = {"0.0": ids("a", 22), "0.1": ids("b", 5), "0.2": ids("c", 41), "0.3": ids("d", 2)}

    def run(stop_after: int | None) -> list[object]:
        planner = TilePlanner(CITY, PRICES)
        steps: list[object] = []
        planner.next_tiles()
        planner.record_mapping("0", ids("root", 60), cached=ids("root", 60))
        while True:
            if stop_after is not None and len(steps) == stop_after:
                planner = TilePlanner.from_dict(json.loads(json.dumps(planner.to_dict())), PRICES)
                stop_after = None
            tasks = planner.next_tiles(1)
            if tasks:
                planner.record_mapping(tasks[0].key, contents[tasks[0].key])
                steps.append(tasks[0].key)
                continue
            purchase = planner.next_purchase()
            if purchase is None:
                return steps
            steps.append(purchase)
            if isinstance(purchase, PagePurchase):
                claimed = list(planner._groups[purchase.group].claimed)
                start = (purchase.page - 1) * 20
                planner.record_purchase(purchase, page_of(claimed[start : start + 20], "t"))
            else:
                planner.record_purchase(purchase, page_of([purchase.place_id]))

    straight = run(None)
    for stop in range(len(straight)):
        assert run(stop) == straight, stop


def test_requests_in_flight_at_a_checkpoint_are_handed_out_again() -> None:
    planner = TilePlanner(CITY, PRICES)
    planner.next_tiles()
    planner.record_mapping("0", ids("a", 30))
    page = planner.next_purchase()
    restored = TilePlanner.from_dict(planner.to_dict(), PRICES)
    assert restored.next_purchase() == page


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: d.update(version=99), "unknown version"),
        (lambda d: d.pop("tiles"), "tiles"),
        (lambda d: d["tiles"].append(d["tiles"][0]), "appears twice"),
        (lambda d: d["tiles"][1].update(key="9.9"), "no parent"),
        (lambda d: d["groups"][0].update(method="cheap"), "cheap"),
        (lambda d: d.update(area=[1, 2]), "four numbers"),
        (lambda d: d.update(groups=[]), r"purchase group g\d+ that is missing"),
    ],
)
def test_a_damaged_checkpoint_is_refused_with_a_reason(damage: object, message: str) -> None:
    planner = split_city({0: ids("a", 10)})
    planner.mark_known(ids("root", 60))
    assert isinstance(planner.next_purchase(), PagePurchase)
    data = json.loads(json.dumps(planner.to_dict()))
    damage(data)  # type: ignore[operator]
    with pytest.raises(ValueError, match=f"damaged.*{message}"):
        TilePlanner.from_dict(data, PRICES)


def test_tile_at_uses_half_open_edges() -> None:
    planner = split_city({})
    sw, _se, _nw, _ne = CITY.quarters()
    assert planner.tile_at(sw.north, sw.east) == "0.3"  # the centre point: the north-east quarter
    assert planner.tile_at(CITY.north, CITY.east) == "0.3"  # the area's own corner is closed
    assert planner.tile_at(CITY.south, CITY.west) == "0.0"
    assert planner.tile_at(40.0, -97.95) is None
    assert planner.tile_at(None, None) is None
    closed = Business("x", "x", business_status=BusinessStatus.OPERATIONAL, latitude=30.01, longitude=-97.99)
    assert planner.tile_of(closed) == "0.0"
