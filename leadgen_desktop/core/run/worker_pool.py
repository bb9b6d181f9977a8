"""A small pool of daemon threads for provider calls.

Unlike ``concurrent.futures.ThreadPoolExecutor``, abandoned work never keeps
the process alive: after a cancel the pipeline stops waiting at once, and a
request still in flight finishes (or times out) in a daemon thread that the
interpreter does not join at exit. Results travel back to the owning thread
through a queue; the pool itself never touches the database.
"""

from __future__ import annotations

import logging
import os
import queue
import sys
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

Task = Callable[[], None]
BACKGROUND_NICENESS = 10
"""How much lower than the window's thread background threads run (Linux ``nice`` steps)."""


def lower_thread_priority(steps: int = BACKGROUND_NICENESS) -> None:
    """Make the calling thread yield the CPU to the interactive one (where the OS allows it).

    On Linux a thread has its own nice value; elsewhere, or without permission, nothing changes.
    """
    setpriority = getattr(os, "setpriority", None)
    if setpriority is None or not sys.platform.startswith("linux"):
        return
    try:
        tid = threading.get_native_id()
        setpriority(os.PRIO_PROCESS, tid, min(os.getpriority(os.PRIO_PROCESS, tid) + steps, 19))
    except OSError:
        pass


class WorkerPool:
    """Runs tasks on up to ``size`` daemon threads, started lazily."""

    def __init__(self, size: int, name: str = "leadgen-io") -> None:
        self._size = max(1, size)
        self._name = name
        self._tasks: queue.SimpleQueue[Task | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._idle = 0  # threads waiting for a task
        self._pending = 0  # tasks queued but not yet picked up
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, task: Task) -> None:
        """Queue ``task``; it must catch its own exceptions and report through a queue."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the worker pool is closed")
            self._pending += 1
            if self._pending > self._idle and len(self._threads) < self._size:
                thread = threading.Thread(
                    target=self._loop, name=f"{self._name}-{len(self._threads) + 1}", daemon=True
                )
                self._threads.append(thread)
                self._idle += 1
                thread.start()
        self._tasks.put(task)

    def close(self) -> int:
        """Stop accepting work and drop queued tasks; return how many were dropped.

        Idle threads exit at once, busy ones after their current task.
        """
        dropped = 0
        with self._lock:
            if self._closed:
                return 0
            self._closed = True
            count = len(self._threads)
            while True:
                try:
                    task = self._tasks.get_nowait()
                except queue.Empty:
                    break
                if task is not None:
                    dropped += 1
                    self._pending -= 1
        for _ in range(count):
            self._tasks.put(None)
        return dropped

    def _loop(self) -> None:
        lower_thread_priority()
        while True:
            task = self._tasks.get()
            if task is None:
                return
            with self._lock:
                self._pending -= 1
                self._idle -= 1
            try:
                task()
            except Exception:  # pragma: no cover - tasks report their own errors
                log.exception("Unhandled error in a provider task")
            with self._lock:
                self._idle += 1
