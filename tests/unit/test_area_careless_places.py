"""Discovery by area against a simpler Places than ours: one that ignores the rectangle or the field
mask, or sends no viewport for a location. The run neither recurses nor overspends, and says why."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadgen_desktop.domain import DEFAULT_PRICES, JobStatus
from tests.fakes.places_city import FakeCity
from tests.unit.test_area_search import World, rows


def test_a_places_that_ignores_the_rectangle_and_the_mask_is_not_split_down(tmp_path: Path) -> None:
    city = FakeCity.generate(400, seed=8)
    city.ignore_rectangles = city.ignore_mask = True
    world = World(tmp_path, city)
    run = world.run(max_results=10_000)
    assert run.finished.status is JobStatus.COMPLETED, run.finished.error
    metrics = run.finished.metrics
    ids = [r["place_id"] for r in rows(run.csv)]
    assert len(ids) == len(set(ids))
    top = [p.id for p in city.places[:60]]  # every search answers with the city's top 60
    assert set(ids) == {i for i in top if city.by_id[i].status != "CLOSED_PERMANENTLY"}
    assert metrics.tiles_searched == 5  # the area and its four parts, nothing smaller
    # mapping pages, the root's four parts sent with it (answered with its page: mapped again), the
    # lookup, the purchases
    assert world.fake.calls["google_places"] <= 5 * 3 + 4 + 1 + 4
    assert metrics.cost_by_provider["google_places"] == pytest.approx(world.google_billed(), abs=1e-9)
    assert metrics.cost_by_provider["google_places"] <= DEFAULT_PRICES["places_text_search_pro"] + 3 * 0.035
    assert any("ignores the search rectangle" in n for n in run.finished.notices)


def test_a_location_without_a_viewport_is_searched_around_its_point(tmp_path: Path) -> None:
    city = FakeCity.generate(400, seed=8)
    city.lookup_viewport = False
    city.ignore_mask = True  # it sends where the location is although the mask did not ask for it
    world = World(tmp_path, city)
    run = world.run(max_results=10_000)
    assert run.finished.status is JobStatus.COMPLETED, run.finished.error
    found = {r["place_id"] for r in rows(run.csv)}
    open_ids = {p.id for p in city.open_places}
    assert len(found) >= 0.99 * len(open_ids)  # the square around the point holds the whole city
    assert any("gave no area" in n and "--area" in n for n in run.finished.notices)
    assert run.finished.metrics.area is not None


def test_a_location_with_neither_viewport_nor_point_is_searched_by_text(tmp_path: Path) -> None:
    city = FakeCity.generate(400, seed=8)
    city.lookup_viewport = False  # and the mask is honoured: no location either
    world = World(tmp_path, city)
    run = world.run(max_results=10_000)
    assert run.finished.status is JobStatus.COMPLETED, run.finished.error
    assert 0 < len(rows(run.csv)) <= 60
    assert any("searched by text" in n for n in run.finished.notices)


def test_a_place_details_cannot_find_is_remembered_and_not_asked_for_again(tmp_path: Path) -> None:
    city = FakeCity.generate(400, seed=8)
    gone = city.open_places[5].id
    city.drop_from_contact = {gone}  # the contact pages leave it out: Place Details is asked ...
    del city.by_id[gone]  # ... and answers 404 NOT_FOUND
    world = World(tmp_path, city)
    first = world.run(max_results=10_000)
    assert first.finished.status is JobStatus.COMPLETED, first.finished.error
    asked = [r.path for r in world.fake.requests if r.method == "GET"]
    assert asked.count(f"/v1/places/{gone}") == 1
    assert gone not in {r["place_id"] for r in rows(first.csv)}
    requests = len(world.fake.requests)
    again = world.run(max_results=10_000)
    assert again.finished.metrics.total_cost == 0.0
    assert not [r for r in world.fake.requests[requests:] if r.method == "GET"]  # nothing asked twice
    assert {r["place_id"] for r in rows(again.csv)} == {r["place_id"] for r in rows(first.csv)}
