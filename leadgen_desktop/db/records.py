"""Immutable read models returned by the store (safe to hand across threads)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from leadgen_desktop.domain import (
    Area,
    BudgetStop,
    Business,
    CampaignConfig,
    DomainSearch,
    JobStatus,
    Metrics,
    SiteResult,
    Stage,
    StopReason,
    Verification,
)


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
    stop_reason: StopReason | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    completed_at: dt.datetime | None
    budget_stop: BudgetStop | None = None
    queued: bool = False


@dataclass(frozen=True, slots=True)
class Lease:
    """Who holds a job's lease, when they last said they were alive, and until when it holds (UTC, naive).

    ``expires_at`` is None for a lease written before leases carried their end.
    """

    owner: str
    heartbeat: dt.datetime | None
    expires_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class WorkerRecord:
    """A ``leadgen worker`` registered in a team database, alive until ``expires_at``."""

    owner: str
    user: str | None
    started_at: dt.datetime
    heartbeat: dt.datetime
    expires_at: dt.datetime
    max_jobs: int
    jobs: tuple[str, ...] = ()
    key_groups: Mapping[str, str] = field(default_factory=dict)


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
    created_by: str | None = None
    lease_owner: str | None = None

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
            "created_by": self.created_by,
            "worker": self.lease_owner,
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


@dataclass(frozen=True, slots=True)
class LeadOutcome:
    """What a stored lead counts for in a run's metrics."""

    score: int
    email: str | None
    email_status: str
    email_source: str | None
    email_reason: str | None


@dataclass(frozen=True, slots=True)
class LoggedCall:
    """One row of the API-call log, as much as the run's metrics need."""

    provider: str
    cost: float
    cached: bool
    unconfirmed: float = 0.0
    """The most it may have cost when its answer was never read (0 once it was)."""


@dataclass(frozen=True, slots=True)
class ClaimKey:
    """One claim: the lookup (kind + subject) and who holds it (``host:pid`` running ``job_id``)."""

    kind: str
    subject: str
    owner: str
    job_id: str


@dataclass(frozen=True, slots=True)
class Claim:
    """Who is paying for a lookup right now, and when they last said they were alive (UTC, naive)."""

    kind: str
    subject: str
    owner: str
    job_id: str
    heartbeat: dt.datetime


@dataclass(frozen=True, slots=True)
class DiscoveryCheckpoint:
    """Where discovery of a job stands."""

    businesses: tuple[Business, ...]
    next_page_token: str | None
    pages: int
    done: bool


@dataclass(frozen=True, slots=True)
class CachedLookup:
    """A cache entry: the value, the job that paid for it and what it cost."""

    value: DomainSearch | Verification
    job_id: str | None
    cost: float


@dataclass(frozen=True, slots=True)
class CachedSite:
    """A cached website result, the job whose crawl it is, and the reader (``website`` or ``demo``)."""

    result: SiteResult
    job_id: str | None
    provider: str


@dataclass(frozen=True, slots=True)
class CacheStats:
    """Entries per cache, for the Settings dialog."""

    places: int
    domains: int
    emails: int
    websites: int = 0
    mail_servers: int = 0

    @property
    def total(self) -> int:
        """All entries together."""
        return self.places + self.domains + self.emails + self.websites + self.mail_servers


@dataclass(frozen=True, slots=True)
class StoredArea:
    """The area a campaign searches: the rectangle, where it came from, when it was looked up."""

    area: Area
    source: str  # "given", "located" or "reused"
    fetched_at: dt.datetime | None  # the lookup's time (UTC, naive) for a located or reused area


@dataclass(frozen=True, slots=True)
class TilingRows:
    """A tiling plan as rows: its header and tiles, purchase groups and place marks by key.

    Written as what changed at each step; read back as the latest row of each key.
    """

    header: Mapping[str, object] | None
    tiles: tuple[tuple[str, Mapping[str, object]], ...] = ()
    groups: tuple[tuple[str, int, Mapping[str, object]], ...] = ()
    marks: tuple[tuple[str, int], ...] = ()
    round: tuple[Mapping[str, object], ...] | None = None
    """The requests of the round in progress not answered yet (None: unchanged, when writing)."""
