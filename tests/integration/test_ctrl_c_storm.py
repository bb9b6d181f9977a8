"""Ctrl-C can never hang: SIGINT storms at many points of a run, in-process and as a command.

Seen (issue 10): 2 of 15 SIGINTs around a slow first page hung the command for good, and a
second SIGINT did nothing. The causes: the pipeline's 5 ms ``SimpleQueue.get`` waits, which a
signal arriving as the timeout runs out turns into a wait without end (CPython 3.11), and a
handler taking locks the interrupted thread could hold. Here the pipeline runs *on the main
thread*, where the handler interrupts it, as the command ran it then: storms of SIGINTs are sent
at points chosen (seeded) by the request count the fake has seen, and the handler is slower than
those old timeouts, the worst case. Every run must end ``cancelled`` soon after the first signal
(``EXIT_WITHIN``; the promise of 1 s is printed as a figure, not judged on a busy machine). A few
runs of the real command then check exit 130 the same way, each storm synchronised on what the
fake has seen (a page out, searches out, the answers back).
"""

from __future__ import annotations

import faulthandler
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest

from leadgen_desktop.core.run.pipeline import Pipeline
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import CampaignConfig, CancelToken, JobStatus
from tests.fakes.api_server import FakeApis, Received, cli_env, serve
from tests.fakes.cli_support import campaign_args
from tests.fakes.live_support import live_providers

EXIT_WITHIN = 5.0
"""Seconds the exit may take here. DESIGN section 4 promises 1 s, and the figure is printed (about
0.1-0.3 s on a quiet machine); the verdict is generous for a busy 2-core machine and still far below
every wait an exit must cut short (the retry back-off, the 30 s request deadline)."""
HANG_GUARD = 20.0
"""If a storm ever hangs the main thread, the suite dies with every thread's stack instead of hanging."""
STORMS = 12


class Storm:
    """Sends ``signals`` SIGINTs to the main thread once the fake has seen ``after`` requests."""

    def __init__(self, fake: FakeApis, after: int, signals: int, seed: int) -> None:
        self.after, self.signals = after, signals
        self.rng = random.Random(seed)
        self.start = threading.Event()
        self.stop = threading.Event()
        self.first_sent: float | None = None
        self.sent = 0
        self._seen = 0
        self._lock = threading.Lock()
        fake.before_answer = self._count
        self.thread = threading.Thread(target=self._blow, daemon=True)
        self.thread.start()

    def _count(self, _received: Received) -> None:
        with self._lock:
            self._seen += 1
            if self._seen >= self.after:
                self.start.set()

    def _blow(self) -> None:
        main = threading.main_thread().ident
        assert main is not None
        if not self.start.wait(HANG_GUARD):
            return
        for _ in range(self.signals):
            if self.stop.is_set():
                return
            if self.first_sent is None:
                self.first_sent = time.monotonic()
            signal.pthread_kill(main, signal.SIGINT)
            self.sent += 1
            time.sleep(self.rng.uniform(0.0, 0.004))  # spread over the handler's own run time

    def finish(self) -> None:
        self.stop.set()
        self.start.set()
        self.thread.join(HANG_GUARD)


@pytest.fixture
def slow_sigint_handler() -> Iterator[list[CancelToken]]:
    """SIGINT cancels the current token, then takes 10 ms (longer than the old 5 ms waits)."""
    tokens: list[CancelToken] = []

    def handler(_signum: int, _frame: FrameType | None) -> None:
        tokens[-1].cancel()
        time.sleep(0.01)

    previous = signal.signal(signal.SIGINT, handler)
    faulthandler.dump_traceback_later(HANG_GUARD * 2, exit=True)
    try:
        yield tokens
    finally:
        faulthandler.cancel_dump_traceback_later()
        signal.signal(signal.SIGINT, previous)


def test_sigint_storms_on_the_main_thread_always_end_the_run_promptly(
    tmp_path: Path, slow_sigint_handler: list[CancelToken]
) -> None:
    rng = random.Random(1013)
    took: list[float] = []
    for number in range(STORMS):
        fake = FakeApis(latencies={"google_places": 0.1, "hunter": 0.01, "neverbounce": 0.01})
        store = Store.open(tmp_path / f"{number}.db")
        pipeline = Pipeline(store, live_providers(fake))
        _, job_id = pipeline.start(CampaignConfig("dentist", "Austin, TX", max_results=20, min_score=0))
        token = CancelToken()
        slow_sigint_handler.append(token)
        after = 1 if number % 3 == 0 else rng.randint(2, 24)  # 1: only the first page is out
        storm = Storm(fake, after=after, signals=rng.randint(2, 12), seed=number)
        try:
            finished = pipeline.run(job_id, token, lambda _e: None)  # on the main thread, like the command
            ended = time.monotonic()
        finally:
            storm.finish()
        if storm.first_sent is None:  # the run ended before this storm's point: nothing to judge
            assert finished.status is JobStatus.COMPLETED
            continue
        assert finished.status is JobStatus.CANCELLED, (number, finished.status, finished.error)
        took.append(ended - storm.first_sent)
        job = store.jobs.get(job_id)
        assert job is not None
        assert job.status is JobStatus.CANCELLED
        store.db.close()
    print(f"SIGINT storms: {len(took)} cancelled, slowest {max(took) * 1000:.0f} ms")
    assert len(took) >= STORMS // 2
    assert max(took) < EXIT_WITHIN


# -- the command -----------------------------------------------------------------------------


def run_and_storm(
    base_url: str, root: Path, fake: FakeApis, after: int, signals: int
) -> tuple[int, float, str]:
    """Start ``leadgen run``; once the fake saw ``after`` requests, send ``signals`` SIGINTs."""
    seen = threading.Semaphore(0)
    fake.before_answer = lambda _received: seen.release()
    proc = subprocess.Popen(
        [sys.executable, "-m", "leadgen_desktop.cli", "run", *campaign_args(20), "--db", str(root / "t.db"),
         "--json"],
        env=cli_env(base_url, root), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        for _ in range(after):
            assert seen.acquire(timeout=30), "the command never sent its requests"
        started = time.monotonic()
        for _ in range(signals):
            proc.send_signal(signal.SIGINT)
        code = proc.wait(HANG_GUARD)
        took = time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.kill()
        _out, err = proc.communicate()
    return code, took, err


@pytest.mark.parametrize(
    ("after", "signals"),
    [
        (1, 1),  # the first page is out (held for a moment by the fake's latency)
        (3, 3),  # searches out while discovery goes on: a storm (the second exits at once)
        (12, 1),  # enrichment in full flow
    ],
)
def test_the_command_exits_130_promptly_on_ctrl_c(tmp_path: Path, after: int, signals: int) -> None:
    fake = FakeApis(latencies={"google_places": 0.4, "hunter": 0.05, "neverbounce": 0.05})
    with serve(fake) as base_url:
        code, took, stderr = run_and_storm(base_url, tmp_path, fake, after, signals)
    print(f"SIGINT x{signals} after {after} request(s): exit {code} in {took * 1000:.0f} ms")
    assert code == 130, stderr
    assert took < EXIT_WITHIN
