"""The main window: campaign form and history on the left, the live run on the right."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from leadgen_desktop.core.export import ExportError, export_job_csv
from leadgen_desktop.db.records import JobRecord, LeadRecord
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import JobFinished, JobStatus, ProgressEvent, Providers
from leadgen_desktop.gui.run.campaign_panel import CampaignPanel
from leadgen_desktop.gui.run.metrics_panel import format_cost
from leadgen_desktop.gui.run.run_controller import RunController
from leadgen_desktop.gui.run.run_overview import RunOverview
from leadgen_desktop.gui.shell.live_features import LiveFeatures
from leadgen_desktop.gui.shell.provider_mode import mode_text
from leadgen_desktop.gui.shell.welcome import WelcomePanel
from leadgen_desktop.gui.shell.window_ux import install_window_ux
from leadgen_desktop.gui.tables.all_leads import AllLeadsView, results_tabs
from leadgen_desktop.gui.tables.campaign_leads import CampaignLeadsPage
from leadgen_desktop.gui.tables.export_job import ExportJob, ask_export_path
from leadgen_desktop.keychain import ApiKeyStore
from leadgen_desktop.settings import load_settings
from leadgen_desktop.wiring import build_providers, demo_requested

log = logging.getLogger(__name__)

DEMO_TEXT = "Demo mode — offline sample data, no API calls, $0.00"
SHUTDOWN_TIMEOUT_MS = 10_000
_STATUS_TITLES = {
    JobStatus.PENDING: "Pending",
    JobStatus.PROCESSING: "Processing",
    JobStatus.COMPLETED: "Completed",
    JobStatus.FAILED: "Failed",
    JobStatus.CANCELLED: "Cancelled",
}


def _default_providers_factory(key_store: ApiKeyStore) -> Callable[[], Providers]:
    """Demo providers when asked for or when there is no Google key; live ones otherwise."""

    def factory() -> Providers:
        keys = key_store.all_keys()
        return build_providers(demo_requested() or not keys.get("google_places"), keys, load_settings())

    return factory


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-") or "leads"


class MainWindow(QMainWindow):
    """Runs campaigns and shows their progress, metrics, leads and history.

    Public attributes (tests use them): ``form``, ``start_button``,
    ``cancel_button``, ``progress_bar``, ``stage_label``, ``metrics_panel``,
    ``filter_edit``, ``count_label``, ``table_view``, ``model``, ``proxy``,
    ``history``, ``controller``, ``demo_banner``, ``info_banner``,
    ``info_label``, ``mode_label``, ``only_new_check``, ``live``
    (:class:`LiveFeatures`: Settings, resume, log folder), ``charts``,
    ``details_panel``, ``table_actions``, ``results_splitter``, ``main_splitter``,
    ``welcome_panel``, ``ux`` (:class:`WindowUx`: shortcuts, Help → About,
    remembered state, welcome), ``run_overview`` and ``campaign_page`` (the
    widgets most of the above belong to), ``row_feeder``; :meth:`export_csv`
    writes the displayed job to a file, :meth:`resume_job` resumes a job.

    The table shows one job at a time (``displayed_job_id``): the running one
    after Start, or the one picked in the history.

    Signals: none of its own (see :class:`RunController`).
    """

    def __init__(
        self,
        repo: Store,
        key_store: ApiKeyStore | None = None,
        providers_factory: Callable[[], Providers] | None = None,
    ) -> None:
        super().__init__()
        self._repo = repo
        self._key_store = key_store or ApiKeyStore()
        self._providers_factory = providers_factory or _default_providers_factory(self._key_store)
        self._providers: Providers | None = None
        self._running_job_id: str | None = None
        self._running_leads = 0
        self._displayed_job_id: str | None = None
        self._displayed_demo = False

        self.setWindowTitle("leadgen-desktop")
        self.setObjectName("mainWindow")
        self.controller = RunController(repo, self)
        self._build_widgets()
        self._build_menu()
        self._connect()
        self.live = LiveFeatures(self, repo, self._key_store)  # settings, resume, log folder, estimate
        self.resize(1360, 820)

        self.reload_providers()
        self.history.refresh()
        self._set_running(False)
        self._on_validity_changed(self.form.is_valid)
        self.statusBar().showMessage("Ready")
        # keys, Help menu, tab order, remembered state, welcome, lead details
        self.ux = install_window_ux(self, self._repo.path)
        self.export_job = ExportJob(self._repo, self.statusBar(), self.show_banner, self)  # background CSV

    # -- construction ----------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.demo_banner = QLabel(DEMO_TEXT)
        self.demo_banner.setObjectName("demoBanner")
        self.demo_banner.setAccessibleName("Demo mode")
        self.demo_banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.demo_banner.setStyleSheet(
            "background: #ffb300; color: #1a1a1a; font-weight: 700; padding: 6px; border-radius: 4px;"
        )

        # Left column: form, buttons, history.
        left = CampaignPanel(self._repo)
        self.campaign_panel = left
        self.form = left.form
        self.start_button = left.start_button
        self.cancel_button = left.cancel_button
        self.history = left.history

        # Right column: stage, progress, messages, counters, charts; then the result tabs.
        overview = RunOverview()
        self.run_overview = overview
        self.stage_label, self.progress_bar = overview.stage_label, overview.progress_bar
        self.info_banner, self.info_label = overview.info_banner, overview.info_label
        self.metrics_panel, self.charts = overview.metrics_panel, overview.charts

        # The "Campaign" tab: filter row, lead table (model, proxy, row feeder), details.
        page = CampaignLeadsPage(actions_parent=self)
        self.campaign_page = page
        self.filter_edit, self.only_new_check, self.count_label = (
            page.filter_edit,
            page.only_new_check,
            page.count_label,
        )
        self.model, self.proxy, self.row_feeder = page.model, page.proxy, page.row_feeder
        self.table_view, self.table_actions = page.table_view, page.table_actions
        self.details_panel, self.results_splitter = page.details_panel, page.results_splitter
        self.charts.set_model(self.model)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(overview)
        self.all_leads = AllLeadsView(self._repo)  # every campaign's leads; loads when first shown
        self.results_tabs = results_tabs(page, self.all_leads)
        right_layout.addWidget(self.results_tabs, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setObjectName("mainSplitter")
        self.main_splitter = splitter
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([360, 1000])

        central = QWidget()
        central_layout = QVBoxLayout(central)
        central_layout.setContentsMargins(8, 8, 8, 4)
        central_layout.addWidget(self.demo_banner)
        self.welcome_panel = WelcomePanel()  # first run only (see window_ux)
        central_layout.addWidget(self.welcome_panel)
        central_layout.addWidget(splitter, 1)
        self.setCentralWidget(central)

        self.db_label = QLabel(f"Database: {self._repo.path}")
        self.db_label.setObjectName("dbLabel")
        self.mode_label = QLabel()
        self.mode_label.setObjectName("modeLabel")
        self.mode_label.setAccessibleName("Data mode")
        self.statusBar().addPermanentWidget(self.mode_label)
        self.statusBar().addPermanentWidget(self.db_label)

    def _build_menu(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.export_action = QAction("&Export CSV…", self)
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_action.triggered.connect(self._on_export_triggered)
        file_menu.addAction(self.export_action)
        file_menu.addSeparator()
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)
        file_menu.addAction(self.quit_action)
        self.find_action = QAction("Filter leads", self)
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        self.find_action.triggered.connect(self.campaign_page.focus_filter)
        self.addAction(self.find_action)

    def _connect(self) -> None:
        self.start_button.clicked.connect(self.start_run)
        self.cancel_button.clicked.connect(self.cancel_run)
        self.form.validity_changed.connect(self._on_validity_changed)
        self.form.submitted.connect(self.start_run)
        self.history.campaign_selected.connect(self._on_campaign_selected)
        self.controller.job_started.connect(self._on_job_started)
        self.controller.progress.connect(self._on_progress)
        self.controller.rows_ready.connect(self._on_rows_ready)
        self.controller.finished.connect(self._on_finished)
        self.controller.failed.connect(self._on_failed)

    # -- public API --------------------------------------------------------------------

    @property
    def displayed_job_id(self) -> str | None:
        """The job whose leads the table shows."""
        return self._displayed_job_id

    @property
    def providers(self) -> Providers | None:
        """The providers the next run uses (None if they could not be built)."""
        return self._providers

    def reload_providers(self) -> None:
        """Rebuild the providers (e.g. after keys changed) and update the demo banner."""
        try:
            self._providers = self._providers_factory()
        except Exception as exc:
            log.exception("Could not build providers")
            self._providers = None
            self.show_banner(f"Cannot prepare the data providers: {exc}", "error")
        self.demo_banner.setVisible(self._providers is not None and self._providers.demo)
        self.mode_label.setText(mode_text(self._providers))

    def export_csv(self, path: Path) -> int:
        """Write the displayed job's leads to ``path``; return the number of rows.

        Raises:
            ExportError: nothing is displayed, or the file cannot be written.
        """
        if self._displayed_job_id is None:
            raise ExportError("There is no campaign to export; run one or pick one in the history.")
        return export_job_csv(self._repo, self._displayed_job_id, Path(path))

    def show_banner(self, text: str, kind: str = "info") -> None:
        """Add a non-blocking message above the metrics (``info`` or ``error``; latest few kept)."""
        self.info_banner.add(text, kind)

    # -- run control ------------------------------------------------------------------------

    @Slot()
    def start_run(self) -> None:
        """Validate the form and start a run (no-op while one is going)."""
        if self.controller.is_running:
            return
        config = self.form.config()
        if config is None:
            self.form.show_all_errors()
            self.statusBar().showMessage("Fix the highlighted fields to start.")
            return
        config = replace(config, hunter=load_settings().hunter_mode)
        if self._providers is None:
            self.reload_providers()
        if self._providers is None:
            return
        self._dismiss_banner()
        self.progress_bar.setValue(0)
        self.run_overview.set_stage("Starting…")
        self.statusBar().showMessage("Starting…")
        self.controller.start(config, self._providers)
        self._set_running(True)

    def resume_job(self, job_id: str, providers: Providers, budget: float | None = None) -> None:
        """Resume an interrupted job (``self.live.resumer`` checks it first; no-op while running)."""
        if self.controller.is_running:
            return
        self._dismiss_banner()
        self.run_overview.set_stage("Resuming…")
        self.statusBar().showMessage("Resuming…")
        self.controller.resume(job_id, providers, budget=budget, raise_budget=budget is not None)
        self._set_running(True)

    @Slot()
    def cancel_run(self) -> None:
        """Ask the running campaign to stop (it ends as cancelled)."""
        if not self.controller.is_running:
            return
        self.controller.cancel()
        self.cancel_button.setEnabled(False)
        self.run_overview.set_stage("Cancelling…")
        self.statusBar().showMessage("Cancelling…")

    @Slot(str, str)
    def _on_job_started(self, job_id: str, campaign_id: str) -> None:
        self._running_job_id = job_id
        self._running_leads = 0
        self._displayed_job_id = job_id
        self._displayed_demo = bool(self._providers and self._providers.demo)
        self.row_feeder.clear()
        self.model.set_rows([])
        self.history.refresh(select_campaign_id=campaign_id)
        self.metrics_panel.start_run(self._displayed_demo)
        self.statusBar().showMessage("Processing…")

    @Slot(object)
    def _on_progress(self, event: ProgressEvent) -> None:
        if event.job_id != self._running_job_id:
            return
        self.progress_bar.setValue(event.progress)
        if not self.controller.cancel_requested:
            self.run_overview.set_stage(f"{event.stage.label} — {event.message}")
        if self._displayed_job_id == event.job_id:
            self.metrics_panel.update_progress(event)

    @Slot(list)
    def _on_rows_ready(self, rows: list[LeadRecord]) -> None:
        if not rows:
            return
        if rows[0].job_id == self._displayed_job_id:
            self.row_feeder.feed(rows)
        if rows[0].job_id == self._running_job_id:
            self._running_leads += len(rows)
            self.history.set_lead_count(rows[0].campaign_id, self._running_leads)

    @Slot(object)
    def _on_finished(self, result: JobFinished) -> None:
        self.row_feeder.flush()  # the run's threads are done: the last rows go in at once
        self._running_job_id = None
        self._set_running(False)
        if self._displayed_job_id == result.job_id:
            self.metrics_panel.finish_run(result.metrics)
        title = _STATUS_TITLES.get(result.status, str(result.status))
        self.run_overview.set_stage(title)
        if result.status is JobStatus.COMPLETED:
            self.progress_bar.setValue(100)
            leads = self._repo.leads.count(result.job_id)
            cost = format_cost(result.metrics.total_cost, False)
            stopped = f" (stopped early: {result.stop_reason})" if result.stop_reason else ""
            self.statusBar().showMessage(f"Completed: {leads} leads, {cost}{stopped}")
        elif result.status is JobStatus.FAILED:
            self.statusBar().showMessage(f"Failed: {result.error or 'unknown error'}")
        else:
            self.statusBar().showMessage(title)
        messages: list[str] = []
        if result.status is JobStatus.FAILED and result.error:
            messages.append(f"The run failed: {result.error}")
        messages.extend(result.notices)
        if messages:
            self.show_banner("\n".join(messages), "error" if result.status is JobStatus.FAILED else "info")
        self.history.refresh()

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.row_feeder.flush()
        self._running_job_id = None
        self._set_running(False)
        self.metrics_panel.finish_run()
        self.run_overview.set_stage("Failed")
        self.statusBar().showMessage(f"Failed: {message}")
        self.show_banner(f"The run stopped unexpectedly: {message}", "error")
        self.history.refresh()

    # -- history, filter, export ---------------------------------------------------------------

    @Slot(str)
    def _on_campaign_selected(self, campaign_id: str) -> None:
        job = self._repo.jobs.latest_for_campaign(campaign_id)
        if job is None:
            self._displayed_job_id = None
            self.row_feeder.clear()
            self.model.set_rows([])
            self.metrics_panel.clear()
            return
        self._displayed_job_id = job.job_id
        self._displayed_demo = job.config.demo
        self.row_feeder.clear()
        self.model.set_rows(self._repo.leads.for_job(job.job_id))
        if job.job_id == self._running_job_id:
            self._show_running_metrics(job)
            return
        self.metrics_panel.show_job(job)
        if not self.controller.is_running:
            self.progress_bar.setValue(job.progress)
            self.run_overview.set_stage(self._job_title(job))
        self.statusBar().showMessage(f"Showing {job.config.business_type} — {job.config.location}")

    def _show_running_metrics(self, job: JobRecord) -> None:
        elapsed = 0.0
        if job.started_at is not None:
            started = job.started_at if job.started_at.tzinfo else job.started_at.replace(tzinfo=dt.UTC)
            elapsed = max((dt.datetime.now(dt.UTC) - started).total_seconds(), 0.0)
        self.metrics_panel.start_run(job.config.demo, elapsed_so_far=elapsed)
        self.metrics_panel.set_metrics(job.metrics)

    @staticmethod
    def _job_title(job: JobRecord) -> str:
        title = _STATUS_TITLES.get(job.status, str(job.status))
        if job.status is JobStatus.FAILED and job.error:
            return f"{title}: {job.error}"
        return title

    @Slot()
    def _on_export_triggered(self) -> None:
        if self.results_tabs.currentWidget() is self.all_leads:
            all_path = ask_export_path(self, "all-leads")
            if all_path is not None:
                self.export_job.export_all(all_path)
            return
        if self._displayed_job_id is None:
            self.statusBar().showMessage("Nothing to export yet: run a campaign or pick one in the history.")
            return
        job = self._repo.jobs.get(self._displayed_job_id)
        name = "leads"
        if job is not None:
            name = f"{_slug(job.config.business_type)}-{_slug(job.config.location)}"
        path = ask_export_path(self, name)
        if path is not None:
            self.export_job.export_job(self._displayed_job_id, path)  # progress and Cancel in the status bar

    # -- state, banners, close -----------------------------------------------------------------

    def _set_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running and self.form.is_valid)
        self.cancel_button.setEnabled(running)
        self.form.setEnabled(not running)

    @Slot(bool)
    def _on_validity_changed(self, valid: bool) -> None:
        self.start_button.setEnabled(valid and not self.controller.is_running)
        problems = self.form.errors()
        self.start_button.setToolTip(
            "Start the campaign (Ctrl+Return)"
            if valid
            else "Cannot start yet:\n" + "\n".join(error.message for error in problems)
        )

    @Slot()
    def _dismiss_banner(self) -> None:
        self.info_banner.clear()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Remember the layout, cancel a running campaign and wait for its thread before closing."""
        self.ux.save()
        if self.controller.is_running:
            self.statusBar().showMessage("Cancelling the running campaign…")
        self.controller.shutdown(SHUTDOWN_TIMEOUT_MS)
        self.export_job.shutdown(SHUTDOWN_TIMEOUT_MS)
        self.all_leads.shutdown(SHUTDOWN_TIMEOUT_MS)
        self.metrics_panel.finish_run()
        super().closeEvent(event)
