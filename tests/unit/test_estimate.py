"""The cost estimate: the worst case bounds the real bill, expected ≤ worst, the cache lowers it,
and ``leadgen run --estimate`` calls nothing."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from leadgen_desktop.core.billing.estimate import estimate_cost
from leadgen_desktop.core.run.pipeline import Pipeline
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import CampaignConfig, CancelToken, JobStatus, PriceTable
from tests.fakes.api_server import (
    FAKE_KEYS,
    GOOGLE_KEY,
    FakeApis,
    cli_env,
    serve,
)
from tests.fakes.live_support import live_providers, logged_spend


@pytest.mark.parametrize(
    ("max_results", "min_score", "verify", "keys"),
    [
        (5, 0, True, FAKE_KEYS),
        (25, 0, True, FAKE_KEYS),
        (40, 0, False, FAKE_KEYS),
        (60, 0, True, FAKE_KEYS),
        (60, 70, True, FAKE_KEYS),  # few qualify: every page is needed
        (1000, 0, True, FAKE_KEYS),
        (30, 0, True, {"google_places": GOOGLE_KEY}),
    ],
)
def test_worst_case_bounds_the_real_spend(
    max_results: int, min_score: int, verify: bool, keys: dict[str, str], tmp_path: Path
) -> None:
    fake = FakeApis()
    repo = Store.open(tmp_path / "t.db")
    providers = live_providers(fake, keys)
    config = CampaignConfig(
        "dentist", "Austin, TX", max_results=max_results, min_score=min_score, verify=verify
    )
    estimate = estimate_cost(config, providers, PriceTable(), repo)
    assert fake.calls == {}  # estimating calls nothing
    pipeline = Pipeline(repo, providers)
    _, job_id = pipeline.start(config)
    finished = pipeline.run(job_id, CancelToken(), lambda _e: None)
    assert finished.status is JobStatus.COMPLETED, finished.error
    real = logged_spend(tmp_path / "t.db", job_id)
    assert real > 0
    assert real <= estimate.worst_case + 1e-9, (real, estimate)
    assert 0 <= estimate.expected <= estimate.worst_case
    assert estimate.leads == max_results  # a whole area can hold that many (DESIGN 6.1)
    assert estimate.describe().startswith(f"At most ${estimate.worst_case:.4f}")


def test_cached_domains_lower_the_expected_cost(tmp_path: Path) -> None:
    fake = FakeApis()
    repo = Store.open(tmp_path / "t.db")
    providers = live_providers(fake)
    config = CampaignConfig("dentist", "Austin, TX", max_results=30, min_score=0)
    before = estimate_cost(config, providers, PriceTable(), repo)
    assert before.cached_domains == 0
    pipeline = Pipeline(repo, providers)
    _, job_id = pipeline.start(config)
    assert pipeline.run(job_id, CancelToken(), lambda _e: None).status is JobStatus.COMPLETED

    again = estimate_cost(config, providers, PriceTable(), repo)
    assert again.cached_domains > 0
    assert again.expected < before.expected
    assert again.worst_case == before.worst_case  # the worst case assumes no cache
    assert "already cached" in again.describe()
    # the same campaign typed differently is still "the same business type and location"
    shouted = CampaignConfig("DENTIST", "austin, tx", max_results=30, min_score=0)
    assert estimate_cost(shouted, providers, PriceTable(), repo).cached_domains == again.cached_domains
    # another place shares nothing
    other = CampaignConfig("dentist", "Leeds", max_results=30, min_score=0)
    assert estimate_cost(other, providers, PriceTable(), repo).cached_domains == 0

    # and the second run really is cheaper than the first, within its worst case
    requests = dict(fake.calls)
    _, second = pipeline.start(config)
    assert pipeline.run(second, CancelToken(), lambda _e: None).status is JobStatus.COMPLETED
    assert logged_spend(tmp_path / "t.db", second) <= again.worst_case + 1e-9
    assert fake.calls["hunter"] == requests["hunter"]  # every domain came from the cache


def test_free_prices_make_a_free_estimate(tmp_path: Path) -> None:
    providers = live_providers(FakeApis())
    config = CampaignConfig("dentist", "Austin, TX", max_results=20)
    estimate = estimate_cost(config, providers, PriceTable(dict.fromkeys(PriceTable().prices, 0.0)))
    assert estimate.worst_case == 0.0
    assert estimate.expected == 0.0


def test_cli_estimate_calls_nothing(tmp_path: Path) -> None:
    fake = FakeApis()
    with serve(fake) as url:
        env = cli_env(url, tmp_path)
        db = str(tmp_path / "t.db")
        base = [sys.executable, "-m", "leadgen_desktop.cli", "run", "--business-type", "dentist",
                "--location", "Austin, TX", "--max-results", "40", "--db", db]  # fmt: skip
        human = subprocess.run([*base, "--estimate"], env=env, capture_output=True, text=True, timeout=60,
                               check=False)  # fmt: skip
        as_json = subprocess.run([*base, "--estimate", "--json"], env=env, capture_output=True, text=True,
                                 timeout=60, check=False)  # fmt: skip
    assert human.returncode == 0, human.stderr
    assert "At most $" in human.stdout
    assert "expected about $" in human.stdout
    assert as_json.returncode == 0, as_json.stderr
    figures = json.loads(as_json.stdout)
    assert 0 < figures["expected"] <= figures["worst_case"]
    assert fake.requests == []  # not even a free call reached the providers
    with sqlite3.connect(tmp_path / "t.db") as conn:
        assert conn.execute("SELECT count(*) FROM discovery_jobs").fetchone() == (0,)  # nothing started
    conn.close()
