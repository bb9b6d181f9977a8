"""The honest bill and the budget ceiling against providers that over-bill and lie (issue 10, Money).

The pipeline runs in-process with the live providers on the fake APIs' MockTransport. The fake
keeps its own books (what it billed), so every verdict compares the app's bill with the
provider's: ``total_cost`` <= billed <= ``total_cost + cost_unconfirmed`` (DESIGN section 4).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from leadgen_desktop.core.run.pipeline import Pipeline
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import (
    DEFAULT_PRICES,
    CampaignConfig,
    CancelToken,
    JobFinished,
    JobStatus,
    Metrics,
    StopReason,
)
from leadgen_desktop.net.retry import RetryPolicy
from tests.fakes.api_server import FakeApis
from tests.fakes.live_support import live_providers, logged_spend

TOLERANCE = 1e-9


def run(
    tmp_path: Path, fake: FakeApis, *, budget: float | None = None, leads: int = 20, concurrency: int = 12
) -> tuple[Store, JobFinished]:
    store = Store.open(tmp_path / "t.db")
    providers = live_providers(fake)
    for provider in (providers.discovery, providers.finder, providers.verifier):
        provider._retry = RetryPolicy(rand=lambda: 0.0)  # type: ignore[union-attr]
    pipeline = Pipeline(store, providers, concurrency=concurrency)
    config = CampaignConfig("dentist", "Austin, TX", max_results=leads, min_score=0, budget=budget)
    _, job_id = pipeline.start(config)
    return store, pipeline.run(job_id, CancelToken(), lambda _e: None)


def assert_honest(metrics: Metrics, fake: FakeApis) -> None:
    """The invariant: what the provider billed lies between the confirmed total and the worst case."""
    billed = fake.billed_usd()
    assert metrics.total_cost <= billed + TOLERANCE, (metrics.total_cost, billed)
    assert billed <= metrics.total_cost + metrics.cost_unconfirmed + TOLERANCE, (
        billed,
        metrics.total_cost,
        metrics.cost_unconfirmed,
    )


def unconfirmed_in_db(store: Store, job_id: str) -> float:
    with sqlite3.connect(store.path) as conn:
        (worst,) = conn.execute(
            "SELECT COALESCE(SUM(worst_cost), 0) FROM api_calls WHERE job_id = ? AND confirmed = 0", (job_id,)
        ).fetchone()
    conn.close()
    return float(worst)


def test_answers_that_never_arrive_are_on_the_bill_as_unconfirmed(tmp_path: Path) -> None:
    """Seen: the fake billed $1.197 while the app reported $0.9175 (issue 10)."""
    fake = FakeApis()
    fake.inject("hunter", "billed_timeout", "billed_drop", "billed_timeout")
    fake.inject("neverbounce", "billed_timeout", "billed_timeout")
    store, finished = run(tmp_path, fake)
    metrics = finished.metrics
    assert finished.status is JobStatus.COMPLETED, finished.error
    assert metrics.cost_unconfirmed == pytest.approx(3 * DEFAULT_PRICES["hunter_credit"] + 2 * 0.008)
    assert metrics.total_cost < fake.billed_usd()  # the old bill: short of what was billed
    assert_honest(metrics, fake)
    # the same numbers as the database: the bill survives the process
    assert metrics.total_cost == pytest.approx(logged_spend(Path(store.path), finished.job_id), abs=TOLERANCE)
    assert metrics.cost_unconfirmed == pytest.approx(unconfirmed_in_db(store, finished.job_id))
    assert finished.metrics.to_dict()["cost_unconfirmed"] == metrics.cost_unconfirmed


def test_every_answer_back_means_nothing_unconfirmed(tmp_path: Path) -> None:
    fake = FakeApis()
    fake.inject("hunter", "http_503", "rate_limit")  # errors that are answers: known, not billed
    _store, finished = run(tmp_path, fake)
    assert finished.metrics.cost_unconfirmed == 0.0
    assert finished.metrics.total_cost == pytest.approx(fake.billed_usd(), abs=TOLERANCE)


def test_an_over_billing_provider_gets_no_further_paid_request(tmp_path: Path) -> None:
    """Seen: a Hunter answering 100 emails to a limit=10 search, --budget 0.10 spent $0.525 (issue 10).

    One search at a time, so "further" is exact: after the first over-billed answer is read,
    not one more paid request leaves, though the searches after it were already reserved.
    """
    fake = FakeApis()
    fake.hunter_bloat = 100  # 10 credits a search where the contract says 1
    _store, finished = run(tmp_path, fake, budget=0.10, concurrency=1)
    assert finished.status is JobStatus.COMPLETED, finished.error
    assert finished.stop_reason is StopReason.BUDGET
    assert fake.calls["hunter"] == 1
    assert fake.calls["neverbounce"] == 0
    metrics = finished.metrics
    assert metrics.total_cost == pytest.approx(
        fake.billed_usd(), abs=TOLERANCE
    )  # exact, over-billing included
    stop = finished.budget_stop
    assert stop is not None
    assert stop.spent == pytest.approx(metrics.total_cost, abs=TOLERANCE)
    assert (
        stop.needed > stop.spent + stop.remaining
    )  # the suggestion is above what was spent (was 0.32 < 0.525)
    assert stop.remaining > 0
    assert stop.leads_left > 0


def test_over_billing_with_requests_in_flight_stops_at_what_was_already_out(tmp_path: Path) -> None:
    fake = FakeApis()
    fake.hunter_bloat = 100
    _store, finished = run(tmp_path, fake, budget=0.50)
    assert finished.stop_reason is StopReason.BUDGET
    assert fake.calls["hunter"] <= 12  # at most the searches already out when the first answer came
    assert fake.calls["neverbounce"] == 0  # every verification comes after an over-billed answer
    assert finished.metrics.total_cost == pytest.approx(fake.billed_usd(), abs=TOLERANCE)
    stop = finished.budget_stop
    assert stop is not None
    assert stop.needed >= stop.spent + stop.unconfirmed + stop.remaining


def test_a_budget_counts_unconfirmed_money_as_spent(tmp_path: Path) -> None:
    """A lost answer may have been billed: it holds budget like money spent, and the stop says so.

    $0.12: the area's lookup ($0.032), one page ($0.035) and two searches' holds fit; each
    search's first answer is lost, so its retry would pass the budget (the lost one may have been
    billed): neither retry is sent.
    """
    fake = FakeApis()
    fake.inject("hunter", "billed_timeout", "billed_timeout")
    store, finished = run(tmp_path, fake, budget=0.12, leads=5, concurrency=1)
    assert finished.status is JobStatus.COMPLETED, finished.error
    assert finished.stop_reason is StopReason.BUDGET
    assert fake.calls["hunter"] == 2
    metrics = finished.metrics
    assert metrics.cost_unconfirmed == pytest.approx(2 * DEFAULT_PRICES["hunter_credit"])
    assert metrics.total_cost + metrics.cost_unconfirmed <= 0.12 + TOLERANCE
    assert_honest(metrics, fake)
    stop = finished.budget_stop
    assert stop is not None
    assert stop.unconfirmed == pytest.approx(metrics.cost_unconfirmed)
    assert stop.needed >= stop.spent + stop.unconfirmed + stop.remaining
    stored = store.jobs.get(finished.job_id)
    assert stored is not None
    assert stored.budget_stop == stop
