"""Read-only queries over the leads of every campaign (the "All leads" view and its export).

The store's ``all_leads`` (:class:`~leadgen_desktop.db.store.Store`). Built for
100,000 leads: the table query returns plain tuples of only the columns the
view shows (no peewee model instances), and the export stream
reads keyset-paged batches by primary key, so memory stays flat and every
batch is an index range scan.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any, NamedTuple

import peewee as pw

from leadgen_desktop.db.database import Database
from leadgen_desktop.db.records import LeadRecord
from leadgen_desktop.db.tables import LeadRow

ALL_LEADS_BATCH = 2000
"""Rows per query when streaming every lead."""

_RECORD_COLUMN = {"lead_id": "id"}


class LeadRowTuple(NamedTuple):
    """One lead of the All-leads table, as the compact query returns it."""

    lead_id: int
    business_type: str
    location: str
    business_name: str
    address: str | None
    phone: str | None
    website: str | None
    email: str | None
    email_status: str
    confidence_score: int
    rating: float | None
    review_count: int | None


def _record_columns(leads: type[LeadRow]) -> list[pw.Field]:
    """``leads`` columns in :class:`LeadRecord` field order (so ``LeadRecord(*row)`` works)."""
    return [
        getattr(leads, _RECORD_COLUMN.get(field.name, field.name)) for field in dataclasses.fields(LeadRecord)
    ]


class AllLeadsQueries:
    """Queries across every campaign; read-only, safe from any thread."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self._tables = database.tables

    def count_all_leads(self) -> int:
        """How many leads the database holds, over every campaign."""
        with self._db.reading():
            return int(self._tables.leads.select().count())

    def all_lead_rows(self, batch: int = ALL_LEADS_BATCH) -> Iterator[list[tuple[Any, ...]]]:
        """Every lead as :class:`LeadRowTuple`-shaped tuples, in batches of ``batch``.

        Order: newest campaign first, then best score, then discovery rank, so
        the view opens on the latest results. The query runs once (one sort in
        SQLite); batches come from one cursor, so a caller can report progress.
        """
        leads, campaigns = self._tables.leads, self._tables.campaigns
        query = (
            leads.select(
                leads.id,
                campaigns.business_type,
                campaigns.location,
                leads.business_name,
                leads.address,
                leads.phone,
                leads.website,
                leads.email,
                leads.email_status,
                leads.confidence_score,
                leads.rating,
                leads.review_count,
            )
            .join(campaigns, on=(leads.campaign_id == campaigns.id))
            .order_by(
                campaigns.created_at.desc(),
                campaigns.id,
                leads.confidence_score.desc(),
                leads.rank,
                leads.id,
            )
        )
        yield from self._db.cursor_batches(query, batch)

    def iter_all_leads(self, batch: int = ALL_LEADS_BATCH) -> Iterator[LeadRecord]:
        """Stream every lead of every campaign in storage order, ``batch`` rows per query.

        Keyset paging on the primary key keeps each query an index range scan
        and never holds more than one batch in memory.
        """
        leads = self._tables.leads
        columns = _record_columns(leads)
        seen_index = [f.name for f in dataclasses.fields(LeadRecord)].index("seen_before")
        last_id = 0
        while True:
            query = leads.select(*columns).where(leads.id > last_id).order_by(leads.id).limit(batch)
            with self._db.reading():
                rows: list[tuple[Any, ...]] = list(query.tuples())  # type: ignore[arg-type]
            if not rows:
                return
            for row in rows:
                values = list(row)
                values[seen_index] = bool(values[seen_index])
                yield LeadRecord(*values)
            last_id = rows[-1][0]
