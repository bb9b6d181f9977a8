"""The main window: built here in one place, then driven by the run controller's signals.

``MainWindow.__init__`` is the window's composition: it builds the panels, the
actions and menus (:mod:`window_actions`), the status bar and the feature
controllers, hands each controller the few objects it needs, and connects
everything in :meth:`MainWindow._connect` and :meth:`MainWindow._connect_actions`.
What a run shows (stage, progress, counters, rows, the history) is handled by
:class:`~leadgen_desktop.gui.run.run_display.RunDisplay`.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QMainWindow,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from leadgen_desktop.core.export import ExportError, export_job_csv
from leadgen_desktop.core.jobs import Jobs
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import Providers
from leadgen_desktop.gui.run.area_preview import AreaPreviewer
from leadgen_desktop.gui.run.campaign_panel import CampaignPanel
from leadgen_desktop.gui.run.estimate_label import EstimateUpdater
from leadgen_desktop.gui.run.history_resume import HistoryResume
from leadgen_desktop.gui.run.resume_prompt import JobResumer
from leadgen_desktop.gui.run.run_controller import RunController
from leadgen_desktop.gui.run.run_display import RunDisplay
from leadgen_desktop.gui.run.run_overview import RunOverview
from leadgen_desktop.gui.run.run_preload import RunPreload
from leadgen_desktop.gui.settings.settings_launcher import SettingsLauncher
from leadgen_desktop.gui.shell.help_actions import HelpActions
from leadgen_desktop.gui.shell.provider_mode import mode_text
from leadgen_desktop.gui.shell.team_mode import TeamMode
from leadgen_desktop.gui.shell.welcome import WelcomePanel
from leadgen_desktop.gui.shell.window_actions import WindowActions, build_menus
from leadgen_desktop.gui.shell.window_state import WindowStateStore
from leadgen_desktop.gui.tables.all_leads import AllLeadsView, results_tabs
from leadgen_desktop.gui.tables.campaign_leads import CampaignLeadsPage
from leadgen_desktop.gui.tables.export_job import ExportJob, ask_export_path
from leadgen_desktop.keychain import ApiKeyStore
from leadgen_desktop.settings import load_settings
from leadgen_desktop.wiring import build_providers, demo_requested

log = logging.getLogger(__name__)

DEMO_TEXT = "Demo mode — offline sample data, no API calls, $0.00"
SHUTDOWN_TIMEOUT_MS = 10_000


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

    Panels: ``campaign_panel`` (form, Start, Cancel, history), ``run_overview``
    (stage, progress, messages, budget bar, counters, charts),
    ``campaign_page`` (filter, lead table, details), ``all_leads`` and
    ``results_tabs`` (the two result tabs), ``main_splitter``,
    ``welcome_panel``, ``demo_banner``; in the status bar ``mode_label`` and
    ``db_label``. ``window_actions`` (:class:`WindowActions`) and ``menus`` hold
    every action and menu.

    Feature controllers, each given only what it needs: ``controller``
    (:class:`RunController`: the run's thread), ``run_display``
    (:class:`RunDisplay`: what a run shows, which job is displayed), ``jobs``
    (:class:`Jobs`, the job owner), ``resumer`` (:class:`JobResumer`),
    ``history_resume``, ``settings_launcher``, ``help_actions``, ``estimate``
    (:class:`EstimateUpdater`), ``area_previewer`` (:class:`AreaPreviewer`: the
    free map behind the estimate), ``export_job`` (background CSV), ``state``
    (:class:`WindowStateStore`) and ``run_preload`` (:class:`RunPreload`: what a
    run's start needs, loaded after the first paint).

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
        self.setWindowTitle("leadgen-desktop")
        self.setObjectName("mainWindow")

        self._build_panels()
        self.window_actions = WindowActions(self)
        self.menus = build_menus(self.menuBar(), self.window_actions)
        self.campaign_panel.history.list_widget.addAction(self.window_actions.resume_selected)
        self.controller = RunController(repo, self)
        self.run_display = RunDisplay(
            self,
            repo,
            self.controller,
            self.campaign_panel,
            self.run_overview,
            self.campaign_page,
            self.statusBar(),
            self._providers_for_run,
        )
        self.jobs = Jobs(repo)  # the job owner: resumable, reopen, discard, interrupted
        self.resumer = JobResumer(
            self,
            self.jobs,
            self._key_store,
            self.controller,
            self.run_overview.info_banner,
            self.run_overview.budget_bar,
            lambda: self._providers,
        )
        self.history_resume = HistoryResume(
            self.campaign_panel.history,
            self.window_actions.resume_selected,
            repo,
            self.resumer,
            self.controller,
        )
        self.settings_launcher = SettingsLauncher(self, repo, self._key_store, self.controller)
        self.help_actions = HelpActions(self, repo.path, self.run_overview.info_banner, self.statusBar())
        form = self.campaign_panel.form
        self.area_previewer = AreaPreviewer(form, form.map_button, lambda: self._providers, repo)
        self.estimate = EstimateUpdater(
            form, form.estimate_label, lambda: self._providers, repo, preview=self.area_previewer.preview_for
        )
        self.area_previewer.changed.connect(self.estimate.refresh_now)
        self.export_job = ExportJob(repo, self.statusBar(), self.show_banner, self)  # background CSV
        self.state = WindowStateStore()
        self._connect()
        self._connect_actions()
        self._set_tab_order()
        self.resize(1360, 820)

        self.reload_providers()
        self.campaign_panel.history.refresh()
        self.run_preload = RunPreload(self, lambda: self._providers)  # after the first paint
        self.statusBar().showMessage("Ready")
        self._restore_session()
        self.resumer.schedule_startup_prompt()
        # a team database: everyone's jobs live, Queue, the workers, a banner while it is unreachable
        queue_button = self.campaign_panel.queue_button
        self.team = TeamMode(self, repo, queue_button) if repo.db.is_postgres else None

    # -- construction ----------------------------------------------------------------

    def _build_panels(self) -> None:
        self.demo_banner = QLabel(DEMO_TEXT)
        self.demo_banner.setObjectName("demoBanner")
        self.demo_banner.setAccessibleName("Demo mode")
        self.demo_banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.demo_banner.setStyleSheet(
            "background: #ffb300; color: #1a1a1a; font-weight: 700; padding: 6px; border-radius: 4px;"
        )
        self.welcome_panel = WelcomePanel()  # first run only (see _restore_session)
        self.campaign_panel = CampaignPanel(self._repo)  # left column: form, buttons, history
        self.run_overview = RunOverview()  # right column: stage, progress, messages, counters, charts
        self.campaign_page = CampaignLeadsPage(actions_parent=self)  # the "Campaign" tab
        self.run_overview.charts.set_model(self.campaign_page.model)
        self.all_leads = AllLeadsView(self._repo.all_leads)  # every campaign's leads; loads when first shown
        self.results_tabs = results_tabs(self.campaign_page, self.all_leads)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.run_overview)
        right_layout.addWidget(self.results_tabs, 1)

        self.main_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.main_splitter.setObjectName("mainSplitter")
        self.main_splitter.setChildrenCollapsible(False)
        self.main_splitter.addWidget(self.campaign_panel)
        self.main_splitter.addWidget(right)
        self.main_splitter.setStretchFactor(0, 0)
        self.main_splitter.setStretchFactor(1, 1)
        self.main_splitter.setSizes([360, 1000])

        central = QWidget()
        central_layout = QVBoxLayout(central)
        central_layout.setContentsMargins(8, 8, 8, 4)
        central_layout.addWidget(self.demo_banner)
        central_layout.addWidget(self.welcome_panel)
        central_layout.addWidget(self.main_splitter, 1)
        self.setCentralWidget(central)

        self.db_label = QLabel(f"Database: {self._repo.path}")
        self.db_label.setObjectName("dbLabel")
        self.db_label.setAccessibleName("Database path")
        self.mode_label = QLabel()
        self.mode_label.setObjectName("modeLabel")
        self.mode_label.setAccessibleName("Data mode")
        self.statusBar().addPermanentWidget(self.mode_label)
        self.statusBar().addPermanentWidget(self.db_label)

    def _connect(self) -> None:
        panel = self.campaign_panel
        panel.start_button.clicked.connect(self.run_display.start_run)
        panel.cancel_button.clicked.connect(self.run_display.cancel_run)
        panel.form.submitted.connect(self.run_display.start_run)
        self.controller.job_started.connect(self._save_form)
        self.resumer.resume_requested.connect(self._on_resume_requested)
        self.resumer.discarded.connect(self._on_jobs_discarded)
        self.settings_launcher.changed.connect(self._on_settings_changed)
        self.welcome_panel.settings_requested.connect(self.settings_launcher.open)

    def _connect_actions(self) -> None:
        actions = self.window_actions
        actions.export.triggered.connect(self._on_export_triggered)
        actions.resume_jobs.triggered.connect(self._on_resume_jobs)
        actions.quit.triggered.connect(self.close)
        actions.settings.triggered.connect(self.settings_launcher.open)
        actions.open_logs.triggered.connect(self.help_actions.open_log_folder)
        actions.about.triggered.connect(self.help_actions.show_about)
        actions.focus_filter.triggered.connect(self.campaign_page.focus_filter)
        actions.cancel_run.triggered.connect(self.run_display.request_cancel)

    def _set_tab_order(self) -> None:
        form, page = self.campaign_panel.form, self.campaign_page
        chain: list[QWidget] = [
            form.business_type,
            form.location,
            form.area,
            form.keywords,
            form.max_results,
            form.min_score,
            form.budget,
            form.map_button,
            form.verify,
            self.campaign_panel.start_button,
            self.campaign_panel.cancel_button,
            page.filter_edit,
            page.table_view,
            page.details_panel.website_button,
            page.details_panel.maps_button,
            self.campaign_panel.history.list_widget,
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    # -- public API --------------------------------------------------------------------

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

    def show_banner(self, text: str, kind: str = "info") -> None:
        """Add a non-blocking message above the metrics (``info`` or ``error``; latest few kept)."""
        self.run_overview.info_banner.add(text, kind)

    def export_csv(self, path: Path) -> int:
        """Write the displayed job's leads to ``path``; return the number of rows.

        Raises:
            ExportError: nothing is displayed, or the file cannot be written.
        """
        job_id = self.run_display.displayed_job_id
        if job_id is None:
            raise ExportError("There is no campaign to export; run one or pick one in the history.")
        return export_job_csv(self._repo, job_id, Path(path))

    def _providers_for_run(self) -> Providers | None:
        """The providers a new run uses, built again first if they could not be before."""
        if self._providers is None:
            self.reload_providers()
        return self._providers

    # -- slots -----------------------------------------------------------------------------

    @Slot(str, object, object)
    def _on_resume_requested(self, job_id: str, providers: Providers, budget: float | None) -> None:
        self.run_display.resume_job(job_id, providers, budget)

    @Slot()
    def _on_resume_jobs(self) -> None:
        self.resumer.open_dialog()  # every resumable job

    @Slot(int)
    def _on_jobs_discarded(self, count: int) -> None:
        self.campaign_panel.history.refresh()
        self.statusBar().showMessage(f"Discarded {count} interrupted campaign(s); leads are kept.")

    @Slot()
    def _on_settings_changed(self) -> None:
        self.reload_providers()
        self.estimate.refresh_now()

    @Slot()
    def _on_export_triggered(self) -> None:
        if self.results_tabs.currentWidget() is self.all_leads:
            all_path = ask_export_path(self, "all-leads")
            if all_path is not None:
                self.export_job.export_all(all_path)
            return
        job_id = self.run_display.displayed_job_id
        if job_id is None:
            self.statusBar().showMessage("Nothing to export yet: run a campaign or pick one in the history.")
            return
        job = self._repo.jobs.get(job_id)
        name = "leads"
        if job is not None:
            name = f"{_slug(job.config.business_type)}-{_slug(job.config.location)}"
        path = ask_export_path(self, name)
        if path is not None:
            self.export_job.export_job(job_id, path)  # progress and Cancel in the status bar

    # -- remembered state, close -------------------------------------------------------------

    def _layout_parts(self) -> tuple[dict[str, QSplitter], dict[str, QHeaderView]]:
        splitters = {"main": self.main_splitter, "results": self.campaign_page.results_splitter}
        return splitters, {"leads": self.campaign_page.table_view.horizontalHeader()}

    def _restore_session(self) -> None:
        """Geometry, splitters, the table header and the form from the last session; the welcome once."""
        splitters, headers = self._layout_parts()
        self.state.restore_layout(self, splitters, headers)
        self.state.restore_form(self.campaign_panel.form)
        if self.state.welcome_shown():
            self.welcome_panel.hide()
        else:
            self.welcome_panel.show()
            self.state.set_welcome_shown()

    def save_session(self) -> None:
        """Remember geometry, splitters, the table header and the form now."""
        splitters, headers = self._layout_parts()
        self.state.save_layout(self, splitters, headers)
        self.state.save_form(self.campaign_panel.form)
        self.state.sync()

    @Slot()
    def _save_form(self) -> None:
        self.state.save_form(self.campaign_panel.form)
        self.state.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Remember the layout, cancel a running campaign and wait for the window's threads before closing."""
        self.save_session()
        if self.team is not None:
            self.team.close()
        if self.controller.is_running:
            self.statusBar().showMessage("Cancelling the running campaign…")
        self.area_previewer.cancel()
        self.run_preload.shutdown(SHUTDOWN_TIMEOUT_MS)
        self.campaign_panel.history.shutdown(SHUTDOWN_TIMEOUT_MS)
        self.controller.shutdown(SHUTDOWN_TIMEOUT_MS)
        self.export_job.shutdown(SHUTDOWN_TIMEOUT_MS)
        self.all_leads.shutdown(SHUTDOWN_TIMEOUT_MS)
        self.run_overview.metrics_panel.finish_run()
        super().closeEvent(event)
