"""Owns the QThread and the pipeline worker of the current run (one run at a time)."""

from __future__ import annotations

import logging
import sys
import weakref
from collections.abc import Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot

from leadgen_desktop.core.run.pipeline import Pipeline
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import CampaignConfig, CancelToken, JobFinished, Providers
from leadgen_desktop.gui.run.worker import PipelineWorker
from leadgen_desktop.settings import load_settings
from leadgen_desktop.wiring import build_pipeline

PipelineFactory = Callable[[Store, Providers], Pipeline]

GUI_SWITCH_INTERVAL = 0.0005
"""GIL switch interval (seconds) while a run's threads compete with the GUI thread."""


def default_pipeline_factory(repo: Store, providers: Providers) -> Pipeline:
    """A pipeline with the user's current settings (prices, cache lifetime)."""
    return build_pipeline(repo, providers, load_settings())


log = logging.getLogger(__name__)


_RunEntry = tuple[QThread, PipelineWorker, CancelToken]


_ORPHANS: list[_RunEntry] = []
"""Runs that could not be joined when their controller went away; kept until exit."""


def _join_threads(entries: list[_RunEntry], timeout_ms: int = 10_000) -> None:
    """Cancel and join runs whose controller is being collected (a QThread must not die running)."""
    current = QThread.currentThread()
    for entry in entries:
        thread, _worker, token = entry
        token.cancel()
        try:
            if thread is current or (thread.isRunning() and not _quit_and_wait(thread, timeout_ms)):
                _ORPHANS.append(entry)
        except RuntimeError:  # the C++ thread is already gone
            continue
    entries.clear()


def _quit_and_wait(thread: QThread, timeout_ms: int) -> bool:
    thread.quit()
    return bool(thread.wait(timeout_ms))


class RunAlreadyActive(RuntimeError):
    """:meth:`RunController.start` was called while a run is still going."""


class RunController(QObject):
    """Starts, cancels and shuts down pipeline runs; re-emits the worker's signals.

    Wiring (Qt's worker-object pattern): ``thread.started -> worker.run``,
    ``worker.finished/failed -> thread.quit``; once the thread has stopped,
    :meth:`_on_thread_finished` drops the worker here, on the GUI thread (so its
    C++ object is destroyed where the GIL is held), and ``deleteLater``-s the thread.
    The worker is deliberately not ``deleteLater``-ed on its own thread: its
    destructor would take Qt's connection lock and then wait for the GIL, while
    the GUI thread may hold the GIL and wait for that lock (a deadlock seen in CI). Cancelling sets the
    run's :class:`CancelToken` directly (no queued slot). All connections to
    this object go to ``@Slot`` methods, so they are queued into the GUI thread.

    Signals:
        job_started(str job_id, str campaign_id): the job is in the database
            as ``processing``.
        progress(object): a throttled :class:`ProgressEvent`.
        rows_ready(list): a ``list[LeadRecord]`` batch of newly stored leads.
        finished(object): the run's :class:`JobFinished`; the run is over.
        failed(str): the worker hit an unexpected error; the run is over.
    """

    job_started = Signal(str, str)
    progress = Signal(object)
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
        self._worker: PipelineWorker | None = None
        self._thread: QThread | None = None
        self._token: CancelToken | None = None
        self._running = False
        self._job_id: str | None = None
        # (thread, worker, token) kept alive until the thread has stopped: dropping the
        # last Python reference earlier would delete a running QThread or a worker
        # still in use on its thread. The finalizer covers a controller collected
        # without shutdown() (e.g. its window destroyed without being closed).
        self._threads: list[_RunEntry] = []
        self._finalizer = weakref.finalize(self, _join_threads, self._threads)

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
    def cancel_requested(self) -> bool:
        """True when the current run has been asked to stop."""
        return self._token is not None and self._token.cancelled

    def start(self, config: CampaignConfig, providers: Providers) -> None:
        """Run ``config`` with ``providers`` on a new thread.

        Raises:
            RunAlreadyActive: a run is still going.
        """
        if self._running:
            raise RunAlreadyActive("A campaign is already running; cancel it first.")
        token = CancelToken()
        self._launch(PipelineWorker(self._pipeline_factory(self._repo, providers), config, token), token)

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
        self._launch(worker, token)

    def _launch(self, worker: PipelineWorker, token: CancelToken) -> None:
        """Move ``worker`` to a new thread, wire it (see the class docstring) and start it."""
        thread = QThread()
        thread.setObjectName("pipeline-worker")
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.job_started.connect(self._on_job_started)
        worker.progress.connect(self._on_progress)
        worker.rows_ready.connect(self._on_rows_ready)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        worker.finished.connect(thread.quit)
        worker.failed.connect(thread.quit)
        thread.finished.connect(self._on_thread_finished)
        self._worker, self._thread, self._token = worker, thread, token
        self._threads.append((thread, worker, token))
        self._running = True
        self._job_id = None
        # A CPU-bound run would otherwise hold the GIL for 5 ms slices while the GUI
        # thread waits for it on every Python call Qt makes (painting, slots).
        sys.setswitchinterval(min(sys.getswitchinterval(), GUI_SWITCH_INTERVAL))
        thread.start()

    def cancel(self) -> None:
        """Ask the current run to stop; it ends with status ``cancelled``."""
        if self._token is not None:
            self._token.cancel()

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Cancel, stop and join every worker thread; False if one did not stop in time."""
        self.cancel()
        stopped = True
        for thread, _worker, _token in list(self._threads):
            thread.quit()
            if not thread.wait(timeout_ms):
                log.warning("The pipeline thread did not stop within %d ms", timeout_ms)
                stopped = False
        self._release_finished_threads()
        return stopped

    # -- slots (GUI thread) -------------------------------------------------------

    @Slot(str, str)
    def _on_job_started(self, job_id: str, campaign_id: str) -> None:
        self._job_id = job_id
        self.job_started.emit(job_id, campaign_id)

    @Slot(object)
    def _on_progress(self, event: object) -> None:
        self.progress.emit(event)

    @Slot(list)
    def _on_rows_ready(self, rows: list[object]) -> None:
        self.rows_ready.emit(rows)

    @Slot(object)
    def _on_finished(self, result: JobFinished) -> None:
        self._run_over()
        self.finished.emit(result)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._run_over()
        self.failed.emit(message)

    @Slot()
    def _on_thread_finished(self) -> None:
        self._release_finished_threads()

    # -- helpers -------------------------------------------------------------------

    def _run_over(self) -> None:
        self._running = False
        self._worker = None
        self._thread = None

    def _release_finished_threads(self) -> None:
        """Drop (and ``deleteLater``) threads that have stopped, with their workers.

        Dropping the last Python reference to a worker destroys its C++ object
        here, on the GUI thread, after its thread has finished.
        """
        still_running = [entry for entry in self._threads if not entry[0].isFinished()]
        for thread, _worker, _token in self._threads:
            if thread.isFinished():
                thread.wait()  # returns at once, or after the last few instructions of the thread
                thread.deleteLater()
        self._threads[:] = still_running  # in place: the finalizer holds this list

    @property
    def active_threads(self) -> int:
        """How many worker threads have not been released yet."""
        return len(self._threads)
