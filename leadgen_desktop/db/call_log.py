"""The API-call log: one row per HTTP request attempt sent to a provider, with what it cost."""

from __future__ import annotations

import math
from collections.abc import Sequence

from leadgen_desktop.db.database import Database, insert_in_batches
from leadgen_desktop.db.records import LoggedCall
from leadgen_desktop.domain import ApiCall, PriceTable


class CallLog:
    """Writes calls as they are billed; reads them back per provider to rebuild a run's bill."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self._calls = database.tables.api_calls

    def add(self, job_id: str, calls: Sequence[ApiCall], prices: PriceTable) -> float:
        """Log ``calls`` for ``job_id`` at ``prices`` (one transaction); return what they cost."""
        costs = [prices.cost_of(call) for call in calls]
        rows = [
            {
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
            }
            for call, cost in zip(calls, costs, strict=True)
        ]
        with self._db.transaction():
            insert_in_batches(self._calls, rows)
        return math.fsum(costs)

    def by_provider(self, job_id: str) -> dict[str, list[LoggedCall]]:
        """The calls logged for ``job_id``, grouped by provider, in the order they were logged."""
        table = self._calls
        grouped: dict[str, list[LoggedCall]] = {}
        query = (
            table.select(table.provider, table.cost, table.cached)
            .where(table.job_id == job_id)
            .order_by(table.id)
        )
        for provider, cost, cached in self._db.tuples(query):
            grouped.setdefault(provider, []).append(LoggedCall(provider, float(cost), bool(cached)))
        return grouped
