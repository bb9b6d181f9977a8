"""The window's actions and menus are built once, in one place: their layout, shortcuts and wiring."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow
from pytestqt.qtbot import QtBot

from leadgen_desktop.db.store import Store
from leadgen_desktop.gui.shell.window_actions import WindowActions, build_menus, preferences_shortcuts
from tests.gui.ux_support import make_window, repo_with_cleanup


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Store]:
    yield from repo_with_cleanup(tmp_path)


def entries(actions: list[QAction]) -> list[str]:
    return ["---" if action.isSeparator() else action.text() for action in actions]


def test_menus_hold_every_action_in_order(qtbot: QtBot) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    actions = WindowActions(window)
    menus = build_menus(window.menuBar(), actions)
    assert [a.text() for a in window.menuBar().actions()] == ["&File", "&Edit", "&Help"]
    assert entries(menus.file.actions()) == [
        "&Export CSV…",
        "---",
        "&Resume interrupted jobs…",
        "---",
        "&Quit",
    ]
    assert entries(menus.edit.actions()) == ["&Settings…"]
    assert entries(menus.help.actions()) == ["Open &log folder", "---", "&About leadgen-desktop"]
    assert actions.focus_filter in window.actions()  # shortcuts without a menu entry
    assert actions.cancel_run in window.actions()
    assert actions.quit.menuRole() is QAction.MenuRole.QuitRole
    assert actions.settings.menuRole() is QAction.MenuRole.PreferencesRole
    assert actions.about.menuRole() is QAction.MenuRole.AboutRole


def test_shortcuts_are_the_documented_ones_and_never_shared(qtbot: QtBot) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    actions = WindowActions(window)
    expected = {
        actions.export: [QKeySequence("Ctrl+E")],
        actions.quit: [QKeySequence("Ctrl+Q")],
        actions.settings: preferences_shortcuts(),
        actions.about: [QKeySequence("F1")],
        actions.focus_filter: [QKeySequence(QKeySequence.StandardKey.Find)],
        actions.cancel_run: [QKeySequence("Escape")],
    }
    for action, shortcuts in expected.items():
        assert action.shortcuts() == shortcuts, action.text()
    assert QKeySequence("Ctrl+,") in preferences_shortcuts()
    every = [key.toString() for action in window.findChildren(QAction) for key in action.shortcuts()]
    assert len(every) == len(set(every)), every


def test_each_action_reaches_its_feature(qtbot: QtBot, repo: Store) -> None:
    """About, Settings and Resume interrupted jobs open their feature (the keys: test_shortcuts.py)."""
    window = make_window(qtbot, repo)
    actions = window.window_actions
    assert window.menus.help.actions()[-1] is actions.about
    actions.about.trigger()
    assert window.help_actions.about_dialog is not None
    window.help_actions.about_dialog.close()
    actions.settings.trigger()
    dialog = window.settings_launcher.dialog
    assert dialog is not None
    dialog.reject()
    actions.resume_jobs.trigger()
    assert window.resumer.dialog is not None
    assert window.resumer.dialog.job_ids == []
    window.resumer.dialog.close()
    assert actions.resume_selected in window.campaign_panel.history.list_widget.actions()
    assert not actions.resume_selected.isEnabled()  # nothing selected
