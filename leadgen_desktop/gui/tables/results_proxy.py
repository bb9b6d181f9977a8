"""Quick text filter over the lead table; sorting is delegated to the source model.

Design choice: the proxy never sorts by itself. ``QSortFilterProxyModel`` would
call ``lessThan`` (and through it Python ``data()``) O(n log n) times per sort
and re-sort on every inserted batch. Instead :meth:`LeadFilterProxy.sort`
forwards the view's header click to :meth:`LeadTableModel.sort`, which sorts
with precomputed keys and emits a layout change; the proxy, whose own sort
column stays -1, simply follows the source order and keeps filtering.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QRegularExpression, QSortFilterProxyModel, Qt

from leadgen_desktop.domain import search_key
from leadgen_desktop.gui.tables.results_model import FILTER_ROLE, FILTER_SEPARATOR, LeadTableModel


class LeadFilterProxy(QSortFilterProxyModel):
    """Case- and accent-insensitive substring filter on name, address, phone, website, email and status.

    :meth:`set_only_new` also hides businesses an earlier campaign already found
    (``LeadRecord.seen_before``).

    The filtering itself runs in Qt's C++ code: the source model offers one
    precomputed string per row under ``FILTER_ROLE`` (``new``/``seen``, a
    separator, the row's :func:`~leadgen_desktop.domain.search_key`) and the
    proxy matches a regular expression against it; the typed text goes through
    the same ``search_key``, so ``cafe`` finds "Café" and ``istanbul`` finds
    "İstanbul". With no filter the pattern is empty and Qt accepts every row
    without calling back into Python, so a batch of new rows arriving during a
    run costs the window nothing per existing row.

    Signals: only the standard QSortFilterProxyModel ones.
    """

    def __init__(self, source: LeadTableModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._source = source
        self._needle = ""
        self._only_new = False
        self.setSourceModel(source)
        self.setFilterRole(FILTER_ROLE)
        self.setFilterKeyColumn(0)

    @property
    def filter_string(self) -> str:
        """The current filter text, stripped and normalised by ``search_key``."""
        return self._needle

    def set_filter_string(self, text: str) -> None:
        """Show only rows whose filterable columns contain ``text`` (any case, any accents)."""
        needle = search_key(text.strip())
        if needle != self._needle:
            self._needle = needle
            self._apply()

    @property
    def only_new(self) -> bool:
        """True when businesses seen by an earlier campaign are hidden."""
        return self._only_new

    def set_only_new(self, only_new: bool) -> None:
        """Hide (True) or show (False) leads that an earlier campaign already found."""
        if only_new != self._only_new:
            self._only_new = only_new
            self._apply()

    def _apply(self) -> None:
        if not self._needle and not self._only_new:
            pattern = ""  # Qt accepts every row without asking the model
        else:
            prefix = "^new" + FILTER_SEPARATOR if self._only_new else ""
            pattern = prefix + ".*" + QRegularExpression.escape(self._needle)
        options = (
            QRegularExpression.PatternOption.CaseInsensitiveOption
            | QRegularExpression.PatternOption.DotMatchesEverythingOption
        )
        self.setFilterRegularExpression(QRegularExpression(pattern, options))

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort the source model (precomputed keys); the proxy follows its order."""
        self._source.sort(column, order)
