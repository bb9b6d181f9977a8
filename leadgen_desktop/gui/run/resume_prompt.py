"""Never lose work: list interrupted jobs and resume or discard them.

:class:`ResumeDialog` (non-modal) lists jobs with what they have stored and
spent so far; :class:`JobResumer` does the work for the window: it picks the
providers a job needs (its demo flag decides, see :mod:`provider_mode`),
resumes it through the run controller, offers "Resume with higher budget…"
after a run stopped on its budget, and discards jobs. What can be resumed or
discarded is decided by :class:`~leadgen_desktop.core.jobs.Jobs`.

Database writes: reopening a job happens on the worker thread (the
:class:`PipelineWorker` reopens it before running). Discarding is one short
update done here on the GUI thread, and only while no campaign runs (the
Discard button is disabled during a run); WAL mode and the busy timeout make
it safe next to the GUI's reads.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from leadgen_desktop.core.jobs import Jobs
from leadgen_desktop.db.records import JobRecord
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import JobFinished, JobStatus, Providers, StopReason
from leadgen_desktop.gui.run.budget_stop_bar import BudgetStopBar
from leadgen_desktop.gui.run.run_controller import RunController
from leadgen_desktop.gui.shell.message_banner import MessageBanner
from leadgen_desktop.gui.shell.provider_mode import providers_for_job
from leadgen_desktop.keychain import ApiKeyStore

log = logging.getLogger(__name__)

_HEADERS = ("Business type", "Location", "State", "Leads so far", "Cost so far", "When")


def job_state_text(job: JobRecord) -> str:
    """Why the job stopped, in a few words."""
    if job.status is JobStatus.PROCESSING:
        return "interrupted (the app quit or crashed)"
    if job.stop_reason is StopReason.BUDGET:
        needed = f": ${job.budget_stop.needed:.2f} would finish it" if job.budget_stop is not None else ""
        return f"stopped by its budget{needed}"
    if job.status is JobStatus.FAILED:
        return f"failed: {job.error}" if job.error else "failed"
    return "cancelled"


class ResumeDialog(QDialog):
    """Interrupted jobs with Resume (one) and Discard (the selected ones).

    Attributes tests use: ``table`` (one row per job, in ``job_ids`` order),
    ``resume_button``, ``discard_button``, ``empty_label``.

    Signals:
        resume_requested(str job_id): the user chose Resume.
        discard_requested(list job_ids): the user chose Discard.
    """

    resume_requested = Signal(str)
    discard_requested = Signal(list)

    def __init__(self, repo: Store, job_ids: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resumeDialog")
        self.setWindowTitle("Resume interrupted campaigns")
        self.setModal(False)
        self._repo = repo
        self.job_ids: list[str] = []
        intro = QLabel(
            "These campaigns stopped before they were done. Everything they found and paid for "
            "is stored: resume one to continue where it stopped, or discard it to keep its "
            "leads as they are."
        )
        intro.setWordWrap(True)
        self.table = QTableWidget(0, len(_HEADERS))
        self.table.setObjectName("resumeTable")
        self.table.setHorizontalHeaderLabels(_HEADERS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.empty_label = QLabel("Nothing to resume: every campaign finished.")
        self.resume_button = QPushButton("&Resume")
        self.resume_button.setObjectName("resumeJobButton")
        self.resume_button.setToolTip("Continue the selected campaign where it stopped")
        self.discard_button = QPushButton("&Discard")
        self.discard_button.setObjectName("discardJobButton")
        self.discard_button.setToolTip("Mark the selected campaigns as cancelled for good (leads are kept)")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.resume_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.discard_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_label)
        layout.addWidget(buttons)
        self.resume_button.clicked.connect(self._on_resume)
        self.discard_button.clicked.connect(self._on_discard)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(self._on_resume)
        self._run_active = False
        self.set_jobs(job_ids)
        self.resize(760, 320)

    def set_jobs(self, job_ids: Sequence[str]) -> None:
        """List these jobs (unknown ids are skipped); the first one is selected."""
        jobs = [job for job in (self._repo.jobs.get(job_id) for job_id in job_ids) if job is not None]
        self.job_ids = [job.job_id for job in jobs]
        self.table.setRowCount(len(jobs))
        for row, job in enumerate(jobs):
            when = job.started_at or job.created_at
            cells = (
                job.config.business_type,
                job.config.location,
                job_state_text(job),
                f"{self._repo.leads.count(job.job_id):,}",
                "$0.00 (demo)" if job.config.demo else f"${job.metrics.total_cost:.4f}",
                f"{when:%Y-%m-%d %H:%M} UTC",
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, job.job_id)
                item.setToolTip(text)
                self.table.setItem(row, column, item)
        self.empty_label.setVisible(not jobs)
        if jobs:
            self.table.selectRow(0)
        self._update_buttons()

    def selected_job_ids(self) -> list[str]:
        """The selected jobs, in list order."""
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.job_ids[row] for row in rows if row < len(self.job_ids)]

    def select_rows(self, rows: Sequence[int]) -> None:
        """Select exactly these rows."""
        self.table.clearSelection()
        mode = self.table.selectionMode()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        for row in rows:
            self.table.selectRow(row)
        self.table.setSelectionMode(mode)

    def set_run_active(self, active: bool) -> None:
        """Disable Resume and Discard while a campaign runs."""
        self._run_active = active
        self._update_buttons()

    @Slot()
    def _update_buttons(self) -> None:
        selected = self.selected_job_ids()
        hint = "Wait for the running campaign to finish first." if self._run_active else ""
        self.resume_button.setEnabled(len(selected) == 1 and not self._run_active)
        self.discard_button.setEnabled(bool(selected) and not self._run_active)
        self.resume_button.setToolTip(hint or "Continue the selected campaign where it stopped")

    @Slot()
    def _on_resume(self) -> None:
        selected = self.selected_job_ids()
        if len(selected) == 1 and not self._run_active:
            self.resume_requested.emit(selected[0])

    @Slot()
    def _on_discard(self) -> None:
        selected = self.selected_job_ids()
        if selected and not self._run_active:
            self.discard_requested.emit(selected)


class JobResumer(QObject):
    """Resume and discard jobs for the main window; shows the start-up prompt.

    It is given what it needs: the window as the dialogs' parent, the job
    owner (:class:`Jobs`, and through it the store), the key store, the run
    controller (its state and signals), the message banner, the budget bar it
    drives and the window's current providers. Starting the resumed run is the window's job:
    :meth:`resume` emits ``resume_requested``.

    Attributes tests use: ``dialog`` (the open :class:`ResumeDialog`, or None)
    and ``budget_bar`` (:class:`BudgetStopBar`, under the message banner).

    Signals:
        dialog_opened(object): a :class:`ResumeDialog` was shown.
        resume_requested(str job_id, object providers, object budget): resume
            ``job_id`` with these :class:`Providers` and a new budget (float) or
            None; emitted only when no run is going.
        discarded(int count): jobs were discarded (the history shows them anew).
    """

    dialog_opened = Signal(object)
    resume_requested = Signal(str, object, object)
    discarded = Signal(int)

    def __init__(
        self,
        parent: QWidget,
        jobs: Jobs,
        key_store: ApiKeyStore,
        controller: RunController,
        banner: MessageBanner,
        budget_bar: BudgetStopBar,
        providers: Callable[[], Providers | None],
        ask_budget: Callable[[float], float | None] | None = None,
    ) -> None:
        super().__init__(parent)
        self._parent = parent
        self._jobs = jobs
        self._repo = jobs.store
        self._keys = key_store
        self._controller = controller
        self._banner = banner
        self._providers = providers
        self._ask_budget = ask_budget or self._ask_budget_dialog
        self.dialog: ResumeDialog | None = None
        self.budget_bar = budget_bar
        self.budget_bar.resume_clicked.connect(self.resume_with_budget)
        controller.job_started.connect(self._on_run_state)
        controller.finished.connect(self._on_finished)
        controller.failed.connect(self._on_run_state)

    # -- entry points ------------------------------------------------------------------

    def schedule_startup_prompt(self) -> None:
        """After the window shows: list jobs a crash or a quit left unfinished."""
        QTimer.singleShot(0, self, self.prompt_at_startup)

    @Slot()
    def prompt_at_startup(self) -> None:
        """Open the dialog when crashed jobs exist (nothing otherwise)."""
        if not self._parent.isVisible():
            return
        try:
            crashed = [job.job_id for job in self._jobs.interrupted(only_crashed=True)]
        except Exception:
            log.warning("Could not look for interrupted jobs", exc_info=True)
            return
        if crashed:
            self.open_dialog(crashed)

    def open_dialog(self, job_ids: Sequence[str] | None = None) -> ResumeDialog:
        """Show the dialog for ``job_ids`` (default: every resumable job)."""
        ids = list(job_ids) if job_ids is not None else [job.job_id for job in self._jobs.interrupted()]
        ids = [job_id for job_id in ids if job_id != self._controller.job_id or not self._running()]
        if self.dialog is None:
            self.dialog = ResumeDialog(self._repo, ids, self._parent)
            self.dialog.resume_requested.connect(self._on_resume_requested)
            self.dialog.discard_requested.connect(self.discard)
            self.dialog.finished.connect(self._on_dialog_closed)
        else:
            self.dialog.set_jobs(ids)
        self.dialog.set_run_active(self._running())
        self.dialog.show()
        self.dialog.raise_()
        self.dialog_opened.emit(self.dialog)
        return self.dialog

    def can_resume(self, job_id: str | None) -> bool:
        """True when ``job_id`` exists, is resumable, and no run is going."""
        return job_id is not None and not self._running() and self._jobs.can_resume(job_id)

    def resume(self, job_id: str, budget: float | None = None) -> bool:
        """Resume ``job_id`` (optionally with a new budget); explain in the banner when it cannot.

        A job stopped by its budget asks for a higher one first (the same budget would stop it again).
        """
        if self._running():
            self._banner.add("A campaign is running: resume this one once it has finished.", "info")
            return False
        job = self._jobs.get(job_id)
        if job is None:
            self._banner.add("That campaign is no longer in the database.", "error")
            return False
        if budget is None and job.stop_reason is StopReason.BUDGET:
            return self.resume_with_budget(job_id)
        providers = providers_for_job(job.config.demo, self._providers(), self._keys.all_keys)
        if isinstance(providers, str):
            self._banner.add(providers, "error")
            return False
        self.resume_requested.emit(job_id, providers, budget)
        return True

    def discard(self, job_ids: Sequence[str]) -> int:
        """Mark jobs as cancelled for good (GUI thread; never during a run); return how many."""
        if self._running():
            return 0
        done = 0
        try:
            done = self._jobs.discard(job_ids)
        except Exception as exc:  # noqa: BLE001 - report storage problems in the banner
            self._banner.add(f"Could not discard the campaign: {exc}", "error")
        if self.dialog is not None:
            remaining = [job_id for job_id in self.dialog.job_ids if job_id not in set(job_ids)]
            self.dialog.set_jobs(remaining)
        self.discarded.emit(done)
        return done

    # -- slots ------------------------------------------------------------------------------

    @Slot(str)
    def _on_resume_requested(self, job_id: str) -> None:
        if self.resume(job_id) and self.dialog is not None:
            self.dialog.set_jobs([j for j in self.dialog.job_ids if j != job_id])
            if not self.dialog.job_ids:
                self.dialog.close()

    @Slot()
    def _on_dialog_closed(self) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
            self.dialog = None

    def _on_run_state(self, *_args: object) -> None:
        self.budget_bar.hide()
        if self.dialog is not None:
            self.dialog.set_run_active(self._running())

    def _on_finished(self, result: JobFinished) -> None:
        self._on_run_state()
        if result.stop_reason is StopReason.BUDGET:
            self.budget_bar.show_for(result.job_id, result.budget_stop)

    @Slot(str)
    def resume_with_budget(self, job_id: str) -> bool:
        """Ask for a higher budget, then resume ``job_id`` with it."""
        job = self._jobs.get(job_id)
        if job is None:
            return False
        suggested = job.budget_stop.needed if job.budget_stop is not None else 0.0
        current = job.config.budget or 0.0
        budget = self._ask_budget(max(suggested, round(current * 2, 2), 0.01))
        if budget is None:
            return False
        return self.resume(job_id, budget)

    # -- helpers -----------------------------------------------------------------------------

    def _running(self) -> bool:
        return self._controller.is_running

    def _ask_budget_dialog(self, suggested: float) -> float | None:
        value, ok = QInputDialog.getDouble(
            self._parent,
            "Resume with a higher budget",
            "New budget for this campaign (USD):",
            suggested,
            0.01,
            1_000_000.0,
            2,
        )
        return float(value) if ok else None
