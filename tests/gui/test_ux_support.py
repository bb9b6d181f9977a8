"""The GUI tests' own window clean-up: a window already deleted does not mask a test's failure."""

from __future__ import annotations

from pathlib import Path

import shiboken6
from pytestqt.qtbot import QtBot

from leadgen_desktop.db.store import Store
from leadgen_desktop.gui.shell.main_window import MainWindow
from tests.gui.ux_support import _WINDOWS, close_windows, make_window


def test_closing_the_windows_skips_one_already_deleted_and_closes_the_rest(
    qtbot: QtBot, tmp_path: Path
) -> None:
    repo = Store.open(tmp_path / "t.db")
    try:
        kept = make_window(qtbot, repo)
        # left behind by an earlier test that failed before its clean-up; its qtbot deleted it
        stale = MainWindow(repo)
        _WINDOWS.insert(0, stale)
        shiboken6.delete(stale)
        close_windows()
        assert not _WINDOWS
        assert shiboken6.isValid(kept)
        assert not kept.isVisible()
    finally:
        repo.db.close()
