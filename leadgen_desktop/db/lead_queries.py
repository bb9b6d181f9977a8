"""A job's final leads: stored one by one with the calls they took, read back for tables and export."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence

from leadgen_desktop.db import codec
from leadgen_desktop.db.call_log import CallLog
from leadgen_desktop.db.database import Database
from leadgen_desktop.db.job_queries import JobQueries, Progress
from leadgen_desktop.db.records import LeadOutcome, LeadRecord
from leadgen_desktop.db.tables import LeadRow
from leadgen_desktop.domain import ApiCall, Lead, PriceTable

EXPORT_BATCH = 500
"""Leads per query when streaming a job's leads."""
IN_LIST_CHUNK = 500
"""Values per ``IN (...)`` list."""


class LeadQueries:
    """Reads and writes ``leads`` rows."""

    def __init__(self, database: Database, calls: CallLog, jobs: JobQueries) -> None:
        self._db = database
        self._leads = database.tables.leads
        self._job_rows = database.tables.jobs
        self._calls = calls
        self._jobs = jobs

    # -- writes ------------------------------------------------------------------------

    def add(
        self,
        job_id: str,
        lead: Lead,
        calls: Sequence[ApiCall] = (),
        prices: PriceTable | None = None,
        progress: Progress | None = None,
        seen_before: bool = False,
    ) -> int:
        """Store a final lead, the calls it took and the job's progress in one transaction; return its id."""
        business = lead.business
        jobs = self._job_rows
        with self._db.transaction():
            self._calls.add(job_id, calls, prices or PriceTable())
            campaign_id = jobs.select(jobs.campaign_id).where(jobs.id == job_id).scalar()
            lead_id = self._leads.insert(
                job_id=job_id,
                campaign_id=campaign_id,
                rank=lead.rank,
                place_id=business.place_id,
                business_name=business.name,
                address=business.address,
                phone=business.phone,
                website=business.website,
                rating=business.rating,
                review_count=business.review_count,
                business_status=business.business_status.value,
                types=codec.dumps(list(business.types)),
                latitude=business.latitude,
                longitude=business.longitude,
                maps_url=business.maps_url,
                email=lead.email,
                email_status=lead.email_status.value,
                email_reason=lead.email_reason.value if lead.email_reason else None,
                email_source=lead.email_source,
                confidence_score=lead.score,
                score_components=codec.dumps(
                    [
                        {"name": c.name, "points": c.points, "max_points": c.max_points, "detail": c.detail}
                        for c in lead.components
                    ]
                ),
                candidates=codec.dumps([c.to_dict() for c in lead.candidates]),
                verification_flags=codec.dumps(list(lead.verification_flags)),
                provenance=codec.dumps(dict(lead.provenance)),
                cost=lead.cost,
                error=lead.error,
                seen_before=seen_before,
            ).execute()
            if progress is not None:
                self._jobs.update_progress(job_id, *progress)
        return int(lead_id)

    # -- reads -------------------------------------------------------------------------

    def for_job(self, job_id: str) -> list[LeadRecord]:
        """All leads of a job, best first (for tables of modest size)."""
        return list(self.stream(job_id))

    def stream(self, job_id: str, batch: int = EXPORT_BATCH) -> Iterator[LeadRecord]:
        """A job's leads, best first (score, then discovery rank), ``batch`` rows per query."""
        leads = self._leads
        last: tuple[int, int] | None = None
        while True:
            condition = leads.job_id == job_id
            if last is not None:
                score, rank = last
                condition &= (leads.confidence_score < score) | (
                    (leads.confidence_score == score) & (leads.rank > rank)
                )
            with self._db.reading():
                rows = list(
                    leads.select()
                    .where(condition)
                    .order_by(leads.confidence_score.desc(), leads.rank, leads.id)
                    .limit(batch)
                )
            if not rows:
                return
            for row in rows:
                yield lead_record(row)
            last = (rows[-1].confidence_score, rows[-1].rank)

    def since(self, job_id: str, after_lead_id: int) -> list[LeadRecord]:
        """Leads of a job stored after ``after_lead_id`` (in storage order)."""
        leads = self._leads
        with self._db.reading():
            rows = list(
                leads.select().where((leads.job_id == job_id) & (leads.id > after_lead_id)).order_by(leads.id)
            )
        return [lead_record(row) for row in rows]

    def outcomes(self, job_id: str) -> list[LeadOutcome]:
        """The email outcome and score of each stored lead: rebuilds metrics on resume."""
        leads = self._leads
        query = (
            leads.select(
                leads.confidence_score,
                leads.email,
                leads.email_status,
                leads.email_source,
                leads.email_reason,
            )
            .where(leads.job_id == job_id)
            .order_by(leads.id)
        )
        return [
            LeadOutcome(int(score), email, str(status), source, reason)
            for score, email, status, source, reason in self._db.tuples(query)
        ]

    def count(self, job_id: str) -> int:
        """How many leads a job has stored."""
        leads = self._leads
        with self._db.reading():
            return int(leads.select().where(leads.job_id == job_id).count())

    def place_ids(self, job_id: str) -> set[str]:
        """Place ids of the leads a job has already stored."""
        leads = self._leads
        query = leads.select(leads.place_id).where(leads.job_id == job_id)
        return {place_id for (place_id,) in self._db.tuples(query)}

    def seen_elsewhere(self, job_id: str, place_ids: Iterable[str]) -> set[str]:
        """Which of ``place_ids`` are leads of other campaigns' jobs."""
        leads, jobs = self._leads, self._job_rows
        ids = list(place_ids)
        campaign = jobs.select(jobs.campaign_id).where(jobs.id == job_id)
        seen: set[str] = set()
        for start in range(0, len(ids), IN_LIST_CHUNK):
            query = leads.select(leads.place_id).where(
                leads.place_id.in_(ids[start : start + IN_LIST_CHUNK]) & leads.campaign_id.not_in(campaign)
            )
            seen.update(place_id for (place_id,) in self._db.tuples(query))
        return seen

    def charged_lookups(self, job_id: str) -> tuple[set[str], set[str]]:
        """Domains and emails whose paid lookup a stored lead of this job already carries in its cost."""
        leads = self._leads
        domains: set[str] = set()
        emails: set[str] = set()
        for (text,) in self._db.tuples(leads.select(leads.provenance).where(leads.job_id == job_id)):
            try:
                provenance = json.loads(text)
            except ValueError:
                continue
            charged = provenance.get("charged") if isinstance(provenance, dict) else None
            if isinstance(charged, dict):
                if isinstance(charged.get("search"), str):
                    domains.add(charged["search"])
                if isinstance(charged.get("verify"), str):
                    emails.add(charged["verify"])
        return domains, emails


def lead_record(row: LeadRow) -> LeadRecord:
    """The immutable record of a ``leads`` row."""
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
