"""Background CSV export: progress, Cancel (no temp file, previous file kept), all-leads row count."""

from __future__ import annotations

import csv
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMainWindow
from pytestqt.qtbot import QtBot

from leadgen_desktop.db.store import Store
from leadgen_desktop.gui.tables.export_job import ExportJob
from tests.fakes.seed_leads import seed_database


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Store]:
    repository = Store.open(tmp_path / "export.db")
    seed_database(repository, leads=3000, campaigns=3)
    yield repository
    repository.db.close()


@pytest.fixture
def window(qtbot: QtBot) -> QMainWindow:
    main = QMainWindow()
    qtbot.addWidget(main)
    return main


def read_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_export_all_leads_writes_every_row_with_progress(
    qtbot: QtBot, repo: Store, window: QMainWindow, tmp_path: Path
) -> None:
    job = ExportJob(repo, window.statusBar())
    seen: list[int] = []
    job.progress_bar.valueChanged.connect(seen.append)
    target = tmp_path / "all.csv"
    with qtbot.waitSignal(job.finished, timeout=20_000) as blocker:
        assert job.export_all(target)
        assert job.running
        assert job.widget.isVisibleTo(window)
    assert blocker.args == [3000, str(target)]
    assert len(read_rows(target)) == 1 + 3000
    assert not job.running
    assert not job.widget.isVisibleTo(window)
    assert window.statusBar().currentMessage() == f"Exported 3000 leads to {target}"
    assert job.progress_bar.maximum() == 3000
    assert [list(tmp_path.glob(".all.csv.*"))] == [[]]


def test_export_one_job_streams_its_leads(
    qtbot: QtBot, repo: Store, window: QMainWindow, tmp_path: Path
) -> None:
    job = ExportJob(repo, window.statusBar())
    target = tmp_path / "job.csv"
    with qtbot.waitSignal(job.finished, timeout=20_000) as blocker:
        job.export_job("job0001", target)
    assert blocker.args[0] == 1000 == len(read_rows(target)) - 1


def test_cancel_removes_the_temp_file_and_keeps_the_previous_file(
    qtbot: QtBot, repo: Store, window: QMainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "leads.csv"
    target.write_text("previous export\n", encoding="utf-8")
    gate = threading.Event()
    real_batches = repo.all_leads.csv_batches

    def slow_batches(columns: Sequence[str], job_id: str | None = None) -> Iterator[list[tuple[object, ...]]]:
        for index, rows in enumerate(real_batches(columns, job_id, batch=10)):
            if index == 1:
                gate.wait(60)  # hold the export until Cancel was pressed
            yield rows

    monkeypatch.setattr(repo.all_leads, "csv_batches", slow_batches)
    job = ExportJob(repo, window.statusBar())
    with qtbot.waitSignal(job.cancelled, timeout=20_000), qtbot.assertNotEmitted(job.finished):
        job.export_all(target)
        qtbot.waitUntil(lambda: any(tmp_path.glob(".leads.csv.*")), timeout=20_000)  # the temp file exists
        job.cancel_button.click()
        gate.set()
    assert target.read_text(encoding="utf-8") == "previous export\n"
    assert not list(tmp_path.glob(".leads.csv.*"))
    assert "cancelled" in window.statusBar().currentMessage()
    assert not job.running


def test_bad_folder_fails_at_once_without_a_thread(repo: Store, window: QMainWindow, tmp_path: Path) -> None:
    messages: list[tuple[str, str]] = []
    job = ExportJob(repo, window.statusBar(), lambda text, kind: messages.append((text, kind)))
    assert not job.export_all(tmp_path / "missing" / "x.csv")
    assert not job.running
    assert messages
    assert messages[0][1] == "error"
    assert messages[0][0].startswith("Export failed")
