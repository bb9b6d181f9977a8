"""The run benchmark's lower bound (benchmarks/run_bound.py) on hand-made request logs.

The area's business searches need the lookup's viewport (DESIGN 6.1), so they are released at the
lookup's answer: page 33 of a lookup + 39 searches (10/s) starts no earlier than 3.4 s, not 3.0 s.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from run_bound import (
    AREA_SEARCH,
    LOOKUP,
    OTHER,
    RequestLog,
    earliest_starts,
    google_answers,
    lower_bound,
)
from sim_server import SimApis, google_kind

from tests.fakes.api_server import GOOGLE_KEY

LIMITS = {
    "google_places": ((10, 1.0), (600, 60.0)),
    "hunter": ((15, 1.0), (500, 60.0)),
    "neverbounce": ((20, 1.0),),
}
LATENCIES = {"google_places": 0.4, "hunter": 0.6, "neverbounce": 0.8}
RECTANGLE = {
    "rectangle": {"low": {"latitude": 30, "longitude": -98}, "high": {"latitude": 30.5, "longitude": -97.5}}
}


def area_log(kinds: list[str], *, answered_first: bool = True) -> RequestLog:
    """One domain first listed on page 33, searched with Hunter, its one email verified."""
    return RequestLog(
        kinds,
        {"first.com": 33},
        Counter({"first.com": 1}),
        Counter({"info@first.com": 1}),
        LIMITS,
        LATENCIES,
        lookup_answered_first=answered_first,
    )


LOOKUP_THEN_SEARCHES = [LOOKUP] + [AREA_SEARCH] * 39


def test_the_searches_wait_for_the_lookups_answer() -> None:
    answers = google_answers(area_log(LOOKUP_THEN_SEARCHES))
    assert answers[0] == pytest.approx(0.4)  # the lookup, sent at 0
    assert answers[1] == pytest.approx(0.8)  # the first search, sent at the lookup's answer
    assert answers[32] == pytest.approx(3.4 + 0.4)  # page 33: sent at 3.4 s, not 3.0 s
    old = google_answers(area_log(LOOKUP_THEN_SEARCHES), after_lookup=False)
    assert old[32] == pytest.approx(3.0 + 0.4)


def test_the_lookup_dependency_raises_every_bound_by_what_it_proves() -> None:
    log = area_log(LOOKUP_THEN_SEARCHES)
    new, old = lower_bound(log), lower_bound(log, after_lookup=False)
    # page 33 answers at 3.8 s, Hunter 0.6 s, NeverBounce 0.8 s
    assert new["chained"] == pytest.approx(3.8 + 0.6 + 0.8)
    assert old["chained"] == pytest.approx(3.4 + 0.6 + 0.8)
    # the 40th request: sent at 3.4 s either way (the lookup's own slot frees 0.6 s of the wait)
    assert earliest_starts([0.0] + [0.4] * 39, LIMITS["google_places"])[-1] == pytest.approx(3.4)
    assert new["discovery"] == pytest.approx(3.8)
    assert old["discovery"] == pytest.approx(3.4)


@pytest.mark.parametrize(
    ("kinds", "answered_first"),
    [
        ([OTHER] * 40, True),  # no lookup (an --area run): nothing to wait for
        (LOOKUP_THEN_SEARCHES, False),  # the log shows a search before the lookup's answer
    ],
)
def test_without_a_proven_lookup_every_request_is_released_at_zero(
    kinds: list[str], answered_first: bool
) -> None:
    log = area_log(kinds, answered_first=answered_first)
    assert lower_bound(log) == lower_bound(log, after_lookup=False)
    assert google_answers(log)[32] == pytest.approx(3.4)


def test_the_simulation_tells_the_lookup_by_its_field_mask_and_searches_by_their_rectangle() -> None:
    rectangle = {
        "rectangle": {"low": {"latitude": 30, "longitude": -98}, "high": {"latitude": 31, "longitude": -97}}
    }
    search = json.dumps({"textQuery": "dentist", "locationRestriction": rectangle}).encode()
    lookup = json.dumps({"textQuery": "Austin, TX"}).encode()
    mask = "places.id,places.displayName,places.viewport"
    assert google_kind("/v1/places:searchText", {"X-Goog-FieldMask": mask}, lookup) == LOOKUP
    assert google_kind("/v1/places:searchText", {"x-goog-fieldmask": "places.id"}, search) == AREA_SEARCH
    assert google_kind("/v1/places:searchText", {"X-Goog-FieldMask": "places.id"}, lookup) == OTHER
    assert google_kind("/v1/places/abc", {"X-Goog-FieldMask": mask}, b"") == OTHER


def _ask(sim: SimApis, body: dict[str, object], mask: str) -> None:
    headers = {"X-Goog-Api-Key": GOOGLE_KEY, "X-Goog-FieldMask": mask}
    sim.handle("POST", "/v1/places:searchText", {}, headers, json.dumps(body).encode())


def test_the_simulations_log_records_kinds_and_checks_the_lookup_came_first() -> None:
    instant = {"google_places": 0.0, "hunter": 0.0, "neverbounce": 0.0}
    rectangle = {
        "rectangle": {
            "low": {"latitude": 30, "longitude": -98},
            "high": {"latitude": 30.5, "longitude": -97.5},
        }
    }
    search = {"textQuery": "dentist", "locationRestriction": rectangle}
    ordered = SimApis(latencies=instant)
    _ask(ordered, {"textQuery": "Austin, TX"}, "places.id,places.displayName,places.viewport")
    _ask(ordered, search, "places.id,nextPageToken")
    log = ordered.request_log()
    assert log.google_kinds == [LOOKUP, AREA_SEARCH]
    assert log.lookup_answered_first
    assert "(lookup)" in ordered.served[0].subject

    reversed_ = SimApis(latencies=instant)
    _ask(reversed_, search, "places.id,nextPageToken")
    _ask(reversed_, {"textQuery": "Austin, TX"}, "places.id,places.displayName,places.viewport")
    log = reversed_.request_log()
    assert not log.lookup_answered_first
    assert log.notes
