"""Campaigns across their jobs: the history list, and what earlier similar campaigns found."""

from __future__ import annotations

import json
from typing import Any

import peewee as pw

from leadgen_desktop.db.database import Database
from leadgen_desktop.db.records import CampaignSummary
from leadgen_desktop.domain import JobStatus, Metrics


class CampaignQueries:
    """Read-only queries over ``campaigns`` with their latest job and their leads."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self._tables = database.tables

    def summaries(self, limit: int | None = None) -> list[CampaignSummary]:
        """Campaigns newest first: their latest job's status, lead count and cost, who ran it, its holder."""
        campaigns, jobs, leads = self._tables.campaigns, self._tables.jobs, self._tables.leads
        with self._db.reading():
            query = campaigns.select().order_by(campaigns.created_at.desc(), campaigns.id.desc())
            if limit is not None:
                query = query.limit(limit)
            counted = leads.select(leads.campaign_id, pw.fn.COUNT(leads.id)).group_by(leads.campaign_id)
            counts = {str(campaign_id): int(count) for campaign_id, count in self._db.tuples(counted)}
            shown = list(query)
            # every campaign's latest job in one query, not one each: the window reads this when a
            # run starts, and each round trip there waits for the run's threads to hand back the GIL
            latest_first = jobs.select(
                jobs.id, jobs.campaign_id, jobs.status, jobs.metrics, jobs.lease_owner
            ).order_by(jobs.created_at.desc(), jobs.id.desc())
            if limit is not None:
                latest_first = latest_first.where(jobs.campaign_id.in_([c.id for c in shown]))
            latest: dict[str, Any] = {}  # peewee rows
            for found in latest_first:
                latest.setdefault(found.campaign_id, found)
            summaries = []
            for campaign in shown:
                job = latest.get(campaign.id)
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
                        created_by=campaign.created_by,
                        lease_owner=job.lease_owner if job else None,
                    )
                )
        return summaries

    def similar_websites(self, business_type: str, location: str) -> list[str]:
        """Lead websites of earlier campaigns with the same business type and location."""
        campaigns, leads = self._tables.campaigns, self._tables.leads
        query = (
            leads.select(leads.website)
            .join(campaigns, on=(leads.campaign_id == campaigns.id))
            .where(
                (pw.fn.lower(campaigns.business_type) == business_type.casefold())
                & (pw.fn.lower(campaigns.location) == location.casefold())
                & leads.website.is_null(False)
            )
            .distinct()
        )
        return [website for (website,) in self._db.tuples(query) if website]
