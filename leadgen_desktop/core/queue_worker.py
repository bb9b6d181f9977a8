"""``leadgen worker``: claim queued jobs, run up to N at once, keep their leases alive, stop cleanly.

The loop (on the calling thread):

1. claim jobs (:meth:`Jobs.take_next`: pending ones first, then queued jobs
   whose holder is gone, which resume from their checkpoints) until N run,
   each on its own thread;
2. wait for a wake-up: a job queued or handed back (``NOTIFY`` on
   PostgreSQL, :class:`~leadgen_desktop.db.notifications.JobWakeups`), a job
   of ours ending, a stop request, or the poll interval (which also finds
   leases that expired);
3. with ``once``, stop when nothing of ours runs and nothing is left to claim.

A heartbeat thread renews every lease this worker holds, and its own row in
``workers``, every third of the lease time; a lease found lost (another
worker took the job over after this one was cut off) cancels that run.

:meth:`QueueWorker.request_stop` is safe to call from a signal handler: it
sets a flag and writes one byte to a socket, takes no lock. The loop then
cancels every run (no new request is sent; answers already received are
stored by the pipeline), hands each job back to ``pending`` with its lease
released, and returns. A run that ended because the team database's
connection was lost is handed back too, once the database answers again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import select
import signal
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from leadgen_desktop.core.jobs import JobBusy, JobNotFound, Jobs
from leadgen_desktop.db.errors import StorageError, is_disconnection_text
from leadgen_desktop.db.notifications import JobWakeups
from leadgen_desktop.db.records import JobRecord, WorkerRecord
from leadgen_desktop.domain import CancelToken, JobFinished, JobStatus

log = logging.getLogger(__name__)

RunJob = Callable[[JobRecord, CancelToken], JobFinished]
"""Runs (or resumes) one claimed job to its end: ``Pipeline.run`` with the job's providers."""

POLL_SECONDS = 2.0
"""Longest wait between looks at the queue (a notification or a job ending wakes sooner)."""
STOP_SECONDS = 4.5
"""After a stop request, how long the runs get to store their answers and hand their jobs back."""
GIVE_UP_SECONDS = 60.0
"""With ``once``: how long an unreachable database is waited for before the worker gives up."""
HAND_BACK_TRIES = 8
"""Attempts to hand a job back when the database was unreachable (1, 2, 4 ... s apart, capped)."""


@dataclass
class _Running:
    job: JobRecord
    cancel: CancelToken
    thread: threading.Thread
    lease_lost: bool = False
    outcome: JobFinished | None = field(default=None)


class QueueWorker:
    """Runs queued jobs of one store until stopped (or, with ``once``, until the queue is empty)."""

    def __init__(
        self,
        jobs: Jobs,
        run_job: RunJob,
        *,
        max_jobs: int = 1,
        once: bool = False,
        demo_only: bool = False,
        key_groups: Mapping[str, str] | None = None,
        on_team: Callable[[list[WorkerRecord]], None] | None = None,
        report: Callable[[str], None] | None = None,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        if max_jobs < 1:
            raise ValueError("max_jobs must be at least 1")
        self.jobs = jobs
        self.store = jobs.store
        self._run_job = run_job
        self.max_jobs = max_jobs
        self.once = once
        self.demo_only = demo_only
        self._key_groups = dict(key_groups or {})
        self._on_team = on_team
        self._report = report or (lambda _message: None)
        self._poll = poll_seconds
        self._stop_requested = False
        self._running: dict[str, _Running] = {}
        self._lock = threading.Lock()  # guards _running between the loop and the heartbeat
        self._beat_stop = threading.Event()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self.completed: list[JobFinished] = []

    # -- control ---------------------------------------------------------------------------

    def request_stop(self) -> None:
        """Ask the worker to stop (async-signal-safe: a flag and one byte, no lock)."""
        self._stop_requested = True
        self._wake()

    @property
    def stopping(self) -> bool:
        """True once a stop was requested."""
        return self._stop_requested

    def _wake(self) -> None:
        with contextlib.suppress(OSError):  # a full buffer already holds a wake-up
            self._wake_w.send(b"\0")

    # -- the loop --------------------------------------------------------------------------

    def run(self, *, wake_on_signals: bool = False) -> int:
        """Work until stopped (or the queue is empty with ``once``); return the exit code.

        0, or 1 when with ``once`` the database stayed unreachable for :data:`GIVE_UP_SECONDS`.
        ``wake_on_signals`` (main thread only) makes every signal wake the loop at once
        (:func:`signal.set_wakeup_fd`), even one the kernel delivered to another thread.
        """
        previous_fd = (
            signal.set_wakeup_fd(self._wake_w.fileno(), warn_on_full_buffer=False)
            if wake_on_signals
            else None
        )
        wakeups = JobWakeups(self.store.db, self._wake)
        heartbeat = threading.Thread(target=self._beat, name="leadgen-heartbeat", daemon=True)
        self._register()
        wakeups.start()
        heartbeat.start()
        code = 0
        try:
            unreachable_since: float | None = None
            while not self._stop_requested:
                self._refresh_team()
                claimed = self._fill()
                if claimed is None:  # the database did not answer: not "empty", try again
                    unreachable_since = unreachable_since or time.monotonic()
                    if self.once and time.monotonic() - unreachable_since > GIVE_UP_SECONDS:
                        self._report(f"the database did not answer for {GIVE_UP_SECONDS:.0f} s; giving up")
                        code = 1
                        break
                else:
                    unreachable_since = None
                with self._lock:
                    idle = not self._running
                if self.once and idle and claimed is False:
                    break
                self._wait(self._poll)
        finally:
            self._shutdown()
            self._beat_stop.set()
            wakeups.stop()
            heartbeat.join(2.0)
            self._unregister()
            self.store.db.close()
            if previous_fd is not None:
                signal.set_wakeup_fd(previous_fd)
            self._wake_r.close()
            self._wake_w.close()
        return code

    def _fill(self) -> bool | None:
        """Claim jobs until ``max_jobs`` run: True when one was claimed, None when the database failed."""
        claimed: bool | None = False
        while not self._stop_requested:
            with self._lock:
                if len(self._running) >= self.max_jobs:
                    break
            try:
                job = self.jobs.take_next(demo_only=self.demo_only)
            except StorageError as exc:
                self._report(f"cannot claim jobs: {exc}")
                return None
            if job is None:
                break
            claimed = True
            self._start(job)
        return claimed

    def _start(self, job: JobRecord) -> None:
        cancel = CancelToken()
        thread = threading.Thread(target=self._work, args=(job.job_id,), name=f"leadgen-job-{job.job_id}")
        with self._lock:
            self._running[job.job_id] = _Running(job, cancel, thread)
        self._report(f"job {job.job_id}: {job.config.business_type} in {job.config.location} (claimed)")
        thread.start()

    def _wait(self, seconds: float) -> None:
        with contextlib.suppress(OSError, ValueError):
            ready, _, _ = select.select([self._wake_r], [], [], seconds)
            if ready:
                with contextlib.suppress(OSError):
                    while self._wake_r.recv(4096):
                        pass

    # -- one job ---------------------------------------------------------------------------

    def _work(self, job_id: str) -> None:
        with self._lock:
            running = self._running[job_id]
        finished: JobFinished | None = None
        try:
            finished = self._run_job(running.job, running.cancel)
        except (JobBusy, JobNotFound) as exc:
            self._report(f"job {job_id}: not run ({exc})")
        except Exception:
            log.exception("Job %s could not run", job_id)
            self._report(f"job {job_id}: could not run (see the log)")
        running.outcome = finished
        try:
            self._after(running, finished)
        finally:
            self.store.db.close()  # this thread's connection
            with self._lock:  # the job handed back may run again here already: that run is not ours
                if self._running.get(job_id) is running:
                    del self._running[job_id]
            self._wake()

    def _after(self, running: _Running, finished: JobFinished | None) -> None:
        job_id = running.job.job_id
        if running.lease_lost and self._held_by_another(job_id):
            self._report(f"job {job_id}: its lease was taken over by another worker; stopped here")
            return
        lost_db = (
            finished is not None
            and finished.status is JobStatus.FAILED
            and is_disconnection_text(finished.error or "")
        )
        stopped = running.cancel.cancelled and (finished is None or finished.status is JobStatus.CANCELLED)
        if stopped or lost_db:
            why = "the database connection was lost" if lost_db else "the worker is stopping"
            if self._hand_back(job_id, patient=lost_db):
                self._report(f"job {job_id}: handed back to the queue ({why})")
            else:
                self._report(f"job {job_id}: could not be handed back ({why}); its lease will expire")
            return
        if finished is not None:
            self.completed.append(finished)
            cost = finished.metrics.total_cost
            self._report(
                f"job {job_id}: {finished.status.value}, {finished.metrics.leads_enriched} leads, ${cost:.4f}"
            )

    def _held_by_another(self, job_id: str) -> bool:
        """True when another worker holds the job's lease now (a heartbeat's "lost" is only a hint).

        A run gives its lease back as it ends, before this worker looks at how it ended: a
        heartbeat in between finds no lease to renew although nobody took the job over. Such a
        job is still this worker's to hand back or count. Unknown (the database did not answer)
        counts as not held: handing back is refused by the database anyway while another holds it.
        """
        try:
            lease = self.store.leases.get(job_id)
        except StorageError:
            return False
        return lease is not None and lease.owner != self.jobs.owner

    def _hand_back(self, job_id: str, *, patient: bool) -> bool:
        """Hand the job back; when the database is unreachable, try again (a few times when ``patient``)."""
        tries, pause = (HAND_BACK_TRIES if patient else 2), 0.5
        for attempt in range(tries):
            try:
                return self.jobs.hand_back(job_id)
            except StorageError:
                if attempt + 1 == tries or (self._stop_requested and attempt >= 1):
                    return False
                time.sleep(pause)
                pause = min(pause * 2, 8.0)
        return False

    def _shutdown(self) -> None:
        """Cancel every run and give each a bounded time to store and hand its job back."""
        with self._lock:
            runs = list(self._running.values())
        for run in runs:
            run.cancel.cancel()
        deadline = time.monotonic() + STOP_SECONDS
        for run in runs:
            run.thread.join(max(0.0, deadline - time.monotonic()))

    # -- leases and the worker's row -------------------------------------------------------

    def _beat(self) -> None:
        try:
            while not self._beat_stop.wait(lease_interval(self.jobs.lease)):
                self._beat_once()
        finally:
            self.store.db.close()

    def _beat_once(self) -> None:
        with self._lock:
            runs = list(self._running.values())
        for run in runs:
            try:
                if not self.jobs.heartbeat(run.job.job_id) and run.thread.is_alive():
                    run.lease_lost = True
                    run.cancel.cancel()
                    continue
                # its lookups in flight stay claimed as long as the worker lives (another machine waits)
                self.store.claims.renew(self.jobs.owner, run.job.job_id)
            except StorageError as exc:
                log.warning("Heartbeat for job %s failed: %s", run.job.job_id, exc)
        try:
            now = self.jobs.now()
            self.store.workers.renew(self.jobs.owner, now, now + self.jobs.lease)
        except StorageError as exc:
            log.warning("Worker heartbeat failed: %s", exc)

    def _refresh_team(self) -> None:
        """Tell ``on_team`` who is alive (workers sharing a key split its rate), at each look at the queue."""
        if self._on_team is None:
            return
        try:
            self._on_team(self.store.workers.alive(self.jobs.now()))
        except StorageError as exc:
            log.warning("Could not read the team's workers: %s", exc)

    def _register(self) -> None:
        try:
            now = self.jobs.now()
            self.store.workers.register(
                self.jobs.owner, self.jobs.user, self.max_jobs, self._key_groups, now, now + self.jobs.lease
            )
        except StorageError as exc:
            self._report(f"cannot register this worker: {exc}")

    def _unregister(self) -> None:
        with contextlib.suppress(StorageError):
            self.store.workers.unregister(self.jobs.owner)


def lease_interval(lease: dt.timedelta) -> float:
    """Seconds between heartbeats: a third of the lease time."""
    return max(lease.total_seconds() / 3, 0.1)
