"""One owner for a job's life: start it, say whether it can be resumed, hold its lease while it
runs, reopen it, discard it, and list the interrupted ones.

The command line, the window's worker and its resume prompt all go through
:class:`Jobs`; the store only runs the queries. The rules live here once:

* **resumable**: cancelled, failed, stopped by its budget, or left
  ``processing`` with no live lease (the process that ran it died); never a
  discarded job or one completed in full;
* **a live lease**: held by a process that still runs the job. Another
  process's lease is live until it expires (its holder renews it every third
  of :func:`lease_time`; leases written before leases carried their end are
  judged by their heartbeat and :data:`LEASE_STALE_AFTER`) and, on this host,
  while its process exists; this process's own lease is live only while this
  process is running the job (so a lease a failed run could not give back,
  e.g. on a full disk, never blocks a resume from the same window). Times are
  the database's (the server's clock for a team database), so machines whose
  clocks disagree still agree on a lease;
* **queued jobs** (``leadgen run --queue``) wait as ``pending`` for a
  ``leadgen worker``; a worker claims a pending job, or a queued job whose
  holder is gone, and resumes it from its checkpoints. A worker that stops
  (SIGTERM, a lost connection) hands its job back to ``pending``.
"""

from __future__ import annotations

import datetime as dt
import enum
import getpass
import logging
import math
import os
import threading
from collections.abc import Callable, Sequence

from leadgen_desktop.core.owners import owner_is_dead, process_owner
from leadgen_desktop.db.errors import StorageError
from leadgen_desktop.db.records import JobRecord, Lease
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import CampaignConfig, JobFinished, JobStatus, StopReason

log = logging.getLogger(__name__)

LEASE_STALE_AFTER = dt.timedelta(seconds=60)
"""A lease without a stored end whose heartbeat is older than this is abandoned."""
LEASE_ENV = "LEADGEN_LEASE_SECONDS"
"""How long a lease holds without a heartbeat (seconds, default 60; renewed every third of it)."""
DEFAULT_LEASE_SECONDS = 60.0
USER_ENV = "LEADGEN_USER"
"""Who runs campaigns, as shown to the team (default: the OS user name)."""


def lease_time() -> dt.timedelta:
    """How long a lease holds without a heartbeat: ``LEADGEN_LEASE_SECONDS`` (default 60 s)."""
    text = os.environ.get(LEASE_ENV, "").strip()
    try:
        seconds = float(text) if text else DEFAULT_LEASE_SECONDS
    except ValueError:
        log.warning("%s=%r is not a number of seconds; using %s", LEASE_ENV, text, DEFAULT_LEASE_SECONDS)
        seconds = DEFAULT_LEASE_SECONDS
    if not (math.isfinite(seconds) and seconds > 0):
        seconds = DEFAULT_LEASE_SECONDS
    return dt.timedelta(seconds=max(seconds, 0.3))


def default_user() -> str:
    """Who runs campaigns from this machine: ``LEADGEN_USER``, else the OS user name."""
    name = os.environ.get(USER_ENV, "").strip()
    if name:
        return name
    try:
        return str(getpass.getuser())
    except (OSError, KeyError):  # no user name for this uid (a container)
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"


class JobNotFound(LookupError):
    """The job id does not exist in this database."""


class JobBusy(RuntimeError):
    """A live process (another one, or this one) is running the job."""

    def __init__(self, job_id: str, holder: str) -> None:
        where = "this process" if holder == process_owner() else f"another process ({holder})"
        super().__init__(
            f"Job {job_id} is being run by {where}; wait for it to finish or stop that process first."
        )
        self.job_id = job_id
        self.holder = holder


class JobNotResumable(RuntimeError):
    """The job finished (in full, or was discarded): there is nothing to resume."""


class Resumability(enum.Enum):
    """What a stored job allows."""

    RESUMABLE = "resumable"
    """Cancelled, failed, stopped by its budget, or interrupted with no live lease."""
    RUNNING = "running"
    """A live process holds its lease."""
    FINISHED = "finished"
    """Completed in full, or discarded: nothing to resume."""


_RUNNING_HERE: set[tuple[str, str]] = set()
"""(database path, job id) of the jobs this process is running right now."""
_TAKEN_HERE: set[tuple[str, str]] = set()
"""(database path, job id) of the jobs a worker of this process claimed and has not started yet."""
_RUNNING_LOCK = threading.Lock()


class Jobs:
    """Start, judge, lease, reopen, discard and list the jobs of one store."""

    def __init__(
        self,
        store: Store,
        *,
        owner: str | None = None,
        user: str | None = None,
        stale_after: dt.timedelta = LEASE_STALE_AFTER,
        lease: dt.timedelta | None = None,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.store = store
        self.owner = owner or process_owner()
        self.user = user or default_user()
        self.lease = lease or lease_time()
        self._stale_after = stale_after
        self._clock = clock or store.db.now

    def now(self) -> dt.datetime:
        """The time leases are judged by (the database's clock, or the clock given)."""
        return self._clock()

    # -- creating and reading ------------------------------------------------------------

    def start(self, config: CampaignConfig, *, queued: bool = False) -> tuple[str, str]:
        """Create the campaign and its job; return (campaign_id, job_id).

        The job is ``processing`` (this process runs it next), or ``pending``
        when ``queued`` (a worker will), and remembers who started it.
        """
        return self.store.jobs.create(config, created_by=self.user, queued=queued)

    def get(self, job_id: str) -> JobRecord | None:
        """The job, or None."""
        return self.store.jobs.get(job_id)

    def summary(self, job: JobRecord) -> JobFinished:
        """A stored job as the summary its last run ended with."""
        return JobFinished(
            job_id=job.job_id,
            campaign_id=job.campaign_id,
            status=job.status,
            metrics=job.metrics,
            stop_reason=job.stop_reason,
            error=job.error,
            notices=job.notices,
            output=job.config.output,
            budget_stop=job.budget_stop,
        )

    # -- the rules -------------------------------------------------------------------------

    def resumability(self, job: JobRecord) -> Resumability:
        """Whether ``job`` can be resumed now (see the module's rules)."""
        if job.stop_reason is StopReason.DISCARDED:
            return Resumability.FINISHED
        if job.status is JobStatus.COMPLETED:
            return Resumability.RESUMABLE if job.stop_reason is StopReason.BUDGET else Resumability.FINISHED
        if job.status is JobStatus.PROCESSING and self.holder(job.job_id) is not None:
            return Resumability.RUNNING
        return Resumability.RESUMABLE

    def can_resume(self, job_id: str) -> bool:
        """True when the job exists and is resumable now."""
        job = self.get(job_id)
        return job is not None and self.resumability(job) is Resumability.RESUMABLE

    def holder(self, job_id: str) -> str | None:
        """The live process running the job right now (``host:pid``), if any."""
        lease = self.store.leases.get(job_id)
        return lease.owner if lease is not None and self._is_live(job_id, lease) else None

    def interrupted(self, only_crashed: bool = False) -> list[JobRecord]:
        """Resumable jobs, newest first; with ``only_crashed``, just those left ``processing``.

        Queued jobs are the workers' (they wait, or a worker takes them over): never listed.
        """
        waiting = (JobStatus.COMPLETED, JobStatus.PENDING)
        candidates = self.store.jobs.find(
            statuses=[status for status in JobStatus if status not in waiting],
            stop_reasons=[StopReason.BUDGET],
        )
        jobs = [
            job for job in candidates if not job.queued and self.resumability(job) is Resumability.RESUMABLE
        ]
        return [job for job in jobs if job.status is JobStatus.PROCESSING] if only_crashed else jobs

    # -- changing a job's state ------------------------------------------------------------

    def reopen(self, job_id: str, budget: float | None = None) -> JobRecord:
        """Put a resumable job back to ``processing`` (with ``budget`` as its new budget, if given).

        Raises:
            ValueError: ``budget`` is negative or not a number.
            JobNotFound: no such job.
            JobBusy: a live process is running it.
            JobNotResumable: it finished in full or was discarded.
        """
        if budget is not None and not (math.isfinite(budget) and budget >= 0):
            raise ValueError(f"A budget must be zero or more USD, got {budget!r}.")
        job = self.get(job_id)
        if job is None:
            raise JobNotFound(job_id)
        state = self.resumability(job)
        if state is Resumability.RUNNING:
            raise JobBusy(job_id, self.holder(job_id) or "")
        if state is Resumability.FINISHED:
            raise JobNotResumable(f"Job {job_id} is {job.status.value}: there is nothing to resume.")
        self.store.jobs.reopen(job_id, budget)
        reopened = self.get(job_id)
        assert reopened is not None
        return reopened

    def discard(self, job_ids: Sequence[str]) -> int:
        """Mark resumable jobs as cancelled for good (their leads stay); return how many were.

        Raises:
            StorageError: the database could not be written (the ones before stay discarded).
        """
        done = 0
        for job_id in job_ids:
            job = self.get(job_id)
            if job is not None and self.resumability(job) is Resumability.RESUMABLE:
                self.store.jobs.discard(job_id)
                done += 1
        return done

    # -- the lease of a running job -------------------------------------------------------

    def claim(self, job_id: str) -> JobRecord:
        """Take the job's lease to run it in this process (a job :meth:`take_next` took is already ours).

        Raises:
            JobNotFound: no such job.
            JobBusy: a live process (maybe this one) is running it.
        """
        job = self.get(job_id)
        if job is None:
            raise JobNotFound(job_id)
        key = (self.store.path, job_id)
        with _RUNNING_LOCK:
            if key in _TAKEN_HERE:
                _TAKEN_HERE.discard(key)
                return job
            if key in _RUNNING_HERE:
                raise JobBusy(job_id, self.owner)
            now = self._clock()
            if not self.store.leases.take(job_id, self.owner, self._can_take, now, now + self.lease):
                raise JobBusy(job_id, self.holder(job_id) or "")
            _RUNNING_HERE.add(key)
        return job

    def take_next(self, *, demo_only: bool = False) -> JobRecord | None:
        """Claim the next queued job for a worker of this process (pending, or abandoned by its holder).

        The job is ``processing`` under this process's lease when this
        returns; hand it to :meth:`Pipeline.run` (its claim finds it taken).
        None when nothing waits.
        """
        with _RUNNING_LOCK:
            now = self._clock()
            job_id = self.store.leases.claim_next(
                self.owner, self._can_take, now, now + self.lease, demo_only=demo_only
            )
            if job_id is None:
                return None
            _RUNNING_HERE.add((self.store.path, job_id))
            _TAKEN_HERE.add((self.store.path, job_id))
        job = self.get(job_id)
        if job is None:  # deleted meanwhile: nothing to run
            self.release(job_id)
        return job

    def heartbeat(self, job_id: str) -> bool:
        """Renew the lease of a job this process runs; False when it was lost (another took it over)."""
        now = self._clock()
        return self.store.leases.renew(job_id, self.owner, now, now + self.lease)

    def release(self, job_id: str) -> None:
        """Give the lease back once the run is over (never raises: a lease left behind is not live)."""
        try:
            self.store.leases.release(job_id, self.owner)
        except StorageError:
            log.warning("Could not release the lease of job %s", job_id, exc_info=True)
        finally:
            with _RUNNING_LOCK:
                _RUNNING_HERE.discard((self.store.path, job_id))
                _TAKEN_HERE.discard((self.store.path, job_id))

    def hand_back(self, job_id: str) -> bool:
        """Put a queued job this process stopped back to ``pending`` for the next worker.

        False when it is not queued, finished for good, or another holder took it over.
        """
        return self.store.leases.hand_back(job_id, self.owner)

    def _can_take(self, job_id: str, lease: Lease) -> bool:
        return not self._is_live(job_id, lease)

    def _is_live(self, job_id: str, lease: Lease) -> bool:
        if lease.owner == self.owner:  # ours: live only while this process runs the job
            return (self.store.path, job_id) in _RUNNING_HERE
        now = self._clock()
        if lease.expires_at is not None:
            if lease.expires_at <= now:
                return False
        elif lease.heartbeat is None or lease.heartbeat < now - self._stale_after:
            return False
        return not owner_is_dead(lease.owner)
