"""What the window shows of a run: the running job live, or the job picked in the history.

:class:`RunDisplay` starts, resumes and cancels runs through the
:class:`RunController` and turns its signals into the window's state: the
Start/Cancel buttons and the form, the stage and progress, the metrics, the
message banner, the lead table (through the :class:`RowFeeder`), the history
and the status bar. The table shows one job at a time (``displayed_job_id``):
the running one after Start, or the one picked in the history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QMessageBox, QStatusBar, QWidget

from leadgen_desktop.core.run.area_coverage import job_coverage
from leadgen_desktop.db.records import JobRecord, LeadRecord
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import (
    CampaignConfig,
    CoverageEvent,
    JobFinished,
    JobStatus,
    ProgressEvent,
    Providers,
)
from leadgen_desktop.gui.run.campaign_panel import CampaignPanel
from leadgen_desktop.gui.run.metrics_panel import format_cost
from leadgen_desktop.gui.run.run_controller import RunController
from leadgen_desktop.gui.run.run_overview import RunOverview
from leadgen_desktop.gui.tables.campaign_leads import CampaignLeadsPage
from leadgen_desktop.settings import load_settings

CANCEL_TITLE = "Cancel the running campaign?"
CANCEL_TEXT = (
    "Requests already sent to the paid APIs may still be billed. "
    "Leads stored so far are kept, and the campaign can be resumed later."
)
STATUS_TITLES = {
    JobStatus.PENDING: "Pending",
    JobStatus.PROCESSING: "Processing",
    JobStatus.COMPLETED: "Completed",
    JobStatus.FAILED: "Failed",
    JobStatus.CANCELLED: "Cancelled",
}


def job_title(job: JobRecord) -> str:
    """``Completed``, ``Failed: <why>``… for a job shown from the history."""
    title = STATUS_TITLES.get(job.status, str(job.status))
    if job.status is JobStatus.FAILED and job.error:
        return f"{title}: {job.error}"
    return title


def finished_status(result: JobFinished, leads: int) -> str:
    """The status bar's line once a run is over (``leads``: how many it stored, when completed)."""
    title = STATUS_TITLES.get(result.status, str(result.status))
    if result.status is JobStatus.COMPLETED:
        cost = format_cost(result.metrics.total_cost, False)
        stopped = f" (stopped early: {result.stop_reason})" if result.stop_reason else ""
        return f"Completed: {leads} leads, {cost}{stopped}"
    if result.status is JobStatus.FAILED:
        return f"Failed: {result.error or 'unknown error'}"
    return title


class RunDisplay(QObject):
    """Runs campaigns for the window and shows the running or the picked job.

    It is given the window (the parent of its confirmation), the run
    controller, the store (reads only), the three panels it updates and
    the status bar; ``providers`` returns the providers a new run uses (None
    when they cannot be built: nothing starts).

    Signals: none of its own (see :class:`RunController`).
    """

    def __init__(
        self,
        parent: QWidget,
        repo: Store,
        controller: RunController,
        campaign_panel: CampaignPanel,
        run_overview: RunOverview,
        campaign_page: CampaignLeadsPage,
        status_bar: QStatusBar,
        providers: Callable[[], Providers | None],
    ) -> None:
        super().__init__(parent)
        self._parent = parent
        self._repo = repo
        self._controller = controller
        self._panel = campaign_panel
        self._overview = run_overview
        self._page = campaign_page
        self._status = status_bar
        self._providers = providers
        self._running_job_id: str | None = None
        self._starting_config: CampaignConfig | None = None  # of the run started last from the form
        self._running_leads = 0
        self._displayed_job_id: str | None = None
        controller.job_started.connect(self._on_job_started)
        controller.progress.connect(self._on_progress)
        controller.coverage.connect(self._on_coverage)
        controller.rows_ready.connect(self._on_rows_ready)
        controller.finished.connect(self._on_finished)
        controller.failed.connect(self._on_failed)
        campaign_panel.form.validity_changed.connect(self._on_validity_changed)
        campaign_panel.history.campaign_selected.connect(self._on_campaign_selected)
        self.set_running(False)
        self._on_validity_changed(campaign_panel.form.is_valid)

    @property
    def displayed_job_id(self) -> str | None:
        """The job whose leads the table shows."""
        return self._displayed_job_id

    # -- run control ------------------------------------------------------------------------

    @Slot()
    def start_run(self) -> None:
        """Validate the form and start a run (no-op while one is going)."""
        if self._controller.is_running:
            return
        config = self._panel.form.config()
        if config is None:
            self._panel.form.show_all_errors()
            self._status.showMessage("Fix the highlighted fields to start.")
            return
        config = replace(config, hunter=load_settings().hunter_mode)  # Settings → Emails
        providers = self._providers()
        if providers is None:
            return
        self._overview.info_banner.clear()
        self._overview.progress_bar.setValue(0)
        self._overview.set_stage("Starting…")
        self._status.showMessage("Starting…")
        self._starting_config = config  # the history's line until the list is read again
        self._controller.start(config, providers)
        self.set_running(True)

    def resume_job(self, job_id: str, providers: Providers, budget: float | None = None) -> None:
        """Resume an interrupted job (the resume feature checked it first; no-op while running)."""
        if self._controller.is_running:
            return
        self._overview.info_banner.clear()
        self._overview.set_stage("Resuming…")
        self._status.showMessage("Resuming…")
        self._starting_config = None  # its campaign is listed already
        self._controller.resume(job_id, providers, budget=budget, raise_budget=budget is not None)
        self.set_running(True)

    @Slot()
    def cancel_run(self) -> None:
        """Ask the running campaign to stop (it ends as cancelled)."""
        if not self._controller.is_running:
            return
        self._controller.cancel()
        self._panel.cancel_button.setEnabled(False)
        self._overview.set_stage("Cancelling…")
        self._status.showMessage("Cancelling…")

    def run_is_live(self) -> bool:
        """True when the current run uses paid providers (requests may be billed)."""
        return not self._controller.demo

    @Slot()
    def request_cancel(self) -> bool:
        """Escape: cancel the running campaign, after a confirmation when it is live."""
        if not self._controller.is_running or self._controller.cancel_requested:
            return False
        if self.run_is_live():
            answer = QMessageBox.question(
                self._parent,
                CANCEL_TITLE,
                CANCEL_TEXT,
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return False
        self.cancel_run()
        return True

    def set_running(self, running: bool) -> None:
        """Enable Start (when the form is valid) or Cancel, and lock the form during a run.

        The button that becomes usable is enabled before the other is disabled, so the keyboard
        focus leaving Start (or the form) lands on Cancel, the next in the tab order. Before, with
        the Campaign tab hidden, it went on to the history list, which then selected its first
        campaign and loaded every one of its leads on the window's thread (0.9 s at 1,000 leads).
        """
        panel = self._panel
        if running:
            panel.cancel_button.setEnabled(True)
            panel.start_button.setEnabled(False)
        else:
            panel.start_button.setEnabled(panel.form.is_valid)
            panel.cancel_button.setEnabled(False)
        panel.form.setEnabled(not running)

    # -- controller signals ------------------------------------------------------------------

    @Slot(str, str)
    def _on_job_started(self, job_id: str, campaign_id: str) -> None:
        self._running_job_id = job_id
        self._running_leads = 0
        self._displayed_job_id = job_id
        self._page.row_feeder.clear()
        self._page.model.set_rows([])
        self._overview.set_coverage(None)
        # shown at once, then read on a thread: the run's threads are starting and want the lock too
        config, history = self._starting_config, self._panel.history
        demo = self._controller.demo or (config is not None and config.demo)
        history.show_started(campaign_id, job_id, config, demo)
        history.refresh_later(select_campaign_id=campaign_id)
        self._overview.metrics_panel.start_run(self._controller.demo)
        self._status.showMessage("Processing…")

    @Slot(object)
    def _on_progress(self, event: ProgressEvent) -> None:
        if event.job_id != self._running_job_id:
            return
        self._overview.progress_bar.setValue(event.progress)
        if not self._controller.cancel_requested:
            self._overview.set_stage(f"{event.stage.label} — {event.message}")
        if self._displayed_job_id == event.job_id:
            self._overview.metrics_panel.update_progress(event)

    @Slot(object)
    def _on_coverage(self, event: CoverageEvent) -> None:
        if event.job_id == self._running_job_id and self._displayed_job_id == event.job_id:
            self._overview.set_coverage(event.coverage)

    @Slot(list)
    def _on_rows_ready(self, rows: list[LeadRecord]) -> None:
        if not rows:
            return
        if rows[0].job_id == self._displayed_job_id:
            self._page.row_feeder.feed(rows)
        if rows[0].job_id == self._running_job_id:
            self._running_leads += len(rows)
            self._panel.history.set_lead_count(rows[0].campaign_id, self._running_leads)

    @Slot(object)
    def _on_finished(self, result: JobFinished) -> None:
        self._page.row_feeder.flush()  # the run's threads are done: the last rows go in at once
        self._running_job_id = None
        self.set_running(False)
        overview = self._overview
        if self._displayed_job_id == result.job_id:
            overview.metrics_panel.finish_run(result.metrics)
        overview.set_stage(STATUS_TITLES.get(result.status, str(result.status)))
        if result.status is JobStatus.COMPLETED:
            overview.progress_bar.setValue(100)
        completed = result.status is JobStatus.COMPLETED
        leads = self._repo.leads.count(result.job_id) if completed else 0
        self._status.showMessage(finished_status(result, leads))
        messages: list[str] = []
        if result.status is JobStatus.FAILED and result.error:
            messages.append(f"The run failed: {result.error}")
        messages.extend(result.notices)
        if messages:
            kind = "error" if result.status is JobStatus.FAILED else "info"
            overview.info_banner.add("\n".join(messages), kind)
        self._panel.history.refresh()

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._page.row_feeder.flush()
        self._running_job_id = None
        self.set_running(False)
        self._overview.metrics_panel.finish_run()
        self._overview.set_stage("Failed")
        self._status.showMessage(f"Failed: {message}")
        self._overview.info_banner.add(f"The run stopped unexpectedly: {message}", "error")
        self._panel.history.refresh()

    # -- the form and the history --------------------------------------------------------------

    @Slot(bool)
    def _on_validity_changed(self, valid: bool) -> None:
        start = self._panel.start_button
        start.setEnabled(valid and not self._controller.is_running)
        problems = self._panel.form.errors()
        start.setToolTip(
            "Start the campaign (Ctrl+Return)"
            if valid
            else "Cannot start yet:\n" + "\n".join(error.message for error in problems)
        )

    @Slot(str)
    def _on_campaign_selected(self, campaign_id: str) -> None:
        if self._panel.history.offline:  # the team database is unreachable: never wait on it here
            self._status.showMessage("The team database is unreachable; reconnecting…")
            return
        page, metrics = self._page, self._overview.metrics_panel
        job = self._repo.jobs.latest_for_campaign(campaign_id)
        page.row_feeder.clear()
        if job is None:
            self._displayed_job_id = None
            page.model.set_rows([])
            metrics.clear()
            self._overview.set_coverage(None)
            return
        self._displayed_job_id = job.job_id
        page.model.set_rows(self._repo.leads.for_job(job.job_id))
        self._overview.set_coverage(job_coverage(self._repo, job.job_id))
        if job.job_id == self._running_job_id:
            self._show_running_metrics(job)
            return
        metrics.show_job(job)
        if not self._controller.is_running:
            self._overview.progress_bar.setValue(job.progress)
            self._overview.set_stage(job_title(job))
        self._status.showMessage(f"Showing {job.config.business_type} — {job.config.location}")

    def _show_running_metrics(self, job: JobRecord) -> None:
        elapsed = 0.0
        if job.started_at is not None:
            started = job.started_at if job.started_at.tzinfo else job.started_at.replace(tzinfo=dt.UTC)
            elapsed = max((dt.datetime.now(dt.UTC) - started).total_seconds(), 0.0)
        self._overview.metrics_panel.start_run(job.config.demo, elapsed_so_far=elapsed)
        self._overview.metrics_panel.set_metrics(job.metrics)
