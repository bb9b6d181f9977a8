"""Jobs as stored: created with their campaign, their progress, their final state, reopened, discarded.

The rules of a job's life (what is resumable, when a lease is live) are not
here: they belong to :mod:`leadgen_desktop.core.jobs`; these are its queries.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection

import peewee as pw

from leadgen_desktop.db import codec
from leadgen_desktop.db.database import Database
from leadgen_desktop.db.records import JobRecord
from leadgen_desktop.db.tables import DiscoveryJob, utcnow
from leadgen_desktop.domain import CampaignConfig, JobFinished, JobStatus, Metrics, Stage, StopReason

Progress = tuple[Stage, int, Metrics]
"""A job's stage, progress (0-100) and metrics, written with the results that moved them."""


def new_id() -> str:
    """A fresh campaign or job id."""
    return uuid.uuid4().hex[:12]


def reopened(jobs: type[DiscoveryJob], status: JobStatus) -> dict[pw.Field, object]:
    """The columns of a job put back to ``status``, forgetting how it ended (every reopen uses it)."""
    return {
        jobs.status: status.value,
        jobs.error: None,
        jobs.stop_reason: None,
        jobs.budget_stop: None,
        jobs.completed_at: None,
    }


def freed_lease(jobs: type[DiscoveryJob]) -> dict[pw.Field, object]:
    """The lease columns of a job nobody holds."""
    return {jobs.lease_owner: None, jobs.lease_heartbeat: None, jobs.lease_expires_at: None}


class JobQueries:
    """Reads and writes ``discovery_jobs`` rows (and the campaign a new job belongs to)."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self._jobs = database.tables.jobs
        self._campaigns = database.tables.campaigns

    # -- writes ------------------------------------------------------------------------

    def create(
        self, config: CampaignConfig, *, created_by: str | None = None, queued: bool = False
    ) -> tuple[str, str]:
        """Create a campaign and its job; return (campaign_id, job_id).

        The job is ``processing``, or ``pending`` when ``queued`` for the
        workers (who are woken when the transaction commits).
        """
        campaign_id, job_id = new_id(), new_id()
        now = utcnow()
        with self._db.transaction():
            self._campaigns.insert(
                id=campaign_id,
                business_type=config.business_type,
                location=config.location,
                keywords=config.keywords,
                demo=config.demo,
                created_at=now,
                created_by=created_by,
            ).execute()
            self._jobs.insert(
                id=job_id,
                campaign_id=campaign_id,
                status=(JobStatus.PENDING if queued else JobStatus.PROCESSING).value,
                queued=queued,
                progress=0,
                current_stage=Stage.DISCOVERING.value,
                config=codec.dumps(config.to_dict()),
                metrics=codec.dumps(Metrics().to_dict()),
                notices="[]",
                created_at=now,
                started_at=None if queued else now,
                updated_at=now,
            ).execute()
            if queued:
                self._db.notify_jobs(job_id)
        return campaign_id, job_id

    def update_progress(self, job_id: str, stage: Stage, progress: int, metrics: Metrics) -> None:
        """Persist the job's stage, progress and metrics (joins the caller's transaction)."""
        jobs = self._jobs
        with self._db.transaction():
            jobs.update(
                {
                    jobs.current_stage: stage.value,
                    jobs.progress: max(0, min(100, progress)),
                    jobs.metrics: codec.dumps(metrics.to_dict()),
                    jobs.updated_at: utcnow(),
                }
            ).where(jobs.id == job_id).execute()

    def finish(self, ending: JobFinished) -> None:
        """Store how the job ended: status, metrics, error, stop reason (and budget stop), notices."""
        jobs = self._jobs
        now = utcnow()
        fields: dict[pw.Field, object] = {
            jobs.status: ending.status.value,
            jobs.metrics: codec.dumps(ending.metrics.to_dict()),
            jobs.error: ending.error,
            jobs.stop_reason: None if ending.stop_reason is None else ending.stop_reason.value,
            jobs.budget_stop: codec.budget_stop_to_json(ending.budget_stop),
            jobs.notices: codec.dumps(list(ending.notices)),
            jobs.completed_at: now,
            jobs.updated_at: now,
        }
        if ending.status is JobStatus.COMPLETED:
            fields[jobs.progress] = 100
        with self._db.transaction():
            jobs.update(fields).where(jobs.id == ending.job_id).execute()

    def reopen(self, job_id: str, budget: float | None = None) -> None:
        """Put a job back to ``processing``, forgetting how it ended; ``budget`` replaces its budget."""
        jobs = self._jobs
        with self._db.transaction():
            config = json.loads(
                self._db.locked(jobs.select(jobs.config).where(jobs.id == job_id)).get().config
            )
            if budget is not None:
                config["budget"] = budget
            fields = reopened(jobs, JobStatus.PROCESSING)
            fields.update({jobs.config: codec.dumps(config), jobs.updated_at: utcnow()})
            jobs.update(fields).where(jobs.id == job_id).execute()

    def discard(self, job_id: str) -> None:
        """Mark a job as cancelled for good (its results stay) and free its lease."""
        jobs = self._jobs
        with self._db.transaction():
            fields: dict[pw.Field, object] = {
                jobs.status: JobStatus.CANCELLED.value,
                jobs.stop_reason: StopReason.DISCARDED.value,
                jobs.budget_stop: None,
                jobs.completed_at: utcnow(),
                **freed_lease(jobs),
            }
            jobs.update(fields).where(jobs.id == job_id).execute()

    # -- reads -------------------------------------------------------------------------

    def get(self, job_id: str) -> JobRecord | None:
        """The job with this id, or None."""
        jobs = self._jobs
        with self._db.reading():
            row = jobs.get_or_none(jobs.id == job_id)
        return None if row is None else job_record(row)

    def latest_for_campaign(self, campaign_id: str) -> JobRecord | None:
        """The newest job of a campaign, or None."""
        jobs = self._jobs
        with self._db.reading():
            row = (
                jobs.select().where(jobs.campaign_id == campaign_id).order_by(jobs.created_at.desc()).first()
            )
        return None if row is None else job_record(row)

    def find(self, statuses: Collection[JobStatus], stop_reasons: Collection[StopReason]) -> list[JobRecord]:
        """Jobs in one of ``statuses`` or stopped for one of ``stop_reasons``, newest first."""
        jobs = self._jobs
        condition = jobs.status.in_([s.value for s in statuses])
        if stop_reasons:
            condition |= jobs.stop_reason.in_([r.value for r in stop_reasons])
        with self._db.reading():
            rows = list(jobs.select().where(condition).order_by(jobs.created_at.desc(), jobs.id.desc()))
        return [job_record(row) for row in rows]


def job_record(row: DiscoveryJob) -> JobRecord:
    """The immutable record of a ``discovery_jobs`` row."""
    stage = Stage(row.current_stage) if row.current_stage in set(Stage) else None
    return JobRecord(
        job_id=row.id,
        campaign_id=row.campaign_id,
        status=JobStatus(row.status),
        progress=row.progress,
        stage=stage,
        config=CampaignConfig.from_dict(json.loads(row.config)),
        metrics=Metrics.from_dict(json.loads(row.metrics or "{}")),
        notices=tuple(json.loads(row.notices or "[]")),
        error=row.error,
        stop_reason=codec.stop_reason(row.stop_reason),
        created_at=row.created_at,
        started_at=row.started_at,
        completed_at=row.completed_at,
        budget_stop=codec.budget_stop_from_json(row.budget_stop),
        queued=bool(row.queued),
    )
