"""Start-up: what the window does not import before its first paint (issue 15).

The Settings dialog (key checks, every provider's client) is imported when it first opens.
Checked in a subprocess (a fresh interpreter) by looking at ``sys.modules`` when the window's
first paint has been delivered.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

_AT_FIRST_PAINT = """
import json, os, sys
SETTINGS_DIALOG = "leadgen_desktop.gui.settings.settings_dialog"
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
from leadgen_desktop import app as desktop_app

class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.UpdateRequest and isinstance(watched, QMainWindow):
            loaded = {name: name in sys.modules for name in (SETTINGS_DIALOG,)}
            QTimer.singleShot(0, lambda: (print(json.dumps(loaded), flush=True), os._exit(0)))
        return False

qt_app = QApplication([sys.argv[0]])
watcher = FirstPaint()
qt_app.installEventFilter(watcher)
desktop_app.main(["--db", sys.argv[1]])
"""


@pytest.mark.slow
def test_the_window_paints_before_the_settings_dialog_is_imported(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",  # never touch a real keychain
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    env.pop("LEADGEN_DEMO", None)
    done = subprocess.run(
        [sys.executable, "-c", _AT_FIRST_PAINT, str(tmp_path / "t.db")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded == {"leadgen_desktop.gui.settings.settings_dialog": False}
