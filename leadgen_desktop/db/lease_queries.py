"""Job leases: who runs a job right now (owner + heartbeat), taken and given back atomically.

Whether a lease may be taken over (its owner died, its heartbeat is stale) is
a rule of :mod:`leadgen_desktop.core.jobs`, passed in as ``can_take``.
"""

from __future__ import annotations

from collections.abc import Callable

from leadgen_desktop.db.database import Database
from leadgen_desktop.db.records import Lease
from leadgen_desktop.db.tables import utcnow


class LeaseQueries:
    """Take, renew, release and read the lease columns of ``discovery_jobs``."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self._jobs = database.tables.jobs

    def take(self, job_id: str, owner: str, can_take: Callable[[Lease], bool]) -> bool:
        """Take the job's lease when it is free, already ``owner``'s, or ``can_take`` says so.

        The check and the write are one transaction, so two processes never
        both win. False when the job does not exist or the lease is held.
        """
        jobs = self._jobs
        with self._db.transaction():
            row = (
                jobs.select(jobs.lease_owner, jobs.lease_heartbeat).where(jobs.id == job_id).tuples().first()
            )
            if row is None:
                return False
            holder, heartbeat = row
            if holder is not None and holder != owner and not can_take(Lease(holder, heartbeat)):
                return False
            jobs.update({jobs.lease_owner: owner, jobs.lease_heartbeat: utcnow()}).where(
                jobs.id == job_id
            ).execute()
        return True

    def renew(self, job_id: str, owner: str) -> None:
        """Renew ``owner``'s lease (its heartbeat)."""
        jobs = self._jobs
        with self._db.transaction():
            jobs.update({jobs.lease_heartbeat: utcnow()}).where(
                (jobs.id == job_id) & (jobs.lease_owner == owner)
            ).execute()

    def release(self, job_id: str, owner: str) -> None:
        """Give ``owner``'s lease up (the job ended or was handed back)."""
        jobs = self._jobs
        with self._db.transaction():
            jobs.update({jobs.lease_owner: None, jobs.lease_heartbeat: None}).where(
                (jobs.id == job_id) & (jobs.lease_owner == owner)
            ).execute()

    def get(self, job_id: str) -> Lease | None:
        """The job's lease as stored, or None when nobody holds it (or there is no such job)."""
        jobs = self._jobs
        with self._db.reading():
            row = (
                jobs.select(jobs.lease_owner, jobs.lease_heartbeat).where(jobs.id == job_id).tuples().first()
            )
        if row is None or row[0] is None:
            return None
        return Lease(str(row[0]), row[1])
