"""MainWindow end to end with demo providers: run, sort, filter, export, cancel, close, history.

Also the PipelineWorker's throttling, driven synchronously with a fake pipeline and clock.
"""

from __future__ import annotations

import csv
import gc
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QFileDialog
from pytestqt.qtbot import QtBot

from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import (
    CampaignConfig,
    CancelToken,
    JobFinished,
    JobStatus,
    LeadStored,
    Metrics,
    PipelineEvent,
    ProgressEvent,
    Stage,
)
from leadgen_desktop.gui.run.run_controller import RunController
from leadgen_desktop.gui.run.worker import PipelineWorker
from leadgen_desktop.gui.shell.main_window import DEMO_TEXT, MainWindow
from leadgen_desktop.gui.tables.results_model import COL_REVIEWS, COL_SCORE
from leadgen_desktop.net.providers.demo import build_demo_providers
from tests.gui.ux_support import FinderHeldAfter, make_window, repo_with_cleanup

FINISH_TIMEOUT = 15_000


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Store]:
    """A fresh database; at teardown the test's windows are closed (joining their threads) first."""
    yield from repo_with_cleanup(tmp_path)


def fill_form(qtbot: QtBot, window: MainWindow, max_results: int = 25) -> None:
    form = window.campaign_panel.form
    qtbot.keyClicks(form.business_type, "dentist")
    qtbot.keyClicks(form.location, "Austin, TX")
    form.max_results.clear()
    qtbot.keyClicks(form.max_results, str(max_results))
    form.min_score.clear()
    qtbot.keyClicks(form.min_score, "0")


def run_to_end(qtbot: QtBot, window: MainWindow) -> JobFinished:
    with (
        qtbot.assertNotEmitted(window.controller.failed),
        qtbot.waitSignal(window.controller.finished, timeout=FINISH_TIMEOUT) as blocker,
    ):
        qtbot.mouseClick(window.campaign_panel.start_button, Qt.MouseButton.LeftButton)
    result = blocker.args[0]
    assert isinstance(result, JobFinished)
    qtbot.waitUntil(lambda: not window.controller.is_running, timeout=FINISH_TIMEOUT)
    return result


def click_header(qtbot: QtBot, window: MainWindow, column: int) -> None:
    header = window.campaign_page.table_view.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))


def shown_column(window: MainWindow, column: int) -> list[str]:
    proxy = window.campaign_page.proxy
    return [proxy.index(row, column).data() for row in range(proxy.rowCount())]


def test_demo_run_fills_table_sorts_filters_and_exports(qtbot: QtBot, repo: Store, tmp_path: Path) -> None:
    window = make_window(qtbot, repo)
    assert window.demo_banner.isVisible()
    assert window.demo_banner.text() == DEMO_TEXT
    assert not window.campaign_panel.start_button.isEnabled()
    fill_form(qtbot, window)
    assert window.campaign_panel.start_button.isEnabled()

    result = run_to_end(qtbot, window)

    assert result.status is JobStatus.COMPLETED
    stored = repo.leads.for_job(result.job_id)
    assert len(stored) == 25
    assert window.campaign_page.model.rowCount() == len(stored)
    assert window.run_display.displayed_job_id == result.job_id
    assert window.run_overview.progress_bar.value() == 100
    assert window.statusBar().currentMessage() == "Completed: 25 leads, $0.0000"
    assert window.run_overview.metrics_panel.text("cost") == "$0.00 (demo)"
    assert window.run_overview.metrics_panel.text("businesses") == str(result.metrics.businesses_found)
    assert window.run_overview.metrics_panel.text("enriched") == "25/25"
    assert window.campaign_panel.start_button.isEnabled()
    assert not window.campaign_panel.cancel_button.isEnabled()

    # Header clicks sort through the view: numeric columns start descending.
    click_header(qtbot, window, COL_SCORE)
    scores = [int(s) for s in shown_column(window, COL_SCORE)]
    assert scores == sorted(scores, reverse=True)
    click_header(qtbot, window, COL_SCORE)
    scores = [int(s) for s in shown_column(window, COL_SCORE)]
    assert scores == sorted(scores)
    assert len(set(scores)) > 1

    # Reviews sort as numbers (10 > 9), with empty cells last.
    click_header(qtbot, window, COL_REVIEWS)
    reviews = shown_column(window, COL_REVIEWS)
    numbers = [int(r.replace(",", "")) for r in reviews if r]
    assert numbers == sorted(numbers, reverse=True)
    assert all(r for r in reviews[: len(numbers)])

    # Quick filter.
    first_name = window.campaign_page.proxy.index(0, 0).data()
    qtbot.keyClicks(window.campaign_page.filter_edit, first_name.upper())
    assert 1 <= window.campaign_page.proxy.rowCount() < window.campaign_page.model.rowCount()
    assert window.campaign_page.count_label.text().startswith(
        f"{window.campaign_page.proxy.rowCount()} of 25"
    )
    window.campaign_page.filter_edit.clear()
    assert window.campaign_page.proxy.rowCount() == 25

    # Export the displayed job.
    target = tmp_path / "out.csv"
    assert window.export_csv(target) == 25
    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][0] == "business_name"
    assert len(rows) == 1 + 25


def test_export_menu_reports_errors_without_a_dialog(
    qtbot: QtBot, repo: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window(qtbot, repo)
    window.window_actions.export.trigger()  # nothing displayed yet
    assert window.statusBar().currentMessage().startswith("Nothing to export")
    fill_form(qtbot, window, max_results=3)
    run_to_end(qtbot, window)
    missing = tmp_path / "no-such-folder" / "leads.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(missing), ""))
    window.window_actions.export.trigger()
    assert window.statusBar().currentMessage().startswith("Export failed")
    assert window.run_overview.info_banner.isVisible()
    assert not missing.exists()
    good = tmp_path / "leads"  # the .csv suffix is added
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(good), ""))
    with qtbot.waitSignal(window.export_job.finished, timeout=FINISH_TIMEOUT):
        window.window_actions.export.trigger()  # writes on a background thread
    assert window.statusBar().currentMessage() == f"Exported 3 leads to {good}.csv"
    assert (tmp_path / "leads.csv").exists()


def test_job_visible_as_processing_right_after_job_started(qtbot: QtBot, repo: Store) -> None:
    window = make_window(qtbot, repo, latency=0.02, hold_after=10)  # the run ends only by a cancel
    fill_form(qtbot, window, max_results=200)
    seen: list[JobStatus | None] = []

    def check(job_id: str, campaign_id: str) -> bool:
        job = repo.jobs.get(job_id)
        seen.append(None if job is None else job.status)
        return True

    with qtbot.waitSignal(window.controller.job_started, timeout=5000, check_params_cb=check):
        qtbot.mouseClick(window.campaign_panel.start_button, Qt.MouseButton.LeftButton)
    assert seen == [JobStatus.PROCESSING]
    assert window.campaign_panel.history.count() == 1
    assert "processing" in window.campaign_panel.history.item_text(0)
    shown = window.campaign_panel.history.item_text(0)  # at once, before the list is read again
    if window.campaign_panel.history.refreshing:
        qtbot.waitSignal(window.campaign_panel.history.refreshed, timeout=5000).wait()
    assert window.campaign_panel.history.item_text(0).startswith(shown.split(" · ")[0] + " · processing")
    assert not window.campaign_panel.start_button.isEnabled()
    assert window.campaign_panel.cancel_button.isEnabled()
    with qtbot.waitSignal(window.controller.finished, timeout=FINISH_TIMEOUT):
        qtbot.mouseClick(window.campaign_panel.cancel_button, Qt.MouseButton.LeftButton)


def test_cancel_mid_run_ends_cancelled(qtbot: QtBot, repo: Store) -> None:
    window = make_window(qtbot, repo, latency=0.02, hold_after=10)  # the run ends only by a cancel
    fill_form(qtbot, window, max_results=200)
    with qtbot.waitSignal(window.controller.job_started, timeout=5000) as started:
        qtbot.mouseClick(window.campaign_panel.start_button, Qt.MouseButton.LeftButton)
    job_id = started.args[0]
    qtbot.waitUntil(lambda: window.campaign_page.model.rowCount() > 0, timeout=FINISH_TIMEOUT)
    with (
        qtbot.assertNotEmitted(window.controller.failed),
        qtbot.waitSignal(window.controller.finished, timeout=FINISH_TIMEOUT) as blocker,
    ):
        qtbot.mouseClick(window.campaign_panel.cancel_button, Qt.MouseButton.LeftButton)
    result = blocker.args[0]
    assert result.status is JobStatus.CANCELLED
    job = repo.jobs.get(job_id)
    assert job is not None
    assert job.status is JobStatus.CANCELLED
    assert 0 < repo.leads.count(job_id) < 200
    qtbot.waitUntil(
        lambda: window.campaign_page.model.rowCount() == repo.leads.count(job_id), timeout=FINISH_TIMEOUT
    )
    assert window.statusBar().currentMessage() == "Cancelled"
    assert window.campaign_panel.start_button.isEnabled()


def test_closing_window_mid_run_cancels_and_stops_thread(qtbot: QtBot, repo: Store) -> None:
    window = make_window(qtbot, repo, latency=0.02, hold_after=10)  # the run ends only by a cancel
    fill_form(qtbot, window, max_results=200)
    with qtbot.waitSignal(window.controller.job_started, timeout=5000) as started:
        qtbot.mouseClick(window.campaign_panel.start_button, Qt.MouseButton.LeftButton)
    job_id = started.args[0]
    thread = window.controller.tasks[0].qthread
    assert window.controller.active_threads == 1
    window.close()
    assert thread.isFinished()
    job = repo.jobs.get(job_id)
    assert job is not None
    assert job.status is JobStatus.CANCELLED
    # The queued finished signal still arrives and is handled cleanly.
    qtbot.waitUntil(lambda: not window.controller.is_running, timeout=FINISH_TIMEOUT)
    qtbot.waitUntil(lambda: window.controller.active_threads == 0, timeout=FINISH_TIMEOUT)


def test_controller_collected_mid_run_joins_its_thread(qtbot: QtBot, repo: Store) -> None:
    controller = RunController(repo)
    with qtbot.waitSignal(controller.job_started, timeout=5000) as started:
        demo = build_demo_providers(0.02)
        assert demo.finder is not None
        held = replace(demo, finder=FinderHeldAfter(demo.finder, 10))  # the run ends only by a cancel
        controller.start(CampaignConfig("dentist", "Austin, TX", max_results=200), held)
    job_id = started.args[0]
    del controller
    gc.collect()  # no shutdown(): the finalizer cancels and joins instead of aborting the process
    job = repo.jobs.get(job_id)
    assert job is not None
    assert job.status is JobStatus.CANCELLED


def test_history_lists_runs_and_selecting_reloads_rows(qtbot: QtBot, repo: Store) -> None:
    window = make_window(qtbot, repo)
    fill_form(qtbot, window, max_results=5)
    first = run_to_end(qtbot, window)
    window.campaign_panel.form.max_results.clear()
    qtbot.keyClicks(window.campaign_panel.form.max_results, "8")
    second = run_to_end(qtbot, window)
    assert window.campaign_page.model.rowCount() == 8
    assert window.campaign_panel.history.count() == 2
    assert (
        window.campaign_panel.history.item_text(0)
        == "dentist — Austin, TX · completed · 8 leads · $0.00 · demo"
    )
    assert (
        window.campaign_panel.history.item_text(1)
        == "dentist — Austin, TX · completed · 5 leads · $0.00 · demo"
    )

    with qtbot.waitSignal(window.campaign_panel.history.campaign_selected, timeout=2000):
        window.campaign_panel.history.list_widget.setCurrentRow(1)
    assert window.run_display.displayed_job_id == first.job_id
    assert window.campaign_page.model.rowCount() == 5
    assert window.run_overview.metrics_panel.text("qualified") == "5"
    window.campaign_panel.history.list_widget.setCurrentRow(0)
    assert window.run_display.displayed_job_id == second.job_id
    assert window.campaign_page.model.rowCount() == 8


def test_a_large_rows_batch_reaches_the_table_in_slices(qtbot: QtBot, repo: Store) -> None:
    """A resumed job sends every stored lead at once: the window must not build them all in one go."""
    window = make_window(qtbot, repo)
    fill_form(qtbot, window, max_results=5)
    result = run_to_end(qtbot, window)
    stored = repo.leads.for_job(result.job_id)
    batch = [replace(stored[0], lead_id=1000 + i, rank=100 + i, place_id=f"extra{i}") for i in range(400)]
    inserts: list[int] = []
    window.campaign_page.model.rowsInserted.connect(
        lambda _parent, first, last: inserts.append(last - first + 1)
    )
    window.controller.rows_ready.emit(batch)
    assert window.campaign_page.model.rowCount() == 5  # queued, not built yet
    assert window.campaign_page.row_feeder.pending == 400
    qtbot.waitUntil(lambda: window.campaign_page.model.rowCount() == 405, timeout=10_000)
    assert len(inserts) > 1
    assert inserts[0] < 400


def test_invalid_form_disables_start(qtbot: QtBot, repo: Store) -> None:
    window = make_window(qtbot, repo)
    fill_form(qtbot, window)
    assert window.campaign_panel.start_button.isEnabled()
    window.campaign_panel.form.business_type.clear()
    assert not window.campaign_panel.start_button.isEnabled()
    assert window.campaign_panel.form.messages["business_type"].isVisible()
    qtbot.keyClicks(window.campaign_panel.form.business_type, "dentist")
    assert window.campaign_panel.start_button.isEnabled()
    for spin, text in (
        (window.campaign_panel.form.max_results, "0"),
        (window.campaign_panel.form.max_results, "10001"),
    ):
        spin.clear()
        qtbot.keyClicks(spin, text)
        assert not window.campaign_panel.start_button.isEnabled(), text
    window.campaign_panel.form.max_results.clear()
    qtbot.keyClicks(window.campaign_panel.form.max_results, "10")
    window.campaign_panel.form.min_score.clear()
    qtbot.keyClicks(window.campaign_panel.form.min_score, "101")
    assert not window.campaign_panel.start_button.isEnabled()
    window.campaign_panel.form.min_score.clear()
    qtbot.keyClicks(window.campaign_panel.form.min_score, "50")
    qtbot.keyClicks(window.campaign_panel.form.budget, "-1")
    assert not window.campaign_panel.start_button.isEnabled()
    window.campaign_panel.form.budget.clear()
    assert window.campaign_panel.start_button.isEnabled()


# -- PipelineWorker throttling (synchronous, fake pipeline and clock) -------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class FakeLeads:
    def __init__(self) -> None:
        self.stored: list[int] = []
        self.queries = 0

    def since(self, job_id: str, after: int) -> list[object]:
        self.queries += 1
        return [_FakeLead(i) for i in self.stored if i > after]


class FakeStore:
    def __init__(self, repo: Store) -> None:
        self.db = repo.db
        self.leads = FakeLeads()


class _FakeLead:
    def __init__(self, lead_id: int) -> None:
        self.lead_id = lead_id


class FakePipeline:
    """Emits a scripted event stream; ``steps`` are (seconds to advance, event factory)."""

    def __init__(self, store: FakeStore, clock: FakeClock, script: list[tuple[float, PipelineEvent]]) -> None:
        self.store = store
        self.clock = clock
        self.script = script

    def start(self, config: CampaignConfig) -> tuple[str, str]:
        return "camp", "job"

    def run(self, job_id: str, cancel: CancelToken, on_event: Callable[[PipelineEvent], None]) -> JobFinished:
        for advance, event in self.script:
            self.clock.now += advance
            if isinstance(event, LeadStored):
                self.store.leads.stored.append(event.lead_id)
            on_event(event)
        last = self.script[-1][1]
        assert isinstance(last, JobFinished)
        return last


def progress(stage: Stage, n: int) -> ProgressEvent:
    return ProgressEvent("job", stage, n, f"step {n}", Metrics())


def stored(lead_id: int) -> LeadStored:
    return LeadStored("job", lead_id, None)  # type: ignore[arg-type]


def test_worker_throttles_progress_and_batches_rows(qtbot: QtBot, repo: Store) -> None:
    clock = FakeClock()
    fake_store = FakeStore(repo)
    script: list[tuple[float, PipelineEvent]] = [(0.0, progress(Stage.DISCOVERING, 0))]
    script += [(0.01, progress(Stage.DISCOVERING, i)) for i in range(1, 30)]  # 0.29 s of events
    script += [(0.0, progress(Stage.ENRICHING, 50))]  # stage change: always sent
    for lead_id in range(1, 451):  # 450 leads in 0.45 s: batches by time and by size
        script.append((0.001, stored(lead_id)))
        script.append((0.0, progress(Stage.ENRICHING, 50 + lead_id * 40 // 450)))
    finished = JobFinished("job", "camp", JobStatus.COMPLETED, Metrics())
    script.append((0.0, finished))
    worker = PipelineWorker(
        FakePipeline(fake_store, clock, script), CampaignConfig("a", "b"), CancelToken(), clock=clock
    )  # type: ignore[arg-type]

    events: list[ProgressEvent] = []
    batches: list[list[int]] = []
    results: list[JobFinished] = []
    worker.progress.connect(events.append)
    worker.rows_ready.connect(lambda rows: batches.append([r.lead_id for r in rows]))
    worker.finished.connect(results.append)
    with qtbot.assertNotEmitted(worker.failed):
        worker.run()

    assert results == [finished]
    progress_count = sum(1 for _, e in script if isinstance(e, ProgressEvent))
    assert len(events) < progress_count / 10
    assert events[0].progress == 0
    assert any(e.stage is Stage.ENRICHING and e.progress == 50 for e in events)  # the stage change
    assert events[-1].progress == 90  # the last event is never dropped
    flat = [i for batch in batches for i in batch]
    assert flat == list(range(1, 451))
    assert all(len(batch) <= 200 for batch in batches)
    assert 2 <= len(batches) <= 10
    assert fake_store.leads.queries == len(batches)


def test_the_status_line_after_a_run_and_for_a_job_picked_in_the_history() -> None:
    from leadgen_desktop.gui.run.run_display import finished_status

    metrics = Metrics()
    done = JobFinished("job", "camp", JobStatus.COMPLETED, metrics, stop_reason="budget")
    assert finished_status(done, 12) == "Completed: 12 leads, $0.0000 (stopped early: budget)"
    failed = JobFinished("job", "camp", JobStatus.FAILED, metrics, error="Hunter.io rejected the key")
    assert finished_status(failed, 0) == "Failed: Hunter.io rejected the key"
    assert finished_status(JobFinished("job", "camp", JobStatus.CANCELLED, metrics), 0) == "Cancelled"


@pytest.mark.parametrize("focused", ["start_button", "min_score"])
def test_starting_with_all_leads_on_screen_loads_no_old_campaign(
    qtbot: QtBot, repo: Store, focused: str
) -> None:
    """Start took the focus away from itself to the history list, which then selected its first
    campaign and loaded all its leads on the window's thread: 0.9 s of CPU at 1,000 leads, seen
    by the stall probe with the All-leads tab on screen (the Campaign tab's widgets were hidden).
    """
    campaign_id, job_id = repo.jobs.create(CampaignConfig("dentist", "Denver, CO", max_results=5))
    repo.jobs.finish(JobFinished(job_id, campaign_id, JobStatus.COMPLETED, Metrics()))
    window = make_window(qtbot, repo)
    window.welcome_panel.dismiss()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    history = window.campaign_panel.history
    assert history.count() == 1
    assert history.list_widget.currentItem() is None
    window.results_tabs.setCurrentIndex(1)  # All leads on screen: the Campaign tab's widgets hidden
    fill_form(qtbot, window, max_results=5)
    panel = window.campaign_panel
    widget = panel.start_button if focused == "start_button" else panel.form.min_score
    widget.setFocus()  # a click on Start, or Ctrl+Return in the form
    assert widget.hasFocus()
    with qtbot.assertNotEmitted(history.campaign_selected):
        window.run_display.set_running(True)
    assert not history.list_widget.hasFocus()
    assert history.list_widget.currentItem() is None
    window.run_display.set_running(False)
