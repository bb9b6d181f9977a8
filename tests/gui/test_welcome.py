"""First-run welcome: shown once (remembered across a restart), explains demo mode, opens Settings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from leadgen_desktop.db.store import Store
from leadgen_desktop.gui.shell.welcome import WELCOME_TEXT
from leadgen_desktop.gui.shell.window_state import WindowStateStore
from tests.gui.ux_support import make_window, repo_with_cleanup


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Store]:
    yield from repo_with_cleanup(tmp_path)


def test_welcome_is_shown_once(qtbot: QtBot, repo: Store) -> None:
    first = make_window(qtbot, repo)
    assert first.welcome_panel.isVisible()
    assert "demo mode" in WELCOME_TEXT
    assert "Settings" in WELCOME_TEXT
    assert first.demo_banner.isVisible()  # demo mode stays obvious
    assert WindowStateStore().welcome_shown()
    first.close()
    second = make_window(qtbot, repo)
    assert not second.welcome_panel.isVisible()
    assert second.demo_banner.isVisible()


def test_got_it_hides_the_panel(qtbot: QtBot, repo: Store) -> None:
    window = make_window(qtbot, repo)
    with qtbot.waitSignal(window.welcome_panel.dismissed):
        window.welcome_panel.close_button.click()
    assert not window.welcome_panel.isVisible()


def test_settings_button_opens_settings(qtbot: QtBot, repo: Store) -> None:
    window = make_window(qtbot, repo)
    button = window.welcome_panel.settings_button
    assert not button.isHidden()  # the window offers Edit → Settings…
    with qtbot.waitSignal(window.welcome_panel.settings_requested):
        button.click()
    dialog = window.settings_launcher.dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    dialog.reject()
