"""The pipeline worker: runs one campaign on a QThread and reports in throttled batches.

The worker is a plain QObject run on a :class:`~leadgen_desktop.gui.thread_task.ThreadTask`.
A run's SQLite writes all happen here: creating or reopening the job (through
:class:`~leadgen_desktop.core.jobs.Jobs`) and everything
:class:`~leadgen_desktop.core.run.pipeline.Pipeline` stores. Progress is coalesced to about ten updates a
second and stored leads are read back in batches, so a fast run cannot flood
the GUI event loop.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot

from leadgen_desktop.core.jobs import JobBusy, JobNotFound, JobNotResumable
from leadgen_desktop.core.run.pipeline import Pipeline
from leadgen_desktop.domain import (
    CampaignConfig,
    CancelToken,
    CoverageEvent,
    JobFinished,
    LeadStored,
    PipelineEvent,
    ProgressEvent,
    Stage,
)
from leadgen_desktop.gui.thread_task import close_thread_connection

log = logging.getLogger(__name__)

PROGRESS_INTERVAL = 0.1
"""Seconds between two progress signals (stage changes are always sent)."""
FLUSH_INTERVAL = 0.25
"""Seconds between two ``rows_ready`` batches (each one repaints the table: see benchmarks/gui_bench.py)."""
FLUSH_ROWS = 200
"""A batch is sent at once when this many leads are waiting."""


class PipelineWorker(QObject):
    """Runs :meth:`Pipeline.start` and :meth:`Pipeline.run` for one config.

    With ``job_id`` (and ``config`` None) it resumes that existing job instead:
    it reopens it through :meth:`Jobs.reopen` (no live process may hold it;
    with ``budget`` when ``raise_budget``), announces it, sends the leads
    already stored as a first ``rows_ready`` batch and runs it. The reopen
    write happens here, on the worker thread, like every other write of a run.

    Cancel by calling ``cancel_token.cancel()`` from any thread (never through
    a queued slot: :meth:`run` does not return to the event loop until the job
    is over).

    Signals:
        job_started(str job_id, str campaign_id): the job exists in the database
            with status ``processing``; emitted right after it was created.
        progress(object): a :class:`ProgressEvent`, at most about ten a second,
            always on a stage change and for the last event.
        rows_ready(list): a ``list[LeadRecord]`` of newly stored leads in storage
            order; the receiver owns the list.
        coverage(object): a :class:`~leadgen_desktop.domain.CoverageEvent` (what the
            area search covered so far; the search sends a few a second at most).
        finished(object): the :class:`JobFinished` summary; always last on success.
        failed(str): something unexpected escaped the pipeline (it should not);
            no ``finished`` follows.
    """

    job_started = Signal(str, str)
    progress = Signal(object)
    rows_ready = Signal(list)
    coverage = Signal(object)
    finished = Signal(object)
    failed = Signal(str)

    def __init__(
        self,
        pipeline: Pipeline,
        config: CampaignConfig | None,
        cancel_token: CancelToken,
        *,
        job_id: str | None = None,
        budget: float | None = None,
        raise_budget: bool = False,
        progress_interval: float = PROGRESS_INTERVAL,
        flush_interval: float = FLUSH_INTERVAL,
        flush_rows: int = FLUSH_ROWS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.pipeline = pipeline
        self.config = config
        self.cancel_token = cancel_token
        self._progress_interval = progress_interval
        self._flush_interval = flush_interval
        self._flush_rows = flush_rows
        self._clock = clock
        if config is None and job_id is None:
            raise ValueError("PipelineWorker needs a config (new run) or a job_id (resume).")
        self._resume_job_id = job_id
        self._budget = budget
        self._raise_budget = raise_budget
        self._job_id = ""
        self._last_lead_id = 0
        self._pending_leads = 0
        self._last_flush = float("-inf")
        self._last_progress = float("-inf")
        self._last_stage: Stage | None = None
        self._pending_progress: ProgressEvent | None = None
        self._lock = threading.RLock()

    @property
    def job_id(self) -> str:
        """The job being run ("" before :meth:`run` created it)."""
        return self._job_id

    @Slot()
    def run(self) -> None:
        """Create the job, announce it, run it to the end and report the outcome."""
        result: JobFinished | None = None
        error = ""
        # The run keeps the window thread's OS priority: at a lower one it would hold the
        # interpreter lock while descheduled, and the window would wait for that lock.
        try:
            if self._resume_job_id is None:
                assert self.config is not None
                campaign_id, job_id = self.pipeline.start(self.config)
            else:
                campaign_id, job_id = self._reopen(self._resume_job_id)
            self._job_id = job_id
            self.job_started.emit(job_id, campaign_id)
            if self._resume_job_id is not None:
                self._send_stored_rows()
            result = self.pipeline.run(job_id, self.cancel_token, self.on_event)
            self._flush_rows_now()
            self._flush_progress()
        except (JobBusy, JobNotFound, JobNotResumable) as exc:
            log.warning("Cannot resume job %s: %s", self._resume_job_id, exc)
            error = f"There is no job {exc} in this database." if isinstance(exc, JobNotFound) else str(exc)
        except Exception as exc:
            log.exception("Pipeline worker failed")
            error = f"{type(exc).__name__}: {exc}"
        close_thread_connection(self.pipeline.store.db)
        # Emitting is the very last thing: the receiver may quit the thread at once.
        if result is not None:
            self.finished.emit(result)
        else:
            self.failed.emit(error or "The run ended without a result.")

    def _reopen(self, job_id: str) -> tuple[str, str]:
        """Put the job back to ``processing`` (it must be resumable here)."""
        job = self.pipeline.jobs.reopen(job_id, self._budget if self._raise_budget else None)
        return job.campaign_id, job_id

    def _send_stored_rows(self) -> None:
        """Send the leads a resumed job had already stored (the table starts empty)."""
        rows = self.pipeline.store.leads.since(self._job_id, 0)
        if rows:
            self._last_lead_id = rows[-1].lead_id
            self.rows_ready.emit(rows)

    # -- event handling (worker thread) ---------------------------------------

    def on_event(self, event: PipelineEvent) -> None:
        """Pipeline callback: coalesce progress, batch stored leads (thread-safe)."""
        with self._lock:
            self._handle(event)
        # Let the GUI thread take the GIL now: a fast run is CPU-bound, and every
        # Python call Qt makes while painting must otherwise wait for a switch.
        time.sleep(0)

    def _handle(self, event: PipelineEvent) -> None:
        now = self._clock()
        if isinstance(event, LeadStored):
            self._pending_leads += 1
            if self._pending_leads >= self._flush_rows or now - self._last_flush >= self._flush_interval:
                self._flush_rows_now(now)
        elif isinstance(event, ProgressEvent):
            stage_changed = event.stage != self._last_stage
            if stage_changed:
                # Rows of the previous stage go out before the new stage is shown.
                self._flush_rows_now(now)
            if stage_changed or now - self._last_progress >= self._progress_interval:
                self._emit_progress(event, now)
            else:
                self._pending_progress = event
        elif isinstance(event, CoverageEvent):
            self.coverage.emit(event)
        elif isinstance(event, JobFinished):
            self._flush_rows_now(now)
            self._flush_progress()

    def _emit_progress(self, event: ProgressEvent, now: float) -> None:
        self._pending_progress = None
        self._last_progress = now
        self._last_stage = event.stage
        self.progress.emit(event)

    def _flush_progress(self) -> None:
        if self._pending_progress is not None:
            self._emit_progress(self._pending_progress, self._clock())

    def _flush_rows_now(self, now: float | None = None) -> None:
        if not self._pending_leads or not self._job_id:
            return
        self._last_flush = self._clock() if now is None else now
        self._pending_leads = 0
        rows = self.pipeline.store.leads.since(self._job_id, self._last_lead_id)
        if rows:
            self._last_lead_id = rows[-1].lead_id
            self.rows_ready.emit(rows)
