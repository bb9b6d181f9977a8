"""Table model of every lead of every campaign, built for 100,000 rows.

Design (why no proxy, why column arrays):

* **Column arrays.** :class:`LeadColumns` holds one Python list per column of
  ready-to-paint display strings, plus the raw numbers of the numeric columns
  and one casefolded "haystack" string per row for the quick filter. They are
  built once, off the GUI thread (:mod:`leadgen_desktop.gui.tables.all_leads`), from
  the compact tuples of :meth:`AllLeadsQueries.all_lead_rows`; ``data()`` is two
  list look-ups.
* **Sorting in the model with keys computed once.** The first sort on a column
  computes that column's key list (numbers as numbers, text casefolded, empty
  as None) and caches it; a sort is then one C-level ``list.sort`` of row
  numbers with ``key=keys.__getitem__`` (stable; rows without a value last in
  both directions). No ``QSortFilterProxyModel``, no ``data()`` per comparison.
* **Filtering in the model.** The visible rows are a list of row numbers: one
  pass of ``needle in haystack`` over the sorted order, or only over the rows
  already visible when the new text extends the old one (typing). A filter
  change is one model reset, which is what a view handles fastest.
* **Few Python calls per painted cell.** ``index()``, ``flags()`` and
  ``multiData()`` are overridden so painting a cell costs one call into
  Python instead of about twenty (which matters when a worker thread competes
  for the GIL).

Signals: only the standard QAbstractItemModel ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QModelRoleData,
    QModelRoleDataSpan,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from leadgen_desktop.gui.tables.results_model import SORT_ROLE, email_status_text

AnyIndex = QModelIndex | QPersistentModelIndex
SortKey = int | float | str | None

HEADERS: tuple[str, ...] = (
    "Campaign",
    "Business",
    "Address",
    "Phone",
    "Website",
    "Email",
    "Email status",
    "Score",
    "Rating",
    "Reviews",
)
"""Column titles, in order."""
(
    COL_CAMPAIGN,
    COL_BUSINESS,
    COL_ADDRESS,
    COL_PHONE,
    COL_WEBSITE,
    COL_EMAIL,
    COL_STATUS,
    COL_SCORE,
    COL_RATING,
    COL_REVIEWS,
) = range(len(HEADERS))
NUMERIC_COLUMNS = frozenset({COL_SCORE, COL_RATING, COL_REVIEWS})
_FILTER_COLUMNS = (COL_CAMPAIGN, COL_BUSINESS, COL_ADDRESS, COL_PHONE, COL_WEBSITE, COL_EMAIL, COL_STATUS)
_NUMERIC_ALIGN = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
_NO_FLAGS = Qt.ItemFlag.NoItemFlags
_DISPLAY = Qt.ItemDataRole.DisplayRole.value
_ALIGN = Qt.ItemDataRole.TextAlignmentRole.value
_TOOLTIP = Qt.ItemDataRole.ToolTipRole.value
_SORT = int(SORT_ROLE)
_INVALID = QModelIndex()


@dataclass(slots=True)
class LeadColumns:
    """Column arrays of the All-leads table (every list has one entry per lead).

    ``display[c][r]`` is the text of column ``c`` in row ``r``; ``numbers``
    maps each numeric column to its raw values (None when unknown);
    ``haystack[r]`` is the casefolded text the quick filter searches.
    """

    lead_ids: list[int] = field(default_factory=list)
    display: list[list[str]] = field(default_factory=lambda: [[] for _ in HEADERS])
    numbers: dict[int, list[int | float | None]] = field(
        default_factory=lambda: {c: [] for c in sorted(NUMERIC_COLUMNS)}
    )
    haystack: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.lead_ids)

    def extend(self, rows: Sequence[Sequence[Any]]) -> None:
        """Append rows shaped like :class:`~leadgen_desktop.db.all_leads_queries.LeadRowTuple`.

        Works a whole batch at a time (transpose, then one comprehension per
        column), which is several times faster than building row objects.
        """
        if not rows:
            return
        ids, kinds, places, names, addrs, phones, webs, emails, statuses, scores, ratings, reviews = zip(
            *rows, strict=True
        )
        campaign_text: dict[tuple[str, str], str] = {}
        campaigns = [
            campaign_text.setdefault((k, p), f"{k} — {p}") for k, p in zip(kinds, places, strict=True)
        ]
        status_text = {s: email_status_text(s) for s in set(statuses)}
        status = [status_text[s] for s in statuses]
        columns: tuple[list[str], ...] = (
            campaigns,
            list(names),
            [a or "" for a in addrs],
            [p or "" for p in phones],
            [w or "" for w in webs],
            [e or "" for e in emails],
            status,
            [str(s) for s in scores],
            ["" if r is None else f"{r:.1f}" for r in ratings],
            ["" if n is None else f"{n:,}" for n in reviews],
        )
        for target, values in zip(self.display, columns, strict=True):
            target.extend(values)
        self.lead_ids.extend(ids)
        self.numbers[COL_SCORE].extend(scores)
        self.numbers[COL_RATING].extend(ratings)
        self.numbers[COL_REVIEWS].extend(reviews)
        self.haystack.extend(
            text.casefold()
            for text in map("\n".join, zip(*(columns[c] for c in _FILTER_COLUMNS), strict=True))
        )


class AllLeadsModel(QAbstractTableModel):
    """Every lead of every campaign as a flat, sortable, filterable table.

    :meth:`set_columns` replaces the data (one reset); :meth:`sort` reorders
    with cached keys inside a layout change (selection follows);
    :meth:`set_filter_string` shows only rows containing the text (one reset).
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._data = LeadColumns()
        self._order: list[int] = []  # every row number, in sort order
        self._visible: list[int] = []  # the rows shown, in sort order
        self._keys: dict[int, list[SortKey]] = {}
        self._sort_column = -1
        self._sort_order = Qt.SortOrder.AscendingOrder
        self._needle = ""

    # -- Qt model API ------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = _INVALID) -> int:
        """Number of rows shown (0 under any valid parent)."""
        return 0 if parent.isValid() else len(self._visible)

    def columnCount(self, parent: AnyIndex = _INVALID) -> int:
        """Number of columns (0 under any valid parent)."""
        return 0 if parent.isValid() else len(HEADERS)

    def index(self, row: int, column: int, parent: AnyIndex = _INVALID) -> QModelIndex:
        """The index of a cell (no rowCount/columnCount round trips)."""
        if parent.isValid() or not (0 <= row < len(self._visible) and 0 <= column < len(HEADERS)):
            return QModelIndex()
        return self.createIndex(row, column)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        """Cells are selectable and enabled, never editable."""
        return _FLAGS if index.isValid() else _NO_FLAGS

    def data(self, index: AnyIndex, role: int = _DISPLAY) -> Any:
        """Display text, sort key, alignment or tooltip of one cell, in O(1)."""
        if not index.isValid():
            return None
        return self._cell(index.row(), index.column(), role)

    def multiData(self, index: AnyIndex, roleDataSpan: QModelRoleDataSpan | QModelRoleData) -> None:
        """Fill every role the delegate asks for in one call (one Python call per painted cell)."""
        if not index.isValid():
            return
        row, column = index.row(), index.column()
        if isinstance(roleDataSpan, QModelRoleData):
            roleDataSpan.setData(self._cell(row, column, roleDataSpan.role()))
            return
        for position in range(roleDataSpan.size()):
            item: QModelRoleData = roleDataSpan[position]  # type: ignore[index]  # stubs lack __getitem__
            item.setData(self._cell(row, column, item.role()))

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        """Column titles; numeric columns sort descending on their first click."""
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(HEADERS):
            return None
        if role == _DISPLAY:
            return HEADERS[section]
        if role == Qt.ItemDataRole.InitialSortOrderRole:
            numeric = section in NUMERIC_COLUMNS
            return (Qt.SortOrder.DescendingOrder if numeric else Qt.SortOrder.AscendingOrder).value
        if role == _ALIGN and section in NUMERIC_COLUMNS:
            return _NUMERIC_ALIGN
        return None

    def _cell(self, row: int, column: int, role: int) -> Any:
        try:
            source = self._visible[row]
            if role == _DISPLAY:
                return self._data.display[column][source]
            if role == _ALIGN:
                return _NUMERIC_ALIGN if column in NUMERIC_COLUMNS else None
            if role == _SORT:
                return self._sort_keys(column)[source]
            if role == _TOOLTIP and column in (COL_CAMPAIGN, COL_ADDRESS, COL_WEBSITE):
                return self._data.display[column][source] or None
        except IndexError:
            return None
        return None

    # -- data ----------------------------------------------------------------------

    def set_columns(self, columns: LeadColumns) -> None:
        """Replace every row (one reset), keeping the sort column and the filter."""
        self.beginResetModel()
        self._data = columns
        self._keys = {}
        self._order = self._sorted_order()
        self._visible = self._filtered(self._order, self._needle)
        self.endResetModel()

    def set_records(self, rows: Iterable[Sequence[Any]]) -> None:
        """Replace every row from ``LeadRowTuple``-shaped tuples (tests, small data)."""
        columns = LeadColumns()
        columns.extend(list(rows))
        self.set_columns(columns)

    @property
    def total(self) -> int:
        """Number of leads held, shown or not."""
        return len(self._data)

    def lead_id(self, row: int) -> int:
        """Database id of the lead shown in ``row`` (IndexError when out of range)."""
        return self._data.lead_ids[self._visible[row]]

    def display_text(self, row: int, column: int) -> str:
        """Text of a shown cell (IndexError when out of range)."""
        return self._data.display[column][self._visible[row]]

    # -- filter ----------------------------------------------------------------------

    @property
    def filter_string(self) -> str:
        """The current filter, casefolded and stripped."""
        return self._needle

    def set_filter_string(self, text: str) -> None:
        """Show only rows whose text columns contain ``text`` (any case); one reset."""
        needle = text.strip().casefold()
        if needle == self._needle:
            return
        # Typing more only narrows the result: search the rows already shown.
        base = self._visible if self._needle and self._needle in needle else self._order
        visible = self._filtered(base, needle)
        self.beginResetModel()
        self._needle = needle
        self._visible = visible
        self.endResetModel()

    def _filtered(self, rows: list[int], needle: str) -> list[int]:
        if not needle:
            return list(rows)
        hay = self._data.haystack
        return [row for row in rows if needle in hay[row]]

    # -- sort ------------------------------------------------------------------------

    @property
    def sort_column(self) -> int:
        """The column rows are sorted by, or -1 for the load order."""
        return self._sort_column

    @property
    def sort_order(self) -> Qt.SortOrder:
        """The current sort order."""
        return self._sort_order

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by ``column`` with cached keys; empty values last; ties keep load order."""
        self._sort_column = column if 0 <= column < len(HEADERS) else -1
        self._sort_order = Qt.SortOrder(order)
        self.layoutAboutToBeChanged.emit()
        old_visible = self._visible
        persistent = self.persistentIndexList()
        self._order = self._sorted_order()
        self._visible = self._filtered(self._order, self._needle)
        if persistent:
            position = {source: row for row, source in enumerate(self._visible)}
            self.changePersistentIndexList(
                persistent,
                [
                    self.index(position.get(old_visible[i.row()], -1), i.column())
                    if i.isValid() and i.row() < len(old_visible)
                    else QModelIndex()
                    for i in persistent
                ],
            )
        self.layoutChanged.emit()

    def _sort_keys(self, column: int) -> list[SortKey]:
        """The sort keys of one column, computed on first use and cached."""
        keys = self._keys.get(column)
        if keys is None:
            if column in NUMERIC_COLUMNS:
                keys = list(self._data.numbers[column])
            else:
                keys = [text.casefold() if text else None for text in self._data.display[column]]
            self._keys[column] = keys
        return keys

    def _sorted_order(self) -> list[int]:
        count = len(self._data)
        column = self._sort_column
        if column < 0:
            return list(range(count))
        keys = self._sort_keys(column)
        present = [row for row in range(count) if keys[row] is not None]
        missing = [row for row in range(count) if keys[row] is None]
        # list.sort is stable, also with reverse=True: ties keep the load order.
        by_key = cast("Callable[[int], float | str]", keys.__getitem__)  # rows in present have a key
        present.sort(key=by_key, reverse=self._sort_order == Qt.SortOrder.DescendingOrder)
        return present + missing
