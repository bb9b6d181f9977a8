"""A provider that drips, bloats or lies costs one item, never the run.

The pipeline runs in-process with the live providers against a loopback server
where one provider misbehaves (tests.fakes.hostile); the dripping provider's deadline
is shortened through ``build_live_providers(limits=...)`` so the run takes a second,
not minutes (its answers never end, so the verdict does not depend on the machine).
The run must complete with every lead stored, and each refused answer is in the
call log with its precise outcome. A Google that lies (counts of
10**30, links to ``javascript:``, 500 places in a page) is read into clean leads.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import pytest

from leadgen_desktop.core.run.pipeline import Pipeline
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import CampaignConfig, CancelToken, JobFinished, JobStatus
from leadgen_desktop.net.bounded import RequestLimits
from leadgen_desktop.net.providers.live import build_live_providers
from leadgen_desktop.net.rate_limit import RateLimiter
from tests.fakes.api_server import FAKE_KEYS, FakeApis
from tests.fakes.hostile import serve_hostile

LEADS = 6


def run_against(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    modes: dict[str, str],
    limits: dict[str, RequestLimits] | None = None,
) -> tuple[JobFinished, list[tuple[str, str, int | None]], FakeApis]:
    """Run one campaign with ``modes`` hostile; return the outcome and the (provider, outcome, status) log.

    ``limits`` shortens a provider's deadline; only a dripping one gets that, the others
    keep the real 30 s, so a slow machine cannot turn an honest answer into a deadline.
    """
    fake = FakeApis()
    db = tmp_path / "t.db"
    with serve_hostile(fake, modes) as url:
        for name in ("GOOGLE_PLACES", "HUNTER", "NEVERBOUNCE"):
            monkeypatch.setenv(f"LEADGEN_{name}_URL", url)
        providers = build_live_providers(FAKE_KEYS, limits=limits)
        for provider in (providers.discovery, providers.finder, providers.verifier):
            provider._limiter = RateLimiter(1e6, burst=1_000_000)  # type: ignore[union-attr]
        store = Store.open(db)
        pipeline = Pipeline(store, providers)
        _, job_id = pipeline.start(CampaignConfig("dentist", "Austin, TX", max_results=LEADS, min_score=0))
        finished = pipeline.run(job_id, CancelToken(), lambda _event: None)
        assert store.leads.count(job_id) == LEADS
    with sqlite3.connect(db) as conn:
        log = conn.execute("SELECT provider, outcome, http_status FROM api_calls ORDER BY id").fetchall()
    conn.close()
    return finished, log, fake


def test_a_dripping_hunter_costs_its_searches_not_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    finished, log, fake = run_against(
        tmp_path, monkeypatch, {"/v2/domain-search": "drip_body"}, {"hunter": RequestLimits(deadline=0.3)}
    )
    assert finished.status is JobStatus.COMPLETED, finished.error
    hunter = [outcome for provider, outcome, _status in log if provider == "hunter"]
    assert hunter, "no domain search was sent"
    assert set(hunter) == {"deadline"}
    assert len(hunter) == fake.calls["hunter"]  # one attempt each: never retried
    assert finished.metrics.emails_found == 0


def test_a_bloated_neverbounce_costs_its_checks_not_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    finished, log, fake = run_against(tmp_path, monkeypatch, {"/v4.2/single/check": "bloat_chunked"})
    assert finished.status is JobStatus.COMPLETED, finished.error
    checks = [(outcome, status) for provider, outcome, status in log if provider == "neverbounce"]
    assert checks, "no verification was sent"
    assert set(checks) == {("too_large", 200)}
    assert len(checks) == fake.calls["neverbounce"]
    assert finished.metrics.emails_found > 0
    assert finished.metrics.emails_verified == 0


def lying_google(request: httpx.Request) -> httpx.Response:
    """One page of places whose numbers and links are lies, padded to 500 places."""
    liars = [
        {"userRatingCount": 10**30, "rating": 4.5},
        {"userRatingCount": -7, "rating": 9.9},
        {"userRatingCount": "212", "rating": "4"},
        {"userRatingCount": 1e300, "location": {"latitude": 1e9, "longitude": -1e9}},
        {"websiteUri": "javascript:alert(1)", "googleMapsUri": "search-ms:query=x"},
        {"websiteUri": "smb://attacker.example/share", "googleMapsUri": "file:///etc/passwd"},
    ]
    places = [
        {"id": f"liar-{i}", "displayName": {"text": f"Liar {i}"}, "businessStatus": "OPERATIONAL", **fields}
        for i, fields in enumerate(liars)
    ]
    places += [{"id": f"pad-{i}", "displayName": {"text": f"Pad {i}"}} for i in range(500)]
    return httpx.Response(200, json={"places": places})


def test_lying_numbers_and_links_are_dropped_and_the_job_completes(tmp_path: Path) -> None:
    fake = FakeApis()
    transports = {"google_places": httpx.MockTransport(lying_google), "hunter": fake.transport()}
    providers = build_live_providers(
        {"google_places": FAKE_KEYS["google_places"], "hunter": FAKE_KEYS["hunter"]}, transports=transports
    )
    store = Store.open(tmp_path / "t.db")
    pipeline = Pipeline(store, providers)
    _, job_id = pipeline.start(CampaignConfig("dentist", "Austin, TX", max_results=50, min_score=0))
    finished = pipeline.run(job_id, CancelToken(), lambda _event: None)
    assert finished.status is JobStatus.COMPLETED, finished.error
    leads = {lead.place_id: lead for lead in store.leads.stream(job_id)}
    assert len(leads) == 20  # one page holds 20 places at most; the other 486 were lies
    for lead in leads.values():
        assert lead.review_count is None
        assert lead.rating is None or 0 <= lead.rating <= 5
        assert lead.website is None
        assert lead.maps_url is None
