"""Run one worker QObject on its own QThread (Qt's worker-object pattern), start to join.

Used by the CSV export and the All-leads loader: ``thread.started ->
worker.run``, the worker's end signals -> ``thread.quit``. The Python
references to both are kept until the thread has stopped, so neither is
collected while it still runs; then the worker is released on the GUI thread
(never ``deleteLater``-ed on its own: see :mod:`leadgen_desktop.gui.run.run_controller`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from PySide6.QtCore import QObject, QThread, SignalInstance, Slot

log = logging.getLogger(__name__)

_LIVE: set[ThreadTask] = set()
"""Started tasks whose thread has not been released yet."""


class ThreadTask(QObject):
    """Owns one QThread running ``worker.run`` once.

    Signals: none of its own; connect to the worker's signals before :meth:`start`.
    """

    def __init__(self, worker: QObject, name: str, end_signals: Sequence[SignalInstance]) -> None:
        super().__init__()
        self.worker: QObject | None = worker
        self.thread: QThread | None = QThread()
        self.thread.setObjectName(name)
        worker.moveToThread(self.thread)
        self.thread.started.connect(worker.run)  # type: ignore[attr-defined]
        for signal in end_signals:
            signal.connect(self.thread.quit)
        self.thread.finished.connect(self._on_thread_finished)

    def start(self) -> None:
        """Start the thread (the worker's ``run`` slot runs on it)."""
        if self.thread is not None:
            _LIVE.add(self)
            self.thread.start()

    @property
    def running(self) -> bool:
        """True until the thread has stopped."""
        return self.thread is not None and not self.thread.isFinished()

    def join(self, timeout_ms: int = 10_000) -> bool:
        """Ask the thread's event loop to quit and wait for it; False on timeout."""
        thread = self.thread
        if thread is None:
            return True
        thread.quit()
        if not thread.wait(timeout_ms):
            log.warning("Thread %s did not stop within %d ms", thread.objectName(), timeout_ms)
            return False
        self._on_thread_finished()
        return True

    @Slot()
    def _on_thread_finished(self) -> None:
        thread, self.thread, self.worker = self.thread, None, None
        if thread is not None:
            thread.wait()
            thread.deleteLater()
        _LIVE.discard(self)
