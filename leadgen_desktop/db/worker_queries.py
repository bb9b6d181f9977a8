"""The workers of a team database: who is alive, what each holds, and how many share a key.

A worker registers when it starts, renews its row with its leases and
removes it when it stops; a row past its end is a worker that died. Each row
carries, per provider, a fingerprint of the key the worker uses (a one-way
hash, never the key), so workers sharing a key can split its rate limit.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping

from leadgen_desktop.db import codec
from leadgen_desktop.db.database import Database, upsert
from leadgen_desktop.db.records import WorkerRecord
from leadgen_desktop.domain import JobStatus


class WorkerQueries:
    """Reads and writes ``workers``."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self._workers = database.tables.workers
        self._jobs = database.tables.jobs

    def register(
        self,
        owner: str,
        user: str | None,
        max_jobs: int,
        key_groups: Mapping[str, str],
        now: dt.datetime,
        until: dt.datetime,
    ) -> None:
        """Say that worker ``owner`` is alive until ``until`` (a restart with the same name replaces it)."""
        workers = self._workers
        row = {
            "owner": owner,
            "user_name": user,
            "started_at": now,
            "heartbeat": now,
            "expires_at": until,
            "max_jobs": max_jobs,
            "key_groups": codec.dumps(dict(key_groups)),
        }
        with self._db.transaction():
            upsert(workers, workers.insert(row), row).execute()
            self._db.notify_jobs("workers")  # the others re-split their keys' rates at once

    def renew(self, owner: str, now: dt.datetime, until: dt.datetime) -> None:
        """Renew worker ``owner``'s row."""
        workers = self._workers
        with self._db.transaction():
            workers.update({workers.heartbeat: now, workers.expires_at: until}).where(
                workers.owner == owner
            ).execute()

    def unregister(self, owner: str) -> None:
        """Remove worker ``owner`` (it stopped)."""
        workers = self._workers
        with self._db.transaction():
            workers.delete().where(workers.owner == owner).execute()
            self._db.notify_jobs("workers")

    def alive(self, now: dt.datetime) -> list[WorkerRecord]:
        """Workers whose row has not expired, oldest first, each with the jobs it holds."""
        workers, jobs = self._workers, self._jobs
        with self._db.reading():
            rows = list(workers.select().where(workers.expires_at > now).order_by(workers.started_at))
            held: list[tuple[str, str]] = list(
                jobs.select(jobs.lease_owner, jobs.id)  # type: ignore[arg-type]
                .where((jobs.status == JobStatus.PROCESSING.value) & jobs.lease_owner.is_null(False))
                .tuples()
            )
        by_owner: dict[str, list[str]] = {}
        for owner, job_id in held:
            by_owner.setdefault(str(owner), []).append(str(job_id))
        return [
            WorkerRecord(
                row.owner,
                row.user_name,
                row.started_at,
                row.heartbeat,
                row.expires_at,
                int(row.max_jobs),
                tuple(sorted(by_owner.get(row.owner, ()))),
                _groups(row.key_groups),
            )
            for row in rows
        ]


def _groups(text: str) -> dict[str, str]:
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
