"""What ``leadgen`` prints about a run: the binding ``--json`` summary, the summary in words, progress.

The command (:mod:`leadgen_desktop.cli`) decides when; this module only says it.
"""

from __future__ import annotations

import time
from typing import TextIO

from leadgen_desktop.core.billing.budget import bill_text
from leadgen_desktop.domain import BudgetStop, JobFinished, Metrics, PipelineEvent, ProgressEvent


def summary_json(finished: JobFinished) -> dict[str, object]:
    """The binding ``--json`` summary object."""
    return {
        "job_id": finished.job_id,
        "campaign_id": finished.campaign_id,
        "status": finished.status.value,
        "stop_reason": None if finished.stop_reason is None else finished.stop_reason.value,
        "error": finished.error,
        "output": finished.output,
        "metrics": finished.metrics.to_dict(),
        "notices": notices(finished),
    }


def budget_stop_text(job_id: str, stop: BudgetStop) -> str:
    """The command line's words for a budget stop, with the command that finishes the run."""
    return (
        f"Budget reached: {bill_text(stop.spent, stop.unconfirmed)} spent of ${stop.limit:.2f}. "
        f"At most ${stop.remaining:.4f} more would finish the run ({stop.leads_left} lead(s) left). "
        f"Resume with a higher budget: leadgen resume {job_id} --budget {stop.needed:.2f}"
    )


def notices(finished: JobFinished) -> list[str]:
    """The run's notices, and how it stopped on its budget (when it did)."""
    notices = list(finished.notices)
    if finished.budget_stop is not None:
        notices.append(budget_stop_text(finished.job_id, finished.budget_stop))
    return notices


def print_human_summary(finished: JobFinished, stream: TextIO) -> None:
    """The run's summary in words (stdout, or stderr next to ``--json``)."""
    m = finished.metrics
    cost = bill_text(m.total_cost, m.cost_unconfirmed)
    lines = [
        f"Job {finished.job_id} (campaign {finished.campaign_id}): {finished.status.value}",
        f"  businesses found {m.businesses_found}, qualified {m.qualified_leads}, "
        f"enriched {m.leads_enriched}, emails found {m.emails_found}, verified {m.emails_verified}",
        f"  emails from websites {m.emails_by_source.get('website', 0)}, from Hunter "
        f"{m.emails_by_source.get('hunter', 0)}, domains without a mail server {m.mx_rejected}",
        f"  average confidence {m.avg_confidence:.1f}, total cost {cost}",
    ]
    if m.area is not None:
        full = f", {m.tiles_saturated} still full at the smallest size" if m.tiles_saturated else ""
        area = ",".join(f"{v:g}" for v in m.area)
        lines.append(f"  area {area}: {m.tiles_searched} tiles searched{full}")
    if finished.output:
        lines.append(f"  CSV written to {finished.output}")
    if finished.error:
        lines.append(f"  error: {finished.error}")
    lines.extend(f"  note: {notice}" for notice in notices(finished))
    print("\n".join(lines), file=stream)


class Progress:
    """Human progress on stderr: one rewritten line on a terminal, stage lines otherwise."""

    def __init__(self, stream: TextIO, quiet: bool) -> None:
        self.stream = stream
        self.quiet = quiet
        self.tty = stream.isatty()
        self.last_stage: str | None = None
        self.last_draw = 0.0
        self.metrics = Metrics()  # the latest counters, for a summary if the run is stopped at once

    def __call__(self, event: PipelineEvent) -> None:
        """Take one pipeline event (only progress is shown)."""
        if not isinstance(event, ProgressEvent):
            return
        self.metrics = event.metrics
        if self.quiet:
            return
        stage_changed = event.stage.value != self.last_stage
        now = time.monotonic()
        if self.tty:
            if stage_changed or now - self.last_draw >= 0.1:
                text = f"[{event.progress:3d}%] {event.stage.label}: {event.message}"
                self.stream.write("\r\x1b[2K" + text[:120])
                self.stream.flush()
                self.last_draw = now
        elif stage_changed:
            self.stream.write(f"[{event.progress:3d}%] {event.stage.label}\n")
        self.last_stage = event.stage.value

    def close(self) -> None:
        """End the rewritten line."""
        if self.tty and self.last_stage is not None:
            self.stream.write("\n")
            self.stream.flush()
