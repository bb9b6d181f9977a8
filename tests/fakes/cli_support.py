"""Helpers for tests that drive ``leadgen`` as a subprocess against the fake APIs."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable


def campaign_args(max_results: int) -> tuple[str, ...]:
    """``leadgen run`` flags of the integration tests' campaign: dentists in Austin, TX, any score."""
    return (
        "--business-type",
        "dentist",
        "--location",
        "Austin, TX",
        "--max-results",
        str(max_results),
        "--min-score",
        "0",
    )


def run_leadgen(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run ``leadgen ARGS`` to completion with exactly ``env`` (see ``cli_env``)."""
    return subprocess.run(
        [sys.executable, "-m", "leadgen_desktop.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )


def wait_for(
    condition: Callable[[], object],
    proc: subprocess.Popen[str],
    timeout: float = 120,
    what: str = "the condition",
) -> object:
    """Poll ``condition`` until it is truthy and return it; fail if ``proc`` ends first or time runs out.

    ``timeout`` only guards against a hang: a run that takes seconds here took minutes when the
    2-core machine ran at a load of 20 (30 s once failed such a suite).
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if proc.poll() is not None:
            raise AssertionError(f"the process ended (exit {proc.returncode}) before {what} was reached")
        time.sleep(0.005)
    raise AssertionError(f"{what} was not reached in time")
