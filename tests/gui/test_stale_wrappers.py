"""No Python wrapper outlives the lead table's cells: Qt deletes them, Shiboken must forget them.

The lead table's cells are cloned in Python, so each has a wrapper that
Shiboken maps to the cell's C++ address. When a reset deleted the cells in C++
the map kept those entries, and the next object made by a Python class at a
recycled address crashed the process when Qt deleted it (SIGSEGV in
``BindingManager::releaseWrapper``: scripts/screenshot.py, about one run in 30).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from shiboken6 import Shiboken

from leadgen_desktop.gui.tables.results_model import COLUMNS, LeadTableModel
from tests.gui.ux_support import lead

ROOT = Path(__file__).resolve().parents[2]

# Fills the table and replaces its rows (Qt deletes the cells), then lets single-shot timers
# fire: QTimer.singleShot(ms, callable) makes a QTimer of Python's QTimer class that Qt
# deletes once fired (deleteLater). One placed at a freed cell's address crashed while the
# wrapper map still had an entry for that address.
_CHILD = """
from PySide6.QtCore import QCoreApplication, QEvent, QTimer
from PySide6.QtWidgets import QApplication
from leadgen_desktop.gui.tables.results_model import LeadTableModel
from tests.gui.ux_support import lead

app = QApplication([])
model = LeadTableModel()
fired = []
for round_ in range(5):
    model.append_rows([lead(round_ * 100 + n) for n in range(100)])
    model.set_rows([])
    for _ in range(200):
        QTimer.singleShot(1, lambda: fired.append(1))
    while len(fired) < 200 * (round_ + 1):
        app.processEvents()
    QCoreApplication.sendPostedEvents(None, int(QEvent.Type.DeferredDelete))
print("ok")
"""


def test_replacing_the_rows_invalidates_the_old_cells_wrappers() -> None:
    model = LeadTableModel()
    model.append_rows([lead(n) for n in range(1, 4)])
    old_cells = [model.item(row, column) for row in range(3) for column in range(len(COLUMNS))]
    assert all(Shiboken.isValid(cell) for cell in old_cells)

    model.set_rows([lead(n) for n in range(4, 6)])  # Qt deletes the old cells here

    assert not any(Shiboken.isValid(cell) for cell in old_cells)
    new_cells = [model.item(row, column) for row in range(2) for column in range(len(COLUMNS))]
    assert all(Shiboken.isValid(cell) for cell in new_cells)
    assert [model.item(row, 0).text() for row in range(2)] == [
        model.row_record(row).business_name for row in range(2)
    ]


@pytest.mark.slow
def test_objects_made_after_a_reset_are_deleted_by_qt_without_a_crash() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONFAULTHANDLER": "1"}
    result = subprocess.run(
        [sys.executable, "-c", _CHILD],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "ok"
