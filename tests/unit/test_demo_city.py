"""Tests of the demo world: towns found by location, 60 per search, tiles, Place Details, determinism."""

from __future__ import annotations

import pytest

from leadgen_desktop.core.discovery.purchases import PurchasePrices
from leadgen_desktop.core.discovery.tiling import TilePlanner
from leadgen_desktop.domain import Area, Cancelled, CancelToken, ProviderError
from leadgen_desktop.net.providers.demo import DemoDiscovery, build_demo_providers
from leadgen_desktop.net.providers.demo_city import CLOSED_SHARE, TownQuery, places_in, town_places
from tests.fakes.tiling_driver import drive

CANCEL = CancelToken()


@pytest.fixture(scope="module")
def demo() -> DemoDiscovery:
    return DemoDiscovery()


@pytest.fixture(scope="module")
def austin(demo: DemoDiscovery) -> Area:
    located = demo.locate("Austin, TX", CANCEL).located
    assert located is not None
    return located.area


def test_the_demo_speaks_the_area_protocol_for_free() -> None:
    providers = build_demo_providers(latency=0)
    area = providers.area
    assert area is providers.discovery
    assert {area.locate_sku, area.map_sku, area.buy_sku, area.details_sku} == {"free"}


def test_every_location_names_a_town_the_same_way(demo: DemoDiscovery) -> None:
    first = demo.locate("Austin, TX", CANCEL)
    assert first == DemoDiscovery().locate("  austin,   tx ", CANCEL)
    assert first.calls == ()
    assert first.located is not None
    assert first.located.name
    assert first.located.area.height_m == pytest.approx(26_700, rel=0.01)
    assert demo.locate("Leeds", CANCEL).located != first.located
    with pytest.raises(ValueError, match="location"):
        demo.locate(" ", CANCEL)


def test_one_search_returns_sixty_places_in_pages_of_twenty(demo: DemoDiscovery, austin: Area) -> None:
    pages, token = [], None
    for _ in range(3):
        page = demo.map_tile("dentist", austin, token, CANCEL)
        pages.append(page.place_ids)
        token = page.next_page_token
    assert [len(p) for p in pages] == [20, 20, 20]
    assert token is None
    assert len({i for p in pages for i in p}) == 60
    with pytest.raises(ProviderError, match="another search"):
        demo.map_tile(
            "bakery", austin, demo.map_tile("dentist", austin, None, CANCEL).next_page_token, CANCEL
        )


def test_buying_a_page_gives_the_same_places_with_their_fields(demo: DemoDiscovery, austin: Area) -> None:
    ids = demo.map_tile("dentist", austin, None, CANCEL).place_ids
    page = demo.buy_tile("dentist", austin, None, CANCEL)
    assert [b.place_id for b in page.businesses] + list(page.closed_place_ids) != []
    assert {b.place_id for b in page.businesses} | set(page.closed_place_ids) == set(ids)
    for business in page.businesses:
        assert austin.contains(
            business.latitude or 0, business.longitude or 0, closed_north=True, closed_east=True
        )
        assert business.source == "demo"
        assert "Dentist" in business.name or business.name
    again = DemoDiscovery().buy_tile("dentist", austin, None, CANCEL)
    assert again == page  # deterministic, also in a new provider


def test_details_rebuilds_a_place_from_its_id(demo: DemoDiscovery, austin: Area) -> None:
    page = demo.buy_tile("emergency dentist", austin, None, CANCEL)
    business = page.businesses[0]
    assert DemoDiscovery().details(business.place_id, CANCEL).businesses == (business,)
    with pytest.raises(ProviderError, match="No demo place"):
        demo.details("ChIJ-not-a-demo-place", CANCEL)
    closed = next(p for p in town_places(*_key(demo, austin)) if p.closed)
    assert demo.details(closed.place_id, CANCEL).closed_place_ids == (closed.place_id,)


def _key(demo: DemoDiscovery, austin: Area) -> tuple[str, str, int, int]:
    query = TownQuery.of("emergency dentist")
    lat, lng = austin.centre
    return query.key, query.slug, int(lat // 1), int(lng // 1)


@pytest.mark.parametrize(("location", "kind"), [("Austin, TX", "dentist"), ("Leeds", "emergency plumber")])
def test_a_town_holds_over_a_thousand_businesses_found_by_tiling(
    demo: DemoDiscovery, location: str, kind: str
) -> None:
    located = demo.locate(location, CANCEL).located
    assert located is not None
    planner = TilePlanner(located.area, PurchasePrices(0.035, 0.020))
    result = drive(planner, demo, kind, {})
    assert len(result.found) >= 1000
    assert planner.summary().tiles_searched > 20  # the core had to be split
    everything = town_places(TownQuery.of(kind).key, TownQuery.of(kind).slug, *_cell(located.area))
    inside = [
        p for p in everything if located.area.contains(p.lat, p.lng, closed_north=True, closed_east=True)
    ]
    assert len(result.found) == len([p for p in inside if not p.closed])
    assert sum(p.closed for p in everything) == pytest.approx(CLOSED_SHARE * len(everything), rel=0.5)


def _cell(area: Area) -> tuple[int, int]:
    lat, lng = area.centre
    return int(lat // 1), int(lng // 1)


def test_a_small_rectangle_holds_only_its_own_places(austin: Area) -> None:
    query = TownQuery.of("dentist")
    lat, lng = austin.centre
    small = Area.around(lat, lng, 400.0)
    assert all(
        small.contains(p.lat, p.lng, closed_north=True, closed_east=True) for p in places_in(query, small)
    )
    assert 0 < len(places_in(query, small)) < 60


def test_every_area_call_waits_its_latency_and_can_be_cancelled(austin: Area) -> None:
    cancelled = CancelToken()
    cancelled.cancel()
    slow = DemoDiscovery(latency=30.0)  # a cancel ends the wait at once
    for call in (
        lambda: slow.locate("Austin", cancelled),
        lambda: slow.map_tile("dentist", austin, None, cancelled),
        lambda: slow.buy_tile("dentist", austin, None, cancelled),
        lambda: slow.details("demo-dentist-0000000000-120082-0001", cancelled),
    ):
        with pytest.raises(Cancelled):
            call()
