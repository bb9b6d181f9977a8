"""The window's one task helper: a worker QObject on its own QThread, released on the GUI thread.

Also the test suite's own check that no thread outlives a test, and the GIL
switch interval a run lowers and gives back.
"""

from __future__ import annotations

import gc
import sys
import threading

import pytest
from PySide6.QtCore import QObject, Signal, Slot
from pytestqt.qtbot import QtBot

from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import CampaignConfig
from leadgen_desktop.gui.run.run_controller import GUI_SWITCH_INTERVAL, NO_FULL_COLLECTION, RunController
from leadgen_desktop.gui.thread_task import ThreadTask, close_thread_connection, live_tasks
from leadgen_desktop.net.providers.demo import build_demo_providers
from tests.conftest import threads_left_running

TIMEOUT_MS = 10_000


class Worker(QObject):
    """Waits for ``go`` (set at once by default), reads the database if given one, then emits ``done``.

    Signals:
        done(object): a dict of what it saw on its thread.
    """

    done = Signal(object)

    def __init__(self, repo: Store | None = None, go: threading.Event | None = None) -> None:
        super().__init__()
        self._repo = repo
        self.go = go or threading.Event()
        if go is None:
            self.go.set()

    @Slot()
    def run(self) -> None:
        self.go.wait(TIMEOUT_MS / 1000)
        seen: dict[str, object] = {"thread": threading.get_ident()}
        if self._repo is not None:
            self._repo.all_leads.count()  # opens this thread's connection
            seen["open_before"] = not self._repo.db.is_closed()
            close_thread_connection(self._repo.db)
            seen["open_after"] = not self._repo.db.is_closed()
        self.done.emit(seen)


class Receiver(QObject):
    """Lives on the GUI thread; its slot records where it ran."""

    def __init__(self) -> None:
        super().__init__()
        self.results: list[tuple[object, int]] = []

    @Slot(object)
    def take(self, seen: object) -> None:
        self.results.append((seen, threading.get_ident()))


def test_the_worker_runs_on_its_own_thread_and_the_task_is_released_after(qtbot: QtBot, repo: Store) -> None:
    receiver = Receiver()
    worker = Worker(repo)
    worker.done.connect(receiver.take)
    task = ThreadTask(worker, "test-task", (worker.done,))
    assert task.name == "test-task"
    repo.all_leads.count()  # the GUI thread's own connection
    with qtbot.waitSignal(task.stopped, timeout=TIMEOUT_MS):
        task.start()
        assert task in live_tasks()
    [(seen, slot_thread)] = receiver.results
    assert isinstance(seen, dict)
    assert seen["thread"] != threading.get_ident()  # the work ran elsewhere
    assert slot_thread == threading.get_ident()  # the answer arrived on the GUI thread
    assert seen == {"thread": seen["thread"], "open_before": True, "open_after": False}
    assert not repo.db.is_closed()  # only the worker thread's connection was closed
    assert task.qthread is None
    assert task.worker is None
    assert not task.running
    assert task not in live_tasks()
    assert task.join()  # nothing left to join


def test_join_waits_for_the_worker_and_releases_at_once(qtbot: QtBot) -> None:
    go = threading.Event()
    worker = Worker(go=go)
    task = ThreadTask(worker, "joined-task", (worker.done,))
    stopped: list[bool] = []
    task.stopped.connect(lambda: stopped.append(True))
    task.start()
    assert task.running
    go.set()
    assert task.join(TIMEOUT_MS)
    assert stopped == [True]  # released by join, without waiting for the event loop
    assert task.qthread is None
    assert task not in live_tasks()


def test_close_thread_connection_never_raises(caplog: pytest.LogCaptureFixture) -> None:
    class BrokenDatabase:
        def is_closed(self) -> bool:
            raise RuntimeError("gone")

    close_thread_connection(BrokenDatabase())  # type: ignore[arg-type]
    assert "Could not close" in caplog.text


def test_threads_left_running_names_the_threads_a_test_left_behind(qtbot: QtBot) -> None:
    threads_before, tasks_before = set(threading.enumerate()), set(live_tasks())
    release = threading.Event()
    python_thread = threading.Thread(target=release.wait, name="left-behind", daemon=True)
    python_thread.start()
    worker = Worker(go=release)
    task = ThreadTask(worker, "task-left-behind", (worker.done,))
    task.start()
    left = threads_left_running(threads_before, tasks_before, timeout=0.05)
    assert left == ["Python thread 'left-behind' (daemon=True)", "QThread task 'task-left-behind'"]
    release.set()
    assert threads_left_running(threads_before, tasks_before, timeout=TIMEOUT_MS / 1000) == []
    assert not python_thread.is_alive()
    assert task not in live_tasks()


def test_a_run_lowers_the_switch_interval_holds_full_collections_and_gives_both_back(
    qtbot: QtBot, repo: Store
) -> None:
    original = sys.getswitchinterval()
    thresholds = gc.get_threshold()
    assert original > GUI_SWITCH_INTERVAL
    assert thresholds[2] < NO_FULL_COLLECTION
    controller = RunController(repo)
    during: list[float] = []
    thresholds_during: list[tuple[int, ...]] = []
    controller.job_started.connect(lambda *_args: during.append(sys.getswitchinterval()))
    controller.job_started.connect(lambda *_args: thresholds_during.append(gc.get_threshold()))
    try:
        with qtbot.waitSignal(controller.finished, timeout=TIMEOUT_MS):
            controller.start(
                CampaignConfig("dentist", "Austin, TX", max_results=3), build_demo_providers(0.0)
            )
        qtbot.waitUntil(lambda: controller.active_threads == 0, timeout=TIMEOUT_MS)
    finally:
        controller.shutdown()
    assert during == [GUI_SWITCH_INTERVAL]
    assert thresholds_during == [(thresholds[0], thresholds[1], NO_FULL_COLLECTION)]
    assert sys.getswitchinterval() == original
    assert gc.get_threshold() == thresholds
