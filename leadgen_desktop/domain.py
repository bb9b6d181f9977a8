"""Plain, immutable vocabulary of leadgen-desktop and the provider protocols.

Everything here is pure data: no I/O, no Qt, no database. Every other layer
(db, net, core, gui, cli) speaks in these types, so they are the project's
shared contract.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Protocol

# ---------------------------------------------------------------------------
# Enumerations
# ---------------------------------------------------------------------------


class JobStatus(enum.StrEnum):
    """Lifecycle of a discovery job (binding values)."""

    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        """True when the job will not change any more on its own."""
        return self in (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED)


class Stage(enum.StrEnum):
    """Pipeline stages, in order, each owning a band of the 0-100 progress."""

    DISCOVERING = "discovering"
    SCORING = "scoring"
    ENRICHING = "enriching"
    STORING = "storing"

    @property
    def band(self) -> tuple[int, int]:
        """The (start, end) progress percentages this stage covers."""
        return _STAGE_BANDS[self]

    def progress_at(self, fraction: float) -> int:
        """Map a 0..1 fraction of this stage to the overall 0-100 progress."""
        start, end = self.band
        clamped = min(max(fraction, 0.0), 1.0)
        return start + round((end - start) * clamped)

    @property
    def label(self) -> str:
        """Human label used by the window and the command line."""
        return _STAGE_LABELS[self]


_STAGE_BANDS: dict[Stage, tuple[int, int]] = {
    Stage.DISCOVERING: (0, 30),
    Stage.SCORING: (30, 50),
    Stage.ENRICHING: (50, 90),
    Stage.STORING: (90, 100),
}

_STAGE_LABELS: dict[Stage, str] = {
    Stage.DISCOVERING: "Discovering businesses",
    Stage.SCORING: "Scoring",
    Stage.ENRICHING: "Finding and verifying emails",
    Stage.STORING: "Storing results",
}


class EmailStatus(enum.StrEnum):
    """The ``email_status`` column of a lead (binding values)."""

    VALID = "valid"
    INVALID = "invalid"
    CATCHALL = "catchall"
    UNKNOWN = "unknown"
    DISPOSABLE = "disposable"
    UNVERIFIED = "unverified"
    NOT_FOUND = "not_found"


class EmailReason(enum.StrEnum):
    """Why a lead has no email (the ``email_reason`` CSV column)."""

    NO_WEBSITE = "no_website"
    SHARED_PLATFORM = "shared_platform"
    PROVIDER_FOUND_NONE = "provider_found_none"
    QUOTA_EXHAUSTED = "quota_exhausted"
    BUDGET = "budget"
    NO_KEY = "no_key"
    PROVIDER_ERROR = "provider_error"

    @property
    def description(self) -> str:
        """A sentence a user can read in the window."""
        return _REASON_TEXT[self]


_REASON_TEXT: dict[EmailReason, str] = {
    EmailReason.NO_WEBSITE: "The business lists no website.",
    EmailReason.SHARED_PLATFORM: "The website is on a shared platform (social network, "
    "site builder, directory), which has no company email domain.",
    EmailReason.PROVIDER_FOUND_NONE: "The email provider found no address for this domain.",
    EmailReason.QUOTA_EXHAUSTED: "The email provider's plan quota was exhausted during the run.",
    EmailReason.BUDGET: "Skipped: the run's budget would have been exceeded.",
    EmailReason.NO_KEY: "Skipped: no API key for the email provider.",
    EmailReason.PROVIDER_ERROR: "The email provider returned an error for this domain.",
}


class BusinessStatus(enum.StrEnum):
    """Operational status of a business as reported by discovery."""

    OPERATIONAL = "OPERATIONAL"
    CLOSED_TEMPORARILY = "CLOSED_TEMPORARILY"
    CLOSED_PERMANENTLY = "CLOSED_PERMANENTLY"
    UNKNOWN = "UNKNOWN"


PROVIDERS: tuple[str, ...] = ("google_places", "hunter", "neverbounce")
"""Provider identifiers used in metrics, the API-call log and the keychain."""

DEMO_PROVIDER_PREFIX = "demo"


# ---------------------------------------------------------------------------
# Campaign configuration
# ---------------------------------------------------------------------------

MAX_RESULTS_RANGE = (1, 1000)
MIN_SCORE_RANGE = (0, 100)
TEXT_FIELD_MAX = 200


@dataclass(frozen=True, slots=True)
class FieldError:
    """A validation error tied to one field of the campaign form or flag set."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


@dataclass(frozen=True, slots=True)
class CampaignConfig:
    """Everything a user chooses for one campaign run."""

    business_type: str
    location: str
    keywords: str = ""
    max_results: int = 20
    min_score: int = 50
    budget: float | None = None
    verify: bool = True
    demo: bool = False
    output: str | None = None

    def normalized(self) -> CampaignConfig:
        """Return a copy with surrounding whitespace removed from text fields."""
        return replace(
            self,
            business_type=" ".join(self.business_type.split()),
            location=" ".join(self.location.split()),
            keywords=" ".join(self.keywords.split()),
        )

    def validate(self) -> list[FieldError]:
        """Check every field; an empty list means the config can run."""
        errors: list[FieldError] = []
        for name, value, required in (
            ("business_type", self.business_type, True),
            ("location", self.location, True),
            ("keywords", self.keywords, False),
        ):
            text = value.strip()
            label = name.replace("_", " ")
            if required and not text:
                errors.append(FieldError(name, f"Enter a {label}, e.g. {_EXAMPLES[name]}."))
            elif len(text) > TEXT_FIELD_MAX:
                errors.append(
                    FieldError(name, f"The {label} is too long (at most {TEXT_FIELD_MAX} characters).")
                )
            elif any(ord(ch) < 32 for ch in text):
                errors.append(FieldError(name, f"The {label} contains control characters."))
        low, high = MAX_RESULTS_RANGE
        if isinstance(self.max_results, bool) or not low <= self.max_results <= high:
            errors.append(FieldError("max_results", f"Max results must be between {low} and {high}."))
        low, high = MIN_SCORE_RANGE
        if isinstance(self.min_score, bool) or not low <= self.min_score <= high:
            errors.append(FieldError("min_score", f"Minimum score must be between {low} and {high}."))
        if self.budget is not None and not (self.budget >= 0 and self.budget < float("inf")):
            errors.append(FieldError("budget", "Budget must be a positive amount in USD, or empty for none."))
        return errors

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready mapping (stored with the job)."""
        return {
            "business_type": self.business_type,
            "location": self.location,
            "keywords": self.keywords,
            "max_results": self.max_results,
            "min_score": self.min_score,
            "budget": self.budget,
            "verify": self.verify,
            "demo": self.demo,
            "output": self.output,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> CampaignConfig:
        """Inverse of :meth:`to_dict`; unknown keys are ignored."""
        budget = data.get("budget")
        output = data.get("output")
        return cls(
            business_type=str(data.get("business_type", "")),
            location=str(data.get("location", "")),
            keywords=str(data.get("keywords", "") or ""),
            max_results=int(str(data.get("max_results", 20))),
            min_score=int(str(data.get("min_score", 50))),
            budget=None if budget is None else float(str(budget)),
            verify=bool(data.get("verify", True)),
            demo=bool(data.get("demo", False)),
            output=None if output is None else str(output),
        )

    @property
    def text_query(self) -> str:
        """The discovery query: business type, keywords and location."""
        what = " ".join(part for part in (self.keywords, self.business_type) if part)
        return f"{what} in {self.location}"


_EXAMPLES = {
    "business_type": "dentist",
    "location": "Austin, TX",
    "keywords": "emergency",
}


# ---------------------------------------------------------------------------
# Businesses, emails, leads
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Business:
    """A business as discovered. Absent fields are ``None``, never errors."""

    place_id: str
    name: str
    address: str | None = None
    phone: str | None = None
    website: str | None = None
    rating: float | None = None
    review_count: int | None = None
    business_status: BusinessStatus = BusinessStatus.OPERATIONAL
    types: tuple[str, ...] = ()
    latitude: float | None = None
    longitude: float | None = None
    maps_url: str | None = None
    source: str = ""


@dataclass(frozen=True, slots=True)
class EmailCandidate:
    """One address returned by an email finder for a domain."""

    email: str
    confidence: int = 0
    kind: str = "generic"  # "personal" or "generic"
    first_name: str | None = None
    last_name: str | None = None
    position: str | None = None
    seniority: str | None = None
    department: str | None = None

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready mapping."""
        return {
            "email": self.email,
            "confidence": self.confidence,
            "kind": self.kind,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "position": self.position,
            "seniority": self.seniority,
            "department": self.department,
        }


@dataclass(frozen=True, slots=True)
class ScoreComponent:
    """One explainable part of a confidence score."""

    name: str
    points: float
    max_points: float
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Lead:
    """A scored business with its email outcome, ready to be stored."""

    business: Business
    score: int
    components: tuple[ScoreComponent, ...] = ()
    email: str | None = None
    email_status: EmailStatus = EmailStatus.NOT_FOUND
    email_reason: EmailReason | None = None
    email_source: str | None = None
    candidates: tuple[EmailCandidate, ...] = ()
    verification_flags: tuple[str, ...] = ()
    provenance: Mapping[str, object] = field(default_factory=dict)
    cost: float = 0.0
    error: str | None = None
    rank: int = 0


# ---------------------------------------------------------------------------
# Calls, costs, metrics
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One HTTP request attempt that reached (or tried to reach) a provider.

    ``units`` is what the provider bills for it (requests or credits) under
    ``sku``; the price table turns that into dollars.
    """

    provider: str
    endpoint: str
    http_status: int | None
    outcome: str
    sku: str
    units: float
    duration_ms: float
    cached: bool = False


@dataclass(frozen=True, slots=True)
class PriceTable:
    """USD per billed unit, keyed by SKU. Editable in Settings."""

    prices: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_PRICES),
    )

    def cost_of(self, call: ApiCall) -> float:
        """What ``call`` costs in USD (cache hits and free SKUs cost 0)."""
        if call.cached:
            return 0.0
        return self.prices.get(call.sku, 0.0) * call.units


DEFAULT_PRICES: Mapping[str, float] = {
    "places_text_search_essentials": 0.0,
    "places_text_search_pro": 0.032,
    "places_text_search_enterprise": 0.035,
    "places_details_essentials": 0.005,
    "places_details_pro": 0.017,
    "places_details_enterprise": 0.020,
    "hunter_credit": 0.0245,
    "neverbounce_credit": 0.008,
    "free": 0.0,
}


def _zero_by_provider() -> dict[str, float]:
    return dict.fromkeys(PROVIDERS, 0.0)


def _zero_calls() -> dict[str, int]:
    return dict.fromkeys(PROVIDERS, 0)


@dataclass(frozen=True, slots=True)
class Metrics:
    """Run counters (keys of the JSON summary's ``metrics`` object)."""

    businesses_found: int = 0
    qualified_leads: int = 0
    leads_enriched: int = 0
    emails_found: int = 0
    emails_verified: int = 0
    avg_confidence: float = 0.0
    total_cost: float = 0.0
    api_calls: Mapping[str, int] = field(default_factory=_zero_calls)
    cost_by_provider: Mapping[str, float] = field(default_factory=_zero_by_provider)

    def to_dict(self) -> dict[str, object]:
        """The binding JSON shape."""
        return {
            "businesses_found": self.businesses_found,
            "qualified_leads": self.qualified_leads,
            "leads_enriched": self.leads_enriched,
            "emails_found": self.emails_found,
            "emails_verified": self.emails_verified,
            "avg_confidence": self.avg_confidence,
            "total_cost": self.total_cost,
            "api_calls": {p: int(self.api_calls.get(p, 0)) for p in PROVIDERS},
            "cost_by_provider": {p: float(self.cost_by_provider.get(p, 0.0)) for p in PROVIDERS},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Metrics:
        """Inverse of :meth:`to_dict`, tolerant of missing keys."""

        def num(key: str) -> float:
            value = data.get(key, 0)
            return float(value) if isinstance(value, int | float) else 0.0

        calls = data.get("api_calls")
        costs = data.get("cost_by_provider")
        return cls(
            businesses_found=int(num("businesses_found")),
            qualified_leads=int(num("qualified_leads")),
            leads_enriched=int(num("leads_enriched")),
            emails_found=int(num("emails_found")),
            emails_verified=int(num("emails_verified")),
            avg_confidence=num("avg_confidence"),
            total_cost=num("total_cost"),
            api_calls={p: int(calls.get(p, 0)) for p in PROVIDERS}
            if isinstance(calls, Mapping)
            else _zero_calls(),
            cost_by_provider={p: float(costs.get(p, 0.0)) for p in PROVIDERS}
            if isinstance(costs, Mapping)
            else _zero_by_provider(),
        )


# ---------------------------------------------------------------------------
# Progress events
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    """A snapshot of a running job, delivered to the caller's callback."""

    job_id: str
    stage: Stage
    progress: int
    message: str
    metrics: Metrics
    done: int = 0
    total: int = 0


@dataclass(frozen=True, slots=True)
class LeadStored:
    """Emitted once a lead is final and committed to the database."""

    job_id: str
    lead_id: int
    lead: Lead


@dataclass(frozen=True, slots=True)
class JobFinished:
    """Emitted once, last: the job's final status and summary."""

    job_id: str
    campaign_id: str
    status: JobStatus
    metrics: Metrics
    stop_reason: str | None = None
    error: str | None = None
    notices: tuple[str, ...] = ()
    output: str | None = None


PipelineEvent = ProgressEvent | LeadStored | JobFinished
EventCallback = Callable[[PipelineEvent], None]


# ---------------------------------------------------------------------------
# Cancellation
# ---------------------------------------------------------------------------


class Cancelled(Exception):
    """Raised inside the pipeline when its cancel token has been set."""


class CancelToken:
    """Thread-safe cancel flag, checked between items and inside waits."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._children: list[CancelToken] = []

    def cancel(self) -> None:
        """Request cancellation (callable from any thread); children are cancelled too."""
        self._event.set()
        with self._lock:
            children = list(self._children)
        for child in children:
            child.cancel()

    def child(self) -> CancelToken:
        """A token cancelled with this one, that can also be cancelled on its own."""
        token = CancelToken()
        with self._lock:
            self._children.append(token)
        if self.cancelled:
            token.cancel()
        return token

    @property
    def cancelled(self) -> bool:
        """True once :meth:`cancel` has been called."""
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        """Raise :class:`Cancelled` if cancellation was requested."""
        if self._event.is_set():
            raise Cancelled

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; return True (early) if cancelled."""
        return self._event.wait(max(seconds, 0.0))


# ---------------------------------------------------------------------------
# Provider results and errors
# ---------------------------------------------------------------------------


class ProviderError(Exception):
    """A provider call failed for this item; the run goes on without it."""

    def __init__(self, provider: str, message: str, calls: tuple[ApiCall, ...] = ()) -> None:
        super().__init__(f"{provider}: {message}")
        self.provider = provider
        self.message = message
        self.calls = calls


class ProviderAuthError(ProviderError):
    """The provider rejected the key or the account: the job fails at once."""


class QuotaExhausted(ProviderError):
    """The provider's plan is used up: stop calling it for the rest of the run."""


class NetworkUnavailable(ProviderError):
    """The provider could not be reached after every retry: the run stops, resumable."""


@dataclass(frozen=True, slots=True)
class DiscoveryPage:
    """One page of discovery results, with the calls it took."""

    businesses: tuple[Business, ...]
    next_page_token: str | None
    calls: tuple[ApiCall, ...] = ()


@dataclass(frozen=True, slots=True)
class DomainSearch:
    """What an email finder knows about one registrable domain."""

    domain: str
    candidates: tuple[EmailCandidate, ...]
    calls: tuple[ApiCall, ...] = ()
    accept_all: bool = False


@dataclass(frozen=True, slots=True)
class Verification:
    """The verdict on one email address."""

    email: str
    status: EmailStatus
    flags: tuple[str, ...] = ()
    suggested_correction: str = ""
    calls: tuple[ApiCall, ...] = ()


# ---------------------------------------------------------------------------
# Provider protocols (live and demo implementations live in net/providers)
# ---------------------------------------------------------------------------


class Discovery(Protocol):
    """Finds businesses for a text query, one page at a time."""

    provider: str
    max_results_per_query: int
    billing_sku: str  # SKU of one page request: its price is reserved against a budget

    def search(self, config: CampaignConfig, page_token: str | None, cancel: CancelToken) -> DiscoveryPage:
        """Return one page; ``next_page_token`` is None on the last page."""
        ...


class EmailFinder(Protocol):
    """Finds email addresses for a registrable domain."""

    provider: str
    billing_sku: str  # SKU of one search at its most expensive (reserved against a budget)

    def find(self, domain: str, cancel: CancelToken) -> DomainSearch:
        """Search one domain; raise ProviderError subclasses on failure."""
        ...


class EmailVerifier(Protocol):
    """Verifies one email address."""

    provider: str
    billing_sku: str  # SKU of one verification (reserved against a budget)

    def verify(self, email: str, cancel: CancelToken) -> Verification:
        """Verify one address; raise ProviderError subclasses on failure."""
        ...


@dataclass(frozen=True, slots=True)
class Providers:
    """The providers a run uses. A missing finder/verifier means no key."""

    discovery: Discovery
    finder: EmailFinder | None = None
    verifier: EmailVerifier | None = None
    demo: bool = False
