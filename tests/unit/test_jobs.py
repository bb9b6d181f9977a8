"""One owner for a job's life (core/jobs.py): what is resumable, when a lease is live, reopen, discard.

Every test runs on SQLite and on PostgreSQL (the ``store`` fixture).
"""

from __future__ import annotations

import datetime as dt
import os
import socket

import pytest

from leadgen_desktop.core.jobs import (
    LEASE_STALE_AFTER,
    JobBusy,
    JobNotFound,
    JobNotResumable,
    Jobs,
    Resumability,
    process_owner,
)
from leadgen_desktop.db.errors import StorageError
from leadgen_desktop.db.store import Store
from leadgen_desktop.db.tables import utcnow
from leadgen_desktop.domain import BudgetStop, CampaignConfig, JobFinished, JobStatus, Metrics, StopReason

HOST = socket.gethostname()
LIVE_OTHER = f"{HOST}:{os.getppid()}"  # a live process that is not this one
DEAD = f"{HOST}:999999"
ELSEWHERE = "another-host:42"
STOP = BudgetStop(spent=0.24, limit=0.25, remaining=0.5, leads_left=7)


def a_job(store: Store, budget: float | None = None) -> tuple[str, str]:
    return Jobs(store).start(CampaignConfig("dentist", "Leeds", budget=budget))


def end(store: Store, job: tuple[str, str], status: JobStatus, **fields: object) -> None:
    campaign_id, job_id = job
    store.jobs.finish(JobFinished(job_id, campaign_id, status, Metrics(), **fields))  # type: ignore[arg-type]


def lease(store: Store, job_id: str, owner: str, age: dt.timedelta = dt.timedelta(0)) -> None:
    jobs = store.db.tables.jobs
    jobs.update(lease_owner=owner, lease_heartbeat=utcnow() - age).where(jobs.id == job_id).execute()


def state_of(store: Store, job_id: str) -> Resumability:
    jobs = Jobs(store)
    job = jobs.get(job_id)
    assert job is not None
    return jobs.resumability(job)


@pytest.mark.parametrize(
    ("status", "fields", "expected"),
    [
        (JobStatus.COMPLETED, {}, Resumability.FINISHED),
        (
            JobStatus.COMPLETED,
            {"stop_reason": StopReason.BUDGET, "budget_stop": STOP},
            Resumability.RESUMABLE,
        ),
        (JobStatus.CANCELLED, {}, Resumability.RESUMABLE),
        (JobStatus.FAILED, {"error": "the network was unreachable"}, Resumability.RESUMABLE),
    ],
)
def test_how_a_job_ended_decides_whether_it_can_be_resumed(
    store: Store, status: JobStatus, fields: dict[str, object], expected: Resumability
) -> None:
    job = a_job(store)
    end(store, job, status, **fields)
    assert state_of(store, job[1]) is expected


@pytest.mark.parametrize(
    ("owner", "age", "expected"),
    [
        (None, dt.timedelta(0), Resumability.RESUMABLE),  # left processing, no lease: crashed
        (LIVE_OTHER, dt.timedelta(0), Resumability.RUNNING),
        (LIVE_OTHER, LEASE_STALE_AFTER * 2, Resumability.RESUMABLE),  # stale heartbeat
        (DEAD, dt.timedelta(0), Resumability.RESUMABLE),  # its process is gone
        (ELSEWHERE, dt.timedelta(0), Resumability.RUNNING),  # cannot check the pid: the heartbeat decides
        (ELSEWHERE, LEASE_STALE_AFTER * 2, Resumability.RESUMABLE),
        (
            process_owner(),
            dt.timedelta(0),
            Resumability.RESUMABLE,
        ),  # ours, but this process is not running it
    ],
)
def test_a_processing_job_is_resumable_unless_a_live_process_holds_its_lease(
    store: Store, owner: str | None, age: dt.timedelta, expected: Resumability
) -> None:
    _, job_id = a_job(store)
    if owner is not None:
        lease(store, job_id, owner, age)
    assert state_of(store, job_id) is expected
    assert (Jobs(store).holder(job_id) is not None) is (expected is Resumability.RUNNING)


def test_a_discarded_job_is_finished_and_leaves_the_interrupted_list(store: Store) -> None:
    crashed, cancelled, running, done = a_job(store), a_job(store), a_job(store), a_job(store)
    end(store, cancelled, JobStatus.CANCELLED)
    lease(store, running[1], LIVE_OTHER)
    end(store, done, JobStatus.COMPLETED)
    jobs = Jobs(store)
    assert [job.job_id for job in jobs.interrupted()] == [cancelled[1], crashed[1]]  # newest first
    assert [job.job_id for job in jobs.interrupted(only_crashed=True)] == [crashed[1]]
    assert jobs.discard([crashed[1], running[1], done[1], "no-such-job"]) == 1  # only what is resumable
    job = jobs.get(crashed[1])
    assert job is not None
    assert (job.status, job.stop_reason) == (JobStatus.CANCELLED, StopReason.DISCARDED)
    assert jobs.resumability(job) is Resumability.FINISHED
    assert [job.job_id for job in jobs.interrupted()] == [cancelled[1]]


def test_reopen_puts_a_budget_stopped_job_back_with_a_new_budget(store: Store) -> None:
    job = a_job(store, budget=0.25)
    end(store, job, JobStatus.COMPLETED, stop_reason=StopReason.BUDGET, budget_stop=STOP)
    stored = Jobs(store).get(job[1])
    assert stored is not None
    assert stored.budget_stop == STOP  # kept with the job, for whoever opens it later
    reopened = Jobs(store).reopen(job[1], budget=STOP.needed)
    assert reopened.status is JobStatus.PROCESSING
    assert reopened.config.budget == STOP.needed
    assert (reopened.stop_reason, reopened.budget_stop, reopened.error) == (None, None, None)
    kept = Jobs(store).reopen(job[1])  # no budget given: the job keeps its own
    assert kept.config.budget == STOP.needed


def test_reopen_refuses_what_cannot_be_resumed(store: Store) -> None:
    jobs = Jobs(store)
    with pytest.raises(JobNotFound):
        jobs.reopen("no-such-job")
    done = a_job(store)
    end(store, done, JobStatus.COMPLETED)
    with pytest.raises(JobNotResumable, match="nothing to resume"):
        jobs.reopen(done[1])
    _, running = a_job(store)
    lease(store, running, LIVE_OTHER)
    with pytest.raises(JobBusy, match=f"another process \\({LIVE_OTHER}\\)"):
        jobs.reopen(running)
    _, crashed = a_job(store)
    with pytest.raises(ValueError, match="zero or more"):
        jobs.reopen(crashed, budget=-1.0)
    with pytest.raises(ValueError, match="zero or more"):
        jobs.reopen(crashed, budget=float("nan"))


def test_a_job_runs_once_in_this_process_too(store: Store) -> None:
    _, job_id = a_job(store)
    first, second = Jobs(store), Jobs(store)
    first.claim(job_id)
    try:
        with pytest.raises(JobBusy, match="this process"):
            second.claim(job_id)
        assert second.resumability(first.get(job_id)) is Resumability.RUNNING  # type: ignore[arg-type]
    finally:
        first.release(job_id)
    assert store.leases.get(job_id) is None
    second.claim(job_id)
    second.release(job_id)


def test_a_lease_that_could_not_be_given_back_does_not_block_a_resume(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk can keep the release from being written: the lease stays, but is not live."""
    _, job_id = a_job(store)
    jobs = Jobs(store)
    jobs.claim(job_id)

    def full_disk(_job_id: str, _owner: str) -> None:
        raise StorageError("The disk holding t.db is full; free some space and try again.")

    monkeypatch.setattr(store.leases, "release", full_disk)
    jobs.release(job_id)  # logs, never raises
    monkeypatch.undo()
    held = store.leases.get(job_id)
    assert held is not None
    assert held.owner == process_owner()
    assert jobs.holder(job_id) is None
    assert jobs.can_resume(job_id)
    assert [job.job_id for job in jobs.interrupted(only_crashed=True)] == [job_id]
    jobs.claim(job_id)  # the same window resumes it at once
    jobs.release(job_id)
