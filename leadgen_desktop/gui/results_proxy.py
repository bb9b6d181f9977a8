"""Quick text filter over the lead table; sorting is delegated to the source model.

Design choice: the proxy never sorts by itself. ``QSortFilterProxyModel`` would
call ``lessThan`` (and through it Python ``data()``) O(n log n) times per sort
and re-sort on every inserted batch. Instead :meth:`LeadFilterProxy.sort`
forwards the view's header click to :meth:`LeadTableModel.sort`, which sorts
with precomputed keys and emits a layout change; the proxy, whose own sort
column stays -1, simply follows the source order and keeps filtering.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QSortFilterProxyModel, Qt

from leadgen_desktop.gui.results_model import LeadTableModel


class LeadFilterProxy(QSortFilterProxyModel):
    """Case-insensitive substring filter on name, address, phone, website, email and status.

    :meth:`set_only_new` also hides businesses an earlier campaign already found
    (``LeadRecord.seen_before``).

    The filter reads one precomputed casefolded string per row from the source
    model (:meth:`LeadTableModel.filter_text`), so filtering is one substring
    test per row.

    Signals: only the standard QSortFilterProxyModel ones.
    """

    def __init__(self, source: LeadTableModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._source = source
        self._needle = ""
        self._only_new = False
        self.setSourceModel(source)

    @property
    def filter_string(self) -> str:
        """The current filter text (as typed, stripped)."""
        return self._needle

    def set_filter_string(self, text: str) -> None:
        """Show only rows whose filterable columns contain ``text`` (any case)."""
        needle = text.strip().casefold()
        if needle == self._needle:
            return
        self.beginFilterChange()
        self._needle = needle
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    @property
    def only_new(self) -> bool:
        """True when businesses seen by an earlier campaign are hidden."""
        return self._only_new

    def set_only_new(self, only_new: bool) -> None:
        """Hide (True) or show (False) leads that an earlier campaign already found."""
        if only_new == self._only_new:
            return
        self.beginFilterChange()
        self._only_new = only_new
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        """True when the row's text contains the filter (and it is new, with "only new")."""
        if self._only_new and self._source.row_record(source_row).seen_before:
            return False
        if not self._needle:
            return True
        return self._needle in self._source.filter_text(source_row)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort the source model (precomputed keys); the proxy follows its order."""
        self._source.sort(column, order)
