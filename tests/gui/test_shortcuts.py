"""Keyboard: Ctrl+Return, Escape (with confirmation when live), Ctrl+E, Ctrl+F, Ctrl+Q, F1; tab order."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from leadgen_desktop.db.store import Store
from leadgen_desktop.gui.run.run_display import CANCEL_TITLE
from leadgen_desktop.gui.shell.main_window import MainWindow
from tests.gui.ux_support import fill_form, make_window, repo_with_cleanup

CTRL = Qt.KeyboardModifier.ControlModifier
FINISH_TIMEOUT = 15_000


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Store]:
    yield from repo_with_cleanup(tmp_path)


def active_window(qtbot: QtBot, repo: Store, **kwargs: object) -> MainWindow:
    window = make_window(qtbot, repo, **kwargs)  # type: ignore[arg-type]
    window.welcome_panel.dismiss()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    return window


def start_long_run(qtbot: QtBot, window: MainWindow) -> None:
    fill_form(qtbot, window, max_results=200)
    window.campaign_panel.start_button.setFocus()
    qtbot.keyClick(window.campaign_panel.start_button, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: window.controller.job_id is not None)


def wait_finished(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: not window.controller.is_running, timeout=FINISH_TIMEOUT)


def test_ctrl_return_starts_only_when_the_form_is_valid(qtbot: QtBot, repo: Store) -> None:
    window = active_window(qtbot, repo)
    qtbot.keyClick(window.campaign_panel.form.business_type, Qt.Key.Key_Return, CTRL)
    assert not window.controller.is_running
    fill_form(qtbot, window, max_results=3)
    with qtbot.waitSignal(window.controller.finished, timeout=FINISH_TIMEOUT):
        qtbot.keyClick(window.campaign_panel.form.location, Qt.Key.Key_Return, CTRL)
    assert window.campaign_page.model.rowCount() == 3


def test_escape_in_demo_cancels_without_asking(
    qtbot: QtBot, repo: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(*_args: object) -> QMessageBox.StandardButton:
        raise AssertionError("demo runs cost nothing: no confirmation expected")

    monkeypatch.setattr(QMessageBox, "question", never)
    window = active_window(qtbot, repo, latency=0.02, hold_after=10)  # ends only by a cancel
    start_long_run(qtbot, window)
    qtbot.keyClick(window.campaign_page.table_view, Qt.Key.Key_Escape)
    assert window.controller.cancel_requested
    wait_finished(qtbot, window)


def test_escape_in_live_mode_asks_first(qtbot: QtBot, repo: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []
    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]

    def question(_parent: QWidget, title: str, *_args: object) -> QMessageBox.StandardButton:
        asked.append(title)
        return answers.pop(0)

    monkeypatch.setattr(QMessageBox, "question", question)
    window = active_window(qtbot, repo, live=True, latency=0.02, hold_after=10)  # ends only by a cancel
    start_long_run(qtbot, window)
    assert window.run_display.run_is_live()
    qtbot.keyClick(window.campaign_page.table_view, Qt.Key.Key_Escape)
    assert asked == [CANCEL_TITLE]
    assert window.controller.is_running
    assert not window.controller.cancel_requested  # "No" keeps it going
    qtbot.keyClick(window.campaign_page.filter_edit, Qt.Key.Key_Escape)
    assert len(asked) == 2
    assert window.controller.cancel_requested
    wait_finished(qtbot, window)


def test_escape_when_idle_does_nothing(qtbot: QtBot, repo: Store) -> None:
    window = active_window(qtbot, repo)
    qtbot.keyClick(window.campaign_page.table_view, Qt.Key.Key_Escape)
    assert not window.run_display.request_cancel()


def test_ctrl_f_focuses_the_filter(qtbot: QtBot, repo: Store) -> None:
    window = active_window(qtbot, repo)
    window.campaign_page.table_view.setFocus()
    qtbot.keyClick(window.campaign_page.table_view, Qt.Key.Key_F, CTRL)
    qtbot.waitUntil(window.campaign_page.filter_edit.hasFocus)


def test_ctrl_e_exports(qtbot: QtBot, repo: Store) -> None:
    window = active_window(qtbot, repo)
    qtbot.keyClick(window.campaign_page.table_view, Qt.Key.Key_E, CTRL)
    assert window.statusBar().currentMessage().startswith("Nothing to export")


def test_f1_opens_about(qtbot: QtBot, repo: Store) -> None:
    window = active_window(qtbot, repo)
    qtbot.keyClick(window.campaign_page.table_view, Qt.Key.Key_F1)
    dialog = window.help_actions.about_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    assert window.window_actions.about in window.menus.help.actions()
    dialog.close()


def test_ctrl_q_quits(qtbot: QtBot, repo: Store) -> None:
    window = active_window(qtbot, repo)
    qtbot.keyClick(window.campaign_page.table_view, Qt.Key.Key_Q, CTRL)
    qtbot.waitUntil(lambda: not window.isVisible())


def test_tab_order_and_accessible_names(qtbot: QtBot, repo: Store) -> None:
    window = active_window(qtbot, repo)
    form = window.campaign_panel.form
    chain: list[QWidget] = [
        form.business_type,
        form.location,
        form.keywords,
        form.max_results,
        form.min_score,
        form.budget,
        form.verify,
        window.campaign_panel.start_button,
        window.campaign_panel.cancel_button,
        window.campaign_page.filter_edit,
        window.campaign_page.table_view,
        window.campaign_panel.history.list_widget,
    ]
    for before, after in itertools.pairwise(chain):
        assert _next_of(before, chain) is after, (before.objectName(), after.objectName())
    for widget in (
        window.campaign_panel.start_button,
        window.campaign_panel.cancel_button,
        window.campaign_page.filter_edit,
        window.campaign_page.table_view,
    ):
        assert widget.accessibleName()


def _next_of(start: QWidget, chain: list[QWidget], limit: int = 300) -> QWidget | None:
    """The first widget of ``chain`` met when following the focus chain from ``start``."""
    widget = start
    for _ in range(limit):
        widget = widget.nextInFocusChain()
        if widget in chain:
            return widget
    return None
