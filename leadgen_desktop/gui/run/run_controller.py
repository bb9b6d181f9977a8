"""Starts, cancels and joins the pipeline runs of the window (one run at a time)."""

from __future__ import annotations

import gc
import logging
import sys
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal, Slot

from leadgen_desktop.core.run.pipeline import Pipeline
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import CampaignConfig, CancelToken, JobFinished, Providers
from leadgen_desktop.gui.run.worker import PipelineWorker
from leadgen_desktop.gui.thread_task import JOIN_TIMEOUT_MS, ThreadTask
from leadgen_desktop.settings import load_settings
from leadgen_desktop.wiring import build_pipeline

log = logging.getLogger(__name__)

PipelineFactory = Callable[[Store, Providers], Pipeline]

GUI_SWITCH_INTERVAL = 0.0005
"""GIL switch interval (seconds) while a run's threads compete with the GUI thread."""
NO_FULL_COLLECTION = 2**30
"""The collector's third threshold while a run goes: full collections wait until it ends."""


def default_pipeline_factory(repo: Store, providers: Providers) -> Pipeline:
    """A pipeline with the user's current settings (prices, cache lifetime)."""
    return build_pipeline(repo, providers, load_settings())


class _SwitchInterval:
    """While at least one run goes: a short GIL switch interval and no full garbage collections.

    Why the interval: a run flat out is CPU-bound Python on two or more threads. With the
    default 5 ms interval the GUI thread waits up to 5 ms for the GIL on every
    call Qt makes into Python (slots, the row feeder), which shows as stalls;
    with 0.5 ms it gets the GIL back quickly (benchmarks/gui_bench.py measures
    it).

    Why no full collections: a collection stops every thread, the window's too, and
    a full one walks every object the run has made so far: 25-120 ms at a time in a
    1,000-lead demo run (benchmarks/stall_probe.py --profile shows them as ``gc ... gen2``).
    The young generations are still collected (a few ms at most); the full pass
    runs again after the run, when its garbage is collected as usual.

    Outside a run both are put back, so nothing else pays for them.
    """

    def __init__(self) -> None:
        self._saved = sys.getswitchinterval()
        self._saved_thresholds = gc.get_threshold()
        self._holders = 0

    def acquire(self) -> None:
        """One more run is going: lower the interval (the first run saves the current settings)."""
        if self._holders == 0:
            self._saved = sys.getswitchinterval()
            sys.setswitchinterval(min(self._saved, GUI_SWITCH_INTERVAL))
            self._saved_thresholds = gc.get_threshold()
            young, middle, *_full = self._saved_thresholds
            gc.set_threshold(young, middle, NO_FULL_COLLECTION)
        self._holders += 1

    def release(self) -> None:
        """One run has ended: the last one restores the saved settings."""
        self._holders = max(self._holders - 1, 0)
        if self._holders == 0:
            sys.setswitchinterval(self._saved)
            gc.set_threshold(*self._saved_thresholds)


_SWITCH_INTERVAL = _SwitchInterval()


@dataclass
class _Run:
    """One started run: its task (thread + worker) and its cancel token."""

    task: ThreadTask
    token: CancelToken
    holds_interval: bool = True


def _cancel_and_join(runs: list[_Run]) -> None:
    """Finalizer of a controller collected without :meth:`RunController.shutdown`.

    A QThread must not be destroyed while it runs: cancel every run and join it.
    A task that cannot be joined here (the finalizer runs on its own thread)
    stays alive in the task registry until its thread stops.
    """
    for run in runs:
        run.token.cancel()
        try:
            run.task.blockSignals(True)  # its ``stopped`` must not reach the controller being destroyed
            run.task.join(JOIN_TIMEOUT_MS)
        except RuntimeError:  # the C++ task is already gone
            continue
    for run in runs:
        if run.holds_interval:
            run.holds_interval = False
            _SWITCH_INTERVAL.release()
    runs.clear()


class RunAlreadyActive(RuntimeError):
    """:meth:`RunController.start` was called while a run is still going."""


class RunController(QObject):
    """Starts, cancels and shuts down pipeline runs; re-emits the worker's signals.

    Each run is a :class:`PipelineWorker` on a :class:`ThreadTask` (the window's
    one task helper: see :mod:`leadgen_desktop.gui.thread_task`). Cancelling sets
    the run's :class:`CancelToken` directly (no queued slot). All connections to
    this object go to ``@Slot`` methods, so they are queued into the GUI thread.
    A run's task is kept until its thread has stopped; a controller collected
    without :meth:`shutdown` (its window destroyed without being closed)
    cancels and joins its runs from a finalizer.

    Signals:
        job_started(str job_id, str campaign_id): the job is in the database
            as ``processing``.
        progress(object): a throttled :class:`ProgressEvent`.
        coverage(object): a :class:`CoverageEvent` of the area search (a few a second at most).
        rows_ready(list): a ``list[LeadRecord]`` batch of newly stored leads.
        finished(object): the run's :class:`JobFinished`; the run is over.
        failed(str): the worker hit an unexpected error; the run is over.
    """

    job_started = Signal(str, str)
    progress = Signal(object)
    coverage = Signal(object)
    rows_ready = Signal(list)
    finished = Signal(object)
    failed = Signal(str)

    def __init__(
        self,
        repo: Store,
        parent: QObject | None = None,
        pipeline_factory: PipelineFactory = default_pipeline_factory,
    ) -> None:
        super().__init__(parent)
        self._repo = repo
        self._pipeline_factory = pipeline_factory
        self._token: CancelToken | None = None
        self._demo = False
        self._running = False
        self._job_id: str | None = None
        self._runs: list[_Run] = []  # started and not released yet
        self._finalizer = weakref.finalize(self, _cancel_and_join, self._runs)

    # -- public API ---------------------------------------------------------------

    @property
    def is_running(self) -> bool:
        """True from :meth:`start` until ``finished`` or ``failed`` has been delivered."""
        return self._running

    @property
    def job_id(self) -> str | None:
        """The current (or last) run's job id, once ``job_started`` arrived."""
        return self._job_id

    @property
    def demo(self) -> bool:
        """True when the current (or last) run uses the offline demo providers."""
        return self._demo

    @property
    def cancel_requested(self) -> bool:
        """True when the current run has been asked to stop."""
        return self._token is not None and self._token.cancelled

    @property
    def tasks(self) -> list[ThreadTask]:
        """The runs' tasks whose thread has not been released yet (oldest first)."""
        return [run.task for run in self._runs]

    @property
    def active_threads(self) -> int:
        """How many run threads have not been released yet."""
        return len(self._runs)

    def start(self, config: CampaignConfig, providers: Providers) -> None:
        """Run ``config`` with ``providers`` on a new thread.

        Raises:
            RunAlreadyActive: a run is still going.
        """
        if self._running:
            raise RunAlreadyActive("A campaign is already running; cancel it first.")
        token = CancelToken()
        worker = PipelineWorker(self._pipeline_factory(self._repo, providers), config, token)
        self._launch(worker, token, providers.demo)

    def resume(
        self, job_id: str, providers: Providers, budget: float | None = None, raise_budget: bool = False
    ) -> None:
        """Resume the interrupted job ``job_id`` with ``providers`` on a new thread.

        The worker reopens the job (with ``budget`` when ``raise_budget``) and runs
        it; ``job_started`` follows as for a new run. A job held by another live
        process ends with ``failed`` and a message saying so.

        Raises:
            RunAlreadyActive: a run is still going.
        """
        if self._running:
            raise RunAlreadyActive("A campaign is already running; cancel it first.")
        token = CancelToken()
        pipeline = self._pipeline_factory(self._repo, providers)
        worker = PipelineWorker(
            pipeline, None, token, job_id=job_id, budget=budget, raise_budget=raise_budget
        )
        self._launch(worker, token, providers.demo)

    def cancel(self) -> None:
        """Ask the current run to stop; it ends with status ``cancelled``."""
        if self._token is not None:
            self._token.cancel()

    def shutdown(self, timeout_ms: int = JOIN_TIMEOUT_MS) -> bool:
        """Cancel, stop and join every run's thread; False if one did not stop in time."""
        self.cancel()
        stopped = True
        for run in list(self._runs):
            run.token.cancel()
            if run.task.join(timeout_ms):
                self._forget(run)
            else:
                log.warning("The pipeline thread did not stop within %d ms", timeout_ms)
                stopped = False
        return stopped

    # -- wiring ---------------------------------------------------------------------

    def _launch(self, worker: PipelineWorker, token: CancelToken, demo: bool) -> None:
        """Wire ``worker`` to this controller and start it on its own task."""
        task = ThreadTask(worker, "pipeline-worker", (worker.finished, worker.failed))
        worker.job_started.connect(self._on_job_started)
        worker.progress.connect(self._on_progress)
        worker.coverage.connect(self._on_coverage)
        worker.rows_ready.connect(self._on_rows_ready)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        task.stopped.connect(self._on_task_stopped)
        self._token = token
        self._demo = demo
        self._runs.append(_Run(task, token))
        self._running = True
        self._job_id = None
        _SWITCH_INTERVAL.acquire()
        task.start()

    def _forget(self, run: _Run) -> None:
        """Drop a run whose thread has been released, and give back its switch-interval hold."""
        if run in self._runs:
            self._runs.remove(run)
        if run.holds_interval:
            run.holds_interval = False
            _SWITCH_INTERVAL.release()

    # -- slots (GUI thread) -------------------------------------------------------

    @Slot(str, str)
    def _on_job_started(self, job_id: str, campaign_id: str) -> None:
        self._job_id = job_id
        self.job_started.emit(job_id, campaign_id)

    @Slot(object)
    def _on_progress(self, event: object) -> None:
        self.progress.emit(event)

    @Slot(object)
    def _on_coverage(self, event: object) -> None:
        self.coverage.emit(event)

    @Slot(list)
    def _on_rows_ready(self, rows: list[object]) -> None:
        self.rows_ready.emit(rows)

    @Slot(object)
    def _on_finished(self, result: JobFinished) -> None:
        self._running = False
        self.finished.emit(result)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._running = False
        self.failed.emit(message)

    @Slot()
    def _on_task_stopped(self) -> None:
        for run in [run for run in self._runs if not run.task.running]:
            self._forget(run)
