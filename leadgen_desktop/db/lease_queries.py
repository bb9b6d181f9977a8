"""Job leases: who runs a job right now (owner, heartbeat, end), taken and given back atomically.

Whether a lease may be taken over (its owner died, it expired) is a rule of
:mod:`leadgen_desktop.core.jobs`, passed in as ``can_take``; the times come
from the caller (the database's clock, or a test's fake one). Each
read-then-write is one transaction whose rows are locked (``FOR UPDATE`` on
PostgreSQL; SQLite's write transaction excludes other writers), so two
processes never both win. A worker's claim skips rows another worker is
claiming at that moment (``FOR UPDATE SKIP LOCKED``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from leadgen_desktop.db.database import Database
from leadgen_desktop.db.job_queries import freed_lease, reopened
from leadgen_desktop.db.records import Lease
from leadgen_desktop.domain import JobStatus

CLAIM_CANDIDATES = 16
"""Queued jobs looked at per claim (pending first, oldest first)."""

CanTake = Callable[[str, Lease], bool]
"""``can_take(job_id, lease)``: whether a held lease may be taken over."""


class LeaseQueries:
    """Take, renew, release and read the lease columns of ``discovery_jobs``; claim queued jobs."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self._jobs = database.tables.jobs

    def take(self, job_id: str, owner: str, can_take: CanTake, now: dt.datetime, until: dt.datetime) -> bool:
        """Take the job's lease (until ``until``): when it is free, ``owner``'s, or ``can_take`` says so.

        False when the job does not exist or the lease is held.
        """
        jobs = self._jobs
        with self._db.transaction():
            query = jobs.select(jobs.lease_owner, jobs.lease_heartbeat, jobs.lease_expires_at).where(
                jobs.id == job_id
            )
            row = self._db.locked(query).tuples().first()
            if row is None:
                return False
            holder, heartbeat, expires_at = row
            if (
                holder is not None
                and holder != owner
                and not can_take(job_id, Lease(holder, heartbeat, expires_at))
            ):
                return False
            jobs.update(
                {jobs.lease_owner: owner, jobs.lease_heartbeat: now, jobs.lease_expires_at: until}
            ).where(jobs.id == job_id).execute()
        return True

    def claim_next(
        self, owner: str, can_take: CanTake, now: dt.datetime, until: dt.datetime, *, demo_only: bool = False
    ) -> str | None:
        """Claim the next queued job to run: pending, or left ``processing`` by a holder that is gone.

        In one transaction the job becomes ``processing`` with ``owner``'s lease
        (what it had stored stays: a job taken over resumes from its
        checkpoints). Rows another worker is claiming right now are skipped.
        ``demo_only`` claims only demo campaigns (a worker without a Google
        key). Returns the job id, or None when there is nothing to claim.
        """
        jobs, campaigns = self._jobs, self._db.tables.campaigns
        waiting = (jobs.status == JobStatus.PENDING.value) | (
            (jobs.status == JobStatus.PROCESSING.value) & (jobs.queued == 1)
        )
        if demo_only:
            waiting &= jobs.campaign_id.in_(campaigns.select(campaigns.id).where(campaigns.demo == 1))
        columns = (jobs.id, jobs.lease_owner, jobs.lease_heartbeat, jobs.lease_expires_at)
        query = (
            jobs.select(jobs.id)
            .where(waiting)
            .order_by(jobs.status, jobs.created_at, jobs.id)  # "pending" sorts before "processing"
            .limit(CLAIM_CANDIDATES)
        )
        with self._db.transaction():
            # The candidates are read without locks and locked one at a time: locking them all would
            # hide every one from the workers claiming at the same moment, who would find the queue
            # empty (and, with --once, stop while jobs wait).
            candidates: list[tuple[str]] = list(query.tuples())  # type: ignore[arg-type]
            for (candidate,) in candidates:
                row = self._db.locked(
                    jobs.select(*columns).where((jobs.id == candidate) & waiting), skip_locked=True
                ).tuples()
                found: list[tuple[str, str | None, dt.datetime | None, dt.datetime | None]]
                found = list(row)  # type: ignore[arg-type]
                if not found:
                    continue  # another worker is claiming it, or it was claimed since it was read
                job_id, holder, heartbeat, expires_at = found[0]
                if holder is not None and not can_take(job_id, Lease(str(holder), heartbeat, expires_at)):
                    continue  # held by a live worker (this process's own runs included)
                fields = reopened(jobs, JobStatus.PROCESSING)
                fields.update(
                    {
                        jobs.started_at: now,
                        jobs.updated_at: now,
                        jobs.lease_owner: owner,
                        jobs.lease_heartbeat: now,
                        jobs.lease_expires_at: until,
                    }
                )
                jobs.update(fields).where(jobs.id == job_id).execute()
                return str(job_id)
        return None

    def renew(self, job_id: str, owner: str, now: dt.datetime, until: dt.datetime) -> bool:
        """Renew ``owner``'s lease (its heartbeat and end); False when ``owner`` no longer holds it."""
        jobs = self._jobs
        with self._db.transaction():
            changed = (
                jobs.update({jobs.lease_heartbeat: now, jobs.lease_expires_at: until})
                .where((jobs.id == job_id) & (jobs.lease_owner == owner))
                .execute()
            )
        return bool(changed)

    def release(self, job_id: str, owner: str) -> None:
        """Give ``owner``'s lease up (the job ended or was handed back)."""
        jobs = self._jobs
        with self._db.transaction():
            jobs.update(freed_lease(jobs)).where((jobs.id == job_id) & (jobs.lease_owner == owner)).execute()

    def hand_back(self, job_id: str, owner: str) -> bool:
        """Put a queued job ``owner`` stopped (or could not finish) back to ``pending``, lease released.

        Only when nobody else took it over meanwhile; its results and
        checkpoints stay, so the next worker resumes it. Wakes the workers.
        """
        jobs = self._jobs
        fields = {**reopened(jobs, JobStatus.PENDING), **freed_lease(jobs)}
        with self._db.transaction():
            changed = (
                jobs.update(fields)
                .where(
                    (jobs.id == job_id)
                    & (jobs.queued == 1)
                    & jobs.status.in_(
                        [JobStatus.PROCESSING.value, JobStatus.CANCELLED.value, JobStatus.FAILED.value]
                    )
                    & (jobs.lease_owner.is_null() | (jobs.lease_owner == owner))
                )
                .execute()
            )
            if changed:
                self._db.notify_jobs(job_id)
        return bool(changed)

    def get(self, job_id: str) -> Lease | None:
        """The job's lease as stored, or None when nobody holds it (or there is no such job)."""
        jobs = self._jobs
        with self._db.reading():
            row = (
                jobs.select(jobs.lease_owner, jobs.lease_heartbeat, jobs.lease_expires_at)
                .where(jobs.id == job_id)
                .tuples()
                .first()
            )
        if row is None or row[0] is None:
            return None
        return Lease(str(row[0]), row[1], row[2])
