"""A lead on its way through enrichment: what the scheduler and the website step know of it so far."""

from __future__ import annotations

from dataclasses import dataclass, field

from leadgen_desktop.domain import ApiCall, EmailCandidate, Lead


@dataclass
class LeadWork:
    """One lead being enriched (owned by the pipeline's thread; never shared across threads)."""

    lead: Lead
    domain: str | None = None
    provenance: dict[str, object] = field(default_factory=dict)
    log_calls: list[ApiCall] = field(default_factory=list)  # stored with the lead (cache-hit markers)
    cost: float = 0.0
    candidates: tuple[EmailCandidate, ...] = ()
    site_candidates: tuple[EmailCandidate, ...] = ()
    """What the website showed."""
    email: str | None = None
    source: str | None = None
    """The chosen email's source: ``website``, or the finder's provider id."""
    waiting_for: str = ""
    """The paid lookup (``search`` or ``verify``) the budget holds the lead at."""
