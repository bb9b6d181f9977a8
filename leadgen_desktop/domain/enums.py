"""Enumerations of the domain: job status, stop reasons, stages, email status and reasons, providers."""

from __future__ import annotations

import enum


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


class StopReason(enum.StrEnum):
    """Why a job ended before doing everything it was asked (the ``stop_reason`` of the JSON summary)."""

    BUDGET = "budget"
    """The next paid call could have crossed the budget: ``completed``, resumable with a higher one."""
    DISCARDED = "discarded"
    """The user discarded the interrupted job: ``cancelled`` for good, its leads kept."""


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

    @property
    def label(self) -> str:
        """Human label shown in tables (and searched by their filters)."""
        return _STATUS_LABELS[self]


_STATUS_LABELS: dict[EmailStatus, str] = {
    EmailStatus.VALID: "valid",
    EmailStatus.INVALID: "invalid",
    EmailStatus.CATCHALL: "catch-all",
    EmailStatus.UNKNOWN: "unknown",
    EmailStatus.DISPOSABLE: "disposable",
    EmailStatus.UNVERIFIED: "unverified",
    EmailStatus.NOT_FOUND: "not found",
}


def email_status_label(status: str) -> str:
    """Human label for a stored ``email_status`` value (unknown values pass through readably)."""
    try:
        return EmailStatus(status).label
    except ValueError:
        return status.replace("_", " ")


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
