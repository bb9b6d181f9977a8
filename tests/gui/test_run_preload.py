"""What a run's start needs is loaded once, on a thread, after the window's first paint."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import Providers, web_domains
from leadgen_desktop.gui.run import run_preload
from leadgen_desktop.gui.run.run_preload import RunPreload, warm_up_for_run
from leadgen_desktop.net.providers.demo import build_demo_providers
from tests.gui.ux_support import make_window, repo_with_cleanup


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Store]:
    yield from repo_with_cleanup(tmp_path)


class CountingWarmUp:
    """A warm-up that records each call: the thread it ran on and the providers it got."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[tuple[int, Providers | None]] = []
        self._fail = fail

    def __call__(self, providers: Providers | None) -> None:
        self.calls.append((threading.get_ident(), providers))
        if self._fail:
            raise RuntimeError("no CA bundle")


def test_it_runs_once_off_the_window_thread_after_the_first_paint(qtbot: QtBot) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    providers = build_demo_providers(latency=0)
    warm = CountingWarmUp()
    preload = RunPreload(window, lambda: providers, warm)
    QApplication.processEvents()
    assert not preload.started  # nothing before the window paints
    assert warm.calls == []
    with qtbot.waitSignal(preload.finished):
        window.show()
    assert preload.done
    assert warm.calls == [(warm.calls[0][0], providers)]
    assert warm.calls[0][0] != threading.get_ident()
    with qtbot.assertNotEmitted(preload.finished):
        window.repaint()
        preload.start()
        QApplication.processEvents()
    assert len(warm.calls) == 1
    preload.shutdown(5_000)


def test_a_skipped_preload_never_starts(qtbot: QtBot) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    warm = CountingWarmUp()
    preload = RunPreload(window, lambda: None, warm)
    preload.skip()
    with qtbot.waitExposed(window):
        window.show()
    window.repaint()
    preload.start()
    QApplication.processEvents()
    assert warm.calls == []
    assert not preload.done


def test_a_failed_warm_up_is_logged_and_still_ends(qtbot: QtBot, caplog: pytest.LogCaptureFixture) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    warm = CountingWarmUp(fail=True)
    preload = RunPreload(window, lambda: None, warm)
    with caplog.at_level(logging.WARNING), qtbot.waitSignal(preload.finished):
        window.show()
    assert warm.calls[0][1] is None
    assert "Could not load a run's parts ahead of Start" in caplog.text
    preload.shutdown(5_000)


def test_the_window_runs_the_run_s_own_warm_up_with_its_providers(
    qtbot: QtBot, repo: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    warmed: list[Providers] = []
    monkeypatch.setattr(run_preload, "warm_up", warmed.append)
    window = make_window(qtbot, repo)
    qtbot.waitUntil(lambda: window.run_preload.done)
    assert window.providers is not None
    assert warmed == [window.providers]


def test_without_providers_the_suffix_table_is_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(web_domains, "_extractor", None)  # as in a fresh process
    web_domains._registrable.cache_clear()
    warm_up_for_run(None)
    assert web_domains._extractor is not None  # built once; a run's warm-up reuses it
