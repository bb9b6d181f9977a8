"""Lead table conveniences: set-up, context menu, Ctrl+C as TSV, open website / Google Maps.

:func:`configure_lead_table` gives a QTableView the window's look (fixed row
height, interactive columns, extended row selection, rank order at start).
:class:`LeadTableActions` adds the actions; it works on any view whose model
(through any number of proxies) has ``row_record(row) -> LeadRecord``.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import (
    QAbstractProxyModel,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPoint,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLineEdit, QMenu, QTableView

from leadgen_desktop.db.records import LeadRecord
from leadgen_desktop.gui.details import lead_explain as explain
from leadgen_desktop.gui.details.web_links import open_web_page

ROW_HEIGHT = 24


def filter_field(object_name: str, what: str) -> QLineEdit:
    """A clearable quick-filter field for a lead table ("Filter ``what``…")."""
    edit = QLineEdit()
    edit.setObjectName(object_name)
    edit.setPlaceholderText(f"Filter {what}…")
    edit.setAccessibleName(f"Filter {what}")
    edit.setClearButtonEnabled(True)
    return edit


def configure_lead_table(view: QTableView, widths: Sequence[int] = ()) -> None:
    """Fixed row height, interactive columns of ``widths``, extended row selection, sortable."""
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    vertical = view.verticalHeader()
    vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    vertical.setDefaultSectionSize(ROW_HEIGHT)
    vertical.setVisible(False)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setSectionsMovable(True)
    header.setStretchLastSection(True)
    header.setHighlightSections(False)
    for column, width in enumerate(widths):
        header.resizeSection(column, width)
    header.setSortIndicatorClearable(True)
    header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # start in rank order
    view.setSortingEnabled(True)


def record_at(index: QModelIndex) -> LeadRecord | None:
    """The lead behind a view index (mapped through proxies), or None."""
    model = index.model()
    while isinstance(model, QAbstractProxyModel) and index.isValid():
        index = model.mapToSource(index)
        model = model.sourceModel()
    row_record = getattr(model, "row_record", None)
    if not index.isValid() or row_record is None:
        return None
    try:
        record = row_record(index.row())
    except IndexError:
        return None
    return record if isinstance(record, LeadRecord) else None


def _cell(text: object) -> str:
    return " ".join(str(text or "").split())  # no tabs or newlines inside a TSV cell


class LeadTableActions(QObject):
    """Copy rows / email, open website / Google Maps and show details for a lead table.

    Attributes: ``copy_rows_action`` (Ctrl+C on the view), ``copy_email_action``,
    ``open_website_action``, ``open_maps_action``, ``show_details_action``.
    The context menu (right click) offers all of them for the clicked row.

    Signals:
        current_lead_changed(object): the current row's LeadRecord, or None.
        details_requested(object): "Show details" was chosen for a LeadRecord.
    """

    current_lead_changed = Signal(object)
    details_requested = Signal(object)

    def __init__(self, view: QTableView, parent: QObject | None = None) -> None:
        super().__init__(parent or view)
        self.view = view
        self.menu: QMenu | None = None
        self.copy_rows_action = self._action("&Copy rows", self.copy_rows, QKeySequence.StandardKey.Copy)
        self.copy_email_action = self._action("Copy &email", self.copy_email)
        self.open_website_action = self._action("Open &website", self.open_website)
        self.open_maps_action = self._action("Open in Google &Maps", self.open_maps)
        self.show_details_action = self._action("Show &details", self.show_details)
        view.addAction(self.copy_rows_action)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self._on_context_menu)
        self._selection_model: QItemSelectionModel | None = None
        self._watch_selection()
        model = view.model()
        if model is not None:
            model.modelReset.connect(self._emit_current)

    def _action(self, text: str, slot: object, shortcut: QKeySequence.StandardKey | None = None) -> QAction:
        action = QAction(text, self.view)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        return action

    # -- reading the selection -------------------------------------------------------------

    def current_record(self) -> LeadRecord | None:
        """The lead of the current row (or the first selected one)."""
        current = self.view.currentIndex()
        if current.isValid():
            return record_at(current)
        records = self.selected_records()
        return records[0] if records else None

    def selected_rows(self) -> list[int]:
        """Selected view rows, top to bottom."""
        selection = self.view.selectionModel()
        if selection is None:
            return []
        return sorted({index.row() for index in selection.selectedIndexes()})

    def selected_records(self) -> list[LeadRecord]:
        """Selected leads in view order."""
        model = self.view.model()
        records = [record_at(model.index(row, 0)) for row in self.selected_rows()]
        return [record for record in records if record is not None]

    def selected_rows_tsv(self) -> str:
        """Selected rows as tab-separated text: a header line, then one line per row.

        Columns follow the view (moved columns in their new place, hidden ones left out).
        """
        model, header = self.view.model(), self.view.horizontalHeader()
        columns = [header.logicalIndex(visual) for visual in range(header.count())]
        columns = [column for column in columns if not header.isSectionHidden(column)]
        lines = ["\t".join(_cell(model.headerData(c, Qt.Orientation.Horizontal)) for c in columns)]
        for row in self.selected_rows():
            lines.append("\t".join(_cell(model.index(row, c).data()) for c in columns))
        return "\n".join(lines) + "\n" if len(lines) > 1 else ""

    # -- actions ---------------------------------------------------------------------------

    @Slot()
    def copy_rows(self) -> int:
        """Put the selected rows on the clipboard as TSV; return how many were copied."""
        text = self.selected_rows_tsv()
        if text:
            QGuiApplication.clipboard().setText(text)
        return max(text.count("\n") - 1, 0)

    @Slot()
    def copy_email(self) -> int:
        """Put the selected leads' emails (one per line) on the clipboard; return how many."""
        emails = [record.email for record in self.selected_records() if record.email]
        if emails:
            QGuiApplication.clipboard().setText("\n".join(emails))
        return len(emails)

    @Slot()
    def open_website(self) -> bool:
        """Open the current lead's website in the browser (http(s) links only)."""
        record = self.current_record()
        return record is not None and open_web_page(explain.website_url(record))

    @Slot()
    def open_maps(self) -> bool:
        """Open the current lead on Google Maps (http(s) links only)."""
        record = self.current_record()
        return record is not None and open_web_page(explain.maps_url(record))

    @Slot()
    def show_details(self) -> None:
        """Ask the window to show the current lead's details."""
        record = self.current_record()
        if record is not None:
            self.details_requested.emit(record)

    def update_enabled(self) -> None:
        """Enable only the actions that make sense for the selection."""
        records = self.selected_records()
        current = self.current_record()
        self.copy_rows_action.setEnabled(bool(records))
        self.copy_email_action.setEnabled(any(record.email for record in records))
        self.open_website_action.setEnabled(current is not None and explain.website_url(current) is not None)
        self.open_maps_action.setEnabled(current is not None)
        self.show_details_action.setEnabled(current is not None)

    def build_menu(self) -> QMenu:
        """The context menu for the current selection."""
        self.update_enabled()
        menu = QMenu(self.view)
        menu.setObjectName("leadTableMenu")
        menu.addAction(self.copy_rows_action)
        menu.addAction(self.copy_email_action)
        menu.addSeparator()
        menu.addAction(self.open_website_action)
        menu.addAction(self.open_maps_action)
        menu.addSeparator()
        menu.addAction(self.show_details_action)
        return menu

    # -- internals ---------------------------------------------------------------------------

    @Slot(QPoint)
    def _on_context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        selection = self.view.selectionModel()
        if index.isValid() and selection is not None and not selection.isRowSelected(index.row()):
            self.view.setCurrentIndex(index)  # a right click on an unselected row selects it
        if self.menu is not None:
            self.menu.deleteLater()
        self.menu = self.build_menu()
        self.menu.popup(self.view.viewport().mapToGlobal(pos))  # non-blocking

    @Slot()
    def _watch_selection(self) -> None:
        selection = self.view.selectionModel()
        if selection is None or selection is self._selection_model:
            return
        self._selection_model = selection
        selection.currentRowChanged.connect(self._emit_current)

    @Slot()
    def _emit_current(self) -> None:
        self.current_lead_changed.emit(self.current_record())
