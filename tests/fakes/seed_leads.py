"""Fast synthetic leads for the All-leads tests and the GUI benchmark (test helper, not product code).

:func:`seed_database` bulk-inserts campaigns, jobs and leads with plain
``executemany`` in one transaction, then builds the search index the way the
window does (:meth:`AllLeadsQueries.update_search_index`). For big seeds the
indexes of ``leads`` are dropped first and re-created from their own stored
SQL afterwards (building an index once is much faster than updating it a
million times), so the schema ends exactly as the migrations made it.
:func:`synthetic_rows` returns the same leads as ``LeadRowTuple``-shaped tuples.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

from leadgen_desktop.db.store import Store

_TYPES = ("dentist", "plumber", "bakery", "florist", "gym", "vet", "lawyer", "cafe")
_CITIES = ("Austin, TX", "Boston, MA", "Denver, CO", "Miami, FL", "Seattle, WA")
_STATUSES = ("valid", "catchall", "unknown", "not_found", "invalid")
_NOW = "2026-01-01 00:00:00"
REBUILD_INDEXES_FROM = 50_000
"""Seeds of at least this many leads drop and re-create the indexes of ``leads``."""

_LEAD_COLUMNS = (
    "id",
    "job_id",
    "campaign_id",
    "rank",
    "place_id",
    "business_name",
    "address",
    "phone",
    "website",
    "rating",
    "review_count",
    "business_status",
    "types",
    "email",
    "email_status",
    "confidence_score",
    "score_components",
    "candidates",
    "verification_flags",
    "provenance",
    "cost",
    "created_at",
)


def _lead(i: int, rnd: random.Random) -> tuple[Any, ...]:
    """Lead number ``i`` (0-based): name, address, phone, website, email, status, score, rating, reviews."""
    has_site = i % 7 != 0
    return (
        f"Business {rnd.choice('ABCDEFGHIJ')}{i}",
        None if i % 50 == 0 else f"{i % 9000 + 1} Main St",
        None if i % 25 == 0 else f"+1 512-555-{i % 10000:04d}",
        f"https://b{i}.example.com/" if has_site else None,
        f"info@b{i}.example.com" if has_site and i % 5 else None,
        _STATUSES[i % len(_STATUSES)] if has_site else "not_found",
        rnd.randint(0, 100),
        None if i % 10 == 0 else round(rnd.uniform(1, 5), 1),
        None if i % 9 == 0 else rnd.randint(0, 5000),
    )


def _campaign_of(campaign: int) -> tuple[str, str]:
    return _TYPES[campaign % len(_TYPES)], _CITIES[campaign % len(_CITIES)]


def synthetic_rows(count: int, campaigns: int = 20, seed: int = 7) -> list[tuple[Any, ...]]:
    """The leads :func:`seed_database` stores, as ``LeadRowTuple``-shaped tuples (ids from 1)."""
    rnd = random.Random(seed)
    per_campaign = -(-count // campaigns)
    return [(i + 1, *_campaign_of(i // per_campaign), *_lead(i, rnd)) for i in range(count)]


def seed_database(
    repo: Store,
    leads: int,
    campaigns: int = 20,
    seed: int = 7,
    on_progress: Callable[[str], None] | None = None,
) -> None:
    """Insert ``campaigns`` completed demo campaigns holding ``leads`` leads in total, indexed for search."""
    rnd = random.Random(seed)
    per_campaign = -(-leads // campaigns)
    db = repo.db
    connection = db.connection.connection()
    rebuild = leads >= REBUILD_INDEXES_FROM
    with db.transaction():
        indexes = _drop_lead_indexes(connection) if rebuild else []
        for c in range(campaigns):
            kind, city = _campaign_of(c)
            connection.execute(
                "INSERT INTO campaigns (id, business_type, location, keywords, demo, created_at) "
                "VALUES (?, ?, ?, '', 1, ?)",
                (f"camp{c:04d}", kind, city, _NOW),
            )
            connection.execute(
                "INSERT INTO discovery_jobs (id, campaign_id, status, progress, config, metrics, notices, "
                "created_at, updated_at) VALUES (?, ?, 'completed', 100, ?, '{}', '[]', ?, ?)",
                (
                    f"job{c:04d}",
                    f"camp{c:04d}",
                    f'{{"business_type": "{kind}", "location": "{city}", "max_results": {per_campaign}, '
                    '"min_score": 0, "demo": true}',
                    _NOW,
                    _NOW,
                ),
            )
        connection.executemany(
            f"INSERT INTO leads ({', '.join(_LEAD_COLUMNS)}) VALUES ({', '.join('?' * len(_LEAD_COLUMNS))})",
            _lead_rows(leads, per_campaign, rnd),
        )
        if on_progress is not None:
            on_progress("leads inserted")
        for sql in indexes:
            connection.execute(sql)
        if on_progress is not None and indexes:
            on_progress("indexes built")
    repo.all_leads.update_search_index()
    if on_progress is not None:
        on_progress("search index built")


def _lead_rows(leads: int, per_campaign: int, rnd: random.Random) -> Iterator[tuple[Any, ...]]:
    for i in range(leads):
        c = i // per_campaign
        name, address, phone, website, email, status, score, rating, reviews = _lead(i, rnd)
        yield (
            i + 1,
            f"job{c:04d}",
            f"camp{c:04d}",
            i,
            f"place-{i}",
            name,
            address,
            phone,
            website,
            rating,
            reviews,
            "OPERATIONAL",
            "[]",
            email,
            status,
            score,
            "[]",
            "[]",
            "[]",
            "{}",
            0.0,
            _NOW,
        )


def _drop_lead_indexes(connection: Any) -> list[str]:
    """Drop the explicit indexes of ``leads``; return the SQL that re-creates them."""
    rows = connection.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'leads' AND sql IS NOT NULL"
    ).fetchall()
    for name, _sql in rows:
        connection.execute(f'DROP INDEX "{name}"')
    return [sql for _name, sql in rows]
