"""Fast synthetic data for the All-leads tests and the GUI benchmark (test helper, not product code).

:func:`synthetic_rows` builds ``LeadRowTuple``-shaped tuples in memory;
:func:`seed_database` bulk-inserts campaigns, jobs and leads with peewee
``insert_many`` in one transaction (100,000 leads in a few seconds).
"""

from __future__ import annotations

import random
from typing import Any

from leadgen_desktop.db.store import Store
from leadgen_desktop.db.tables import utcnow

_TYPES = ("dentist", "plumber", "bakery", "florist", "gym", "vet", "lawyer", "cafe")
_CITIES = ("Austin, TX", "Boston, MA", "Denver, CO", "Miami, FL", "Seattle, WA")
_STATUSES = ("valid", "catchall", "unknown", "not_found", "invalid")


def _lead(i: int, rnd: random.Random) -> dict[str, Any]:
    has_site = i % 7 != 0
    return {
        "rank": i,
        "place_id": f"place-{i}",
        "business_name": f"Business {rnd.choice('ABCDEFGHIJ')}{i}",
        "address": None if i % 50 == 0 else f"{i % 9000 + 1} Main St",
        "phone": None if i % 25 == 0 else f"+1 512-555-{i % 10000:04d}",
        "website": f"https://b{i}.example.com/" if has_site else None,
        "email": f"info@b{i}.example.com" if has_site and i % 5 else None,
        "email_status": _STATUSES[i % len(_STATUSES)] if has_site else "not_found",
        "confidence_score": rnd.randint(0, 100),
        "rating": None if i % 10 == 0 else round(rnd.uniform(1, 5), 1),
        "review_count": None if i % 9 == 0 else rnd.randint(0, 5000),
    }


def synthetic_rows(count: int, seed: int = 7) -> list[tuple[Any, ...]]:
    """``count`` rows shaped like :class:`~leadgen_desktop.db.all_leads_queries.LeadRowTuple`."""
    rnd = random.Random(seed)
    rows = []
    for i in range(count):
        lead = _lead(i, rnd)
        rows.append(
            (
                i + 1,
                _TYPES[i % len(_TYPES)],
                _CITIES[i % len(_CITIES)],
                lead["business_name"],
                lead["address"],
                lead["phone"],
                lead["website"],
                lead["email"],
                lead["email_status"],
                lead["confidence_score"],
                lead["rating"],
                lead["review_count"],
            )
        )
    return rows


def seed_database(repo: Store, leads: int, campaigns: int = 20, seed: int = 7) -> None:
    """Insert ``campaigns`` completed demo campaigns holding ``leads`` leads in total."""
    rnd = random.Random(seed)
    now = utcnow()
    per_campaign = -(-leads // campaigns)
    tables = repo.db.tables
    with repo.db.transaction():
        for c in range(campaigns):
            campaign_id, job_id = f"camp{c:04d}", f"job{c:04d}"
            kind, city = _TYPES[c % len(_TYPES)], _CITIES[c % len(_CITIES)]
            tables.campaigns.insert(
                id=campaign_id, business_type=kind, location=city, demo=True, created_at=now
            ).execute()
            tables.jobs.insert(
                id=job_id,
                campaign_id=campaign_id,
                status="completed",
                progress=100,
                config=(
                    f'{{"business_type": "{kind}", "location": "{city}", "max_results": {per_campaign}, '
                    '"min_score": 0, "demo": true}'
                ),
                created_at=now,
            ).execute()
            first = c * per_campaign
            batch = [
                {**_lead(i, rnd), "job_id": job_id, "campaign_id": campaign_id}
                for i in range(first, min(first + per_campaign, leads))
            ]
            for start in range(0, len(batch), 500):
                tables.leads.insert_many(batch[start : start + 500]).execute()
