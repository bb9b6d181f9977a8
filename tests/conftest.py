"""Test-wide set-up: offscreen Qt, isolated paths, an in-memory keychain, no thread left running,
websites and DNS kept on loopback, and both database engines.

``db_url`` is parametrized over SQLite and PostgreSQL (``tests/fakes/backends.py``):
a test that takes it (or ``store``) runs against both.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import keyring
import keyring.backend
import pytest
from hypothesis import HealthCheck, settings
from pytestqt.qtbot import QtBot

from leadgen_desktop.db.store import Store
from tests.fakes.backends import BACKENDS, database_for
from tests.fakes.offline_web import offline_web_env

if TYPE_CHECKING:
    from leadgen_desktop.gui.thread_task import ThreadTask

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("LEADGEN_DEMO_LATENCY", "0")
OFFLINE_WEB_ENV = offline_web_env()
"""Started here, before any test: its loopback DNS server's thread lives as long as the session."""

# Hypothesis's timing checks (a per-example deadline, "input generation is slow") judge the
# machine, not the code: on a busy CI machine they fail tests at random. No verdict here may
# depend on timing, so the whole suite runs without them.
settings.register_profile("leadgen", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("leadgen")


QT_WAIT_AT_LEAST_MS = 60_000
"""The least time a test waits for a signal, a condition or a window (pytest-qt's default is 5 s).

These waits end as soon as what they wait for happens, so their timeout only guards against a
hang; with five suites on 2 cores (load 35-48) a 5-15 s guard ran out on a healthy test."""


def _patient(wait: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(wait)
    def patient(self: QtBot, *args: Any, timeout: int | None = 5000, **kwargs: Any) -> Any:
        # raising=False waits the whole time on purpose (``assertNotEmitted(wait=ms)``): keep it
        guard = timeout is not None and kwargs.get("raising") is not False
        return wait(self, *args, timeout=max(timeout, QT_WAIT_AT_LEAST_MS) if guard else timeout, **kwargs)

    return patient


for _name in ("waitSignal", "waitSignals", "waitUntil", "waitCallback", "waitExposed", "waitActive"):
    setattr(QtBot, _name, _patient(getattr(QtBot, _name)))


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    """Say how to replay the test order (pytest-randomly shuffles it; ``-q`` hides its header)."""
    seed = getattr(config.option, "randomly_seed", None)
    if isinstance(seed, int):
        terminalreporter.write_line(f"Test order shuffled (seed {seed}); replay: --randomly-seed={seed}")


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A dict-backed keyring for tests (negative priority: never auto-selected)."""

    priority = -10  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    """Point every user directory at tmp_path and install an in-memory keyring."""
    for var in (
        "LEADGEN_DB",
        "LEADGEN_DEMO",
        "LEADGEN_GOOGLE_PLACES_KEY",
        "LEADGEN_HUNTER_KEY",
        "LEADGEN_NEVERBOUNCE_KEY",
        "LEADGEN_GOOGLE_PLACES_URL",
        "LEADGEN_HUNTER_URL",
        "LEADGEN_NEVERBOUNCE_URL",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LEADGEN_DEMO_LATENCY", "0")
    # Every run reads websites and checks mail servers: keep both on loopback unless a test says otherwise.
    for var in (
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "ALL_PROXY",
        "no_proxy",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
    ):
        monkeypatch.delenv(var, raising=False)
    for var, value in OFFLINE_WEB_ENV.items():
        monkeypatch.setenv(var, value)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


THREAD_JOIN_TIMEOUT = 30.0
"""Seconds the threads a test started get, after it ended, to finish (joined: no wait once they have;
generous, because a thread that ends in milliseconds here took seconds at a load of 40)."""


def threads_left_running(
    threads_before: set[threading.Thread], tasks_before: set[ThreadTask], timeout: float
) -> list[str]:
    """Join, within ``timeout`` seconds in all, the threads started since; describe those still running.

    Python threads are joined with ``Thread.join``; the window's QThreads through
    their :class:`ThreadTask` (``join`` quits the thread's event loop and waits).
    "Dummy" Python threads (a QThread that ran Python code) are left to the task
    registry.
    """
    deadline = time.monotonic() + timeout
    left: list[str] = []
    for thread in threading.enumerate():
        if thread in threads_before or isinstance(thread, threading._DummyThread):
            continue
        thread.join(max(deadline - time.monotonic(), 0.0))
        if thread.is_alive():
            left.append(f"Python thread {thread.name!r} (daemon={thread.daemon})")
    for task in set(live_tasks()) - tasks_before:
        if not task.join(int(max(deadline - time.monotonic(), 0.0) * 1000)):
            left.append(f"QThread task {task.name!r}")
    return left


def live_tasks() -> list[ThreadTask]:
    """The window's QThread tasks not released yet (none when Qt was never loaded)."""
    module = sys.modules.get("leadgen_desktop.gui.thread_task")
    return [] if module is None else list(module.live_tasks())


@pytest.fixture(autouse=True)
def no_thread_left_running() -> Iterator[None]:
    """Fail a test that leaves a thread running: a Python thread or one of the window's QThread tasks.

    At teardown (after the test's own fixtures closed its windows) every thread
    the test started gets :data:`THREAD_JOIN_TIMEOUT` seconds in all to end.
    """
    threads_before, tasks_before = set(threading.enumerate()), set(live_tasks())
    yield
    left = threads_left_running(threads_before, tasks_before, THREAD_JOIN_TIMEOUT)
    if left:
        pytest.fail(
            f"still running {THREAD_JOIN_TIMEOUT:g} s after the test: {', '.join(left)}. "
            "Stop and join every thread the test starts (cancel the run, close the window, "
            "leave the server's context, release the fake's slow answers).",
            pytrace=False,
        )


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database: a SQLite file path, then a PostgreSQL URL (skipped when there is no server)."""
    with database_for(request.param, tmp_path) as where:
        yield where


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """A store over a fresh database of each engine."""
    opened = Store.open(db_url)
    yield opened
    opened.db.close()
