"""Where a lead's email candidates come from: the business's website first, the paid search when needed.

The rules, in plain words:

1. The website is read first (free). Every address it shows that counts (on
   the site's own domain, or free mail shown as the business's own; the
   crawler applies that rule) becomes a candidate with source ``website``, the
   page it is on and how it was written.
2. The paid email search runs according to the Hunter mode
   (:func:`search_wanted`): ``fallback`` only when the website gave no
   address, ``always`` for every company domain, ``never`` not at all.
3. With both, the candidates are merged (:func:`merge_candidates`): one per
   address, website first; when the finder knows who a website address
   belongs to (a name, a position), the candidate keeps both.
4. The email choice itself (decision maker, then generic inbox, then others)
   is :func:`~leadgen_desktop.core.emails.email_choice.choose_email`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from leadgen_desktop.domain import EmailCandidate, EmailSource, HunterMode, SiteResult

WEBSITE_CONFIDENCE = 100
"""Confidence of an address the business shows on its own website."""


def website_candidates(site: SiteResult) -> tuple[EmailCandidate, ...]:
    """The addresses a crawled website showed, as candidates (in the order found)."""
    return tuple(
        EmailCandidate(
            email=found.email,
            confidence=WEBSITE_CONFIDENCE,
            kind="generic",
            source=EmailSource.WEBSITE.value,
            page_url=found.page_url,
            found_by=found.method.value,
        )
        for found in site.addresses
    )


def search_wanted(mode: HunterMode, website_found: bool) -> bool:
    """Whether the paid email search runs for a domain, given what its website showed."""
    if mode is HunterMode.NEVER:
        return False
    return mode is HunterMode.ALWAYS or not website_found


def finder_candidates(candidates: Iterable[EmailCandidate], provider: str) -> tuple[EmailCandidate, ...]:
    """An email finder's candidates marked with where they came from (the finder's provider id)."""
    return tuple(replace(c, source=provider) if not c.source else c for c in candidates)


def merge_candidates(
    website: Sequence[EmailCandidate], found: Sequence[EmailCandidate]
) -> tuple[EmailCandidate, ...]:
    """Website candidates, then the finder's for other addresses; each address once.

    A finder's candidate for an address the website shows lends it the person's
    name, position, seniority and department (and its confidence when higher);
    the candidate stays a website one (where it was seen).
    """
    by_address: dict[str, EmailCandidate] = {}
    for candidate in website:
        by_address.setdefault(candidate.email.strip().casefold(), candidate)
    merged = dict(by_address)
    for candidate in found:
        key = candidate.email.strip().casefold()
        shown = merged.get(key)
        if shown is None:
            merged[key] = candidate
        elif key in by_address:
            merged[key] = replace(
                shown,
                confidence=max(shown.confidence, candidate.confidence),
                kind=candidate.kind,
                first_name=candidate.first_name,
                last_name=candidate.last_name,
                position=candidate.position,
                seniority=candidate.seniority,
                department=candidate.department,
            )
    return tuple(merged.values())


def website_provenance(site: SiteResult, cached: bool) -> dict[str, object]:
    """What the details panel shows of a website's reading: outcome, pages, and each address's page."""
    return {
        "start_url": site.start_url,
        "outcome": site.outcome.value,
        "label": site.outcome.label,
        "detail": site.detail,
        "pages": site.pages_fetched,
        "requests": site.requests,
        "cached": cached,
        "addresses": [found.to_dict() for found in site.addresses],
    }
