"""A second Ctrl-C exits 130 at once, even while the first one's shutdown is stuck.

The shutdown is made to hang on purpose: the test holds the database's write lock,
so the cancelled run cannot store its final state until SQLite's busy timeout. The
signals are synchronised on what the command says: the first SIGINT is sent once the
first search is out (the fake saw it), the second once the command has said on
stderr that it is cancelling. Nothing is stored by the stopped process after that, and
``leadgen resume`` then completes the job: nothing is lost.
"""

from __future__ import annotations

import json
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from leadgen_desktop.cli import CANCELLING_LINE
from tests.fakes.api_server import FakeApis, cli_env
from tests.fakes.cli_support import campaign_args, run_leadgen, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
def fake() -> FakeApis:
    return FakeApis(latencies={"google_places": 0.5})  # the first page is out long enough to be seen


class StderrLines:
    """Reads a process's stderr on a thread; ``wait_for_line`` blocks until a line is seen."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        assert proc.stderr is not None
        stream = proc.stderr
        threading.Thread(target=lambda: [self.lines.put(line) for line in stream], daemon=True).start()

    def wait_for_line(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text not in "".join(self.seen):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{text!r} never came on stderr; got {self.seen}")
            try:
                self.seen.append(self.lines.get(timeout=left))
            except queue.Empty:
                continue

    def rest(self) -> str:
        while not self.lines.empty():
            self.seen.append(self.lines.get_nowait())
        return "".join(self.seen)


def test_a_second_ctrl_c_exits_130_at_once_and_the_job_resumes(
    fake: FakeApis, base_url: str, tmp_path: Path
) -> None:
    db = tmp_path / "t.db"
    env = cli_env(base_url, tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "leadgen_desktop.cli", "run", *campaign_args(5), "--db", str(db), "--json"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    stderr = StderrLines(proc)
    lock: sqlite3.Connection | None = None
    try:
        wait_for(lambda: fake.in_flight >= 1, proc, what="the first search request")
        lock = sqlite3.connect(db, timeout=10, isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")  # the cancelled run cannot store its end: its shutdown hangs
        proc.send_signal(signal.SIGINT)
        stderr.wait_for_line(CANCELLING_LINE)
        started = time.monotonic()
        proc.send_signal(signal.SIGINT)
        code = proc.wait(10)
        took = time.monotonic() - started
        stdout = proc.stdout.read() if proc.stdout else ""
    finally:
        if lock is not None:
            lock.rollback()
            lock.close()
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    print(f"second SIGINT to exit: {took * 1000:.0f} ms")
    text = stderr.rest()
    assert code == 130, text
    assert took < 3.0, f"the second Ctrl-C took {took:.2f}s"  # about 50 ms; SQLite alone would take 5 s
    assert "Traceback" not in text
    summary = json.loads(stdout)
    assert summary["status"] == "cancelled"
    assert "second Ctrl-C" in summary["error"]
    job_id = summary["job_id"]
    assert f"leadgen resume {job_id}" in text

    resumed = run_leadgen("resume", job_id, "--json", "--db", str(db), env=env)
    assert resumed.returncode == 0, resumed.stderr
    final = json.loads(resumed.stdout)
    assert (final["job_id"], final["status"]) == (job_id, "completed")
    assert final["metrics"]["leads_enriched"] == 5
