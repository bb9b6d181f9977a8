"""One owner for a job's life: start it, say whether it can be resumed, hold its lease while it
runs, reopen it, discard it, and list the interrupted ones.

The command line, the window's worker and its resume prompt all go through
:class:`Jobs`; the store only runs the queries. The rules live here once:

* **resumable**: cancelled, failed, stopped by its budget, or left
  ``processing`` with no live lease (the process that ran it died); never a
  discarded job or one completed in full;
* **a live lease**: held by a process that still runs the job. Another
  process's lease is live while its heartbeat is fresh
  (:data:`LEASE_STALE_AFTER`) and, on this host, while its process exists;
  this process's own lease is live only while this process is running the job
  (so a lease a failed run could not give back, e.g. on a full disk, never
  blocks a resume from the same window).
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import math
import threading
from collections.abc import Callable, Sequence

from leadgen_desktop.core.owners import owner_is_dead, process_owner
from leadgen_desktop.db.errors import StorageError
from leadgen_desktop.db.records import JobRecord, Lease
from leadgen_desktop.db.store import Store
from leadgen_desktop.db.tables import utcnow
from leadgen_desktop.domain import CampaignConfig, JobFinished, JobStatus, StopReason

log = logging.getLogger(__name__)

LEASE_STALE_AFTER = dt.timedelta(seconds=60)
"""Another process's lease whose heartbeat is older than this is abandoned."""


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
_RUNNING_LOCK = threading.Lock()


class Jobs:
    """Start, judge, lease, reopen, discard and list the jobs of one store."""

    def __init__(
        self,
        store: Store,
        *,
        owner: str | None = None,
        stale_after: dt.timedelta = LEASE_STALE_AFTER,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.store = store
        self.owner = owner or process_owner()
        self._stale_after = stale_after
        self._clock = clock

    # -- creating and reading ------------------------------------------------------------

    def start(self, config: CampaignConfig) -> tuple[str, str]:
        """Create the campaign and its ``processing`` job; return (campaign_id, job_id)."""
        return self.store.jobs.create(config)

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
        """Resumable jobs, newest first; with ``only_crashed``, just those left ``processing``."""
        candidates = self.store.jobs.find(
            statuses=[status for status in JobStatus if status is not JobStatus.COMPLETED],
            stop_reasons=[StopReason.BUDGET],
        )
        jobs = [job for job in candidates if self.resumability(job) is Resumability.RESUMABLE]
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
        """Take the job's lease to run it in this process.

        Raises:
            JobNotFound: no such job.
            JobBusy: a live process (maybe this one) is running it.
        """
        job = self.get(job_id)
        if job is None:
            raise JobNotFound(job_id)
        key = (self.store.path, job_id)
        with _RUNNING_LOCK:
            if key in _RUNNING_HERE:
                raise JobBusy(job_id, self.owner)
            if not self.store.leases.take(job_id, self.owner, lambda lease: not self._is_live(job_id, lease)):
                raise JobBusy(job_id, self.holder(job_id) or "")
            _RUNNING_HERE.add(key)
        return job

    def heartbeat(self, job_id: str) -> None:
        """Renew the lease of a job this process runs."""
        self.store.leases.renew(job_id, self.owner)

    def release(self, job_id: str) -> None:
        """Give the lease back once the run is over (never raises: a lease left behind is not live)."""
        try:
            self.store.leases.release(job_id, self.owner)
        except StorageError:
            log.warning("Could not release the lease of job %s", job_id, exc_info=True)
        finally:
            with _RUNNING_LOCK:
                _RUNNING_HERE.discard((self.store.path, job_id))

    def _is_live(self, job_id: str, lease: Lease) -> bool:
        if lease.owner == self.owner:  # ours: live only while this process runs the job
            return (self.store.path, job_id) in _RUNNING_HERE
        if lease.heartbeat is None or lease.heartbeat < self._clock() - self._stale_after:
            return False
        return not owner_is_dead(lease.owner)
