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
    NO_MAIL_SERVER = "no_mail_server"
    """The email domain receives no mail (null MX, NXDOMAIN, or neither MX nor address): status invalid."""
    WEBSITE_FOUND_NONE = "website_found_none"
    """The website showed no address of its own and no paid search was made (``--hunter never``)."""

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
    EmailReason.NO_MAIL_SERVER: "The email domain has no mail server (its DNS says it receives no mail), "
    "so nothing was paid to search or verify it.",
    EmailReason.WEBSITE_FOUND_NONE: "The website shows no address of its own, and the paid email search "
    "was turned off (Hunter mode: never).",
}


class EmailSource(enum.StrEnum):
    """Where a lead's email came from (the ``email_source`` CSV column; binding values)."""

    WEBSITE = "website"
    """Shown on the business's own website (found by the crawler, free)."""
    HUNTER = "hunter"
    """Hunter.io's domain search (paid)."""
    DEMO = "demo"
    """The offline demo email finder (stands in for Hunter)."""


EMAIL_SOURCE_KEYS: tuple[str, ...] = ("website", "hunter")
"""Keys of ``metrics.emails_by_source`` (binding)."""


def email_source_key(source: str | None) -> str | None:
    """The ``metrics.emails_by_source`` key a lead's ``email_source`` counts under (None: no email).

    Every email finder (Hunter, or the demo finder standing in for it) counts as ``hunter``.
    """
    if not source:
        return None
    return "website" if source == EmailSource.WEBSITE.value else "hunter"


class HunterMode(enum.StrEnum):
    """When the paid email search runs (``--hunter``; Settings): the website is always read first."""

    ALWAYS = "always"
    """Search every company domain; website and Hunter addresses are merged."""
    FALLBACK = "fallback"
    """Search only domains whose website gave no address (the default)."""
    NEVER = "never"
    """Never search: website addresses only."""

    @property
    def description(self) -> str:
        """One line for Settings and ``--help``."""
        return _HUNTER_MODE_TEXT[self]


_HUNTER_MODE_TEXT: dict[HunterMode, str] = {
    HunterMode.ALWAYS: "Always: search every domain with Hunter too, merged with the website's addresses",
    HunterMode.FALLBACK: "Fallback: search with Hunter only where the website shows no address",
    HunterMode.NEVER: "Never: use website addresses only (no paid email search)",
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
