"""CSV export on a background thread, with a progress bar and Cancel in the status bar.

The rows stream from the database in batches of plain values
(:func:`~leadgen_desktop.core.export.job_rows` for one job,
:func:`~leadgen_desktop.core.export.all_rows` for every campaign) straight into
:func:`~leadgen_desktop.core.export.write_csv`, whose ``on_row`` callback
(after each batch) reports progress (throttled to about ten signals a second)
and raises :class:`ExportCancelled` once Cancel was pressed. ``write_csv`` writes to a
temporary sibling and renames it into place only at the end, so a cancelled
or failed export removes its temporary file and never touches an existing
file at the destination; a target that is not a regular file (a FIFO, a
device, a broken link) is refused. Exporting a job that is still running
writes what is stored so far and says so.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QProgressBar, QPushButton, QStatusBar, QWidget

from leadgen_desktop.core.export import (
    ExportError,
    ExportRows,
    all_rows,
    check_output_path,
    job_rows,
    unfinished_job_notice,
    write_csv,
)
from leadgen_desktop.core.jobs import Jobs
from leadgen_desktop.db.store import Store
from leadgen_desktop.gui.thread_task import ThreadTask, close_thread_connection

log = logging.getLogger(__name__)

PROGRESS_INTERVAL = 0.1
"""Seconds between two progress signals."""

RowsFactory = Callable[[], ExportRows]


class ExportCancelled(Exception):
    """Raised inside ``on_row`` to stop an export (the temporary file is removed)."""


class ExportWorker(QObject):
    """Writes one CSV on its thread; see the module docstring.

    Signals:
        progress(int rows_written): at most about ten a second.
        done(int rows_written): the file is in place.
        failed(str message): nothing was written (a previous file is untouched).
        cancelled(): stopped on request; nothing was written.
    """

    progress = Signal(int)
    done = Signal(int)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(
        self,
        repo: Store,
        rows: RowsFactory,
        path: Path,
        cancel: threading.Event,
        interval: float = PROGRESS_INTERVAL,
    ) -> None:
        super().__init__()
        self._repo, self._rows, self._path, self._cancel = repo, rows, path, cancel
        self._interval = interval
        self._last = 0.0

    @Slot()
    def run(self) -> None:
        """Stream the rows into the file; emit exactly one of done/failed/cancelled last."""
        outcome: Callable[[], None]
        try:
            count = write_csv(self._rows(), self._path, self._on_row)
            outcome = lambda: self.done.emit(count)  # noqa: E731
        except ExportCancelled:
            outcome = self.cancelled.emit
        except ExportError as exc:
            message = str(exc)
            outcome = lambda: self.failed.emit(message)  # noqa: E731
        except Exception as exc:
            log.exception("CSV export failed")
            message = f"{type(exc).__name__}: {exc}"
            outcome = lambda: self.failed.emit(message)  # noqa: E731
        close_thread_connection(self._repo.db)
        outcome()

    def _on_row(self, count: int) -> None:
        if self._cancel.is_set():
            raise ExportCancelled
        now = time.monotonic()
        if now - self._last >= self._interval:
            self._last = now
            self.progress.emit(count)


class ExportJob(QObject):
    """Starts exports, shows their progress and Cancel in a status bar, reports the result.

    ``report(text, kind)`` shows a message to the user (``kind`` is ``info``
    or ``error``); the status bar always gets the outcome too.

    Signals:
        finished(int rows, str path): the file was written.
        failed(str message): the export failed (also reported).
        cancelled(): the user cancelled (also reported).
    """

    finished = Signal(int, str)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(
        self,
        repo: Store,
        status_bar: QStatusBar,
        report: Callable[[str, str], None] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._repo = repo
        self._status_bar = status_bar
        self._report = report
        self._task: ThreadTask | None = None
        self._cancel = threading.Event()
        self._path = Path()
        self._total = 0
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("exportProgress")
        self.progress_bar.setAccessibleName("Export progress")
        self.progress_bar.setMaximumWidth(220)
        self.progress_bar.setFormat("Export %p%")
        self.cancel_button = QPushButton("Cancel export")
        self.cancel_button.setObjectName("exportCancelButton")
        self.cancel_button.clicked.connect(self.cancel)
        self.widget = QWidget()
        layout = QHBoxLayout(self.widget)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.cancel_button)
        self.widget.hide()
        status_bar.addPermanentWidget(self.widget)

    @property
    def running(self) -> bool:
        """True while an export is being written."""
        return self._task is not None

    def export_job(self, job_id: str, path: Path) -> bool:
        """Export one job's leads to ``path`` in the background; False if it could not start.

        A job that has not finished is exported all the same (what is stored so far) and
        the user is told so.
        """
        started = self._start(lambda: job_rows(self._repo, job_id), self._repo.leads.count(job_id), path)
        notice = unfinished_job_notice(Jobs(self._repo), job_id) if started else None
        if notice:
            self._tell(notice, "info")
        return started

    def export_all(self, path: Path) -> bool:
        """Export the leads of every campaign to ``path`` in the background."""
        return self._start(lambda: all_rows(self._repo), self._repo.all_leads.count(), path)

    @Slot()
    def cancel(self) -> None:
        """Stop the running export; nothing is written."""
        if self._task is not None:
            self._cancel.set()
            self.cancel_button.setEnabled(False)

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Cancel a running export and wait for its thread (window closing)."""
        if self._task is not None:
            self._cancel.set()
            self._task.join(timeout_ms)
            self._task = None
            self.widget.hide()

    def _start(self, rows: RowsFactory, total: int, path: Path) -> bool:
        if self._task is not None:
            self._tell("An export is already running; wait for it or cancel it.", "error")
            return False
        problem = check_output_path(path)
        if problem is not None:
            self._tell(f"Export failed: {problem}", "error")
            return False
        self._cancel = threading.Event()
        self._path, self._total = path, total
        worker = ExportWorker(self._repo, rows, path, self._cancel)
        worker.progress.connect(self._on_progress)
        worker.done.connect(self._on_done)
        worker.failed.connect(self._on_failed)
        worker.cancelled.connect(self._on_cancelled)
        self._task = ThreadTask(worker, "csv-export", (worker.done, worker.failed, worker.cancelled))
        self.progress_bar.setRange(0, max(total, 1))
        self.progress_bar.setValue(0)
        self.cancel_button.setEnabled(True)
        self.widget.show()
        self._status_bar.showMessage(f"Exporting {total:,} leads to {path}…")
        self._task.start()
        return True

    @Slot(int)
    def _on_progress(self, count: int) -> None:
        self.progress_bar.setValue(min(count, self.progress_bar.maximum()))

    @Slot(int)
    def _on_done(self, count: int) -> None:
        self._end()
        self._status_bar.showMessage(f"Exported {count} leads to {self._path}")
        self.finished.emit(count, str(self._path))

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._end()
        self._tell(f"Export failed: {message}", "error")
        self.failed.emit(message)

    @Slot()
    def _on_cancelled(self) -> None:
        self._end()
        self._status_bar.showMessage(f"Export cancelled; {self._path} was not written.")
        self.cancelled.emit()

    def _end(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.join()  # the worker has emitted its last signal: the thread ends at once
        self.widget.hide()

    def _tell(self, text: str, kind: str) -> None:
        self._status_bar.showMessage(text)
        if self._report is not None:
            self._report(text, kind)


def ask_export_path(parent: QWidget, name: str) -> Path | None:
    """Ask where to save ``name``.csv (home folder by default); None when cancelled."""
    default = str(Path.home() / f"{name}.csv")
    chosen, _filter = QFileDialog.getSaveFileName(parent, "Export CSV", default, "CSV files (*.csv)")
    if not chosen:
        return None
    path = Path(chosen)
    return path if path.suffix.lower() == ".csv" else path.with_name(path.name + ".csv")
