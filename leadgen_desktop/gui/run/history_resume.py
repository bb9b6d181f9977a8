"""Resume the campaign selected in the history: its Resume button and context action."""

from __future__ import annotations

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QAction

from leadgen_desktop.db.store import Store
from leadgen_desktop.gui.run.history_panel import HistoryPanel
from leadgen_desktop.gui.run.resume_prompt import JobResumer
from leadgen_desktop.gui.run.run_controller import RunController


class HistoryResume(QObject):
    """Shows the history's Resume button and enables its action when the selected job can resume.

    The button (:attr:`HistoryPanel.resume_button`) and ``action`` both call
    :meth:`resume_selected`; both follow the selection and the run's state.

    Signals: none.
    """

    def __init__(
        self,
        history: HistoryPanel,
        action: QAction,
        repo: Store,
        resumer: JobResumer,
        controller: RunController,
    ) -> None:
        super().__init__(history)
        self._history = history
        self._action = action
        self._repo = repo
        self._resumer = resumer
        history.resume_button.clicked.connect(self.resume_selected)
        action.triggered.connect(self.resume_selected)
        history.campaign_selected.connect(self.refresh)
        controller.job_started.connect(self.refresh)
        controller.finished.connect(self.refresh)
        controller.failed.connect(self.refresh)
        self.refresh()

    @Slot()
    def refresh(self, *_args: object) -> None:
        """Offer Resume only when the selected campaign's job can be resumed now."""
        allowed = self._resumer.can_resume(self.selected_job_id())
        self._action.setEnabled(allowed)
        self._history.resume_button.setVisible(allowed)

    @Slot()
    def resume_selected(self) -> bool:
        """Resume the job of the campaign selected in the history."""
        job_id = self.selected_job_id()
        if job_id is None or not self._resumer.can_resume(job_id):
            return False
        return self._resumer.resume(job_id)

    def selected_job_id(self) -> str | None:
        """The latest job of the selected campaign, if any."""
        campaign_id = self._history.current_campaign_id()
        if campaign_id is None or self._history.offline:  # never wait on an unreachable team database
            return None
        job = self._repo.jobs.latest_for_campaign(campaign_id)
        return None if job is None else job.job_id
