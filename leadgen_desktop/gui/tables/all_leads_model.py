"""Table model of every lead of every campaign, built for a million rows.

Design (as Anki's card browser): the model holds **only lead ids**, and reads
the rows on screen from SQLite when they are painted.

* **Ids in order.** :class:`~leadgen_desktop.gui.tables.all_leads_order.LeadOrder`
  is every lead id in the current sort order; ``_shown`` is the ids the filter
  lets through, in that order. A million leads take 12 MB, not the 600 MB of
  ready-made cell strings.
* **Rows on demand.** ``multiData`` looks up the lead of a row in a cache of
  display rows; a miss reads the block of :data:`BLOCK_ROWS` rows around it
  in one query (about a millisecond) and caches it (up to :data:`CACHED_ROWS`
  leads, oldest dropped first).
* **Sorting in SQL.** A header click reads every id in the new order from an
  index scan (:meth:`~leadgen_desktop.db.all_leads_queries.AllLeadsQueries.ordered_ids`)
  inside a layout change, so the selection follows its leads; an active
  filter's result is put in the new order without searching again.
* **Filtering in SQL** by :class:`~leadgen_desktop.gui.tables.all_leads_search.LeadSearch`:
  the exact result at once when cheap, else a correct first screen at once
  and the rest appended when the background scan ends. Results of this sort
  order are remembered per text, so Backspace is instant.
* **Two Python calls per painted cell** (``index`` and ``multiData``; the
  inherited C++ ``flags`` already says selectable, enabled, no children),
  which matters when a run's threads compete for the interpreter lock: a
  full repaint of the table costs a few hundred such calls and about 15 ms
  more than the same cells held in C++ (see the README).

Signals:
    searching(bool): True while a filter's complete result is still being
        computed in the background (the rows shown are its beginning).
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from itertools import islice
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QModelRoleData,
    QModelRoleDataSpan,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
    Slot,
)

from leadgen_desktop.db.all_leads_queries import AllLeadsQueries, LeadRowTuple, LeadSort, SortField
from leadgen_desktop.domain import campaign_title, search_key
from leadgen_desktop.gui.tables.all_leads_order import LeadOrder
from leadgen_desktop.gui.tables.all_leads_search import LeadSearch
from leadgen_desktop.gui.tables.lead_cells import (
    NUMERIC_ALIGNMENT,
    SORT_ROLE,
    SortKey,
    count_text,
    email_status_text,
    first_sort_order,
    rating_text,
    score_text,
    text_key,
)

AnyIndex = QModelIndex | QPersistentModelIndex

BLOCK_ROWS = 128
"""Rows read from the database in one query when a painted row is not cached."""
CACHED_ROWS = 8192
"""Display rows kept in memory (oldest dropped first)."""
CACHED_FILTERS = 16
"""Filter results of the current sort order kept for instant Backspace."""
CACHED_FILTER_IDS = 4_000_000
"""At most this many ids (8 bytes each) in the kept filter results together."""


@dataclass(frozen=True, slots=True)
class AllLeadsColumn:
    """One column: its header, the field it sorts by, and how it shows."""

    header: str
    field: SortField
    numeric: bool = False
    tooltip: bool = False


COLUMNS: tuple[AllLeadsColumn, ...] = (
    AllLeadsColumn("Campaign", SortField.CAMPAIGN, tooltip=True),
    AllLeadsColumn("Business", SortField.BUSINESS_NAME),
    AllLeadsColumn("Address", SortField.ADDRESS, tooltip=True),
    AllLeadsColumn("Phone", SortField.PHONE),
    AllLeadsColumn("Website", SortField.WEBSITE, tooltip=True),
    AllLeadsColumn("Email", SortField.EMAIL),
    AllLeadsColumn("Email status", SortField.EMAIL_STATUS),
    AllLeadsColumn("Score", SortField.SCORE, numeric=True),
    AllLeadsColumn("Rating", SortField.RATING, numeric=True),
    AllLeadsColumn("Reviews", SortField.REVIEWS, numeric=True),
)
"""The table's columns, in order."""
HEADERS: tuple[str, ...] = tuple(column.header for column in COLUMNS)
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
) = range(len(COLUMNS))
NUMERIC_COLUMNS = frozenset(c for c, column in enumerate(COLUMNS) if column.numeric)
_TOOLTIP_COLUMNS = frozenset(c for c, column in enumerate(COLUMNS) if column.tooltip)

_DISPLAY = Qt.ItemDataRole.DisplayRole.value
_ALIGN = Qt.ItemDataRole.TextAlignmentRole.value
_TOOLTIP = Qt.ItemDataRole.ToolTipRole.value
_SORT = int(SORT_ROLE)
_INVALID = QModelIndex()


@dataclass(frozen=True, slots=True)
class ShownLead:
    """A lead as the table shows it: one text per column and one sort key per column."""

    texts: tuple[str, ...]
    keys: tuple[SortKey, ...]


_MISSING = ShownLead(("",) * len(COLUMNS), (None,) * len(COLUMNS))
"""Shown for an id whose lead is gone from the database."""


def shown_lead(row: LeadRowTuple) -> ShownLead:
    """The texts and sort keys of one lead's cells."""
    texts = (
        campaign_title(row.business_type, row.location),
        row.business_name,
        row.address or "",
        row.phone or "",
        row.website or "",
        row.email or "",
        email_status_text(row.email_status),
        score_text(row.confidence_score),
        rating_text(row.rating),
        count_text(row.review_count),
    )
    keys = (
        *(text_key(text) for text in texts[:COL_SCORE]),
        row.confidence_score,
        row.rating,
        row.review_count,
    )
    return ShownLead(texts, keys)


class AllLeadsModel(QAbstractTableModel):
    """Every lead of every campaign as a flat, sortable, filterable table (see the module docstring).

    :meth:`set_order` shows a freshly loaded order (one reset); :meth:`sort`
    reorders inside a layout change; :meth:`set_filter_string` shows only the
    leads whose text contains the filter (one reset, then rows appended if the
    result was still being computed).
    """

    searching = Signal(bool)

    def __init__(self, queries: AllLeadsQueries, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._queries = queries
        self._search = LeadSearch(queries, self)
        self._search.completed.connect(self._on_search_completed)
        self._order = LeadOrder()
        self._order_sort = LeadSort()  # the order self._order was read in
        self._shown: array[int] = array("q")
        self._complete = True
        self._rows: dict[int, ShownLead] = {}
        self._filtered: dict[str, array[int]] = {}  # complete results of this order, by needle
        self._sort_column = -1
        self._sort_order = Qt.SortOrder.AscendingOrder
        self._needle = ""
        self._generation = 0

    # -- Qt model API ------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = _INVALID) -> int:
        """Number of rows shown (0 under any valid parent)."""
        return 0 if parent.isValid() else len(self._shown)

    def columnCount(self, parent: AnyIndex = _INVALID) -> int:
        """Number of columns (0 under any valid parent)."""
        return 0 if parent.isValid() else len(COLUMNS)

    def index(self, row: int, column: int, parent: AnyIndex = _INVALID) -> QModelIndex:
        """The index of a cell (no rowCount/columnCount round trips)."""
        if parent.isValid() or not (0 <= row < len(self._shown) and 0 <= column < len(COLUMNS)):
            return QModelIndex()
        return self.createIndex(row, column)

    def data(self, index: AnyIndex, role: int = _DISPLAY) -> Any:
        """Display text, sort key, alignment or tooltip of one cell."""
        if not index.isValid() or not 0 <= index.row() < len(self._shown):
            return None
        return self._value(self._lead_at(index.row()), index.column(), role)

    def multiData(self, index: AnyIndex, roleDataSpan: QModelRoleDataSpan | QModelRoleData) -> None:
        """Fill the roles the delegate asks for in one call; roles without a value are left empty."""
        row = index.row()
        if not index.isValid() or not 0 <= row < len(self._shown):
            return
        lead, column = self._lead_at(row), index.column()
        if isinstance(roleDataSpan, QModelRoleData):  # one role asked on its own
            roleDataSpan.setData(self._value(lead, column, roleDataSpan.role()))
            return
        span: Any = roleDataSpan  # a sequence of QModelRoleData (the stubs do not say so)
        for position in range(span.size()):
            item = span[position]
            role = item.role()
            if role == _DISPLAY:
                item.setData(lead.texts[column])
            elif role == _ALIGN:
                if column in NUMERIC_COLUMNS:
                    item.setData(NUMERIC_ALIGNMENT)
            elif role in (_TOOLTIP, _SORT):
                item.setData(self._value(lead, column, role))

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        """Column titles; numeric columns are right-aligned and sort descending on their first click."""
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == _DISPLAY:
            return COLUMNS[section].header
        if role == Qt.ItemDataRole.InitialSortOrderRole:
            return first_sort_order(COLUMNS[section].numeric).value
        if role == _ALIGN and COLUMNS[section].numeric:
            return NUMERIC_ALIGNMENT
        return None

    @staticmethod
    def _value(lead: ShownLead, column: int, role: int) -> Any:
        if role == _DISPLAY:
            return lead.texts[column]
        if role == _ALIGN:
            return NUMERIC_ALIGNMENT if column in NUMERIC_COLUMNS else None
        if role == _SORT:
            return lead.keys[column]
        if role == _TOOLTIP and column in _TOOLTIP_COLUMNS:
            return lead.texts[column] or None
        return None

    # -- rows --------------------------------------------------------------------

    @property
    def total(self) -> int:
        """Number of leads loaded, shown or not."""
        return len(self._order)

    @property
    def complete(self) -> bool:
        """False while the filter's result is still being computed (the rows shown are its start)."""
        return self._complete

    def lead_sort(self) -> LeadSort:
        """The current order as the database understands it."""
        if self._sort_column < 0:
            return LeadSort()
        descending = self._sort_order == Qt.SortOrder.DescendingOrder
        return LeadSort(COLUMNS[self._sort_column].field, descending)

    def lead_id(self, row: int) -> int:
        """Database id of the lead shown in ``row`` (IndexError when out of range)."""
        if row < 0:
            raise IndexError(row)
        return self._shown[row]

    def display_text(self, row: int, column: int) -> str:
        """Text of a shown cell (IndexError when out of range)."""
        if not 0 <= row < len(self._shown):
            raise IndexError(row)
        return self._lead_at(row).texts[column]

    def _lead_at(self, row: int) -> ShownLead:
        lead_id = self._shown[row]
        lead = self._rows.get(lead_id)
        if lead is None:
            self._read_block(row)
            lead = self._rows.get(lead_id, _MISSING)
        return lead

    def _read_block(self, row: int) -> None:
        """Read the block of rows around ``row`` into the cache (one query)."""
        first = row - row % BLOCK_ROWS
        wanted = [lead_id for lead_id in self._shown[first : first + BLOCK_ROWS] if lead_id not in self._rows]
        if len(self._rows) + len(wanted) > CACHED_ROWS:
            for old in list(islice(self._rows, len(self._rows) + len(wanted) - CACHED_ROWS)):
                del self._rows[old]
        for lead in self._queries.rows(wanted):
            self._rows[lead.lead_id] = shown_lead(lead)
        for lead_id in wanted:
            self._rows.setdefault(lead_id, _MISSING)

    # -- loading -----------------------------------------------------------------

    def set_order(self, order: LeadOrder, sort: LeadSort | None = None) -> None:
        """Show a freshly loaded order of every lead (one reset), keeping the filter.

        ``sort`` is the order ``order`` was read in; when the header was clicked
        meanwhile (``sort`` is not :meth:`lead_sort` any more), the order is
        read again for the header's column.
        """
        wanted = self.lead_sort()
        if sort is not None and sort != wanted:
            order = LeadOrder.of(self._queries.ordered_ids(wanted))
        self.beginResetModel()
        self._order, self._order_sort = order, wanted
        self._rows.clear()
        self._filtered.clear()
        self._apply_filter()
        self.endResetModel()

    # -- sort ------------------------------------------------------------------------

    @property
    def sort_column(self) -> int:
        """The column rows are sorted by, or -1 for newest first."""
        return self._sort_column

    @property
    def sort_order(self) -> Qt.SortOrder:
        """The current sort order."""
        return self._sort_order

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by ``column`` in SQL (-1: newest first); blanks last; ties by lead id, same direction.

        The other direction of the column just sorted is that order reversed
        (its blanks kept last), with no query.
        """
        self._sort_column = column if 0 <= column < len(COLUMNS) else -1
        self._sort_order = Qt.SortOrder(order)
        wanted, current = self.lead_sort(), self._order_sort
        if not len(self._order) or wanted == current:
            return  # nothing loaded yet (the loader reads this order), or nothing to do
        if wanted.field is not None and wanted.field == current.field:
            new_order = self._order.reversed()
        else:
            new_order = LeadOrder.of(self._queries.ordered_ids(wanted))
        if not self._complete:  # a search is still running: search again in the new order
            self.set_order(new_order)
            return
        self._order_sort = wanted
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        old_ids = [self._shown[i.row()] if 0 <= i.row() < len(self._shown) else -1 for i in persistent]
        self._order = new_order
        self._filtered.clear()
        self._shown = new_order.ids if not self._needle else new_order.subset(self._shown)
        if self._needle:
            self._filtered[self._needle] = self._shown
        self.changePersistentIndexList(
            persistent,
            [
                self.index(new_order.row_in(self._shown, lead_id), index.column())
                if lead_id >= 0
                else _INVALID
                for index, lead_id in zip(persistent, old_ids, strict=True)
            ],
        )
        self.layoutChanged.emit()

    # -- filter ----------------------------------------------------------------------

    @property
    def filter_string(self) -> str:
        """The current filter, stripped and normalised by ``search_key``."""
        return self._needle

    def set_filter_string(self, text: str) -> None:
        """Show only leads whose text columns contain ``text`` (any case, any accents); one reset."""
        needle = search_key(text.strip())
        if needle == self._needle:
            return
        self._needle = needle
        self.beginResetModel()
        self._apply_filter()
        self.endResetModel()

    def _apply_filter(self) -> None:
        """Set ``_shown`` for the current needle and order (inside a reset)."""
        self._generation += 1
        self._search.cancel()
        was_complete = self._complete
        self._complete = True
        if not self._needle:
            self._shown = self._order.ids
        elif self._needle in self._filtered:
            self._shown = self._filtered[self._needle]
        elif not len(self._order):
            self._shown = array("q")
        else:
            outcome = self._search.run(self._generation, self._needle, self._order)
            self._shown, self._complete = outcome.shown, outcome.complete
            if outcome.complete:
                self._remember(self._needle, outcome.shown)
        if self._complete != was_complete:
            self.searching.emit(not self._complete)

    def _remember(self, needle: str, shown: array[int]) -> None:
        self._filtered.pop(needle, None)
        self._filtered[needle] = shown  # the newest last
        while len(self._filtered) > 1 and (
            len(self._filtered) > CACHED_FILTERS or sum(map(len, self._filtered.values())) > CACHED_FILTER_IDS
        ):
            del self._filtered[next(iter(self._filtered))]

    @Slot(int, object)
    def _on_search_completed(self, generation: int, shown: array[int]) -> None:
        """A background scan ended: append the rows the preview did not have."""
        if generation != self._generation:
            return  # an older keystroke's result
        self._remember(self._needle, shown)
        preview = len(self._shown)
        if shown[:preview] == self._shown:
            if len(shown) > preview:
                self.beginInsertRows(QModelIndex(), preview, len(shown) - 1)
                self._shown = shown
                self.endInsertRows()
        else:  # the database changed in between: show the complete result afresh
            self.beginResetModel()
            self._shown = shown
            self.endResetModel()
        self._complete = True
        self.searching.emit(False)

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Stop a running background search and wait for its thread (window closing)."""
        self._search.shutdown(timeout_ms)
