"""Contract tests of area discovery over Google Places (New): location, tiles, Place Details."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from leadgen_desktop.domain import (
    DEFAULT_PRICES,
    Area,
    AreaDiscovery,
    CancelToken,
    Discovery,
    ProviderAuthError,
    ProviderError,
    QuotaExhausted,
)
from leadgen_desktop.net.http import build_client
from leadgen_desktop.net.providers.google_places_area import (
    DETAILS_ENDPOINT,
    NO_VIEWPORT_HALF_SIDE_M,
    GooglePlacesAreaDiscovery,
    tile_request,
    viewport_area,
)
from leadgen_desktop.net.providers.live import build_live_providers
from leadgen_desktop.net.providers.places_fields import (
    DETAILS_FIELD_TIERS,
    DETAILS_FIELDS,
    IDS_FIELDS,
    LOCATE_FIELDS,
    SEARCH_FIELDS,
    place_details_sku,
    text_search_sku,
)
from leadgen_desktop.net.rate_limit import RateLimiter
from leadgen_desktop.net.retry import RetryPolicy
from tests.fakes import FakeApis, FakeTime
from tests.fakes.api_server import FAKE_KEYS, GOOGLE_KEY

ClientFor = Callable[[str], httpx.Client]
CANCEL = CancelToken()


@pytest.fixture
def area_discovery(
    client_for: ClientFor, policy: RetryPolicy, limiter: RateLimiter
) -> GooglePlacesAreaDiscovery:
    return GooglePlacesAreaDiscovery(client_for("google_places"), GOOGLE_KEY, limiter=limiter, retry=policy)


@pytest.fixture
def city_area(fake: FakeApis) -> Area:
    return Area(*fake.city.area_of("Testville"))


def with_handler(
    handler: Callable[[httpx.Request], httpx.Response], policy: RetryPolicy
) -> GooglePlacesAreaDiscovery:
    client = build_client(
        "google_places", transport=httpx.MockTransport(handler), base_url="https://g.invalid"
    )
    return GooglePlacesAreaDiscovery(client, "k", limiter=RateLimiter(1e6, burst=10**6), retry=policy)


def test_live_providers_implement_both_protocols(fake: FakeApis) -> None:
    providers = build_live_providers(FAKE_KEYS, transports={"google_places": fake.transport()})
    assert isinstance(providers.discovery, GooglePlacesAreaDiscovery)
    assert providers.area is providers.discovery
    area: AreaDiscovery = providers.discovery
    pages: Discovery = providers.discovery
    assert (area.locate_sku, area.map_sku, area.buy_sku, area.details_sku) == (
        "places_text_search_pro",
        "places_text_search_essentials",
        "places_text_search_enterprise",
        "places_details_enterprise",
    )
    assert pages.billing_sku == area.buy_sku


def test_masks_and_their_skus() -> None:
    assert ",".join(IDS_FIELDS) == "places.id,nextPageToken"
    assert ",".join(LOCATE_FIELDS) == "places.id,places.displayName,places.viewport"
    assert text_search_sku(IDS_FIELDS) == "places_text_search_essentials"
    assert DEFAULT_PRICES[text_search_sku(IDS_FIELDS)] == 0.0
    assert text_search_sku(LOCATE_FIELDS) == "places_text_search_pro"
    assert tuple(f.removeprefix("places.") for f in SEARCH_FIELDS if f != "nextPageToken") == DETAILS_FIELDS
    assert place_details_sku(DETAILS_FIELDS) == "places_details_enterprise"
    assert place_details_sku(["id", "formattedAddress", "location"]) == "places_details_essentials"
    assert place_details_sku(["id", "displayName"]) == "places_details_pro"
    assert place_details_sku(["id"]) == "free"
    with pytest.raises(ValueError, match="no known Place Details tier"):
        place_details_sku(["places.id"])  # Details paths are bare
    assert {place_details_sku([f]) for f in DETAILS_FIELD_TIERS} <= set(DEFAULT_PRICES)


# -- locate ------------------------------------------------------------------------------


def test_locate_a_known_location(
    area_discovery: GooglePlacesAreaDiscovery, fake: FakeApis, city_area: Area
) -> None:
    lookup = area_discovery.locate("  testville ", CANCEL)
    (request,) = fake.requests
    assert (request.method, request.path) == ("POST", "/v1/places:searchText")
    assert request.headers["x-goog-fieldmask"] == "places.id,places.displayName,places.viewport"
    assert request.json() == {"textQuery": "testville", "pageSize": 1}
    assert "locationRestriction" not in request.json()
    assert lookup.located is not None
    assert lookup.located.name == "Testville"
    assert lookup.located.area == city_area
    assert [(c.sku, c.units) for c in lookup.calls] == [("places_text_search_pro", 1)]
    assert fake.billed == {"places_text_search_pro": 1}


def test_an_unknown_location_is_none_and_still_billed(
    area_discovery: GooglePlacesAreaDiscovery, fake: FakeApis
) -> None:
    lookup = area_discovery.locate("Atlantis", CANCEL)
    assert lookup.located is None
    assert lookup.problem == ""
    assert [(c.sku, c.units) for c in lookup.calls] == [("places_text_search_pro", 1)]
    assert fake.billed == {"places_text_search_pro": 1}
    with pytest.raises(ValueError, match="location"):
        area_discovery.locate("   ", CANCEL)


def place(viewport: object, place_id: str = "ChIJ-x") -> dict[str, object]:
    return {"id": place_id, "displayName": {"text": "Somewhere"}, "viewport": viewport}


def corners(s: float, w: float, n: float, e: float) -> dict[str, object]:
    return {"low": {"latitude": s, "longitude": w}, "high": {"latitude": n, "longitude": e}}


@pytest.mark.parametrize(
    ("places", "expected", "problem"),
    [
        ([place(corners(-18.3, 177.0, -16.0, -179.5))], Area(-18.3, 177.0, -16.0, -179.5), ""),
        ([place(corners(30.0, -97.0, 30.0, -97.0))], Area.around(30.0, -97.0, 250.0), ""),
        (
            [place(None), place(corners(30.0, -97.1, 30.1, -97.0), "ChIJ-2")],
            Area(30.0, -97.1, 30.1, -97.0),
            "",
        ),
        ([place(corners(25.0, -107.0, 36.5, -93.5))], None, "Somewhere: The area is"),
        ([place(corners(30, -97, 31, -96), "bad id!")], None, ""),
        ([place({"low": {"latitude": "30"}, "high": {}})], None, "no usable corners"),
    ],
)
def test_locate_reads_untrusted_viewports(
    policy: RetryPolicy, places: list[object], expected: Area | None, problem: str
) -> None:
    discovery = with_handler(lambda r: httpx.Response(200, json={"places": places}), policy)
    lookup = discovery.locate("x", CANCEL)
    assert (lookup.located.area if lookup.located else None) == expected
    assert problem in lookup.problem
    assert bool(lookup.problem) == bool(problem)


def test_a_place_without_a_viewport_gives_a_square_around_its_location(policy: RetryPolicy) -> None:
    location = {"latitude": 30.0, "longitude": -97.0}
    point = {"id": "ChIJ-p", "displayName": {"text": "Pointville"}, "location": location}
    discovery = with_handler(lambda r: httpx.Response(200, json={"places": [point]}), policy)
    lookup = discovery.locate("Pointville", CANCEL)
    assert lookup.located is not None
    assert lookup.located.around_point
    assert lookup.located.area == Area.around(30.0, -97.0, NO_VIEWPORT_HALF_SIDE_M)
    bare = with_handler(lambda r: httpx.Response(200, json={"places": [place(None)]}), policy)
    nothing = bare.locate("Somewhere", CANCEL)
    assert nothing.located is None
    assert nothing.without_viewport  # searched by text, with a notice


def test_viewport_area_refuses_garbage() -> None:
    with pytest.raises(ValueError, match="no viewport"):
        viewport_area([1, 2])


# -- map_tile and buy_tile -------------------------------------------------------------------


def test_map_tile_request_and_paging(
    area_discovery: GooglePlacesAreaDiscovery, fake: FakeApis, city_area: Area
) -> None:
    first = area_discovery.map_tile("dentist", city_area, None, CANCEL)
    assert len(first.place_ids) == 20
    assert first.next_page_token
    second = area_discovery.map_tile("dentist", city_area, first.next_page_token, CANCEL)
    one, two = fake.requests
    assert one.headers["x-goog-fieldmask"] == "places.id,nextPageToken"
    assert one.json() == {
        "textQuery": "dentist",
        "pageSize": 20,
        "locationRestriction": {
            "rectangle": {
                "low": {"latitude": city_area.south, "longitude": city_area.west},
                "high": {"latitude": city_area.north, "longitude": city_area.east},
            }
        },
    }
    assert two.json() == {**one.json(), "pageToken": first.next_page_token}  # nothing else changes
    assert not set(first.place_ids) & set(second.place_ids)
    assert [c.sku for c in first.calls + second.calls] == ["places_text_search_essentials"] * 2
    assert fake.billed == {"places_text_search_essentials": 2}


def test_buy_tile_uses_the_contact_mask_and_names_closed_places(
    area_discovery: GooglePlacesAreaDiscovery, fake: FakeApis
) -> None:
    closed = next(p for p in fake.city.places if p.status == "CLOSED_PERMANENTLY")
    rect = Area.around(closed.lat, closed.lng, 30.0)
    page = area_discovery.buy_tile("dentist", rect, None, CANCEL)
    assert fake.requests[0].headers["x-goog-fieldmask"] == ",".join(SEARCH_FIELDS)
    assert fake.requests[0].json()["textQuery"] == "dentist"
    assert closed.id in page.closed_place_ids
    assert closed.id not in {b.place_id for b in page.businesses}
    assert [(c.sku, c.units) for c in page.calls] == [("places_text_search_enterprise", 1)]
    assert fake.billed == {"places_text_search_enterprise": 1}


def test_a_tile_request_never_crosses_the_antimeridian() -> None:
    with pytest.raises(ValueError, match="antimeridian"):
        tile_request("dentist", Area(-18.0, 179.0, -17.0, -179.0), None)
    with pytest.raises(ValueError, match="business query"):
        tile_request("  ", Area(-18.0, 178.0, -17.0, 179.0), None)


def test_untrusted_pages_are_capped_and_cleaned(policy: RetryPolicy) -> None:
    flood = [{"id": f"p{i}"} for i in range(5_000)]
    answers = iter(
        [
            {"places": flood, "nextPageToken": "x" * 9000},
            {
                "places": [
                    {"id": "ok"},
                    {"id": "bad id"},
                    {"id": "../../etc"},
                    {"id": 7},
                    "junk",
                    {"id": "ok"},
                ]
            },
        ]
    )
    discovery = with_handler(lambda r: httpx.Response(200, json=next(answers)), policy)
    first = discovery.map_tile("dentist", Area(30.0, -98.0, 30.1, -97.9), None, CANCEL)
    assert len(first.place_ids) == 20
    assert first.next_page_token is None  # too long to be a real token
    second = discovery.map_tile("dentist", Area(30.0, -98.0, 30.1, -97.9), None, CANCEL)
    assert second.place_ids == ("ok",)


# -- details -----------------------------------------------------------------------------------


def test_details_request_and_answer(area_discovery: GooglePlacesAreaDiscovery, fake: FakeApis) -> None:
    target = fake.city.open_places[0]
    page = area_discovery.details(target.id, CANCEL)
    (request,) = fake.requests
    assert (request.method, request.path, request.body) == ("GET", f"/v1/places/{target.id}", b"")
    assert request.headers["x-goog-fieldmask"] == ",".join(DETAILS_FIELDS)
    (business,) = page.businesses
    assert (business.place_id, business.name) == (target.id, target.name)
    assert (business.latitude, business.longitude) == (target.lat, target.lng)
    assert [(c.sku, c.endpoint, c.units) for c in page.calls] == [
        ("places_details_enterprise", DETAILS_ENDPOINT, 1)
    ]
    assert fake.billed == {"places_details_enterprise": 1}


def test_details_of_a_permanently_closed_place(
    area_discovery: GooglePlacesAreaDiscovery, fake: FakeApis
) -> None:
    closed = next(p for p in fake.city.places if p.status == "CLOSED_PERMANENTLY")
    page = area_discovery.details(closed.id, CANCEL)
    assert page.businesses == ()
    assert page.closed_place_ids == (closed.id,)


def test_details_of_an_unknown_place_is_a_provider_error(area_discovery: GooglePlacesAreaDiscovery) -> None:
    with pytest.raises(ProviderError) as info:
        area_discovery.details("ChIJ-NOPE", CANCEL)
    assert "NOT_FOUND" in info.value.message
    assert [c.outcome for c in info.value.calls] == ["bad_request"]
    with pytest.raises(ValueError, match="not a place id"):
        area_discovery.details("../v1/places:searchText", CANCEL)


@pytest.mark.parametrize(
    "answer",
    [{"id": "other", "displayName": {"text": "x"}}, {"id": "ChIJ-a"}, {"id": "ChIJ-a", "displayName": "x"}],
)
def test_an_unusable_details_answer_is_billed_and_refused(
    policy: RetryPolicy, answer: dict[str, object]
) -> None:
    discovery = with_handler(lambda r: httpx.Response(200, json=answer), policy)
    with pytest.raises(ProviderError) as info:
        discovery.details("ChIJ-a", CANCEL)
    assert [(c.outcome, c.units, c.sku) for c in info.value.calls] == [
        ("bad_response", 1, "places_details_enterprise")
    ]


# -- errors, for every area call ----------------------------------------------------------------

CALLS: dict[str, Callable[[GooglePlacesAreaDiscovery], object]] = {
    "locate": lambda d: d.locate("Testville", CANCEL),
    "map_tile": lambda d: d.map_tile("dentist", Area(30.2, -97.8, 30.3, -97.7), None, CANCEL),
    "buy_tile": lambda d: d.buy_tile("dentist", Area(30.2, -97.8, 30.3, -97.7), None, CANCEL),
    "details": lambda d: d.details("ChIJ-CITY-011-00000", CANCEL),
}


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize(
    "name", ["API_KEY_INVALID", "SERVICE_DISABLED", "BILLING_DISABLED", "PERMISSION_DENIED"]
)
def test_auth_errors(area_discovery: GooglePlacesAreaDiscovery, fake: FakeApis, call: str, name: str) -> None:
    fake.google_error = name
    with pytest.raises(ProviderAuthError) as info:
        CALLS[call](area_discovery)
    assert [(c.outcome, c.units) for c in info.value.calls] == [("auth_failure", 0)]
    assert not fake.billed


@pytest.mark.parametrize("call", CALLS)
def test_quota_and_rate_limits(area_discovery: GooglePlacesAreaDiscovery, fake: FakeApis, call: str) -> None:
    fake.google_error = "RESOURCE_EXHAUSTED_DAILY"
    with pytest.raises(QuotaExhausted):
        CALLS[call](area_discovery)
    fake.google_error = None
    fake.inject("google_places", "rate_limit", "http_503")
    CALLS[call](area_discovery)
    assert sum(fake.billed.values()) == 1  # only the answer that came back is billed


@pytest.mark.parametrize("call", CALLS)
def test_transient_failures_are_retried(
    area_discovery: GooglePlacesAreaDiscovery, fake: FakeApis, fake_time: FakeTime, call: str
) -> None:
    fake.inject("google_places", "timeout", "connect_error")
    CALLS[call](area_discovery)
    assert len(fake_time.waits) == 2
