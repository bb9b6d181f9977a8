"""A job run from the command line so that Ctrl-C always works: the run on a thread, the main one waiting.

The first Ctrl-C cancels (the job is stored as ``cancelled``, resumable); a second one exits
130 at once, leaving the job as it was stored so far (``leadgen resume`` continues it). The
handler takes no lock (not even a stream's, to print): all saying happens after it.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from types import FrameType
from typing import TYPE_CHECKING, NoReturn

from leadgen_desktop.cli_parser import EXIT_CANCELLED
from leadgen_desktop.cli_report import Progress, summary_json
from leadgen_desktop.domain import CancelToken, JobFinished, JobStatus, Metrics, Waker

if TYPE_CHECKING:
    from leadgen_desktop.core.run.pipeline import Pipeline

SIGNAL_CHECK_INTERVAL = 0.2
"""Longest the main thread waits without letting a signal handler run (see run_with_ctrl_c)."""

CANCELLING_LINE = "leadgen: cancelling… (press Ctrl-C again to stop at once)"
"""Said on stderr at the first Ctrl-C (tests wait for it before sending the second)."""


def run_with_ctrl_c(pipeline: Pipeline, job_id: str, campaign_id: str, as_json: bool) -> JobFinished:
    """Run the job on a worker thread; the first SIGINT cancels it, a second one exits 130 at once.

    The main thread only waits, so its handler runs at once even while the run is blocked
    in C code (a socket, SQLite's busy wait). The run thread blocks SIGINT (and every thread
    it starts inherits that), so the kernel delivers the signal to the main thread, whose
    wait it interrupts; the bounded wait is the safety net where that cannot be arranged.
    The handler only counts, cancels and wakes this thread: the rest happens here, after it.
    When the run ends, its thread has closed its own database connection.
    """
    progress = Progress(sys.stderr, quiet=False)
    token = CancelToken()
    outcome: list[JobFinished | BaseException] = []
    wake = Waker()
    interrupts: list[int] = []

    def work() -> None:
        if hasattr(signal, "pthread_sigmask"):
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            outcome.append(pipeline.run(job_id, token, progress))
        except BaseException as exc:  # noqa: BLE001 - re-raised on the main thread
            outcome.append(exc)
        finally:
            pipeline.store.db.close()  # this thread's connection: else only the exit's collection closes it
            wake.wake()

    def on_sigint(_signum: int, _frame: FrameType | None) -> None:
        interrupts.append(_signum)  # one C-level step each: never interrupted halfway
        token.cancel()
        wake.wake()

    previous = signal.signal(signal.SIGINT, on_sigint)
    said_cancelling = False
    try:
        threading.Thread(target=work, name="leadgen-run", daemon=True).start()
        while True:
            if interrupts and not said_cancelling:
                print(CANCELLING_LINE, file=sys.stderr, flush=True)
                said_cancelling = True
            if outcome:
                break
            if len(interrupts) > 1:
                _exit_at_once(job_id, campaign_id, progress.metrics, as_json)
            wake.wait(SIGNAL_CHECK_INTERVAL)
    finally:
        signal.signal(signal.SIGINT, previous)
        progress.close()
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    return result


def _exit_at_once(job_id: str, campaign_id: str, metrics: Metrics, as_json: bool) -> NoReturn:
    """The second Ctrl-C: say what is kept, print the summary if asked, exit 130 without waiting."""
    error = (
        "Stopped at once by a second Ctrl-C: everything stored so far is kept; "
        f"continue with: leadgen resume {job_id}"
    )
    if as_json:
        stopped = JobFinished(job_id, campaign_id, JobStatus.CANCELLED, metrics, error=error)
        print(json.dumps(summary_json(stopped)), flush=True)
    print(f"leadgen: {error}", file=sys.stderr, flush=True)
    os._exit(EXIT_CANCELLED)
