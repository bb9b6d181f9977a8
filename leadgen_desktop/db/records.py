"""Immutable read models returned by the repository (safe to hand across threads)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from leadgen_desktop.domain import CampaignConfig, JobStatus, Metrics, Stage


@dataclass(frozen=True, slots=True)
class JobRecord:
    """A discovery job as stored."""

    job_id: str
    campaign_id: str
    status: JobStatus
    progress: int
    stage: Stage | None
    config: CampaignConfig
    metrics: Metrics
    notices: tuple[str, ...]
    error: str | None
    stop_reason: str | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    completed_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class CampaignSummary:
    """One line of the campaign history (newest first)."""

    campaign_id: str
    job_id: str | None
    business_type: str
    location: str
    status: str
    created_at: dt.datetime
    leads: int
    total_cost: float
    demo: bool

    def to_json(self) -> dict[str, object]:
        """The binding ``leadgen campaigns --json`` object."""
        return {
            "campaign_id": self.campaign_id,
            "job_id": self.job_id,
            "business_type": self.business_type,
            "location": self.location,
            "status": self.status,
            "created_at": self.created_at.isoformat() + "+00:00",
            "leads": self.leads,
            "total_cost": self.total_cost,
        }


@dataclass(frozen=True, slots=True)
class LeadRecord:
    """A stored lead, flattened for tables and export."""

    lead_id: int
    job_id: str
    campaign_id: str
    rank: int
    business_name: str
    address: str | None
    phone: str | None
    website: str | None
    email: str | None
    email_status: str
    confidence_score: int
    rating: float | None
    review_count: int | None
    place_id: str
    email_reason: str | None
    email_source: str | None
    business_status: str
    maps_url: str | None
    cost: float
    error: str | None
    score_components: str  # JSON, decoded by whoever shows it
    candidates: str  # JSON
    provenance: str  # JSON
    seen_before: bool = False
    verification_flags: str = "[]"  # JSON list of the verifier's flags
