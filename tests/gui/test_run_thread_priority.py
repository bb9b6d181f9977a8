"""A run's threads keep the window thread's OS priority (Linux ``nice``).

Why it matters: every thread of a run takes Python's interpreter lock. A run thread
at a lower priority that is descheduled while it holds the lock (another process
busy on the machine) makes the window's thread wait for the lock until the OS runs
that thread again: the stall probe measured gaps of 0.4-1.6 s that were almost all
such waiting (benchmarks/stall_probe.py with ``--busy``; see the README).

Verdicts compare priorities read from the threads themselves; nothing depends on timing.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from leadgen_desktop.core.run.worker_pool import Inbox, Request, RequestPool
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import CampaignConfig, CancelToken, JobFinished, JobStatus, Metrics, PipelineEvent
from leadgen_desktop.gui.run.worker import PipelineWorker

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")

GUARD = 10.0
"""Hang guard for waits that end at once when the code is right."""


def thread_niceness() -> int:
    """The calling thread's own nice value."""
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def test_request_threads_run_at_the_priority_of_the_thread_that_submits() -> None:
    inbox = Inbox()
    pool = RequestPool({"search": 1}, inbox, CancelToken())
    try:
        pool.submit(Request("search", "k", lambda _stop: thread_niceness()))
        finished = inbox.next(GUARD)
    finally:
        pool.close()
    assert pool.join(GUARD)
    assert finished is not None
    assert finished.outcome == thread_niceness()  # type: ignore[attr-defined]


class _RecordingPipeline:
    """Starts and runs a job at once, noting the nice value of the thread it runs on."""

    def __init__(self, repo: Store) -> None:
        self.store = repo
        self.niceness: list[int] = []

    def start(self, config: CampaignConfig) -> tuple[str, str]:
        self.niceness.append(thread_niceness())
        return "camp", "job"

    def run(self, job_id: str, cancel: CancelToken, on_event: Callable[[PipelineEvent], None]) -> JobFinished:
        self.niceness.append(thread_niceness())
        return JobFinished(job_id, "camp", JobStatus.COMPLETED, Metrics())


def test_the_pipeline_worker_runs_at_the_priority_of_the_thread_that_started_it(tmp_path: Path) -> None:
    repo = Store.open(tmp_path / "t.db")
    pipeline = _RecordingPipeline(repo)
    worker = PipelineWorker(pipeline, CampaignConfig("dentist", "Austin, TX"), CancelToken())  # type: ignore[arg-type]
    results: list[object] = []
    direct = Qt.ConnectionType.DirectConnection  # emitted on the run's thread, which has no event loop
    worker.finished.connect(results.append, direct)
    worker.failed.connect(results.append, direct)
    thread = threading.Thread(target=worker.run)  # a thread that starts at this thread's priority
    thread.start()
    thread.join(GUARD)
    repo.db.close()
    assert not thread.is_alive()
    assert [type(result) for result in results] == [JobFinished]
    assert pipeline.niceness == [thread_niceness(), thread_niceness()]
