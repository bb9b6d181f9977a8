"""The "All leads" tab: every lead of every campaign, with the quick filter, built for 100,000 rows.

Design choice: load everything once, off the GUI thread, into column arrays
(:class:`~leadgen_desktop.gui.tables.all_leads_model.LeadColumns`), and sort and
filter in memory inside the model. The alternative, a SQL-backed model with
keyset paging, keeps memory lower but makes every sort and every filter
keystroke a query over 100,000 rows (a ``LIKE '%text%'`` cannot use an
index), and scrolling would need paging logic. In memory, 100,000 leads take
about 60 MB, a sort is one ``list.sort`` with cached keys (tens of
milliseconds) and a keystroke is one pass of substring tests; the one-off
load is a single compact tuple query (no peewee model objects) transposed a
batch at a time.

The load runs on a QThread (:class:`AllLeadsLoader`) with a progress bar, so
the window keeps painting while it reads; the tab loads when it is first
shown and on Reload. A run that stores new leads does not reload it
automatically (reloading 100,000 rows for every batch would be wasteful);
the Reload button and the lead count say when it is stale.
"""

from __future__ import annotations

import logging
import threading
import time

from PySide6.QtCore import QObject, Signal, Slot
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

from leadgen_desktop.db.store import Store
from leadgen_desktop.gui.tables.all_leads_model import AllLeadsModel, LeadColumns
from leadgen_desktop.gui.tables.table_actions import configure_lead_table, filter_field
from leadgen_desktop.gui.thread_task import ThreadTask, close_thread_connection

log = logging.getLogger(__name__)

_COLUMN_WIDTHS = (200, 180, 175, 110, 150, 175, 80, 55, 55, 65)
PROGRESS_INTERVAL = 0.1
"""Seconds between two loading-progress signals."""


class LoadCancelled(Exception):
    """The load was stopped (window closing or a newer load)."""


class AllLeadsLoader(QObject):
    """Reads every lead into :class:`LeadColumns` on its own thread.

    Signals:
        progress(int rows_read, int total): throttled.
        loaded(object): the :class:`LeadColumns`; the receiver owns it.
        failed(str message): the database could not be read.
    """

    progress = Signal(int, int)
    loaded = Signal(object)
    failed = Signal(str)

    def __init__(self, repo: Store, cancel: threading.Event) -> None:
        super().__init__()
        self._repo = repo
        self._cancel = cancel

    @Slot()
    def run(self) -> None:
        """Load, then emit ``loaded`` or ``failed`` (nothing when cancelled)."""
        columns: LeadColumns | None = None
        error = ""
        try:
            columns = self._load()
        except LoadCancelled:
            pass
        except Exception as exc:
            log.exception("Could not load all leads")
            error = f"{type(exc).__name__}: {exc}"
        close_thread_connection(self._repo.db)
        if columns is not None:
            self.loaded.emit(columns)
        else:
            self.failed.emit(error or "cancelled")

    def _load(self) -> LeadColumns:
        total = self._repo.all_leads.count_all_leads()
        columns = LeadColumns()
        last = 0.0
        for batch in self._repo.all_leads.all_lead_rows():
            if self._cancel.is_set():
                raise LoadCancelled
            columns.extend(batch)
            now = time.monotonic()
            if now - last >= PROGRESS_INTERVAL:
                last = now
                self.progress.emit(len(columns), total)
        return columns


class AllLeadsView(QWidget):
    """Filter box, count, Reload, a loading bar and the table of every lead.

    Public attributes: ``model`` (:class:`AllLeadsModel`), ``table_view``,
    ``filter_edit``, ``count_label``, ``reload_button``, ``progress_bar``.

    Signals:
        loaded(int rows): a load finished and the table shows its rows.
    """

    loaded = Signal(int)

    def __init__(self, repo: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("allLeadsView")
        self._repo = repo
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

        self.model = AllLeadsModel(self)
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
        loader = AllLeadsLoader(self._repo, self._cancel)
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
        """Stop a running load and wait for its thread (window closing)."""
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
        self.progress_bar.setRange(0, max(total, 1))
        self.progress_bar.setValue(min(done, max(total, 1)))

    @Slot(object)
    def _on_loaded(self, columns: LeadColumns) -> None:
        self._finish_task()
        self.model.set_columns(columns)
        self.progress_bar.hide()
        self.reload_button.setEnabled(True)
        self.loaded.emit(len(columns))

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
        total, shown = self.model.total, self.model.rowCount()
        noun = "lead" if total == 1 else "leads"
        self.count_label.setText(f"{total:,} {noun}" if shown == total else f"{shown:,} of {total:,} {noun}")

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
