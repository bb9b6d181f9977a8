"""The fake city behaves like Google Places: rectangle semantics, the cap, paging rules, billing, errors."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.fakes import FakeApis, serve
from tests.fakes.api_server import GOOGLE_KEY
from tests.fakes.places_city import CityPlace, FakeCity

SEARCH = "/v1/places:searchText"


def rect(s: float, w: float, n: float, e: float) -> dict[str, object]:
    return {"rectangle": {"low": {"latitude": s, "longitude": w}, "high": {"latitude": n, "longitude": e}}}


def post(fake: FakeApis, body: dict[str, object], mask: str = "places.id,nextPageToken") -> tuple[int, dict]:
    headers = {"x-goog-api-key": GOOGLE_KEY, "x-goog-fieldmask": mask}
    answer = fake.handle("POST", SEARCH, {}, headers, json.dumps(body).encode())
    return answer.status, json.loads(answer.body)


def grid_city() -> FakeCity:
    """Places on a 0.01° grid: (lat 30.00..30.09) x (lng -98.00..-97.91), one on every corner."""
    places = [
        CityPlace(
            f"G-{i}-{j}", f"Grid {i} {j}", round(30 + i / 100, 2), round(-98 + j / 100, 2), rank=i * 10 + j
        )
        for i in range(10)
        for j in range(10)
    ]
    return FakeCity(places, {"Grid Town": ("Grid Town", (30.0, -98.0, 30.09, -97.91))})


def test_a_rectangle_includes_its_edges_and_caps_at_sixty() -> None:
    fake = FakeApis(city=grid_city())
    status, answer = post(
        fake, {"textQuery": "dentist", "locationRestriction": rect(30.0, -98.0, 30.01, -97.99)}
    )
    assert status == 200
    assert {p["id"] for p in answer["places"]} == {"G-0-0", "G-0-1", "G-1-0", "G-1-1"}  # all four corners
    ids, token = [], None
    for _ in range(4):
        body = {"textQuery": "dentist", "locationRestriction": rect(29, -99, 31, -97)}
        if token:
            body["pageToken"] = token
        _, answer = post(fake, body)
        ids += [p["id"] for p in answer["places"]]
        token = answer.get("nextPageToken")
        if not token:
            break
    assert len(ids) == len(set(ids)) == 60  # 100 places inside, 60 returned, most prominent first
    assert ids[:3] == ["G-0-0", "G-0-1", "G-0-2"]
    assert fake.billed == {"places_text_search_essentials": 4}


def test_a_page_token_needs_the_same_search_and_is_only_sent_when_masked() -> None:
    fake = FakeApis(city=grid_city())
    body = {"textQuery": "dentist", "pageSize": 20, "locationRestriction": rect(29, -99, 31, -97)}
    _, first = post(fake, body)
    status, answer = post(fake, {**body, "pageToken": first["nextPageToken"], "textQuery": "bakery"})
    assert (status, answer["error"]["status"]) == (400, "INVALID_ARGUMENT")
    status, _ = post(fake, {**body, "pageToken": first["nextPageToken"], "pageSize": 10})
    assert status == 200  # the page size may change while paging
    _, unmasked = post(fake, body, mask="places.id")
    assert "nextPageToken" not in unmasked
    status, answer = post(fake, {**body, "locationBias": {"circle": {}}})
    assert status == 400


def test_location_lookups_and_details() -> None:
    fake = FakeApis(city=grid_city())
    _, found = post(fake, {"textQuery": "grid town"}, mask="places.id,places.displayName,places.viewport")
    assert found["places"][0]["viewport"]["high"] == {"latitude": 30.09, "longitude": -97.91}
    _, nothing = post(fake, {"textQuery": "Nowhere"}, mask="places.id,places.viewport")
    assert nothing == {}
    headers = {"x-goog-api-key": GOOGLE_KEY, "x-goog-fieldmask": "id,displayName,websiteUri"}
    answer = fake.handle("GET", "/v1/places/G-3-4", {}, headers, b"")
    assert set(json.loads(answer.body)) <= {"id", "displayName", "websiteUri"}
    assert fake.handle("GET", "/v1/places/G-99", {}, headers, b"").status == 404
    assert fake.handle("POST", "/v1/places/G-3-4", {}, headers, b"").status == 404
    assert fake.billed == {"places_text_search_pro": 2, "places_details_enterprise": 1}
    assert fake.calls["google_places"] == 5


def test_the_page_by_page_catalogue_is_unchanged() -> None:
    fake = FakeApis()
    status, answer = post(fake, {"textQuery": "dentist in Austin"}, mask="places.id,nextPageToken")
    assert status == 200
    assert [p["id"] for p in answer["places"]] == [p["id"] for p in fake.places_for("dentist in Austin")[:20]]


def test_the_city_is_served_over_loopback_too() -> None:
    fake = FakeApis(city=grid_city())
    with serve(fake) as base_url, httpx.Client(base_url=base_url) as client:
        headers = {"X-Goog-Api-Key": GOOGLE_KEY, "X-Goog-FieldMask": "places.id"}
        body = {"textQuery": "dentist", "locationRestriction": rect(30.0, -98.0, 30.0, -98.0)}
        assert client.post(SEARCH, json=body, headers=headers).json() == {"places": [{"id": "G-0-0"}]}
        details = client.get("/v1/places/G-0-0", headers={**headers, "X-Goog-FieldMask": "id"})
        assert details.json() == {"id": "G-0-0"}


@pytest.mark.parametrize("restriction", [{"circle": {}}, {"rectangle": {"low": {}}}, rect(31, -98, 30, -97)])
def test_a_bad_rectangle_is_invalid_argument(restriction: dict[str, object]) -> None:
    status, answer = post(FakeApis(city=grid_city()), {"textQuery": "x", "locationRestriction": restriction})
    assert (status, answer["error"]["status"]) == (400, "INVALID_ARGUMENT")
