"""The window's one way to work in the background: a worker QObject run once on its own QThread.

Every background job of the window goes through :class:`ThreadTask`: a
campaign run (:class:`~leadgen_desktop.gui.run.run_controller.RunController`),
the CSV export, the All-leads load and the Settings key test. It is Qt's
worker-object pattern, written once:

* the worker is a QObject with a ``run`` slot (see :class:`TaskWorker`), moved
  to a new QThread; ``thread.started -> worker.run``, and each of the worker's
  end signals -> ``thread.quit``;
* the worker reports through its own signals, connected by the owner to
  ``@Slot`` methods of GUI-thread objects (so they are queued); it is cancelled
  through a token or an event it checks, never through a queued slot (its
  ``run`` does not return to the event loop until it is done);
* the worker closes its thread's SQLite connection with
  :func:`close_thread_connection` and emits its last signal as the very last
  thing it does (the receiver may join the thread at once);
* Python references to the thread and the worker are kept (in :data:`_LIVE`)
  until the thread has stopped, so neither is collected while it runs, even
  when the owner is gone; :func:`join_live_tasks` joins whatever is left when
  the window closes;
* once the thread has stopped, the worker is released here, on the GUI thread,
  and the thread is ``deleteLater``-ed. The worker is never ``deleteLater``-ed
  on its own thread: its destructor would take Qt's connection lock and then
  wait for the GIL, while the GUI thread may hold the GIL and wait for that
  lock (a deadlock seen in CI).

The core has its own, Qt-free pool for provider calls
(:class:`~leadgen_desktop.core.run.worker_pool.WorkerPool`); nothing in
``gui/`` starts a Python thread or uses ``QThreadPool``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from PySide6.QtCore import QObject, QThread, Signal, SignalInstance, Slot

from leadgen_desktop.db.database import Database

log = logging.getLogger(__name__)

JOIN_TIMEOUT_MS = 10_000
"""How long :meth:`ThreadTask.join` waits by default (a cancelled run stops well within it)."""

_LIVE: set[ThreadTask] = set()
"""Started tasks whose thread has not been released yet."""


class TaskWorker(Protocol):
    """What :class:`ThreadTask` needs of a worker: a QObject with a ``run`` slot."""

    def moveToThread(self, thread: QThread, /) -> bool:
        """Qt's :meth:`QObject.moveToThread`."""

    def run(self) -> None:
        """Do the work on the task's thread; emit one of the end signals last."""


def close_thread_connection(db: Database) -> None:
    """Close the calling thread's connection to ``db`` (peewee keeps one per thread); never raises.

    A worker calls it at the end of its ``run``, before its last signal, so the
    thread leaves no SQLite connection (and no WAL read lock) behind.
    """
    try:
        db.close()
    except Exception:
        log.warning("Could not close a worker thread's database connection", exc_info=True)


class ThreadTask(QObject):
    """Owns one QThread running ``worker.run`` once, from :meth:`start` to its release.

    Signals:
        stopped(): the thread has stopped and both it and the worker were
            released (GUI thread); emitted once, also after :meth:`join`.
    """

    stopped = Signal()

    def __init__(self, worker: TaskWorker, name: str, end_signals: Sequence[SignalInstance]) -> None:
        super().__init__()  # no parent: the task must outlive whoever started it while it runs
        self._worker: TaskWorker | None = worker
        self._qthread: QThread | None = QThread()
        self._qthread.setObjectName(name)
        worker.moveToThread(self._qthread)
        self._qthread.started.connect(worker.run)
        for signal in end_signals:
            signal.connect(self._qthread.quit)
        self._qthread.finished.connect(self._release)

    @property
    def name(self) -> str:
        """The thread's name (shown in logs and in a leaked-thread report)."""
        return self._qthread.objectName() if self._qthread is not None else ""

    @property
    def qthread(self) -> QThread | None:
        """The task's QThread until it has been released (then None)."""
        return self._qthread

    @property
    def worker(self) -> TaskWorker | None:
        """The worker until the thread has been released (then None)."""
        return self._worker

    @property
    def running(self) -> bool:
        """True from construction until the thread has stopped."""
        return self._qthread is not None and not self._qthread.isFinished()

    def start(self) -> None:
        """Start the thread (the worker's ``run`` slot runs on it)."""
        if self._qthread is not None:
            _LIVE.add(self)
            self._qthread.start()

    def join(self, timeout_ms: int = JOIN_TIMEOUT_MS) -> bool:
        """Ask the thread's event loop to quit, wait for the thread and release it; False on timeout.

        The worker must have been asked to stop first (its token or event):
        ``quit`` only ends the thread once ``run`` has returned. Called on the
        task's own thread (a finalizer can run anywhere) it returns False at once.
        """
        thread = self._qthread
        if thread is None:
            return True
        if QThread.currentThread() is thread:
            return False
        thread.quit()
        if not thread.wait(timeout_ms):
            log.warning("Thread %s did not stop within %d ms", thread.objectName(), timeout_ms)
            return False
        self._release()
        return True

    @Slot()
    def _release(self) -> None:
        thread, self._qthread, self._worker = self._qthread, None, None
        if thread is None:
            return
        thread.wait()  # returns at once, or after the last few instructions of the thread
        thread.deleteLater()
        _LIVE.discard(self)
        self.stopped.emit()


def live_tasks() -> list[ThreadTask]:
    """Tasks started and not released yet (the test suite checks none is left behind)."""
    return list(_LIVE)


def join_live_tasks(timeout_ms: int = JOIN_TIMEOUT_MS) -> bool:
    """Join every task still alive (their owners asked them to stop); False if one did not stop."""
    return all([task.join(timeout_ms) for task in live_tasks()])
