"""Discovery by area in the pipeline: the live Google provider over the fake city (``httpx.MockTransport``).

Held to issue 11: at least 99% of the area's businesses found, each once; the
bill equal to what the provider counted; Google dollars per business at most
twice the floor; a repeat that pays nothing; a small campaign that buys little
more than it keeps; a budget stop in the middle of the tiles that a higher
budget finishes with nothing paid twice; an unknown location that fails before
any business search.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from leadgen_desktop.core.jobs import Jobs
from leadgen_desktop.core.run.pipeline import Pipeline
from leadgen_desktop.db.records import Claim
from leadgen_desktop.db.store import Store
from leadgen_desktop.db.tables import utcnow
from leadgen_desktop.domain import (
    DEFAULT_PRICES,
    Area,
    CampaignConfig,
    CancelToken,
    CoverageEvent,
    JobFinished,
    JobStatus,
    PipelineEvent,
    StopReason,
)
from tests.fakes.api_server import FAKE_KEYS, GOOGLE_KEY, FakeApis
from tests.fakes.live_support import live_providers, logged_spend
from tests.fakes.places_city import FakeCity

FLOOR = DEFAULT_PRICES["places_text_search_enterprise"] / 20  # $0.00175 a place
GOOGLE_ONLY = {"google_places": GOOGLE_KEY}


@dataclass
class Run:
    finished: JobFinished
    job_id: str
    csv: bytes
    events: list[PipelineEvent]


class World:
    """A fake city behind the fake APIs, one database, and the live providers over the fake's transport."""

    def __init__(self, tmp_path: Path, city: FakeCity, keys: Mapping[str, str] = GOOGLE_ONLY) -> None:
        self.city = city
        self.fake = FakeApis(city=city)
        self.root = tmp_path
        self.store = Store.open(tmp_path / "t.db")
        self.keys = keys

    def pipeline(self) -> Pipeline:
        return Pipeline(self.store, live_providers(self.fake, self.keys))

    def run(self, cancel: CancelToken | None = None, **fields: object) -> Run:
        out = self.root / f"leads-{len(list(self.root.glob('leads-*.csv')))}.csv"
        settings: dict[str, object] = {"max_results": 10_000, "min_score": 0, "output": str(out), **fields}
        config = CampaignConfig("dentist", "Testville", **settings)  # type: ignore[arg-type]
        pipeline = self.pipeline()
        _, job_id = pipeline.start(config)
        return self.finish(pipeline, job_id, out, cancel)

    def resume(self, job_id: str, budget: float | None = None) -> Run:
        Jobs(self.store).reopen(job_id, budget)
        job = self.store.jobs.get(job_id)
        assert job is not None
        assert job.config.output is not None
        return self.finish(self.pipeline(), job_id, Path(job.config.output), None)

    @staticmethod
    def finish(pipeline: Pipeline, job_id: str, out: Path, cancel: CancelToken | None) -> Run:
        events: list[PipelineEvent] = []
        finished = pipeline.run(job_id, cancel or CancelToken(), events.append)
        return Run(finished, job_id, out.read_bytes() if out.exists() else b"", events)

    def google_billed(self) -> float:
        return math.fsum(
            n * DEFAULT_PRICES[sku] for sku, n in self.fake.billed.items() if sku.startswith("places")
        )

    def paid(self) -> Counter[str]:
        return Counter({sku: n for sku, n in self.fake.billed.items() if DEFAULT_PRICES[sku] > 0})


def rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@pytest.fixture(scope="module")
def city() -> FakeCity:
    return FakeCity.generate(600, seed=21)


def test_the_whole_area_is_found_once_and_billed_exactly(tmp_path: Path, city: FakeCity) -> None:
    world = World(tmp_path, city)
    run = world.run()
    assert run.finished.status is JobStatus.COMPLETED, run.finished.error
    metrics = run.finished.metrics
    leads = rows(run.csv)
    place_ids = [r["place_id"] for r in leads]
    open_ids = {p.id for p in city.open_places}
    assert len(place_ids) == len(set(place_ids))  # each once
    assert set(place_ids) <= open_ids  # nothing closed, nothing outside
    assert len(set(place_ids)) >= 0.99 * len(open_ids)
    assert metrics.businesses_found == len(place_ids)
    # the bill is the provider's count, request for request and cent for cent
    assert metrics.api_calls["google_places"] == world.fake.calls["google_places"]
    assert metrics.cost_by_provider["google_places"] == pytest.approx(world.google_billed(), abs=1e-9)
    assert logged_spend(tmp_path / "t.db", run.job_id) == pytest.approx(metrics.total_cost, abs=1e-9)
    assert metrics.cost_by_provider["google_places"] / len(place_ids) <= 2 * FLOOR
    details = [r.path for r in world.fake.requests if r.method == "GET"]
    assert len(details) == len(set(details))  # no place bought twice
    assert metrics.tiles_searched > 4
    assert metrics.tiles_saturated == 0
    assert metrics.area == tuple(city.area_of("Testville"))
    coverage = [e.coverage for e in run.events if isinstance(e, CoverageEvent)]
    assert coverage
    assert coverage[-1].tiles_left == 0
    assert len(coverage[-1].points) == len(place_ids)


def test_the_same_campaign_again_pays_nothing_and_keeps_the_same_leads(
    tmp_path: Path, city: FakeCity
) -> None:
    world = World(tmp_path, city, FAKE_KEYS)
    first = world.run(max_results=120)
    paid = world.paid()
    again = world.run(max_results=120)
    assert again.finished.status is JobStatus.COMPLETED
    assert again.finished.metrics.total_cost == 0.0
    assert world.paid() == paid  # not one more paid request, Google, Hunter or NeverBounce
    assert world.fake.billed["places_text_search_pro"] == 1  # the area was looked up once
    assert [r["place_id"] for r in rows(again.csv)] == [r["place_id"] for r in rows(first.csv)]


def test_a_hundred_leads_buy_little_more_than_a_hundred_places(tmp_path: Path) -> None:
    city = FakeCity.generate(1500, seed=5)
    world = World(tmp_path, city)
    run = world.run(max_results=100)
    metrics = run.finished.metrics
    assert metrics.qualified_leads == 100
    assert len(rows(run.csv)) == 100
    bought = (
        20 * world.fake.billed["places_text_search_enterprise"]
        + world.fake.billed["places_details_enterprise"]
    )
    assert metrics.businesses_found <= 120
    assert bought <= 140  # pages hold up to 20 places; the last ones are not all full
    centre = Area(*city.area_of("Testville"))
    kept = {r["place_id"] for r in rows(run.csv)}
    near = sorted(centre.distance_to_centre_m(p.lat, p.lng) for p in city.places if p.id in kept)
    everyone = sorted(centre.distance_to_centre_m(p.lat, p.lng) for p in city.open_places)
    assert near[len(near) // 2] < everyone[len(everyone) // 4]  # the core of the city first


def test_an_unknown_location_fails_before_any_business_search(tmp_path: Path, city: FakeCity) -> None:
    world = World(tmp_path, city)
    config = CampaignConfig("dentist", "Atlantis", max_results=20, min_score=0)
    pipeline = world.pipeline()
    _, job_id = pipeline.start(config)
    finished = pipeline.run(job_id, CancelToken(), lambda _e: None)
    assert finished.status is JobStatus.FAILED
    assert finished.error is not None
    assert '"Atlantis"' in finished.error
    assert "--area" in finished.error
    assert "\n" not in finished.error
    assert dict(world.fake.billed) == {"places_text_search_pro": 1}  # the lookup, nothing else
    assert finished.metrics.api_calls["google_places"] == 1
    assert finished.metrics.cost_by_provider["google_places"] == DEFAULT_PRICES["places_text_search_pro"]


def test_a_given_area_needs_no_lookup_and_is_stored_with_the_campaign(tmp_path: Path, city: FakeCity) -> None:
    world = World(tmp_path, city)
    s, w, n, e = city.area_of("Testville")
    inner = Area(s, w, (s + n) / 2, (w + e) / 2)  # the south-west quarter
    run = world.run(area=inner, max_results=10_000)
    assert run.finished.status is JobStatus.COMPLETED
    assert "places_text_search_pro" not in world.fake.billed
    inside = {
        p.id for p in city.open_places if inner.contains(p.lat, p.lng, closed_north=True, closed_east=True)
    }
    assert {r["place_id"] for r in rows(run.csv)} == inside
    job = world.store.jobs.get(run.job_id)
    assert job is not None
    stored = world.store.tiling.campaign_area(job.campaign_id)
    assert stored is not None
    assert stored.area == inner
    assert stored.source == "given"


def test_leads_say_which_tile_found_them(tmp_path: Path, city: FakeCity) -> None:
    world = World(tmp_path, city)
    run = world.run(max_results=30)
    stored = world.store.leads.for_job(run.job_id)
    assert stored
    for lead in stored:
        found = json.loads(lead.provenance)["discovery"]
        assert found["tile"].startswith("0")
        tile = Area.from_list(found["tile_area"])  # the fake includes every edge: a corner place is in four
        assert tile.contains(*_location(city, lead.place_id), closed_north=True, closed_east=True)


def _location(city: FakeCity, place_id: str) -> tuple[float, float]:
    place = city.by_id[place_id]
    return place.lat, place.lng


def test_a_budget_stop_in_the_middle_of_the_tiles_is_finished_by_a_higher_budget(
    tmp_path: Path, city: FakeCity
) -> None:
    straight = World(tmp_path / "straight", city)
    reference = straight.run()
    world = World(tmp_path / "stopped", city)
    stopped = world.run(budget=0.25)
    finished = stopped.finished
    assert finished.status is JobStatus.COMPLETED
    assert finished.stop_reason is StopReason.BUDGET
    assert finished.budget_stop is not None
    assert finished.budget_stop.remaining > 0
    assert finished.metrics.total_cost <= 0.25 + 1e-9
    assert finished.metrics.tiles_searched > 0
    assert 0 < finished.metrics.businesses_found < reference.finished.metrics.businesses_found
    final = world.resume(stopped.job_id, budget=50.0)
    assert final.finished.status is JobStatus.COMPLETED
    assert final.finished.stop_reason is None
    assert world.paid() == straight.paid()  # nothing bought twice across the stop
    assert final.csv == reference.csv  # and the very same run


def test_a_purchase_another_run_holds_is_waited_for_and_made_once(tmp_path: Path, city: FakeCity) -> None:
    straight = World(tmp_path / "straight", city)
    reference = straight.run()
    world = World(tmp_path / "waiting", city)
    take = world.store.claims.take
    refused: list[tuple[str, str]] = []

    def held_once_elsewhere(kind: str, subject: str, owner: str, job_id: str, can_take: object) -> object:
        if kind in {"place", "place_group"} and len(refused) < 2:  # another live run makes it, then gives up
            refused.append((kind, subject))
            return Claim(kind, subject, "another-host:1", "another-job", utcnow())
        return take(kind, subject, owner, job_id, can_take)  # type: ignore[arg-type]

    world.store.claims.take = held_once_elsewhere  # type: ignore[method-assign,assignment]
    run = world.run()
    assert run.finished.status is JobStatus.COMPLETED, run.finished.error
    assert len(refused) == 2
    assert world.paid() == straight.paid()  # waited, then bought once: nothing twice, nothing missed
    assert {r["place_id"] for r in rows(run.csv)} == {r["place_id"] for r in rows(reference.csv)}
    assert world.store.claims.holder(*refused[0]) is None  # given up with the answer
