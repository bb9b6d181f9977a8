"""Help → About: version, folders, database, library versions; Copy puts them on the clipboard."""

from __future__ import annotations

import platform
import sys
from pathlib import Path

import PySide6
from PySide6.QtCore import qVersion
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from leadgen_desktop import __version__
from leadgen_desktop.gui.shell.about_dialog import AboutDialog, about_text
from leadgen_desktop.paths import data_dir, log_dir


def test_about_shows_versions_and_paths(qtbot: QtBot, tmp_path: Path) -> None:
    db = tmp_path / "leads.db"
    dialog = AboutDialog(db)
    qtbot.addWidget(dialog)
    dialog.show()
    values = {name: label.text() for name, label in dialog.values.items()}
    assert values["leadgen-desktop"] == __version__
    assert values["Data folder"] == str(data_dir())
    assert values["Log folder"] == str(log_dir())
    assert values["Database"] == str(db)
    assert values["Qt"] == qVersion()
    assert values["PySide6"] == PySide6.__version__
    assert values["Python"].startswith(platform.python_version())
    assert str(tmp_path) in values["Data folder"]  # the isolated test folders
    assert sys.implementation.name in values["Python"]


def test_copy_button(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = AboutDialog(tmp_path / "x.db")
    qtbot.addWidget(dialog)
    dialog.copy_button.click()
    text = QGuiApplication.clipboard().text()
    assert text == about_text(tmp_path / "x.db")
    assert f"leadgen-desktop: {__version__}" in text
    assert f"Qt: {qVersion()}" in text
    assert f"Database: {tmp_path / 'x.db'}" in text
