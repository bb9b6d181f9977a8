"""All queries of leadgen-desktop. Nothing outside this module touches SQL.

Writes happen on one thread (the pipeline's worker); each write of results
and the job's progress is one transaction. Reads return immutable records
from :mod:`leadgen_desktop.db.records`, safe to pass to another thread.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType

import peewee as pw

from leadgen_desktop.db.all_leads_queries import AllLeadsQueries
from leadgen_desktop.db.database import StorageError, describe_sqlite_error
from leadgen_desktop.db.records import CampaignSummary, JobRecord, LeadRecord
from leadgen_desktop.db.resume_queries import ResumeQueries
from leadgen_desktop.db.tables import ApiCallRow, Campaign, DiscoveryJob, LeadRow, utcnow
from leadgen_desktop.domain import (
    PROVIDERS,
    ApiCall,
    CampaignConfig,
    JobStatus,
    Lead,
    Metrics,
    PriceTable,
    Stage,
)

EXPORT_BATCH = 500


def _new_id() -> str:
    return uuid.uuid4().hex[:12]


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class Repository(ResumeQueries):
    """Reads and writes campaigns, jobs, leads and the API-call log."""

    def __init__(self, db: pw.SqliteDatabase) -> None:
        self.db = db
        self.path = db.database
        self.all_leads = AllLeadsQueries(db)
        """Every campaign's leads: orders, search, rows by id, export batches."""

    # -- writes (worker thread) ---------------------------------------------

    def create_job(self, config: CampaignConfig) -> tuple[str, str]:
        """Create a campaign and its job in state ``processing``; return their ids."""
        campaign_id, job_id = _new_id(), _new_id()
        now = utcnow()
        with self._atomic():
            Campaign.create(
                id=campaign_id,
                business_type=config.business_type,
                location=config.location,
                keywords=config.keywords,
                demo=config.demo,
                created_at=now,
            )
            DiscoveryJob.create(
                id=job_id,
                campaign=campaign_id,
                status=JobStatus.PROCESSING.value,
                progress=0,
                current_stage=Stage.DISCOVERING.value,
                config=_dumps(config.to_dict()),
                metrics=_dumps(Metrics().to_dict()),
                created_at=now,
                started_at=now,
                updated_at=now,
            )
        return campaign_id, job_id

    def update_progress(self, job_id: str, stage: Stage, progress: int, metrics: Metrics) -> None:
        """Persist the job's stage, progress and metrics (one transaction)."""
        with self._atomic():
            self._write_progress(job_id, stage, progress, metrics)

    def record_calls(
        self,
        job_id: str,
        calls: Sequence[ApiCall],
        prices: PriceTable,
        progress: tuple[Stage, int, Metrics] | None = None,
    ) -> float:
        """Log ``calls`` (and optionally the job's progress) atomically; return their cost."""
        with self._atomic():
            cost = self._insert_calls(job_id, calls, prices)
            if progress is not None:
                self._write_progress(job_id, *progress)
        return cost

    def store_lead(
        self,
        job_id: str,
        lead: Lead,
        calls: Sequence[ApiCall] = (),
        prices: PriceTable | None = None,
        progress: tuple[Stage, int, Metrics] | None = None,
        seen_before: bool = False,
    ) -> int:
        """Store a final lead, the calls it took and the job's progress in one transaction."""
        business = lead.business
        with self._atomic():
            self._insert_calls(job_id, calls, prices or PriceTable())
            campaign_id = DiscoveryJob.select(DiscoveryJob.campaign).where(DiscoveryJob.id == job_id).scalar()
            row = LeadRow.create(
                job=job_id,
                campaign=campaign_id,
                rank=lead.rank,
                place_id=business.place_id,
                business_name=business.name,
                address=business.address,
                phone=business.phone,
                website=business.website,
                rating=business.rating,
                review_count=business.review_count,
                business_status=business.business_status.value,
                types=_dumps(list(business.types)),
                latitude=business.latitude,
                longitude=business.longitude,
                maps_url=business.maps_url,
                email=lead.email,
                email_status=lead.email_status.value,
                email_reason=lead.email_reason.value if lead.email_reason else None,
                email_source=lead.email_source,
                confidence_score=lead.score,
                score_components=_dumps(
                    [
                        {"name": c.name, "points": c.points, "max_points": c.max_points, "detail": c.detail}
                        for c in lead.components
                    ]
                ),
                candidates=_dumps([c.to_dict() for c in lead.candidates]),
                verification_flags=_dumps(list(lead.verification_flags)),
                provenance=_dumps(dict(lead.provenance)),
                cost=lead.cost,
                error=lead.error,
                seen_before=seen_before,
            )
            if progress is not None:
                self._write_progress(job_id, *progress)
        return int(row.id)

    def finish_job(
        self,
        job_id: str,
        status: JobStatus,
        metrics: Metrics,
        *,
        error: str | None = None,
        stop_reason: str | None = None,
        notices: Sequence[str] = (),
    ) -> None:
        """Mark the job final with its metrics, error and notices."""
        now = utcnow()
        progress = 100 if status is JobStatus.COMPLETED else None
        fields: dict[pw.Field, object] = {
            DiscoveryJob.status: status.value,
            DiscoveryJob.metrics: _dumps(metrics.to_dict()),
            DiscoveryJob.error: error,
            DiscoveryJob.stop_reason: stop_reason,
            DiscoveryJob.notices: _dumps(list(notices)),
            DiscoveryJob.completed_at: now,
            DiscoveryJob.updated_at: now,
        }
        if progress is not None:
            fields[DiscoveryJob.progress] = progress
        with self._atomic():
            DiscoveryJob.update(fields).where(DiscoveryJob.id == job_id).execute()

    def _write_progress(self, job_id: str, stage: Stage, progress: int, metrics: Metrics) -> None:
        DiscoveryJob.update(
            {
                DiscoveryJob.current_stage: stage.value,
                DiscoveryJob.progress: max(0, min(100, progress)),
                DiscoveryJob.metrics: _dumps(metrics.to_dict()),
                DiscoveryJob.updated_at: utcnow(),
            }
        ).where(DiscoveryJob.id == job_id).execute()

    def _insert_calls(self, job_id: str, calls: Sequence[ApiCall], prices: PriceTable) -> float:
        costs = [prices.cost_of(call) for call in calls]
        if calls:
            ApiCallRow.insert_many(
                [
                    {
                        "job": job_id,
                        "provider": call.provider,
                        "endpoint": call.endpoint,
                        "http_status": call.http_status,
                        "outcome": call.outcome,
                        "sku": call.sku,
                        "units": call.units,
                        "cost": cost,
                        "duration_ms": call.duration_ms,
                        "cached": call.cached,
                    }
                    for call, cost in zip(calls, costs, strict=True)
                ]
            ).execute()
        return math.fsum(costs)

    def _atomic(self) -> GuardedAtomic:
        return GuardedAtomic(self.db)

    # -- reads (any thread) -------------------------------------------------

    def get_job(self, job_id: str) -> JobRecord | None:
        """The job with this id, or None."""
        row = DiscoveryJob.get_or_none(DiscoveryJob.id == job_id)
        return None if row is None else _job_record(row)

    def latest_job_for_campaign(self, campaign_id: str) -> JobRecord | None:
        """The newest job of a campaign, or None."""
        row = (
            DiscoveryJob.select()
            .where(DiscoveryJob.campaign == campaign_id)
            .order_by(DiscoveryJob.created_at.desc())
            .first()
        )
        return None if row is None else _job_record(row)

    def list_campaigns(self, limit: int | None = None) -> list[CampaignSummary]:
        """Campaigns newest first with their latest job's status, lead count and cost."""
        query = Campaign.select().order_by(Campaign.created_at.desc(), Campaign.id.desc())
        if limit is not None:
            query = query.limit(limit)
        count_rows: Iterable[tuple[str, int]] = (
            LeadRow.select(LeadRow.campaign, pw.fn.COUNT(LeadRow.id)).group_by(LeadRow.campaign).tuples()  # type: ignore[assignment]
        )
        counts = {campaign_id: int(count) for campaign_id, count in count_rows}
        summaries = []
        for campaign in query:
            job = (
                DiscoveryJob.select()
                .where(DiscoveryJob.campaign == campaign.id)
                .order_by(DiscoveryJob.created_at.desc())
                .first()
            )
            metrics = Metrics.from_dict(json.loads(job.metrics)) if job else Metrics()
            summaries.append(
                CampaignSummary(
                    campaign_id=campaign.id,
                    job_id=job.id if job else None,
                    business_type=campaign.business_type,
                    location=campaign.location,
                    status=job.status if job else JobStatus.PENDING.value,
                    created_at=campaign.created_at,
                    leads=counts.get(campaign.id, 0),
                    total_cost=metrics.total_cost,
                    demo=bool(campaign.demo),
                )
            )
        return summaries

    def leads_for_job(self, job_id: str) -> list[LeadRecord]:
        """All leads of a job in rank order (for tables of modest size)."""
        return list(self.iter_leads(job_id))

    def iter_leads(self, job_id: str, batch: int = EXPORT_BATCH) -> Iterator[LeadRecord]:
        """Stream a job's leads, best first (score, then discovery rank), ``batch`` rows per query."""
        last: tuple[int, int] | None = None
        while True:
            condition = LeadRow.job == job_id
            if last is not None:
                score, rank = last
                condition &= (LeadRow.confidence_score < score) | (
                    (LeadRow.confidence_score == score) & (LeadRow.rank > rank)
                )
            rows = list(
                LeadRow.select()
                .where(condition)
                .order_by(LeadRow.confidence_score.desc(), LeadRow.rank, LeadRow.id)
                .limit(batch)
            )
            if not rows:
                return
            for row in rows:
                yield _lead_record(row)
            last = (rows[-1].confidence_score, rows[-1].rank)

    def leads_since(self, job_id: str, after_lead_id: int) -> list[LeadRecord]:
        """Leads of a job stored after ``after_lead_id`` (in storage order)."""
        query = (
            LeadRow.select()
            .where((LeadRow.job == job_id) & (LeadRow.id > after_lead_id))
            .order_by(LeadRow.id)
        )
        return [_lead_record(row) for row in query]

    def lead_outcomes(self, job_id: str) -> list[tuple[int, str | None, str]]:
        """(score, email, email_status) of each stored lead: rebuilds metrics on resume."""
        query = LeadRow.select(LeadRow.confidence_score, LeadRow.email, LeadRow.email_status).where(
            LeadRow.job == job_id
        )
        return [(r.confidence_score, r.email, r.email_status) for r in query.order_by(LeadRow.id)]

    def count_leads(self, job_id: str) -> int:
        """How many leads a job has stored."""
        return int(LeadRow.select().where(LeadRow.job == job_id).count())

    def call_totals(self, job_id: str) -> tuple[dict[str, int], dict[str, float]]:
        """Request counts and cost per provider, straight from the API-call log."""
        calls = dict.fromkeys(PROVIDERS, 0)
        costs = dict.fromkeys(PROVIDERS, 0.0)
        per_provider: dict[str, list[float]] = {p: [] for p in PROVIDERS}
        for row in (
            ApiCallRow.select(ApiCallRow.provider, ApiCallRow.cost, ApiCallRow.cached)
            .where(ApiCallRow.job == job_id)
            .order_by(ApiCallRow.id)
        ):
            if row.provider in calls and not row.cached:
                calls[row.provider] += 1
            per_provider.setdefault(row.provider, []).append(row.cost)
        for provider, values in per_provider.items():
            if provider in costs:
                costs[provider] = math.fsum(values)
        return calls, costs

    def api_calls_for_job(self, job_id: str) -> list[Mapping[str, object]]:
        """The raw API-call log of a job (for audits and tests)."""
        query = ApiCallRow.select().where(ApiCallRow.job == job_id).order_by(ApiCallRow.id)
        return [dict(row.__data__) for row in query]


class GuardedAtomic:
    """An IMMEDIATE transaction that turns SQLite failures into StorageError."""

    def __init__(self, db: pw.SqliteDatabase) -> None:
        self._db = db
        self._txn = db.atomic("IMMEDIATE")

    def __enter__(self) -> None:
        try:
            self._txn.__enter__()
        except pw.DatabaseError as exc:
            raise StorageError(describe_sqlite_error_for(self._db, exc)) from None

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            self._txn.__exit__(exc_type, exc, tb)
        except pw.DatabaseError as error:
            raise StorageError(describe_sqlite_error_for(self._db, error)) from None
        if isinstance(exc, pw.DatabaseError):
            raise StorageError(describe_sqlite_error_for(self._db, exc)) from None


def describe_sqlite_error_for(db: pw.SqliteDatabase, exc: BaseException) -> str:
    """:func:`describe_sqlite_error` for an open database."""
    return describe_sqlite_error(Path(str(db.database)), exc)


def _job_record(row: DiscoveryJob) -> JobRecord:
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
        stop_reason=row.stop_reason,
        created_at=row.created_at,
        started_at=row.started_at,
        completed_at=row.completed_at,
    )


def _lead_record(row: LeadRow) -> LeadRecord:
    return LeadRecord(
        lead_id=row.id,
        job_id=row.job_id,
        campaign_id=row.campaign_id,
        rank=row.rank,
        business_name=row.business_name,
        address=row.address,
        phone=row.phone,
        website=row.website,
        email=row.email,
        email_status=row.email_status,
        confidence_score=row.confidence_score,
        rating=row.rating,
        review_count=row.review_count,
        place_id=row.place_id,
        email_reason=row.email_reason,
        email_source=row.email_source,
        business_status=row.business_status,
        maps_url=row.maps_url,
        cost=row.cost,
        error=row.error,
        score_components=row.score_components,
        candidates=row.candidates,
        provenance=row.provenance,
        seen_before=bool(row.seen_before),
        verification_flags=row.verification_flags,
    )
