"""Explainable 0-100 confidence score for a discovered business.

The score says how likely a business is to be a real, reachable, active lead.
It is the sum of the components in :data:`WEIGHTS`; each component earns
between 0 and its maximum points, and the maxima add up to exactly 100. Every
scored business carries its components (name, points, max points and a
sentence), so the window and the CSV can show *why* a lead scored what it did.
:data:`WEIGHTS_DOC` renders the table for the README and the help text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from leadgen_desktop.core.emails.domains import is_shared_platform, registrable_domain
from leadgen_desktop.domain import Business, BusinessStatus, ScoreComponent

__all__ = [
    "WEIGHTS",
    "WEIGHTS_DOC",
    "Weight",
    "score_business",
    "select_leads",
]


@dataclass(frozen=True, slots=True)
class Weight:
    """One row of the weight table: a component, its maximum and its rule."""

    name: str
    max_points: float
    rule: str


RATING_FLOOR = 2.5
"""A rating at or below this earns no rating points."""
RATING_FULL = 4.5
"""A rating at or above this earns all rating points (linear in between)."""
REVIEWS_FULL = 250
"""This many reviews or more earn all review points (log-scaled below)."""
SHARED_PLATFORM_POINTS = 8.0
"""Website points for a site on a shared platform (Facebook page, wixsite...)."""
UNKNOWN_STATUS_POINTS = 5.0
"""Status points when discovery does not know if the business is open."""
MIN_PHONE_DIGITS = 7

WEIGHTS: tuple[Weight, ...] = (
    Weight("address", 15, "Has a street address."),
    Weight("phone", 15, f"Has a phone number (at least {MIN_PHONE_DIGITS} digits)."),
    Weight(
        "website",
        25,
        f"Has a website on its own domain; a site on a shared platform (social network, "
        f"site builder, directory) earns {SHARED_PLATFORM_POINTS:g}; none or unparseable earns 0.",
    ),
    Weight(
        "rating",
        20,
        f"Average rating, linear from {RATING_FLOOR:g} (0 points) to {RATING_FULL:g}+ (full); "
        "no rating earns 0.",
    ),
    Weight(
        "reviews",
        15,
        f"Review count, log-scaled: log(1+n)/log(1+{REVIEWS_FULL}), full at {REVIEWS_FULL}+ reviews.",
    ),
    Weight(
        "status",
        10,
        f"Operational earns full points, unknown {UNKNOWN_STATUS_POINTS:g}, "
        "temporarily or permanently closed 0.",
    ),
)
"""The complete weight table; the maxima sum to 100."""

_MAX: dict[str, float] = {weight.name: weight.max_points for weight in WEIGHTS}


def _render_weights_doc() -> str:
    """Render :data:`WEIGHTS` as a Markdown table."""
    lines = ["| Component | Max points | Rule |", "|---|---:|---|"]
    lines.extend(f"| {w.name} | {w.max_points:g} | {w.rule} |" for w in WEIGHTS)
    lines.append(f"| **total** | {sum(w.max_points for w in WEIGHTS):g} | |")
    return "\n".join(lines)


WEIGHTS_DOC: str = _render_weights_doc()
"""Markdown table of the score components (quoted by the README)."""


def _component(name: str, points: float, detail: str) -> ScoreComponent:
    """A component with its points clamped to 0..max and rounded to 0.1."""
    maximum = _MAX[name]
    return ScoreComponent(
        name=name,
        points=round(min(max(points, 0.0), maximum), 1),
        max_points=maximum,
        detail=detail,
    )


def _address(business: Business) -> ScoreComponent:
    if business.address and business.address.strip():
        return _component("address", _MAX["address"], "Has a street address.")
    return _component("address", 0, "No address listed.")


def _phone(business: Business) -> ScoreComponent:
    digits = sum(ch.isdigit() for ch in business.phone or "")
    if digits >= MIN_PHONE_DIGITS:
        return _component("phone", _MAX["phone"], "Has a phone number.")
    if business.phone and business.phone.strip():
        return _component("phone", 0, "The phone number looks incomplete.")
    return _component("phone", 0, "No phone number listed.")


def _website(business: Business) -> ScoreComponent:
    if not business.website or not business.website.strip():
        return _component("website", 0, "No website listed.")
    domain = registrable_domain(business.website)
    if domain is None:
        return _component("website", 0, "The website address could not be understood.")
    if is_shared_platform(domain):
        return _component(
            "website", SHARED_PLATFORM_POINTS, f"The website is on a shared platform ({domain})."
        )
    return _component("website", _MAX["website"], f"Has its own website domain ({domain}).")


def _rating(business: Business) -> ScoreComponent:
    rating = business.rating
    if rating is None or not math.isfinite(rating):
        return _component("rating", 0, "No rating.")
    fraction = (rating - RATING_FLOOR) / (RATING_FULL - RATING_FLOOR)
    return _component("rating", _MAX["rating"] * fraction, f"Rated {rating:g} out of 5.")


def _reviews(business: Business) -> ScoreComponent:
    count = max(business.review_count or 0, 0)
    fraction = math.log1p(count) / math.log1p(REVIEWS_FULL)
    noun = "review" if count == 1 else "reviews"
    return _component("reviews", _MAX["reviews"] * min(fraction, 1.0), f"{count} {noun}.")


def _status(business: Business) -> ScoreComponent:
    status = business.business_status
    if status is BusinessStatus.OPERATIONAL:
        return _component("status", _MAX["status"], "Operational.")
    if status is BusinessStatus.UNKNOWN:
        return _component("status", UNKNOWN_STATUS_POINTS, "Operational status unknown.")
    if status is BusinessStatus.CLOSED_TEMPORARILY:
        return _component("status", 0, "Temporarily closed.")
    return _component("status", 0, "Permanently closed.")


def score_business(business: Business) -> tuple[int, tuple[ScoreComponent, ...]]:
    """Score ``business`` from 0 to 100 and explain it.

    Returns the integer score and one component per row of :data:`WEIGHTS`, in
    table order. The score is the sum of the components' points, rounded to
    an integer and clamped to 0..100.
    """
    components = (
        _address(business),
        _phone(business),
        _website(business),
        _rating(business),
        _reviews(business),
        _status(business),
    )
    total = round(sum(component.points for component in components))
    return min(max(total, 0), 100), components


def _sort_key(item: tuple[Business, int, tuple[ScoreComponent, ...]]) -> tuple[int, int, str, str]:
    business, score, _ = item
    return (-score, -(business.review_count or 0), business.name.casefold(), business.place_id)


def select_leads(
    businesses: Sequence[Business], min_score: int, max_results: int
) -> list[tuple[Business, int, tuple[ScoreComponent, ...]]]:
    """Score every business and keep the best ones.

    Keeps businesses scoring at least ``min_score``, sorted by score
    (highest first), then review count (highest first), then name
    (case-insensitive), then place id, and returns at most ``max_results``.
    """
    if max_results <= 0:
        return []
    scored = [(business, *score_business(business)) for business in businesses]
    kept = [item for item in scored if item[1] >= min_score]
    kept.sort(key=_sort_key)
    return kept[:max_results]
