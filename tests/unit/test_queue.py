"""The queue, on SQLite and on PostgreSQL: queued jobs, claims, leases with a fake clock, racing
workers, handing back, and the worker loop in-process (demo providers, no network).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest

from leadgen_desktop.core.jobs import Jobs, Resumability
from leadgen_desktop.core.queue_worker import QueueWorker
from leadgen_desktop.core.run.pipeline import Pipeline
from leadgen_desktop.db.errors import LOST_CONNECTION_TEXT
from leadgen_desktop.db.records import JobRecord, Lease
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import CampaignConfig, CancelToken, JobFinished, JobStatus, Metrics
from leadgen_desktop.net.providers.demo import build_demo_providers

LEASE = dt.timedelta(seconds=60)
WORKER_A, WORKER_B = "machine-a:101", "machine-b:202"  # other hosts: only the lease's end decides


class FakeClock:
    """The time leases are judged by, moved by hand."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 1, 1, 12, 0, 0)

    def __call__(self) -> dt.datetime:
        return self.now


def queue(store: Store, count: int = 1, demo: bool = True) -> list[str]:
    jobs = Jobs(store, user="alice")
    return [
        jobs.start(
            CampaignConfig("dentist", f"Town {i}", max_results=5, min_score=0, demo=demo), queued=True
        )[1]
        for i in range(count)
    ]


def worker_jobs(store: Store, owner: str, clock: Callable[[], dt.datetime]) -> Jobs:
    return Jobs(store, owner=owner, user=owner.split(":")[0], lease=LEASE, clock=clock)


def test_a_queued_job_waits_as_pending_with_who_queued_it(store: Store) -> None:
    (job_id,) = queue(store)
    job = store.jobs.get(job_id)
    assert job is not None
    assert (job.status, job.queued, job.started_at) == (JobStatus.PENDING, True, None)
    summary = store.campaigns.summaries()[0]
    assert (summary.status, summary.created_by, summary.lease_owner) == ("pending", "alice", None)
    assert Jobs(store).interrupted() == []  # the workers' job, not the window's resume prompt


def test_claims_take_the_oldest_pending_job_once(store: Store) -> None:
    first, second = queue(store, 2)
    clock = FakeClock()
    a = worker_jobs(store, WORKER_A, clock)
    taken = [a.take_next(), a.take_next(), a.take_next()]
    assert [job.job_id if job else None for job in taken] == [first, second, None]
    job = store.jobs.get(first)
    assert job is not None
    assert job.status is JobStatus.PROCESSING
    lease = store.leases.get(first)
    assert lease is not None
    assert (lease.owner, lease.heartbeat, lease.expires_at) == (WORKER_A, clock.now, clock.now + LEASE)
    for job_id in (first, second):
        a.release(job_id)


def test_lease_expiry_with_a_fake_clock_hands_the_job_to_the_next_worker(store: Store) -> None:
    (job_id,) = queue(store)
    clock = FakeClock()
    a, b = worker_jobs(store, WORKER_A, clock), worker_jobs(store, WORKER_B, clock)
    assert a.take_next() is not None
    clock.now += LEASE / 3
    assert a.heartbeat(job_id)  # renewed: now held until now + LEASE
    clock.now += LEASE - dt.timedelta(seconds=1)
    assert b.take_next() is None  # one second before the end: still A's
    assert b.resumability(store.jobs.get(job_id)) is Resumability.RUNNING  # type: ignore[arg-type]
    clock.now += dt.timedelta(seconds=2)
    taken = b.take_next()
    assert taken is not None
    assert taken.job_id == job_id
    assert store.leases.get(job_id).owner == WORKER_B  # type: ignore[union-attr]
    assert not a.heartbeat(job_id)  # A learns it lost the job (and stops its run)
    assert not a.hand_back(job_id)  # and cannot hand B's job back
    b.release(job_id)


def test_two_workers_racing_for_one_job_exactly_one_wins(db_url: str) -> None:
    setup = Store.open(db_url)
    (job_id,) = queue(setup)
    setup.db.close()
    clock = FakeClock()
    stores = [Store.open(db_url) for _ in range(4)]
    racers = [worker_jobs(s, f"machine-{i}:1", clock) for i, s in enumerate(stores)]
    start = threading.Barrier(len(racers))
    won: list[str] = []
    errors: list[BaseException] = []

    def race(jobs: Jobs) -> None:
        try:
            start.wait(10)
            job = jobs.take_next()
            if job is not None:
                won.append(jobs.owner)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            errors.append(exc)
        finally:
            jobs.store.db.close()

    threads = [threading.Thread(target=race, args=(jobs,)) for jobs in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    for opened in stores:
        opened.db.close()  # the connection each open made on this thread
    assert not errors, errors
    assert len(won) == 1
    check = Store.open(db_url)
    lease = check.leases.get(job_id)
    check.db.close()
    assert lease is not None
    assert lease.owner == won[0]


def test_a_claim_in_progress_hides_only_the_job_it_takes(db_url: str) -> None:
    """While one worker is between reading the queue and taking a job, another still finds the rest.

    Both jobs are held by a worker that died (so the first claimer asks ``can_take`` mid-claim,
    its transaction open); the second claims from its own connection right then.
    """
    if "://" not in db_url:
        pytest.skip("SQLite has one writer at a time: no claims overlap")
    setup = Store.open(db_url)
    job_ids = queue(setup, 2)
    clock = FakeClock()
    dead = worker_jobs(setup, WORKER_A, clock)
    assert dead.take_next() is not None
    assert dead.take_next() is not None
    first, second = Store.open(db_url), Store.open(db_url)
    until = clock.now + LEASE
    during: list[str | None] = []

    def first_can_take(job_id: str, lease: Lease) -> bool:
        if not during:  # the first claim's transaction is open, its candidate locked
            during.append(second.leases.claim_next("machine-c:3", lambda *_: True, clock.now, until))
        return True

    taken = first.leases.claim_next("machine-b:2", first_can_take, clock.now, until)
    for opened in (setup, first, second):
        opened.db.close()
    assert during[0] is not None  # not None: the queue did not look empty to the second worker
    assert {taken, during[0]} == set(job_ids)


def test_hand_back_returns_a_job_to_the_queue_keeping_what_it_stored(store: Store) -> None:
    (job_id,) = queue(store)
    a = worker_jobs(store, WORKER_A, FakeClock())
    assert a.take_next() is not None
    store.jobs.update_progress(job_id, *_progress())
    assert a.hand_back(job_id)
    job = store.jobs.get(job_id)
    assert job is not None
    assert (job.status, job.progress) == (JobStatus.PENDING, 42)
    assert store.leases.get(job_id) is None


def _progress():  # type: ignore[no-untyped-def]
    from leadgen_desktop.domain import Stage

    return Stage.ENRICHING, 42, Metrics(leads_enriched=3)


def test_the_worker_loop_runs_every_queued_job_once(store: Store) -> None:
    job_ids = queue(store, 3)
    pipeline = Pipeline(store, build_demo_providers(latency=0.0))
    runs: list[str] = []

    def run_job(job: JobRecord, cancel: CancelToken) -> JobFinished:
        runs.append(job.job_id)
        return pipeline.run(job.job_id, cancel, lambda _event: None)

    worker = QueueWorker(pipeline.jobs, run_job, max_jobs=2, once=True, demo_only=True, poll_seconds=0.05)
    assert worker.run() == 0
    assert sorted(runs) == sorted(job_ids)
    assert sorted(f.job_id for f in worker.completed) == sorted(job_ids)
    for job_id in job_ids:
        job = store.jobs.get(job_id)
        assert job is not None
        assert job.status is JobStatus.COMPLETED
        assert store.leads.count(job_id) == 5
        assert store.leases.get(job_id) is None
    assert store.workers.alive(store.db.now()) == []  # unregistered on the way out


def test_a_stop_request_hands_the_running_job_back_to_pending(store: Store) -> None:
    (job_id,) = queue(store)
    jobs = Jobs(store)
    started = threading.Event()

    def run_job(job: JobRecord, cancel: CancelToken) -> JobFinished:
        jobs.claim(job.job_id)
        try:
            started.set()
            cancel.wait(30)  # a run that stops only when cancelled
            finished = JobFinished(job.job_id, job.campaign_id, JobStatus.CANCELLED, Metrics(), error="stop")
            store.jobs.finish(finished)
            return finished
        finally:
            jobs.release(job.job_id)

    worker = QueueWorker(jobs, run_job, once=False, poll_seconds=0.05)
    stopper = threading.Thread(target=lambda: (started.wait(30), worker.request_stop()))
    stopper.start()
    assert worker.run() == 0
    stopper.join(5)
    job = store.jobs.get(job_id)
    assert job is not None
    assert (job.status, job.error) == (JobStatus.PENDING, None)
    assert store.leases.get(job_id) is None
    assert worker.completed == []


@pytest.mark.parametrize("demo_only", [True, False])
def test_a_worker_without_a_google_key_claims_only_demo_campaigns(store: Store, demo_only: bool) -> None:
    (live,) = queue(store, demo=False)
    taken = worker_jobs(store, WORKER_A, FakeClock()).take_next(demo_only=demo_only)
    assert (taken is None) is demo_only
    if taken is not None:
        assert taken.job_id == live


def test_a_worker_that_lost_its_lease_stops_that_run_and_does_not_hand_it_back(store: Store) -> None:
    """Cut off past its lease, worker A finds at its next heartbeat that B took the job over."""
    (job_id,) = queue(store)
    clock = FakeClock()
    short = dt.timedelta(seconds=0.3)  # A's heartbeat thread beats every 0.1 s of real time
    a = Jobs(store, owner=WORKER_A, lease=short, clock=clock)
    b = Jobs(store, owner=WORKER_B, lease=LEASE, clock=clock)
    taken_over = threading.Event()
    # A's heartbeat runs on real time: held while the clock jumps and B takes the job, so a
    # beat between the two cannot renew A's lease by the new time (a race seen once in CI)
    beats = threading.Lock()
    beat = a.heartbeat

    def held_heartbeat(job_id: str) -> bool:
        with beats:
            return beat(job_id)

    a.heartbeat = held_heartbeat  # type: ignore[method-assign]

    def run_job(job: JobRecord, cancel: CancelToken) -> JobFinished:
        with beats:
            clock.now += short * 2  # A's lease has ended by the fake clock: B may take the job
            taken = b.take_next()
        assert taken is not None
        taken_over.set()
        assert cancel.wait(30), "A's heartbeat never noticed the lost lease"
        return JobFinished(job.job_id, job.campaign_id, JobStatus.CANCELLED, Metrics())

    worker = QueueWorker(a, run_job, once=True, poll_seconds=0.05)
    assert worker.run() == 0
    assert taken_over.is_set()
    lease = store.leases.get(job_id)
    assert lease is not None
    assert lease.owner == WORKER_B  # A handed nothing back: the job is B's
    job = store.jobs.get(job_id)
    assert job is not None
    assert job.status is JobStatus.PROCESSING
    assert worker.completed == []
    b.release(job_id)


def test_a_heartbeat_after_the_run_gave_its_lease_back_is_no_take_over(store: Store) -> None:
    """A run that lost the database ends ``failed`` and gives its lease back; a heartbeat beating
    between that release and the worker's look at the ending finds no lease to renew. Nobody took
    the job over: it must still be handed back, and (``once``) run again to its end (issue 15: the
    team test's job stayed ``failed`` under load)."""
    (job_id,) = queue(store)
    short = dt.timedelta(seconds=0.3)  # the heartbeat thread beats every 0.1 s of real time
    jobs = Jobs(store, lease=short, clock=FakeClock())  # the fake clock: the lease never expires
    released = threading.Event()
    beat_after_release = threading.Event()  # a whole beat (renewal and verdict) came after the release
    beats_after: list[str] = []
    beat = jobs.heartbeat

    def watched_heartbeat(job_id: str) -> bool:
        if released.is_set():
            beats_after.append(job_id)
            if len(beats_after) == 2:  # the beat before this one has finished, verdict included
                beat_after_release.set()
        return beat(job_id)

    jobs.heartbeat = watched_heartbeat  # type: ignore[method-assign]
    lost = LOST_CONNECTION_TEXT.format(where="postgresql://team/db") + " (terminating connection)."
    runs: list[str] = []

    def run_job(job: JobRecord, cancel: CancelToken) -> JobFinished:
        runs.append(job.job_id)
        jobs.claim(job.job_id)
        status, error = (JobStatus.FAILED, lost) if len(runs) == 1 else (JobStatus.COMPLETED, None)
        finished = JobFinished(job.job_id, job.campaign_id, status, Metrics(), error=error)
        store.jobs.finish(finished)
        jobs.release(job.job_id)  # as Pipeline.run does, before it returns
        if len(runs) == 1:
            released.set()
            assert beat_after_release.wait(30), "no heartbeat after the release"
        return finished

    worker = QueueWorker(jobs, run_job, once=True, poll_seconds=0.05)
    assert worker.run() == 0
    assert runs == [job_id, job_id]  # handed back once, then run again
    job = store.jobs.get(job_id)
    assert job is not None
    assert job.status is JobStatus.COMPLETED
    assert [f.job_id for f in worker.completed] == [job_id]
    assert store.leases.get(job_id) is None


def test_a_job_handed_back_and_taken_again_by_the_same_worker_keeps_its_heartbeat(store: Store) -> None:
    """With room for two jobs, the worker can claim the job it just handed back before the run that
    handed it back has finished: the ending run must not forget the new one (its lease would then
    go unrenewed, and the worker would stop without waiting for it)."""
    (job_id,) = queue(store)
    short = dt.timedelta(seconds=0.3)  # the heartbeat thread beats every 0.1 s of real time
    jobs = Jobs(store, lease=short, clock=FakeClock())
    second_started = threading.Event()
    beat_in_second_run = threading.Event()
    first_run: list[threading.Thread] = []
    beat = jobs.heartbeat

    def watched_heartbeat(beaten: str) -> bool:
        if first_run and not first_run[0].is_alive():  # the first run's thread has ended
            beat_in_second_run.set()
        return beat(beaten)

    jobs.heartbeat = watched_heartbeat  # type: ignore[method-assign]

    def report(message: str) -> None:
        if "handed back" in message:  # the first run, before it has finished: the second one starts
            assert second_started.wait(30), "the handed-back job was not claimed again"

    lost = LOST_CONNECTION_TEXT.format(where="postgresql://team/db") + " (terminating connection)."

    def run_job(job: JobRecord, cancel: CancelToken) -> JobFinished:
        jobs.claim(job.job_id)
        first = not first_run
        if first:
            first_run.append(threading.current_thread())
        else:
            second_started.set()
            first_run[0].join(30)
            assert beat_in_second_run.wait(10), "the second run's lease is no longer renewed"
        status, error = (JobStatus.FAILED, lost) if first else (JobStatus.COMPLETED, None)
        finished = JobFinished(job.job_id, job.campaign_id, status, Metrics(), error=error)
        store.jobs.finish(finished)
        jobs.release(job.job_id)
        return finished

    worker = QueueWorker(jobs, run_job, max_jobs=2, once=True, report=report, poll_seconds=0.05)
    assert worker.run() == 0
    job = store.jobs.get(job_id)
    assert job is not None
    assert job.status is JobStatus.COMPLETED
    assert [f.job_id for f in worker.completed] == [job_id]


def test_a_queued_job_wakes_the_listeners_of_a_team_database() -> None:
    """LISTEN/NOTIFY: queueing (and a worker registering) wakes a waiting worker or window at once."""
    from leadgen_desktop.db.notifications import JobWakeups
    from tests.fakes.backends import fresh_pg_database

    with fresh_pg_database() as url:
        store = Store.open(url)
        woken = threading.Event()
        listening = JobWakeups(store.db, woken.set)
        listening.start()
        try:
            for _ in range(100):  # until its LISTEN is in place (a notification is then never missed)
                woken.clear()
                store.db.sql("SELECT pg_notify('leadgen_jobs', 'probe')")
                if woken.wait(0.2):
                    break
            woken.clear()
            queue(store)
            assert woken.wait(10), "queueing a job sent no notification"
        finally:
            listening.stop()
            store.db.close()
