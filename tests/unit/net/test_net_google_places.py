"""Contract tests of the live Google Places (New) Text Search provider."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadgen_desktop.domain import (
    DEFAULT_PRICES,
    Business,
    BusinessStatus,
    CampaignConfig,
    CancelToken,
    NetworkUnavailable,
    ProviderAuthError,
    ProviderError,
    QuotaExhausted,
)
from leadgen_desktop.net.bounded import RequestLimits
from leadgen_desktop.net.http import build_client
from leadgen_desktop.net.providers.google_places import MAX_REVIEW_COUNT, GooglePlacesDiscovery, parse_place
from leadgen_desktop.net.providers.places_fields import FIELD_TIERS, SEARCH_FIELDS
from leadgen_desktop.net.providers.places_fields import text_search_sku as sku_for_fields
from leadgen_desktop.net.rate_limit import RateLimiter
from leadgen_desktop.net.retry import RetryPolicy
from tests.fakes import FakeApis, FakeTime
from tests.fakes.api_server import GOOGLE_KEY

CONFIG = CampaignConfig("dentist", "Austin, TX", keywords="emergency")
ClientFor = Callable[[str], httpx.Client]


@pytest.fixture
def discovery(client_for: ClientFor, policy: RetryPolicy, limiter: RateLimiter) -> GooglePlacesDiscovery:
    return GooglePlacesDiscovery(client_for("google_places"), GOOGLE_KEY, limiter=limiter, retry=policy)


def with_handler(handler: Callable[[httpx.Request], httpx.Response], policy: RetryPolicy, key: str = "k"):
    client = build_client(
        "google_places", transport=httpx.MockTransport(handler), base_url="https://g.invalid"
    )
    return GooglePlacesDiscovery(client, key, limiter=RateLimiter(1e6, burst=10**6), retry=policy)


def pages(discovery: GooglePlacesDiscovery, config: CampaignConfig = CONFIG) -> list:
    result, token = [], None
    while True:
        page = discovery.search(config, token, CancelToken())
        result.append(page)
        token = page.next_page_token
        if token is None or len(result) > 10:
            return result


# -- request shape, SKU ---------------------------------------------------------


def test_request_shape(discovery: GooglePlacesDiscovery, fake: FakeApis, cancel: CancelToken) -> None:
    discovery.search(CONFIG, None, cancel)
    (request,) = fake.requests
    assert (request.method, request.path, request.query) == ("POST", "/v1/places:searchText", {})
    assert request.headers["x-goog-api-key"] == GOOGLE_KEY
    assert request.headers["x-goog-fieldmask"].split(",") == list(SEARCH_FIELDS)
    assert request.headers["user-agent"].startswith("leadgen-desktop/")
    assert request.json() == {"textQuery": "emergency dentist in Austin, TX", "pageSize": 20}


def test_field_mask_is_exactly_what_is_mapped() -> None:
    mapped = {
        "id", "displayName", "formattedAddress", "nationalPhoneNumber", "internationalPhoneNumber",
        "websiteUri", "rating", "userRatingCount", "businessStatus", "types", "location", "googleMapsUri",
    }  # fmt: skip
    assert {f.removeprefix("places.") for f in SEARCH_FIELDS} == {*mapped, "nextPageToken"}
    assert all(" " not in f for f in SEARCH_FIELDS)


def test_billing_sku(discovery: GooglePlacesDiscovery) -> None:
    assert discovery.billing_sku == "places_text_search_enterprise"


def test_sku_comes_from_the_most_expensive_field() -> None:
    assert sku_for_fields(SEARCH_FIELDS) == "places_text_search_enterprise"
    assert sku_for_fields(["places.id", "nextPageToken"]) == "places_text_search_essentials"
    assert sku_for_fields(["places.id", "places.displayName", "places.location"]) == "places_text_search_pro"
    assert sku_for_fields(["places.displayName", "places.websiteUri"]) == "places_text_search_enterprise"
    assert sku_for_fields(["places.rating"]) == "places_text_search_enterprise"
    with pytest.raises(ValueError, match="no known"):
        sku_for_fields(["places.reviews"])
    skus = {sku_for_fields([f]) for f in FIELD_TIERS}
    assert skus <= set(DEFAULT_PRICES)


def test_one_billed_unit_per_page(discovery: GooglePlacesDiscovery) -> None:
    result = pages(discovery)
    calls = [c for page in result for c in page.calls]
    assert [(c.sku, c.units, c.outcome, c.http_status) for c in calls] == [
        ("places_text_search_enterprise", 1, "ok", 200)
    ] * 3


def test_cheaper_mask_gives_cheaper_sku(client_for: ClientFor, policy: RetryPolicy, fake: FakeApis) -> None:
    fields = ("places.id", "places.displayName", "places.formattedAddress", "nextPageToken")
    pro = GooglePlacesDiscovery(client_for("google_places"), GOOGLE_KEY, retry=policy, fields=fields)
    page = pro.search(CONFIG, None, CancelToken())
    assert page.calls[0].sku == "places_text_search_pro"
    assert all(b.website is None and b.phone is None for b in page.businesses)
    assert fake.requests[0].headers["x-goog-fieldmask"] == ",".join(fields)


# -- mapping --------------------------------------------------------------------


def test_mapping_of_a_full_place(discovery: GooglePlacesDiscovery, fake: FakeApis) -> None:
    raw = fake.places_for(CONFIG.text_query)[0]
    business = discovery.search(CONFIG, None, CancelToken()).businesses[0]
    assert business.place_id == raw["id"]
    assert business.name == raw["displayName"]["text"]  # type: ignore[index]
    assert business.address == raw["formattedAddress"]
    assert business.phone == raw["nationalPhoneNumber"]
    assert business.website == raw["websiteUri"]
    assert business.rating == raw["rating"]
    assert business.review_count == raw["userRatingCount"]
    assert business.business_status is BusinessStatus.OPERATIONAL
    assert business.types == tuple(raw["types"])  # type: ignore[arg-type]
    assert (business.latitude, business.longitude) == (
        raw["location"]["latitude"],
        raw["location"]["longitude"],
    )  # type: ignore[index]
    assert business.maps_url == raw["googleMapsUri"]
    assert business.source == "google_places"


def test_absent_fields_are_none() -> None:
    business = parse_place({"id": "p1", "displayName": {"text": "Only Name"}})
    assert business is not None
    assert (business.address, business.phone, business.website, business.rating) == (None, None, None, None)
    assert (business.review_count, business.latitude, business.maps_url, business.types) == (
        None,
        None,
        None,
        (),
    )
    assert business.business_status is BusinessStatus.UNKNOWN


def test_international_phone_is_the_fallback() -> None:
    business = parse_place({"id": "p", "displayName": {"text": "N"}, "internationalPhoneNumber": "+1 512"})
    assert business is not None
    assert business.phone == "+1 512"


def test_wrong_types_drop_the_field() -> None:
    business = parse_place({
        "id": "p", "displayName": {"text": "N"}, "formattedAddress": 12, "nationalPhoneNumber": ["x"],
        "websiteUri": {"u": 1}, "rating": "4.5", "userRatingCount": True, "businessStatus": 3,
        "types": "dentist", "location": [1, 2], "googleMapsUri": None,
    })  # fmt: skip
    assert business is not None
    assert business.address is business.phone is business.website is business.rating is None
    assert business.review_count is business.latitude is business.maps_url is None
    assert business.types == ()
    assert business.business_status is BusinessStatus.UNKNOWN


@pytest.mark.parametrize(
    "place",
    [{}, {"id": "p"}, {"displayName": {"text": "N"}}, {"id": "", "displayName": {"text": "N"}},
     {"id": "p", "displayName": "N"}, {"id": 5, "displayName": {"text": "N"}}, [], "x", None],
)  # fmt: skip
def test_place_without_id_or_name_is_skipped(place: object) -> None:
    assert parse_place(place) is None


def test_unknown_status_is_unknown() -> None:
    business = parse_place({"id": "p", "displayName": {"text": "N"}, "businessStatus": "FUTURE_OPENING"})
    assert business is not None
    assert business.business_status is BusinessStatus.UNKNOWN


def place_with(**fields: object) -> Business:
    business = parse_place({"id": "p", "displayName": {"text": "N"}, **fields})
    assert business is not None
    return business


@pytest.mark.parametrize(
    ("count", "kept"),
    [(0, 0), (212, 212), (212.0, 212), (MAX_REVIEW_COUNT, MAX_REVIEW_COUNT), (10**30, None),
     (2**63, None), (MAX_REVIEW_COUNT + 1, None), (-5, None), (4.5, None), ("212", None),
     (1e308, None), (10**400, None), (float("inf"), None)],
)  # fmt: skip
def test_review_counts_out_of_range_are_dropped(count: object, kept: int | None) -> None:
    """``userRatingCount`` = 10**30 once failed a job for good (SQLite INTEGER overflow)."""
    assert place_with(userRatingCount=count).review_count == kept


@pytest.mark.parametrize(
    ("field", "value", "kept"),
    [("rating", 4.6, 4.6), ("rating", 5, 5.0), ("rating", 5.01, None), ("rating", -0.5, None),
     ("rating", 1e308, None), ("rating", float("nan"), None)],
)  # fmt: skip
def test_ratings_out_of_range_are_dropped(field: str, value: object, kept: float | None) -> None:
    assert place_with(**{field: value}).rating == kept


def test_coordinates_off_the_globe_are_dropped() -> None:
    business = place_with(location={"latitude": 91.0, "longitude": -181})
    assert (business.latitude, business.longitude) == (None, None)
    business = place_with(location={"latitude": -90, "longitude": 180.0})
    assert (business.latitude, business.longitude) == (-90.0, 180.0)


@pytest.mark.parametrize(
    "link",
    ["javascript:alert(1)", "JAVASCRIPT:alert(1)", "smb://attacker.example/share",
     "search-ms:query=x&crumb=location:\\\\attacker.example", "file:///etc/passwd", "data:text/html,x",
     "//attacker.example", "https://user@example.com/", "ftp://example.com/"],
)  # fmt: skip
def test_links_other_than_http_are_dropped(link: str) -> None:
    business = place_with(websiteUri=link, googleMapsUri=link)
    assert (business.website, business.maps_url) == (None, None)


def test_http_links_are_kept() -> None:
    business = place_with(
        websiteUri="https://crumb.example.com/", googleMapsUri="https://maps.google.com/?cid=1"
    )
    assert (business.website, business.maps_url) == (
        "https://crumb.example.com/",
        "https://maps.google.com/?cid=1",
    )


def test_types_are_cleaned_and_capped() -> None:
    business = place_with(types=["dentist", "", 3, "a\x00b", *[f"t{i}" for i in range(100)]])
    assert business.types[:2] == ("dentist", "a b")
    assert len(business.types) <= 50


def test_a_page_of_20000_places_keeps_what_the_api_can_send(
    policy: RetryPolicy, caplog: pytest.LogCaptureFixture
) -> None:
    """A page of 200,000 places once failed a job ("too many SQL variables"); 20,000 show the cut."""
    places = [{"id": f"p{i}", "displayName": {"text": f"Place {i}"}} for i in range(20_000)]
    body = json.dumps({"places": places}).encode()
    discovery = with_handler(lambda request: httpx.Response(200, content=body), policy)
    discovery._limits = RequestLimits(max_body=len(body))  # past the body cap, to reach the parser
    page = discovery.search(CONFIG, None, CancelToken())
    assert [b.place_id for b in page.businesses] == [f"p{i}" for i in range(20)]
    assert "sent 20000 places in one page; kept the first 20" in caplog.text
    discovery._limits = RequestLimits(max_body=len(body) - 1)
    with pytest.raises(ProviderError, match="too_large"):  # past the cap, it is refused whole
        discovery.search(CONFIG, None, CancelToken())


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=10,
)
KEYS = st.sampled_from(
    ["id", "displayName", "rating", "userRatingCount", "location", "types", "businessStatus"]
)


@settings(derandomize=True, max_examples=150, database=None)
@given(st.dictionaries(KEYS, JSON))
def test_parse_place_never_crashes(place: dict[str, object]) -> None:
    parse_place(place)


def test_closed_permanently_skipped_and_page_deduped(policy: RetryPolicy) -> None:
    def place(pid: str, status: str = "OPERATIONAL") -> dict[str, object]:
        return {"id": pid, "displayName": {"text": pid}, "businessStatus": status}

    places = [
        place("a"),
        place("b", "CLOSED_PERMANENTLY"),
        place("a"),
        place("c", "CLOSED_TEMPORARILY"),
        {"x": 1},
    ]
    discovery = with_handler(lambda r: httpx.Response(200, json={"places": places}), policy)
    page = discovery.search(CONFIG, None, CancelToken())
    assert [b.place_id for b in page.businesses] == ["a", "c"]
    assert page.businesses[1].business_status is BusinessStatus.CLOSED_TEMPORARILY
    assert page.next_page_token is None


def test_no_results_is_an_empty_object(policy: RetryPolicy) -> None:
    page = with_handler(lambda r: httpx.Response(200, json={}), policy).search(CONFIG, None, CancelToken())
    assert (page.businesses, page.next_page_token, page.calls[0].units) == ((), None, 1)


# -- pagination ----------------------------------------------------------------


def test_pagination_over_the_fake(discovery: GooglePlacesDiscovery, fake: FakeApis) -> None:
    result = pages(discovery)
    assert len(result) == 3
    assert result[-1].next_page_token is None
    tokens = [r.json().get("pageToken") for r in fake.requests]
    assert tokens[0] is None
    assert tokens[1:] == [p.next_page_token for p in result[:-1]]
    ids = [b.place_id for page in result for b in page.businesses]
    assert len(ids) == 59  # 60 entries, one permanently closed
    assert len(set(ids)) == 58  # one place is repeated across pages 1-2


def test_pagination_stops_when_the_token_disappears(client_for: ClientFor, policy: RetryPolicy) -> None:
    fake = FakeApis(places_per_query=25)
    client = build_client("google_places", transport=fake.transport(), base_url="https://g.invalid")
    result = pages(GooglePlacesDiscovery(client, GOOGLE_KEY, retry=policy, limiter=RateLimiter(1e6)))
    assert [len(p.businesses) for p in result] == [19, 5]


def test_never_pays_for_a_page_past_60_results(policy: RetryPolicy) -> None:
    counter = iter(range(100))

    def endless(request: httpx.Request) -> httpx.Response:
        n = next(counter)
        places = [{"id": f"p{n}-{i}", "displayName": {"text": "x"}} for i in range(20)]
        return httpx.Response(200, json={"places": places, "nextPageToken": f"token-{n}"})

    result = pages(with_handler(endless, policy))
    assert len(result) == 3
    assert result[-1].next_page_token is None
    assert GooglePlacesDiscovery.max_results_per_query == 60


# -- errors --------------------------------------------------------------------

AUTH = ["API_KEY_INVALID", "PERMISSION_DENIED", "SERVICE_DISABLED", "BILLING_DISABLED"]


@pytest.mark.parametrize("name", AUTH)
def test_auth_errors_fail_at_once(discovery: GooglePlacesDiscovery, fake: FakeApis, name: str) -> None:
    fake.google_error = name
    with pytest.raises(ProviderAuthError) as info:
        discovery.search(CONFIG, None, CancelToken())
    exc = info.value
    assert "Google Places" in exc.message or "Places API" in exc.message
    assert [(c.outcome, c.units) for c in exc.calls] == [("auth_failure", 0)]
    assert len(fake.requests) == 1
    if name != "PERMISSION_DENIED":
        assert name in exc.message


def test_bad_key_message_points_at_settings(
    fake: FakeApis, client_for: ClientFor, policy: RetryPolicy
) -> None:
    discovery = GooglePlacesDiscovery(client_for("google_places"), "wrong-key-000", retry=policy)
    with pytest.raises(ProviderAuthError) as info:
        discovery.search(CONFIG, None, CancelToken())
    assert "API_KEY_INVALID" in info.value.message
    assert "Settings" in info.value.message
    assert "wrong-key-000" not in repr(info.value.calls) + str(info.value)


def test_per_minute_quota_is_retried_then_gives_up(discovery: GooglePlacesDiscovery, fake: FakeApis) -> None:
    fake.google_error = "RESOURCE_EXHAUSTED"
    with pytest.raises(ProviderError) as info:
        discovery.search(CONFIG, None, CancelToken())
    assert not isinstance(info.value, ProviderAuthError | QuotaExhausted)
    assert [c.outcome for c in info.value.calls] == ["retry:rate_limited"] * 3 + ["rate_limited"]
    assert [c.http_status for c in info.value.calls] == [429] * 4


def test_per_day_quota_is_not_retried(discovery: GooglePlacesDiscovery, fake: FakeApis) -> None:
    fake.google_error = "RESOURCE_EXHAUSTED_DAILY"
    with pytest.raises(QuotaExhausted) as info:
        discovery.search(CONFIG, None, CancelToken())
    assert len(info.value.calls) == 1


def test_invalid_argument_is_not_retried(discovery: GooglePlacesDiscovery, fake: FakeApis) -> None:
    fake.google_error = "INVALID_ARGUMENT"
    with pytest.raises(ProviderError) as info:
        discovery.search(CONFIG, None, CancelToken())
    assert type(info.value) is ProviderError
    assert "INVALID_ARGUMENT" in info.value.message
    assert [c.outcome for c in info.value.calls] == ["bad_request"]


@pytest.mark.parametrize("kind", ["http_503", "http_500", "rate_limit", "timeout", "connect_error"])
def test_transient_errors_are_retried(
    discovery: GooglePlacesDiscovery, fake: FakeApis, fake_time: FakeTime, kind: str
) -> None:
    fake.inject("google_places", kind, kind)
    page = discovery.search(CONFIG, None, CancelToken())
    assert len(page.businesses) == 19
    assert [c.outcome.startswith("retry:") for c in page.calls] == [True, True, False]
    assert [c.units for c in page.calls] == [0, 0, 1]
    assert len(fake_time.waits) == 2


def test_retry_after_is_honoured(
    discovery: GooglePlacesDiscovery, fake: FakeApis, fake_time: FakeTime
) -> None:
    fake.inject("google_places", "http_503", retry_after="4")
    discovery.search(CONFIG, None, CancelToken())
    assert fake_time.waits == [4.0]


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, text="<html>portal</html>", headers={"content-type": "text/html"}),
        httpx.Response(200, json=[1, 2]),
        httpx.Response(200, json={"places": {"id": "x"}}),
    ],
)
def test_unreadable_bodies_are_provider_errors(policy: RetryPolicy, response: httpx.Response) -> None:
    discovery = with_handler(lambda r: response, policy)
    with pytest.raises(ProviderError) as info:
        discovery.search(CONFIG, None, CancelToken())
    assert "Google Places" in str(info.value)
    assert info.value.calls[0].outcome == "bad_response"


def test_non_json_gateway_error_is_retried(policy: RetryPolicy) -> None:
    discovery = with_handler(lambda r: httpx.Response(502, text="Bad Gateway"), policy)
    with pytest.raises(NetworkUnavailable) as info:
        discovery.search(CONFIG, None, CancelToken())
    assert len(info.value.calls) == 4


def test_key_never_leaks(policy: RetryPolicy) -> None:
    key = "AIza-SECRET-KEY"

    def echo(request: httpx.Request) -> httpx.Response:
        body = {
            "error": {"code": 400, "status": "INVALID_ARGUMENT", "message": f"bad key {key} at {request.url}"}
        }
        return httpx.Response(400, json=body)

    with pytest.raises(ProviderError) as info:
        with_handler(echo, policy, key=key).search(CONFIG, None, CancelToken())
    assert key not in str(info.value)
    assert key not in json.dumps([c.__repr__() for c in info.value.calls])


# -- test_key --------------------------------------------------------------------


def test_test_key_ok_is_free(discovery: GooglePlacesDiscovery, fake: FakeApis) -> None:
    check = discovery.test_key()
    assert check.ok
    assert fake.requests[0].headers["x-goog-fieldmask"] == "places.id"
    assert [c.sku for c in check.calls] == ["places_text_search_essentials"]
    assert DEFAULT_PRICES["places_text_search_essentials"] == 0.0


def test_test_key_bad(fake: FakeApis, client_for: ClientFor, policy: RetryPolicy) -> None:
    check = GooglePlacesDiscovery(client_for("google_places"), "nope", retry=policy).test_key()
    assert not check.ok
    assert "API_KEY_INVALID" in check.message
