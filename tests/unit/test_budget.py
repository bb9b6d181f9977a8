"""The budget: a hard ceiling on spend, a clean "budget" stop, and a resume that finishes the job.

Unit tests of :class:`Budget`, then the pipeline on the live providers wired to the fake APIs
through ``httpx.MockTransport`` (no sockets; the per-provider rate limiters are replaced by
unlimited ones so a run takes milliseconds), with a hypothesis property over many budgets.
"""

from __future__ import annotations

import csv
import io
import math
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadgen_desktop.core.billing.budget import EPSILON, Budget, UnitPrices, bill_text
from leadgen_desktop.core.jobs import Jobs
from leadgen_desktop.core.run.pipeline import Pipeline
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import BudgetStop, CampaignConfig, CancelToken, JobFinished, JobStatus, StopReason
from tests.fakes.api_server import FakeApis
from tests.fakes.live_support import live_providers, logged_spend

LEADS = 25
AMPLE = 1_000.0
"""A budget this run can never reach (resumes "without" a limit)."""

# -- Budget itself ------------------------------------------------------------------------------


def test_no_limit_affords_everything() -> None:
    budget = Budget(None)
    tickets = [budget.reserve(1e6) for _ in range(3)]
    assert None not in tickets
    assert len(set(tickets)) == 3
    assert not budget.exhausted


def test_reserve_holds_the_worst_case_until_settled() -> None:
    budget = Budget(0.10)
    first = budget.reserve(0.06)
    assert first is not None
    assert budget.reserved == pytest.approx(0.06)
    assert budget.reserve(0.05) is None  # 0.06 held + 0.05 > 0.10
    assert budget.exhausted
    budget.settle(first, 0.02)  # the call cost less than its worst case
    assert budget.reserved == 0.0
    assert budget.spent == pytest.approx(0.02)
    assert budget.reserve(0.08) is not None  # 0.02 + 0.08 fits exactly


def test_exact_fit_is_allowed_with_float_noise() -> None:
    budget = Budget(0.3)
    for _ in range(3):
        ticket = budget.reserve(0.1)
        assert ticket is not None
        budget.settle(ticket, 0.1)  # 0.1 * 3 is 0.30000000000000004 in floats
    assert budget.spent <= 0.3 + EPSILON
    assert budget.reserve(1e-6) is None


def test_free_calls_are_always_allowed_and_a_zero_budget_allows_only_them() -> None:
    budget = Budget(0.0)
    assert budget.reserve(0.0) is not None
    assert not budget.exhausted
    assert budget.reserve(0.005) is None
    assert budget.exhausted


def test_settle_without_ticket_and_add_spent() -> None:
    budget = Budget(1.0)
    budget.add_spent(0.4)  # rebuilt from the call log on resume
    budget.settle(None, 0.1)
    assert budget.spent == pytest.approx(0.5)
    assert budget.can_afford(0.5)
    assert not budget.can_afford(0.51)
    budget.settle(12345, 0.0)  # an unknown ticket is harmless
    assert budget.reserved == 0.0


@given(st.lists(st.tuples(st.floats(0, 0.05), st.floats(0, 1)), max_size=60), st.floats(0, 1.5))
@settings(max_examples=50, deadline=None)
def test_spent_never_exceeds_the_limit(calls: list[tuple[float, float]], limit: float) -> None:
    """Whatever the order of reservations, a call that really costs ≤ its worst case never overspends."""
    budget = Budget(limit)
    open_tickets: list[tuple[int, float]] = []
    for worst, share in calls:
        ticket = budget.reserve(worst)
        if ticket is not None:
            open_tickets.append((ticket, worst * share))
        if len(open_tickets) > 3:  # settle out of order, a few in flight at a time
            ticket_done, actual = open_tickets.pop(1)
            budget.settle(ticket_done, actual)
        assert budget.spent + budget.reserved <= limit + EPSILON
    for ticket, actual in open_tickets:
        budget.settle(ticket, actual)
    assert budget.spent <= limit + EPSILON


# -- the pipeline under a budget ------------------------------------------------------------------


@dataclass
class Outcome:
    finished: JobFinished
    csv: bytes
    spent: float
    fake: FakeApis


def run_job(
    root: Path, fake: FakeApis, budget: float | None, db: str | None = None
) -> tuple[Store, Pipeline, str, Outcome]:
    """Run the budgeted campaign on ``db`` (a file or a team database; default a file in ``root``)."""
    db = db or str(root / "t.db")
    repo = Store.open(db)
    pipeline = Pipeline(repo, live_providers(fake))
    out = root / "leads.csv"
    config = CampaignConfig(
        "dentist", "Austin, TX", max_results=LEADS, min_score=0, budget=budget, output=str(out)
    )
    _, job_id = pipeline.start(config)
    finished = pipeline.run(job_id, CancelToken(), lambda _e: None)
    data = out.read_bytes() if out.exists() else b""
    return repo, pipeline, job_id, Outcome(finished, data, logged_spend(db, job_id), fake)


def resume_job(repo: Store, fake: FakeApis, job_id: str, budget: float | None, root: Path) -> Outcome:
    Jobs(repo).reopen(job_id, budget)
    finished = Pipeline(repo, live_providers(fake)).run(job_id, CancelToken(), lambda _e: None)
    return Outcome(finished, (root / "leads.csv").read_bytes(), logged_spend(repo.path, job_id), fake)


@cache
def unbudgeted() -> tuple[bytes, float]:
    with tempfile.TemporaryDirectory() as folder:
        repo, _, _, outcome = run_job(Path(folder), FakeApis(), None)
        repo.db.close()
    assert outcome.finished.status is JobStatus.COMPLETED
    return outcome.csv, outcome.spent


def without_cost_column(data: bytes) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    column = rows[0].index("lead_cost_usd")
    return [row[:column] + row[column + 1 :] for row in rows]


def check_budget_stop(outcome: Outcome, budget: float, job_id: str) -> BudgetStop:
    """A budget stop is a completed run that says what it spent and what would finish it."""
    finished = outcome.finished
    assert finished.status is JobStatus.COMPLETED, finished.error
    assert finished.stop_reason is StopReason.BUDGET
    stop = finished.budget_stop
    assert stop is not None
    assert stop.limit == budget
    assert stop.spent == pytest.approx(outcome.spent, abs=1e-9)
    assert stop.remaining > 0
    assert stop.leads_left > 0
    assert stop.needed > stop.spent
    assert not [n for n in finished.notices if "budget" in n.lower()]  # a value, not a notice to parse
    return stop


@given(budget=st.floats(min_value=0.0, max_value=1.5, allow_nan=False))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_budget_caps_spend_and_a_raised_budget_finishes_the_same_run(budget: float) -> None:
    reference_csv, reference_spend = unbudgeted()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        fake = FakeApis()
        repo, _, job_id, first = run_job(root, fake, budget)
        try:
            # the hard ceiling: what the call log says was spent never crosses the budget
            assert first.spent <= budget + EPSILON, (first.spent, budget)
            assert first.finished.metrics.total_cost == pytest.approx(first.spent, abs=1e-9)
            if first.finished.stop_reason is None:
                assert first.finished.status is JobStatus.COMPLETED
                assert first.csv == reference_csv
                return
            check_budget_stop(first, budget, job_id)
            final = resume_job(repo, fake, job_id, budget + 10.0, root)
            assert final.finished.status is JobStatus.COMPLETED, final.finished.error
            assert final.finished.stop_reason is None
            assert without_cost_column(final.csv) == without_cost_column(reference_csv)
            # nothing paid twice across the stop: same total as one unbudgeted run, one request per lookup
            assert final.spent == pytest.approx(reference_spend, abs=1e-9)
            assert max(fake.domain_requests.values(), default=1) == 1
            assert max(fake.email_requests.values(), default=1) == 1
        finally:
            repo.db.close()


def test_the_amount_said_to_finish_is_enough(tmp_path: Path, db_url: str) -> None:
    """Resuming with exactly the budget the notice suggests finishes the run without another stop."""
    fake = FakeApis()
    repo, _, job_id, first = run_job(tmp_path, fake, 0.25, db_url)
    stop = check_budget_stop(first, 0.25, job_id)
    suggested = stop.needed
    assert 0 <= suggested - (max(0.25, stop.spent) + stop.remaining) < 0.01  # rounded up to the cent
    stored = repo.jobs.get(job_id)
    assert stored is not None
    assert stored.budget_stop == stop  # kept with the job, for a window opened later
    final = resume_job(repo, fake, job_id, suggested, tmp_path)
    repo.db.close()
    assert final.finished.status is JobStatus.COMPLETED
    assert final.finished.stop_reason is None, final.finished.notices
    assert final.spent <= suggested + EPSILON


def test_zero_budget_spends_nothing_and_says_so(tmp_path: Path) -> None:
    fake = FakeApis()
    repo, _, job_id, first = run_job(tmp_path, fake, 0.0)
    check_budget_stop(first, 0.0, job_id)
    assert fake.calls == {}
    assert first.spent == 0.0
    final = resume_job(repo, fake, job_id, 5.0, tmp_path)
    assert final.finished.status is JobStatus.COMPLETED
    assert final.csv == unbudgeted()[0]


@pytest.mark.parametrize("budget", [0.2, 0.3, 0.45])
def test_resumed_budget_run_csv_is_byte_equal_to_an_unbudgeted_run(
    budget: float, tmp_path: Path, db_url: str
) -> None:
    """Including ``lead_cost_usd``: a lead whose search this job paid for before the stop still cost it.

    On a team database too: its CSV equals the unbudgeted run's on a file, byte for byte.
    """
    fake = FakeApis()
    repo, _, job_id, first = run_job(tmp_path, fake, budget, db_url)
    check_budget_stop(first, budget, job_id)
    final = resume_job(repo, fake, job_id, AMPLE, tmp_path)
    repo.db.close()
    assert final.finished.status is JobStatus.COMPLETED
    assert final.spent == pytest.approx(unbudgeted()[1], abs=1e-9)
    assert final.csv == unbudgeted()[0]
    rows = list(csv.DictReader(io.StringIO(final.csv.decode("utf-8-sig"), newline="")))
    assert math.fsum(float(r["lead_cost_usd"]) for r in rows) == pytest.approx(
        final.spent - final.finished.metrics.cost_by_provider["google_places"], abs=1e-6
    )


def test_a_run_finished_after_a_budget_stop_no_longer_says_the_budget_was_reached(tmp_path: Path) -> None:
    """The final summary of a completed job must not tell the user to resume it with a higher budget."""
    fake = FakeApis()
    repo, _, job_id, first = run_job(tmp_path, fake, 0.25)
    check_budget_stop(first, 0.25, job_id)
    final = resume_job(repo, fake, job_id, AMPLE, tmp_path)
    assert final.finished.status is JobStatus.COMPLETED
    assert final.finished.stop_reason is None
    assert final.finished.budget_stop is None
    job = repo.jobs.get(job_id)
    assert job is not None
    assert job.stop_reason is None
    assert job.budget_stop is None


def test_requests_out_notice_counts_and_prices_what_a_cancel_left_unanswered() -> None:
    unit = UnitPrices(page=0.035, search=0.0245, check=0.008)
    notice = unit.requests_out_notice(1, 2, 1)
    assert notice == (
        "Cancelled with 1 search page, 2 email searches, 1 verification still waiting for an answer: "
        "if the providers answer them they may bill up to $0.0920 more than this total."
    )
    assert unit.requests_out_notice(0, 1, 3) is not None
    assert "1 email search," in (unit.requests_out_notice(0, 1, 3) or "")
    assert "3 verifications" in (unit.requests_out_notice(0, 1, 3) or "")
    assert unit.requests_out_notice(0, 0, 0) is None
    assert UnitPrices(0.0, 0.0, 0.0).requests_out_notice(1, 5, 5) is None  # demo: nothing to bill


def test_the_bill_in_words_says_what_is_unconfirmed_only_when_something_is() -> None:
    assert bill_text(0.9175) == "$0.9175"
    assert bill_text(0.9175, 0.2795) == "$0.9175 (+ up to $0.2795 unconfirmed)"
