"""Immutable events the pipeline reports through its callback."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from leadgen_desktop.domain.billing import BudgetStop, Metrics
from leadgen_desktop.domain.coverage import Coverage
from leadgen_desktop.domain.enums import JobStatus, Stage, StopReason
from leadgen_desktop.domain.leads import Lead


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    """A snapshot of a running job, delivered to the caller's callback."""

    job_id: str
    stage: Stage
    progress: int
    message: str
    metrics: Metrics
    done: int = 0
    total: int = 0


@dataclass(frozen=True, slots=True)
class LeadStored:
    """Emitted once a lead is final and committed to the database."""

    job_id: str
    lead_id: int
    lead: Lead


@dataclass(frozen=True, slots=True)
class JobFinished:
    """Emitted once, last: the job's final status and summary.

    ``budget_stop`` is set exactly when ``stop_reason`` is
    :attr:`StopReason.BUDGET`: what was spent, what would finish the run.
    """

    job_id: str
    campaign_id: str
    status: JobStatus
    metrics: Metrics
    stop_reason: StopReason | None = None
    error: str | None = None
    notices: tuple[str, ...] = ()
    output: str | None = None
    budget_stop: BudgetStop | None = None


@dataclass(frozen=True, slots=True)
class CoverageEvent:
    """What the area search covered so far (sent a few times a second while it runs, and last)."""

    job_id: str
    coverage: Coverage


PipelineEvent = ProgressEvent | LeadStored | JobFinished | CoverageEvent
EventCallback = Callable[[PipelineEvent], None]
