"""JSON encoding of domain objects stored in text columns (places, searches, verdicts, budget stops).

Decoding is defensive: a value that no longer fits the current shape decodes
to ``None`` (treated as a cache miss), never to an exception.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from leadgen_desktop.domain import (
    BudgetStop,
    Business,
    BusinessStatus,
    DomainSearch,
    EmailCandidate,
    EmailStatus,
    StopReason,
    Verification,
)


def dumps(value: object) -> str:
    """Compact JSON text (the one encoder of every JSON column)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def business_to_json(business: Business) -> str:
    """Encode a business."""
    return dumps(
        {
            "place_id": business.place_id,
            "name": business.name,
            "address": business.address,
            "phone": business.phone,
            "website": business.website,
            "rating": business.rating,
            "review_count": business.review_count,
            "business_status": business.business_status.value,
            "types": list(business.types),
            "latitude": business.latitude,
            "longitude": business.longitude,
            "maps_url": business.maps_url,
            "source": business.source,
        }
    )


def business_from_json(text: str) -> Business | None:
    """Decode a business, or None when the text does not fit."""
    try:
        data: Any = json.loads(text)
        return Business(
            place_id=str(data["place_id"]),
            name=str(data["name"]),
            address=data.get("address"),
            phone=data.get("phone"),
            website=data.get("website"),
            rating=data.get("rating"),
            review_count=data.get("review_count"),
            business_status=BusinessStatus(data.get("business_status", "OPERATIONAL")),
            types=tuple(str(t) for t in data.get("types", [])),
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            maps_url=data.get("maps_url"),
            source=str(data.get("source", "")),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def search_to_json(search: DomainSearch) -> str:
    """Encode an email-finder result (without its calls)."""
    return dumps(
        {
            "domain": search.domain,
            "accept_all": search.accept_all,
            "candidates": [c.to_dict() for c in search.candidates],
        }
    )


def search_from_json(text: str) -> DomainSearch | None:
    """Decode an email-finder result, or None when the text does not fit."""
    try:
        data: Any = json.loads(text)
        candidates = tuple(_candidate(c) for c in data["candidates"])
        return DomainSearch(str(data["domain"]), candidates, (), bool(data.get("accept_all", False)))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def _candidate(data: Mapping[str, Any]) -> EmailCandidate:
    return EmailCandidate(
        email=str(data["email"]),
        confidence=int(data.get("confidence") or 0),
        kind=str(data.get("kind") or "generic"),
        first_name=data.get("first_name"),
        last_name=data.get("last_name"),
        position=data.get("position"),
        seniority=data.get("seniority"),
        department=data.get("department"),
        source=str(data.get("source") or ""),
        page_url=data.get("page_url"),
        found_by=data.get("found_by"),
    )


def verification_to_json(verification: Verification) -> str:
    """Encode a verification verdict (without its calls)."""
    return dumps(
        {
            "email": verification.email,
            "status": verification.status.value,
            "flags": list(verification.flags),
            "suggested_correction": verification.suggested_correction,
        }
    )


def verification_from_json(text: str) -> Verification | None:
    """Decode a verification verdict, or None when the text does not fit."""
    try:
        data: Any = json.loads(text)
        return Verification(
            email=str(data["email"]),
            status=EmailStatus(data["status"]),
            flags=tuple(str(f) for f in data.get("flags", [])),
            suggested_correction=str(data.get("suggested_correction") or ""),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def budget_stop_to_json(stop: BudgetStop | None) -> str | None:
    """Encode a budget stop (None stays None)."""
    if stop is None:
        return None
    return dumps(
        {
            "spent": stop.spent,
            "limit": stop.limit,
            "remaining": stop.remaining,
            "leads_left": stop.leads_left,
            "unconfirmed": stop.unconfirmed,
        }
    )


def budget_stop_from_json(text: str | None) -> BudgetStop | None:
    """Decode a budget stop, or None when there is none or the text does not fit."""
    if not text:
        return None
    try:
        data: Any = json.loads(text)
        return BudgetStop(
            spent=float(data["spent"]),
            limit=float(data["limit"]),
            remaining=float(data["remaining"]),
            leads_left=int(data["leads_left"]),
            unconfirmed=float(data.get("unconfirmed", 0.0)),
        )
    except (ValueError, KeyError, TypeError):
        return None


def stop_reason(text: str | None) -> StopReason | None:
    """The stored stop reason, or None (also for a value this version does not know)."""
    try:
        return None if text is None else StopReason(text)
    except ValueError:
        return None
