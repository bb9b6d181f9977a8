"""The API-call log: one row per HTTP request attempt sent to a provider, with what it cost.

A paid attempt is written down *before* it is sent (:meth:`CallLog.record_intent`:
outcome "pending", unconfirmed, at its worst case) and completed when its answer
is read (:meth:`CallLog.add` with the attempt's ``ApiCall``). One whose answer
never came stays unconfirmed: the bill counts it in ``cost_unconfirmed``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from leadgen_desktop.db.database import Database, insert_in_batches
from leadgen_desktop.db.records import LoggedCall
from leadgen_desktop.domain import ApiCall, PriceTable

PENDING = "pending"
"""Outcome of an attempt written down and sent, whose answer has not been read yet."""
UNANSWERED = "no_answer"
"""Outcome of an attempt whose answer will never be read (its run ended or died)."""


class CallLog:
    """Writes calls as they are sent and billed; reads them back per provider to rebuild a run's bill."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self._calls = database.tables.api_calls

    def record_intent(self, job_id: str, provider: str, endpoint: str, sku: str, worst_cost: float) -> int:
        """Write a paid attempt down before it is sent (one tiny transaction); return its entry id."""
        with self._db.transaction():
            entry = self._calls.insert(
                job_id=job_id,
                provider=provider,
                endpoint=endpoint,
                http_status=None,
                outcome=PENDING,
                sku=sku,
                units=0.0,
                cost=0.0,
                duration_ms=0.0,
                cached=False,
                confirmed=False,
                worst_cost=worst_cost,
            ).execute()
        return int(entry)

    def add(self, job_id: str, calls: Sequence[ApiCall], prices: PriceTable) -> float:
        """Log ``calls`` for ``job_id`` at ``prices`` (one transaction); return what they cost.

        A call written down before it was sent (``attempt``) completes its row;
        any other is inserted.
        """
        costs = [prices.cost_of(call) for call in calls]
        rows: list[dict[str, object]] = []
        with self._db.transaction():
            for call, cost in zip(calls, costs, strict=True):
                row = self._row(job_id, call, cost, prices)
                if call.attempt is None or not self._complete(call.attempt, row):
                    rows.append(row)
            insert_in_batches(self._calls, rows)
        return math.fsum(costs)

    def mark_unanswered(self, job_id: str) -> int:
        """Say that the job's pending attempts will never be answered (its run ended or died).

        They stay unconfirmed at their worst case; return how many there were.
        """
        table = self._calls
        with self._db.transaction():
            return int(
                table.update({table.outcome: UNANSWERED})
                .where((table.job_id == job_id) & (table.outcome == PENDING))
                .execute()
            )

    def by_provider(self, job_id: str) -> dict[str, list[LoggedCall]]:
        """The calls logged for ``job_id``, grouped by provider, in the order they were logged."""
        table = self._calls
        grouped: dict[str, list[LoggedCall]] = {}
        query = (
            table.select(table.provider, table.cost, table.cached, table.confirmed, table.worst_cost)
            .where(table.job_id == job_id)
            .order_by(table.id)
        )
        for provider, cost, cached, confirmed, worst in self._db.tuples(query):
            unconfirmed = 0.0 if confirmed or cached else float(worst)
            grouped.setdefault(provider, []).append(
                LoggedCall(provider, float(cost), bool(cached), unconfirmed)
            )
        return grouped

    def unconfirmed_cost(self, job_id: str) -> float:
        """The most the job's attempts without a read answer may have cost (USD)."""
        return math.fsum(call.unconfirmed for calls in self.by_provider(job_id).values() for call in calls)

    @staticmethod
    def _row(job_id: str, call: ApiCall, cost: float, prices: PriceTable) -> dict[str, object]:
        return {
            "job_id": job_id,
            "provider": call.provider,
            "endpoint": call.endpoint,
            "http_status": call.http_status,
            "outcome": call.outcome,
            "sku": call.sku,
            "units": call.units,
            "cost": cost,
            "duration_ms": call.duration_ms,
            "cached": call.cached,
            "confirmed": call.confirmed or call.cached,
            "worst_cost": 0.0 if call.cached else prices.price(call.sku, call.worst_units),
        }

    def _complete(self, entry: int, row: dict[str, object]) -> bool:
        """Complete the row written down as ``entry``; False when there is no such row."""
        table = self._calls
        fields = {name: value for name, value in row.items() if name != "job_id"}
        return bool(table.update(fields).where(table.id == entry).execute())
