"""Mutable counters of one run, turned into immutable :class:`Metrics` snapshots.

The bill part (calls, costs, what is unconfirmed) is counted as answers are
handled and read back from the call log (:meth:`RunState.load_bill`) when a run
starts and when it ends, so the bill a run reports is the database's: also the
attempts written down whose answers never came (a kill, a cancel).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import (
    EMAIL_SOURCE_KEYS,
    PROVIDERS,
    ApiCall,
    EmailReason,
    EmailStatus,
    Lead,
    Metrics,
    PriceTable,
    email_source_key,
)


@dataclass
class RunState:
    """Counters owned by the pipeline's thread; never shared across threads."""

    prices: PriceTable
    businesses_found: int = 0
    qualified_leads: int = 0
    leads_enriched: int = 0
    emails_found: int = 0
    emails_verified: int = 0
    scores: list[int] = field(default_factory=list)
    call_counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PROVIDERS, 0))
    call_costs: dict[str, list[float]] = field(default_factory=lambda: {p: [] for p in PROVIDERS})
    unconfirmed: list[float] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    tiles_searched: int = 0
    tiles_saturated: int = 0
    area: tuple[float, float, float, float] | None = None
    emails_by_source: dict[str, int] = field(default_factory=lambda: dict.fromkeys(EMAIL_SOURCE_KEYS, 0))
    mx_rejected: int = 0

    def add_calls(self, calls: Iterable[ApiCall]) -> float:
        """Count ``calls``, their cost and what is unconfirmed; return the (confirmed) cost they added."""
        added: list[float] = []
        for call in calls:
            cost = self.prices.cost_of(call)
            if not call.cached:
                self.call_counts[call.provider] = self.call_counts.get(call.provider, 0) + 1
            self.call_costs.setdefault(call.provider, []).append(cost)
            if not call.confirmed:
                self.unconfirmed.append(self.prices.unconfirmed_of(call))
            added.append(cost)
        return math.fsum(added)

    def load_bill(self, store: Store, job_id: str) -> None:
        """Take the job's calls, costs and unconfirmed attempts from the call log (all its runs)."""
        counts = dict.fromkeys(PROVIDERS, 0)
        costs: dict[str, list[float]] = {p: [] for p in PROVIDERS}
        unconfirmed: list[float] = []
        for provider, calls in store.calls.by_provider(job_id).items():
            counts[provider] = sum(1 for call in calls if not call.cached)
            costs[provider] = [call.cost for call in calls]
            unconfirmed.extend(call.unconfirmed for call in calls if call.unconfirmed)
        self.call_counts, self.call_costs, self.unconfirmed = counts, costs, unconfirmed

    def add_lead(self, lead: Lead) -> None:
        """Count a stored lead in the email and confidence metrics."""
        reason = lead.email_reason.value if lead.email_reason else None
        self._count(lead.score, lead.email, lead.email_status.value, lead.email_source, reason)

    def _count(
        self, score: int, email: str | None, status: str, source: str | None, reason: str | None
    ) -> None:
        self.leads_enriched += 1
        self.scores.append(score)
        if email:
            self.emails_found += 1
            key = email_source_key(source)
            if key is not None:
                self.emails_by_source[key] = self.emails_by_source.get(key, 0) + 1
        if status == EmailStatus.VALID.value:
            self.emails_verified += 1
        if reason == EmailReason.NO_MAIL_SERVER.value:
            self.mx_rejected += 1

    @classmethod
    def rebuild(cls, prices: PriceTable, store: Store, job_id: str) -> RunState:
        """Counters of a job from what the database holds (a fresh job gives zeros).

        Notices about the work done carry over; how the last attempt ended
        (a budget stop) is not a notice, so a resumed run never repeats it.
        """
        state = cls(prices=prices)
        state.load_bill(store, job_id)
        for outcome in store.leads.outcomes(job_id):
            state._count(
                outcome.score, outcome.email, outcome.email_status, outcome.email_source, outcome.email_reason
            )
        job = store.jobs.get(job_id)
        if job is not None:
            state.notices.extend(job.notices)
        return state

    def notice(self, text: str) -> None:
        """Add a user-facing note once (summary, window, job record)."""
        if text not in self.notices:
            self.notices.append(text)

    def snapshot(self) -> Metrics:
        """An immutable copy of the counters."""
        by_provider = {p: math.fsum(self.call_costs.get(p, [])) for p in PROVIDERS}
        return Metrics(
            businesses_found=self.businesses_found,
            qualified_leads=self.qualified_leads,
            leads_enriched=self.leads_enriched,
            emails_found=self.emails_found,
            emails_verified=self.emails_verified,
            avg_confidence=round(sum(self.scores) / len(self.scores), 2) if self.scores else 0.0,
            total_cost=sum(by_provider[p] for p in PROVIDERS),
            api_calls={p: self.call_counts.get(p, 0) for p in PROVIDERS},
            cost_by_provider=by_provider,
            cost_unconfirmed=math.fsum(self.unconfirmed),
            tiles_searched=self.tiles_searched,
            tiles_saturated=self.tiles_saturated,
            area=self.area,
            emails_by_source=dict(self.emails_by_source),
            mx_rejected=self.mx_rejected,
        )
