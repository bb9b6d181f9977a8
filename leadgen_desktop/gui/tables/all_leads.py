"""The "All leads" tab: every lead of every campaign, with the quick filter, built for a million leads.

The model (:mod:`~leadgen_desktop.gui.tables.all_leads_model`) holds only lead
ids and reads the rows on screen from the database. What has to happen before
it can show anything runs on a QThread (:class:`AllLeadsLoader`) with a
progress bar: giving the leads stored since the last load their search key
(:meth:`~leadgen_desktop.db.all_leads_queries.AllLeadsQueries.update_search_index`:
a few milliseconds after a campaign, a one-off minute after an upgrade of a
database holding a million leads), then reading every id in the current
order (about 0.3 s for a million). The tab loads when it is first shown and
on Reload. A run that stores new leads does not reload it (they appear on
Reload).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from leadgen_desktop.db.all_leads_queries import AllLeadsQueries, LeadSort
from leadgen_desktop.gui.tables.all_leads_model import AllLeadsModel
from leadgen_desktop.gui.tables.all_leads_order import LeadOrder
from leadgen_desktop.gui.tables.table_actions import configure_lead_table, filter_field
from leadgen_desktop.gui.thread_task import ThreadTask, close_thread_connection

log = logging.getLogger(__name__)

_COLUMN_WIDTHS = (200, 180, 175, 110, 150, 175, 80, 55, 55, 65)
PROGRESS_INTERVAL = 0.1
"""Seconds between two loading-progress signals."""


class LoadCancelled(Exception):
    """The load was stopped (window closing or a newer load)."""


@dataclass(frozen=True, slots=True)
class LoadedLeads:
    """What a load produced: every lead id in the order ``sort``, and a search index problem, if any."""

    order: LeadOrder
    sort: LeadSort
    index_problem: str = ""


class AllLeadsLoader(QObject):
    """Indexes new leads for search, then reads every lead id in order, on its own thread.

    Signals:
        progress(int done, int total): leads indexed so far (throttled); 0, 0 when busy otherwise.
        loaded(object): the :class:`LoadedLeads`; the receiver owns it.
        failed(str message): the database could not be read.
    """

    progress = Signal(int, int)
    loaded = Signal(object)
    failed = Signal(str)

    def __init__(self, queries: AllLeadsQueries, sort: LeadSort, cancel: threading.Event) -> None:
        super().__init__()
        self._queries = queries
        self._sort = sort
        self._cancel = cancel
        self._last_progress = 0.0

    @Slot()
    def run(self) -> None:
        """Load, then emit ``loaded`` or ``failed`` (``failed("cancelled")`` when cancelled)."""
        result: LoadedLeads | None = None
        error = ""
        try:
            result = self._load()
        except LoadCancelled:
            pass
        except Exception as exc:
            log.exception("Could not load all leads")
            error = f"{type(exc).__name__}: {exc}"
        close_thread_connection(self._queries.database)
        if result is not None:
            self.loaded.emit(result)
        else:
            self.failed.emit(error or "cancelled")

    def _load(self) -> LoadedLeads:
        problem = ""
        try:
            self._queries.update_search_index(self._on_indexed, self._cancel.is_set)
        except Exception as exc:  # a read-only file, a full disk: show the leads anyway
            log.warning("Could not index new leads for search", exc_info=True)
            problem = f"New leads could not be indexed for the filter ({type(exc).__name__}: {exc})."
        if self._cancel.is_set():
            raise LoadCancelled
        self.progress.emit(0, 0)
        order = LeadOrder.of(self._queries.ordered_ids(self._sort))
        if self._cancel.is_set():
            raise LoadCancelled
        return LoadedLeads(order, self._sort, problem)

    def _on_indexed(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self._last_progress >= PROGRESS_INTERVAL:
            self._last_progress = now
            self.progress.emit(done, total)


class AllLeadsView(QWidget):
    """Filter box, count, Reload, a loading bar and the table of every lead.

    Public attributes: ``model`` (:class:`AllLeadsModel`), ``table_view``,
    ``filter_edit``, ``count_label``, ``reload_button``, ``progress_bar``.

    Signals:
        loaded(int rows): a load finished and the table shows its rows.
    """

    loaded = Signal(int)

    def __init__(self, queries: AllLeadsQueries, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("allLeadsView")
        self._queries = queries
        self._task: ThreadTask | None = None
        self._cancel = threading.Event()
        self._loaded_once = False

        self.filter_edit = filter_field("allLeadsFilter", "all leads")
        self.count_label = QLabel("Not loaded")
        self.count_label.setObjectName("allLeadsCount")
        self.reload_button = QPushButton("Reload")
        self.reload_button.setObjectName("allLeadsReload")
        self.reload_button.setToolTip("Read every lead again from the database")
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("allLeadsProgress")
        self.progress_bar.setAccessibleName("Loading all leads")
        self.progress_bar.setMaximumWidth(200)
        self.progress_bar.hide()
        top = QHBoxLayout()
        top.addWidget(self.filter_edit, 1)
        top.addWidget(self.progress_bar)
        top.addWidget(self.count_label)
        top.addWidget(self.reload_button)

        self.model = AllLeadsModel(queries, self)
        self.table_view = QTableView()
        self.table_view.setObjectName("allLeadsTable")
        self.table_view.setAccessibleName("All leads")
        self.table_view.setModel(self.model)
        configure_lead_table(self.table_view, _COLUMN_WIDTHS)  # fixed rows, no resize-to-contents

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table_view, 1)

        self.filter_edit.textChanged.connect(self._on_filter_changed)
        self.reload_button.clicked.connect(self.reload)
        self.model.modelReset.connect(self._update_count)
        self.model.rowsInserted.connect(self._update_count)
        self.model.searching.connect(self._update_count)

    @property
    def loading(self) -> bool:
        """True while a load is running."""
        return self._task is not None

    def ensure_loaded(self) -> None:
        """Load on first use (e.g. when the tab is first shown)."""
        if not self._loaded_once and self._task is None:
            self.reload()

    @Slot()
    def reload(self) -> None:
        """Read every lead again on a background thread (no-op while loading)."""
        if self._task is not None:
            return
        self._loaded_once = True
        self._cancel = threading.Event()
        loader = AllLeadsLoader(self._queries, self.model.lead_sort(), self._cancel)
        loader.progress.connect(self._on_progress)
        loader.loaded.connect(self._on_loaded)
        loader.failed.connect(self._on_failed)
        self._task = ThreadTask(loader, "all-leads-loader", (loader.loaded, loader.failed))
        self.progress_bar.setRange(0, 0)  # busy until the first progress arrives
        self.progress_bar.show()
        self.reload_button.setEnabled(False)
        self.count_label.setText("Loading…")
        self._task.start()

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Stop a running load or search and wait for their threads (window closing)."""
        self.model.shutdown(timeout_ms)
        if self._task is not None:
            self._cancel.set()
            self._task.join(timeout_ms)
            self._task = None

    def _finish_task(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.join()  # the loader has emitted its last signal: the thread ends at once

    @Slot(int, int)
    def _on_progress(self, done: int, total: int) -> None:
        if total <= 0:
            self.progress_bar.setRange(0, 0)  # busy: reading the order
            self.count_label.setText("Loading…")
            return
        self.progress_bar.setRange(0, total)
        self.progress_bar.setValue(min(done, total))
        self.count_label.setText(f"Indexing {total:,} new leads for the filter…")

    @Slot(object)
    def _on_loaded(self, result: LoadedLeads) -> None:
        self._finish_task()
        self.count_label.setToolTip(result.index_problem)
        self.model.set_order(result.order, result.sort)
        self.progress_bar.hide()
        self.reload_button.setEnabled(True)
        # laid out now, with the count it shows, not at the next thing that happens (a Start
        # clicked at once paid the scroll bar's appearance and the top row's new widths)
        self.table_view.doItemsLayout()
        QCoreApplication.sendPostedEvents(self.table_view, 0)  # the scroll bars' queued show or hide
        layout = self.layout()
        if layout is not None:
            layout.activate()
        self.loaded.emit(len(result.order))

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._finish_task()
        self.progress_bar.hide()
        self.reload_button.setEnabled(True)
        self.count_label.setText("Could not load" if message != "cancelled" else "Not loaded")
        if message != "cancelled":
            self.count_label.setToolTip(message)

    @Slot(str)
    def _on_filter_changed(self, text: str) -> None:
        self.model.set_filter_string(text)

    @Slot()
    def _update_count(self) -> None:
        if self.loading:
            return
        total, shown = self.model.total, self.model.rowCount()
        noun = "lead" if total == 1 else "leads"
        if not self.model.complete:
            self.count_label.setText(f"{shown:,}+ of {total:,} {noun}, searching…")
        elif shown == total and not self.model.filter_string:
            self.count_label.setText(f"{total:,} {noun}")
        else:
            self.count_label.setText(f"{shown:,} of {total:,} {noun}")

    def showEvent(self, event: object) -> None:
        """Load on first show."""
        super().showEvent(event)  # type: ignore[arg-type]
        self.ensure_loaded()


def results_tabs(campaign_page: QWidget, all_leads: AllLeadsView) -> QTabWidget:
    """Tabs "Campaign" (``campaign_page``: the displayed job's leads) and "All leads"."""
    tabs = QTabWidget()
    tabs.setObjectName("resultsTabs")
    tabs.setDocumentMode(True)
    tabs.addTab(campaign_page, "Campaign")
    tabs.addTab(all_leads, "All leads")
    tabs.setTabToolTip(1, "Every lead of every campaign")
    return tabs
