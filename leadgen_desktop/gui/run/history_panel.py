"""The list of past campaigns, newest first, read from the store."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

from leadgen_desktop.db.records import CampaignSummary
from leadgen_desktop.db.store import Store
from leadgen_desktop.db.tables import utcnow
from leadgen_desktop.domain import CampaignConfig, JobStatus
from leadgen_desktop.gui.run.history_reader import HistoryReader

CAMPAIGN_ROLE = Qt.ItemDataRole.UserRole + 1
JOB_ROLE = Qt.ItemDataRole.UserRole + 2


def summary_text(summary: CampaignSummary, team: bool = False) -> str:
    """One line: ``dentist — Austin, TX · completed · 25 leads · $0.00 · demo``.

    On a team database (``team``) the worker holding a running job and who ran
    it come right after the status, where a narrow list still shows them:
    ``dentist — Austin, TX · processing on host:12 · by ana · 3 leads · …``.
    """
    leads = "1 lead" if summary.leads == 1 else f"{summary.leads:,} leads"
    cost = "$0.00" if summary.total_cost == 0 else f"${summary.total_cost:.4f}"
    status = summary.status
    if team and summary.lease_owner and summary.status == "processing":
        status += f" on {summary.lease_owner}"
    parts = [f"{summary.business_type} — {summary.location}", status]
    if team and summary.created_by:
        parts.append(f"by {summary.created_by}")
    parts += [leads, cost]
    if summary.demo:
        parts.append("demo")
    return " · ".join(parts)


class HistoryPanel(QWidget):
    """Past campaigns (``store.campaigns.summaries()``) in a list; click one to show it.

    :meth:`refresh` re-reads the list and keeps (or sets) the selection without
    emitting ``campaign_selected``; only user selections emit it. :meth:`refresh_later`
    does the same with the list read on a thread by ``reader`` (when a run starts:
    see :mod:`~leadgen_desktop.gui.run.history_reader`). Under the list,
    ``resume_button`` (hidden until the selected campaign can be resumed: see
    :class:`~leadgen_desktop.gui.run.history_resume.HistoryResume`); the list's
    context menu shows the actions added to ``list_widget``.

    Signals:
        campaign_selected(str campaign_id): the user selected a campaign.
        refreshed(): a list read by :meth:`refresh_later` is shown.
    """

    campaign_selected = Signal(str)
    refreshed = Signal()

    def __init__(self, repo: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._repo = repo
        self._team = repo.db.is_postgres  # who ran what, and which worker holds it
        self.list_widget = QListWidget()
        self.list_widget.setObjectName("historyList")
        self.list_widget.setAccessibleName("Campaign history")
        self.list_widget.setUniformItemSizes(True)
        self.list_widget.setAlternatingRowColors(True)
        self.list_widget.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list_widget.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list_widget.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.resume_button = QPushButton("Resume")
        self.resume_button.setObjectName("historyResumeButton")
        self.resume_button.setToolTip("Continue the selected campaign where it stopped")
        self.resume_button.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list_widget)
        layout.addWidget(self.resume_button)
        self.list_widget.currentItemChanged.connect(self._on_current_changed)
        self._summaries: list[CampaignSummary] = []
        self.offline = False  # set by the team monitor while the team database cannot be reached
        self.reader = HistoryReader(repo, self)
        self.reader.answered.connect(self._on_read)

    @property
    def summaries(self) -> list[CampaignSummary]:
        """What the list shows, newest first."""
        return list(self._summaries)

    def count(self) -> int:
        """Number of campaigns listed."""
        return self.list_widget.count()

    def item_text(self, row: int) -> str:
        """Text of one line."""
        item = self.list_widget.item(row)
        return item.text() if item is not None else ""

    def current_campaign_id(self) -> str | None:
        """The selected campaign's id, if any."""
        item = self.list_widget.currentItem()
        return None if item is None else str(item.data(CAMPAIGN_ROLE))

    def refresh(self, select_campaign_id: str | None = None) -> None:
        """Re-read campaigns; select ``select_campaign_id`` (or keep the selection) quietly.

        While the team database is unreachable (:attr:`offline`) nothing is read: the
        window's thread never waits on a dead connection; the list keeps what it shows.
        """
        if self.offline:
            return
        self.reader.supersede()  # a read still on its way is older than this one
        self.show_summaries(self._repo.campaigns.summaries(), select_campaign_id)

    def refresh_later(self, select_campaign_id: str | None = None) -> None:
        """Like :meth:`refresh`, with the list read on a thread; ``refreshed`` says when it is shown.

        Only the newest request's answer is shown (a later :meth:`refresh` drops it too).
        """
        if self.offline:
            return
        self.reader.request(select_campaign_id)

    @property
    def refreshing(self) -> bool:
        """True while the list asked for by :meth:`refresh_later` is still being read."""
        return self.reader.pending

    def shutdown(self, timeout_ms: int) -> None:
        """Wait for the history reads still running (window closing)."""
        self.reader.shutdown(timeout_ms)

    def show_summaries(self, summaries: list[CampaignSummary], select_campaign_id: str | None = None) -> None:
        """Show ``summaries`` (read elsewhere, e.g. by the team monitor's thread), keeping the selection."""
        keep = select_campaign_id or self.current_campaign_id()
        if summaries == self._summaries and keep == self.current_campaign_id():
            return
        self._summaries = list(summaries)
        self.list_widget.blockSignals(True)
        try:
            # Qt creates and deletes the items (addItem(str)), so clear() runs no Shiboken
            # destructor hook. An item made in Python crashed there (benchmarks/start_latency.py):
            # the hook met a wrapper-map entry left for a freed lead-table cell at the item's
            # address (fixed at the source: results_model._forget_cells).
            self.list_widget.clear()
            for row, summary in enumerate(self._summaries):
                text = summary_text(summary, self._team)
                self.list_widget.addItem(text)
                item = self.list_widget.item(row)
                item.setData(CAMPAIGN_ROLE, summary.campaign_id)
                item.setData(JOB_ROLE, summary.job_id)
                item.setToolTip(f"{text}\nCreated {summary.created_at:%Y-%m-%d %H:%M} UTC")
                if summary.campaign_id == keep:
                    self.list_widget.setCurrentItem(item)
        finally:
            self.list_widget.blockSignals(False)

    def show_started(self, campaign_id: str, job_id: str, config: CampaignConfig | None, demo: bool) -> None:
        """Show a job that just started at once, selected, before the list is read again.

        Its campaign's line says ``processing`` (a new campaign's line is made from
        ``config``: no leads, nothing spent yet); the next read (:meth:`refresh_later`)
        replaces the lines with what the database says. Nothing is read here.
        """
        summaries = list(self._summaries)
        for row, summary in enumerate(summaries):
            if summary.campaign_id == campaign_id:
                summaries[row] = replace(summary, job_id=job_id, status=JobStatus.PROCESSING.value)
                break
        else:
            if config is None:
                return
            started = CampaignSummary(
                campaign_id=campaign_id,
                job_id=job_id,
                business_type=config.business_type,
                location=config.location,
                status=JobStatus.PROCESSING.value,
                created_at=utcnow(),
                leads=0,
                total_cost=0.0,
                demo=demo,
            )
            summaries.insert(0, started)
        self.show_summaries(summaries, campaign_id)

    def set_lead_count(self, campaign_id: str, leads: int) -> None:
        """Update one line's lead count in place (live, during a run) without re-reading."""
        for row, summary in enumerate(self._summaries):
            if summary.campaign_id == campaign_id:
                if summary.leads == leads:
                    return
                updated = replace(summary, leads=leads)
                self._summaries[row] = updated
                item = self.list_widget.item(row)
                if item is not None:
                    item.setText(summary_text(updated, self._team))
                return

    def select_campaign(self, campaign_id: str) -> bool:
        """Select a campaign as if the user clicked it (emits ``campaign_selected``)."""
        for row in range(self.list_widget.count()):
            item = self.list_widget.item(row)
            if item.data(CAMPAIGN_ROLE) == campaign_id:
                if self.list_widget.currentItem() is item:
                    self.campaign_selected.emit(campaign_id)
                else:
                    self.list_widget.setCurrentItem(item)
                return True
        return False

    @Slot(object, object)
    def _on_read(self, summaries: list[CampaignSummary], select_campaign_id: str | None) -> None:
        if not self.offline:
            self.show_summaries(summaries, select_campaign_id)
            self.refreshed.emit()

    @Slot(QListWidgetItem, QListWidgetItem)
    def _on_current_changed(self, current: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if current is not None:
            self.campaign_selected.emit(str(current.data(CAMPAIGN_ROLE)))
