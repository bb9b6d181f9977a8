"""Businesses, email candidates, score components and leads: what a run produces."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from leadgen_desktop.domain.enums import BusinessStatus, EmailReason, EmailStatus


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
    """One address a lead could get: from an email finder, or shown on the business's website.

    ``source`` says where it came from (an :class:`~leadgen_desktop.domain.EmailSource`
    value or the finder's provider id; empty for old stored leads); ``page_url`` and
    ``found_by`` (how it was written: ``mailto``, ``text``, ``jsonld``...) are set
    for website addresses.
    """

    email: str
    confidence: int = 0
    kind: str = "generic"  # "personal" or "generic"
    first_name: str | None = None
    last_name: str | None = None
    position: str | None = None
    seniority: str | None = None
    department: str | None = None
    source: str = ""
    page_url: str | None = None
    found_by: str | None = None

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
            "source": self.source,
            "page_url": self.page_url,
            "found_by": self.found_by,
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
