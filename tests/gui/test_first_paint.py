"""Work left for after the first paint: the app's providers are built once the window is on screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import Providers
from leadgen_desktop.gui.shell.first_paint import after_first_paint
from leadgen_desktop.gui.shell.main_window import MainWindow
from leadgen_desktop.net.providers.demo import build_demo_providers
from tests.gui.ux_support import repo_with_cleanup


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Store]:
    yield from repo_with_cleanup(tmp_path)


def test_the_callback_runs_once_after_the_first_paint(qtbot: QtBot) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    calls: list[bool] = []
    after_first_paint(widget, lambda: calls.append(widget.isVisible()))
    QApplication.processEvents()  # nothing before the widget is shown
    assert calls == []
    widget.show()
    qtbot.waitUntil(lambda: calls == [True])
    widget.update()
    widget.repaint()
    QApplication.processEvents()
    assert calls == [True]


def test_the_window_builds_its_providers_after_its_first_paint(qtbot: QtBot, repo: Store) -> None:
    built: list[int] = []

    def factory() -> Providers:
        built.append(1)
        return build_demo_providers(latency=0.0)

    window = MainWindow(repo, providers_factory=factory, providers_after_first_paint=True)
    qtbot.addWidget(window)
    assert window.providers is None
    assert built == []
    window.show()
    qtbot.waitUntil(lambda: window.providers is not None)
    assert built == [1]
    assert window.demo_banner.isVisible()
