"""Read-only queries over the leads of every campaign (the "All leads" view and its export).

Part of the repository (mixed into :class:`~leadgen_desktop.db.repository.Repository`).
Built for 100,000 leads: the table query returns plain tuples of only the
columns the view shows (no peewee model instances), and the export stream
reads keyset-paged batches by primary key, so memory stays flat and every
batch is an index range scan.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any, NamedTuple

import peewee as pw

from leadgen_desktop.db.records import LeadRecord
from leadgen_desktop.db.tables import Campaign, LeadRow

ALL_LEADS_BATCH = 2000
"""Rows per query when streaming every lead."""

_RECORD_COLUMN = {"lead_id": "id", "job_id": "job", "campaign_id": "campaign"}


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


def _record_columns() -> list[pw.Field]:
    """LeadRow columns in :class:`LeadRecord` field order (so ``LeadRecord(*row)`` works)."""
    return [
        getattr(LeadRow, _RECORD_COLUMN.get(field.name, field.name))
        for field in dataclasses.fields(LeadRecord)
    ]


class AllLeadsQueries:
    """Queries across every campaign; read-only, safe from any thread."""

    db: pw.SqliteDatabase

    def count_all_leads(self) -> int:
        """How many leads the database holds, over every campaign."""
        return int(LeadRow.select().count())

    def all_lead_rows(self, batch: int = ALL_LEADS_BATCH) -> Iterator[list[tuple[Any, ...]]]:
        """Every lead as :class:`LeadRowTuple`-shaped tuples, in batches of ``batch``.

        Order: newest campaign first, then best score, then discovery rank, so
        the view opens on the latest results. The query runs once (one sort in
        SQLite); batches come from one cursor, so a caller can report progress.
        """
        query = (
            LeadRow.select(
                LeadRow.id,
                Campaign.business_type,
                Campaign.location,
                LeadRow.business_name,
                LeadRow.address,
                LeadRow.phone,
                LeadRow.website,
                LeadRow.email,
                LeadRow.email_status,
                LeadRow.confidence_score,
                LeadRow.rating,
                LeadRow.review_count,
            )
            .join(Campaign, on=(LeadRow.campaign == Campaign.id))
            .order_by(
                Campaign.created_at.desc(),
                Campaign.id,
                LeadRow.confidence_score.desc(),
                LeadRow.rank,
                LeadRow.id,
            )
        )
        cursor = self.db.execute(query)  # type: ignore[no-untyped-call]
        while True:
            rows = cursor.fetchmany(batch)
            if not rows:
                return
            yield rows

    def iter_all_leads(self, batch: int = ALL_LEADS_BATCH) -> Iterator[LeadRecord]:
        """Stream every lead of every campaign in storage order, ``batch`` rows per query.

        Keyset paging on the primary key keeps each query an index range scan
        and never holds more than one batch in memory.
        """
        columns = _record_columns()
        seen_index = [f.name for f in dataclasses.fields(LeadRecord)].index("seen_before")
        last_id = 0
        while True:
            query = LeadRow.select(*columns).where(LeadRow.id > last_id).order_by(LeadRow.id).limit(batch)
            rows: list[tuple[Any, ...]] = list(query.tuples())  # type: ignore[arg-type]
            if not rows:
                return
            for row in rows:
                values = list(row)
                values[seen_index] = bool(values[seen_index])
                yield LeadRecord(*values)
            last_id = rows[-1][0]
