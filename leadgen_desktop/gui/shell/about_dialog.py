"""Help → About: version, data/log/database locations and library versions, with a Copy button."""

from __future__ import annotations

import platform
import sys
from pathlib import Path

import PySide6
from PySide6.QtCore import Qt, Slot, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from leadgen_desktop import __version__
from leadgen_desktop.paths import data_dir, log_dir


def about_info(db_path: Path | str | None) -> list[tuple[str, str]]:
    """(name, value) pairs shown by the dialog and copied by its Copy button."""
    return [
        ("leadgen-desktop", __version__),
        ("Data folder", str(data_dir())),
        ("Log folder", str(log_dir())),
        ("Database", str(db_path) if db_path else "not open"),
        ("Qt", qVersion()),
        ("PySide6", PySide6.__version__),
        ("Python", f"{platform.python_version()} ({sys.implementation.name})"),
        ("System", platform.platform(terse=True)),
    ]


def about_text(db_path: Path | str | None) -> str:
    """The information as plain ``name: value`` lines (what Copy puts on the clipboard)."""
    return "\n".join(f"{name}: {value}" for name, value in about_info(db_path)) + "\n"


class AboutDialog(QDialog):
    """Shows :func:`about_info`; Copy puts it on the clipboard for a bug report.

    Open it with ``show()``/``open()`` (non-blocking).

    Signals: only the standard QDialog ones.
    """

    def __init__(self, db_path: Path | str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle("About leadgen-desktop")
        self._db_path = db_path
        intro = QLabel(
            "Finds local businesses, scores them and finds verified emails — "
            "on your own machine, showing every cent."
        )
        intro.setWordWrap(True)
        form = QFormLayout()
        self.values: dict[str, QLabel] = {}
        for name, value in about_info(db_path):
            label = QLabel(value)
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setAccessibleName(name)
            label.setWordWrap(True)
            self.values[name] = label
            form.addRow(f"{name}:", label)
        self.copy_button = QPushButton("&Copy")
        self.copy_button.setObjectName("aboutCopyButton")
        self.copy_button.setAccessibleName("Copy information")
        self.copy_button.setToolTip("Copy this information (for a bug report)")
        self.copy_button.clicked.connect(self.copy)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)

    @Slot()
    def copy(self) -> None:
        """Put the information on the clipboard."""
        QGuiApplication.clipboard().setText(about_text(self._db_path))
