"""Table model of one job's leads, stored in C++ items so painting never calls Python.

Why ``QStandardItemModel`` and not a Python ``data()``: while a run is going,
the worker and provider threads keep the GIL busy, and every call Qt makes
into Python from the GUI thread must wait for it. Painting the table asks for
about seven roles per visible cell; with a Python ``data()`` one repaint during
a zero-latency run took 25–70 ms (benchmarks/gui_bench.py). Here each cell is a
``QStandardItem`` holding its display text, alignment, tooltip and flags, so a
repaint runs in C++ from start to end; the subclass overrides no method that
painting calls (only :meth:`LeadTableModel.sort`).

Cells are cloned in Python from one prototype per column (flags and alignment
preset) and placed with ``setItem``. The other way, ``setData`` on the model's
``index()`` with an item prototype, keeps no Python wrapper per cell (half the
memory) but both calls release the GIL, and while a run's threads are waiting
for it a row then cost about 370 µs instead of about 70 µs (measured on two
cores). The wrappers cost about 9 KB a row, 9 MB for a 1,000-lead job. Each
row keeps its cells' wrappers, and :meth:`LeadTableModel.set_rows` invalidates
them before Qt deletes the cells (a wrapper left behind for a freed address
crashed the process later: see ``_forget_cells``).

Python keeps, per row, the record and its sort keys, computed once on arrival,
in the model's current row order. Sorting orders those rows in Python, writes
each row's new position into ``POSITION_ROLE`` of its first cell and lets
``QStandardItemModel.sort`` permute the items in C++ (one layout change; the
selection and other persistent indexes follow).

A batch arriving during a run costs the window time for its own rows only, not
for the rows already shown: each new row's place in the current order is found
by bisection (:func:`~leadgen_desktop.gui.tables.lead_cells.blanks_last_key`)
and the rows are inserted there, one ``beginInsertRows`` per run of rows that
land between the same two neighbours. Before, every batch re-sorted every row
and let Qt permute them all (a layout change the proxy and the view then
processed over the whole table): 2-3 ms per batch at 1,000 rows however small
the batch, which left the row feeder slices of one or two rows, each one a
repaint of the table (benchmarks/stall_probe.py).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from shiboken6 import Shiboken

from leadgen_desktop.db.records import LeadRecord
from leadgen_desktop.domain import FIELD_SEPARATOR, EmailReason, search_key
from leadgen_desktop.gui.tables.lead_cells import (
    NUMERIC_ALIGNMENT,
    SortKey,
    blanks_last_key,
    count_text,
    email_status_text,
    first_sort_order,
    rating_text,
    score_text,
    sorted_blanks_last,
    text_key,
)

FILTER_ROLE = Qt.ItemDataRole.UserRole + 2
"""On a row's first cell: ``new`` or ``seen``, a unit separator, then the row's search key."""
FILTER_SEPARATOR = "\x1f"
POSITION_ROLE = Qt.ItemDataRole.UserRole + 3
"""On a row's first cell: its position in the order being applied (see :meth:`LeadTableModel.sort`)."""


def email_reason_text(reason: str | None) -> str:
    """Human sentence for an ``email_reason`` value ("" when there is none)."""
    if not reason:
        return ""
    try:
        return EmailReason(reason).description
    except ValueError:
        return reason.replace("_", " ")


def seen_before_text(seen_before: bool) -> str:
    """``Seen before`` for a business an earlier campaign already found, else ``New``."""
    return "Seen before" if seen_before else "New"


@dataclass(frozen=True, slots=True)
class Column:
    """One table column: header, display text, sort key and alignment."""

    header: str
    display: Callable[[LeadRecord], str]
    key: Callable[[LeadRecord], SortKey]
    numeric: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("Business", lambda r: r.business_name, lambda r: text_key(r.business_name)),
    Column("Address", lambda r: r.address or "", lambda r: text_key(r.address)),
    Column("Phone", lambda r: r.phone or "", lambda r: text_key(r.phone)),
    Column("Website", lambda r: r.website or "", lambda r: text_key(r.website)),
    Column("Email", lambda r: r.email or "", lambda r: text_key(r.email)),
    Column(
        "Email status",
        lambda r: email_status_text(r.email_status),
        lambda r: text_key(email_status_text(r.email_status)),
    ),
    Column("Score", lambda r: score_text(r.confidence_score), lambda r: r.confidence_score, numeric=True),
    Column("Rating", lambda r: rating_text(r.rating), lambda r: r.rating, numeric=True),
    Column("Reviews", lambda r: count_text(r.review_count), lambda r: r.review_count, numeric=True),
    Column(
        "Why no email",
        lambda r: email_reason_text(r.email_reason),
        lambda r: text_key(email_reason_text(r.email_reason)),
    ),
    Column("New?", lambda r: seen_before_text(r.seen_before), lambda r: int(r.seen_before)),
)
"""The table's columns, in order."""

COL_BUSINESS, COL_ADDRESS, COL_PHONE, COL_WEBSITE, COL_EMAIL, COL_STATUS = range(6)
COL_SCORE, COL_RATING, COL_REVIEWS, COL_REASON, COL_SEEN = range(6, 11)

_FILTER_FIELDS: tuple[int, ...] = (COL_BUSINESS, COL_ADDRESS, COL_PHONE, COL_WEBSITE, COL_EMAIL, COL_STATUS)


@dataclass(slots=True)
class _Row:
    """A lead with its sort keys (computed once) and its cells' wrappers."""

    record: LeadRecord
    order: tuple[int, int, int]  # (-score, rank, lead_id): best first, as stored and exported
    keys: tuple[SortKey, ...]
    cells: tuple[QStandardItem, ...]  # the first one holds the filter text and the sort position


def _forget_cells(rows: Iterable[_Row]) -> None:
    """Tell Shiboken that Qt is about to delete these rows' cells; call it right before.

    Each cell is cloned in Python, so it has a Python wrapper, which the model's
    wrapper keeps as a child, and Shiboken maps the cell's C++ address to that
    wrapper. Qt deleting the cell (``setRowCount(0)``) does not tell Shiboken:
    the map would keep an entry for a freed address. The next object that a
    Python class makes and malloc places at that address (a
    ``QTimer.singleShot`` timer, a label of the details panel, a history item)
    then crashes the process when Qt deletes it: Shiboken's ``Object::destroy``
    still finds an entry for the address and releases the wrapper it has just
    freed (SIGSEGV in ``BindingManager::releaseWrapper``; scripts/screenshot.py
    hit it about once in 30 runs). ``Shiboken.invalidate`` removes the entry
    and marks the wrapper dead.
    """
    for row in rows:
        for cell in row.cells:
            Shiboken.invalidate(cell)


_TOOLTIP_COLUMNS = frozenset((COL_ADDRESS, COL_WEBSITE, COL_REASON))
_SEEN_TOOLTIP = "An earlier campaign already found this business."
_FILTER_ROLE = int(FILTER_ROLE)
_POSITION_ROLE = int(POSITION_ROLE)


def _prototype_cells() -> list[QStandardItem]:
    """One empty cell per column with its flags and alignment set (cloning is one C++ call)."""
    cells = []
    for spec in COLUMNS:
        cell = QStandardItem()
        cell.setFlags(
            Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
        )
        if spec.numeric:
            cell.setTextAlignment(NUMERIC_ALIGNMENT)
        cells.append(cell)
    return cells


class LeadTableModel(QStandardItemModel):
    """Leads of one job as a flat table of C++ items.

    ``append_rows`` puts each new row in its place in the current order: one
    ``beginInsertRows`` (``insertRows``) per run of new rows between the same
    two neighbours (a batch in order is one insert), the rows filled while the
    model's signals are blocked, then one ``dataChanged`` per run.
    ``set_rows`` resets. Rows already present (same ``lead_id``) are skipped,
    so a batch that overlaps a reload does no harm. Rows are kept best first
    (score, then rank, as stored and exported) or in the order of the sort
    column.

    Listeners that need the records should use ``records_added`` rather than
    ``rowsInserted``: the inserted rows are still empty when that one fires.

    Signals:
        records_added(list): the ``list[LeadRecord]`` an ``append_rows`` batch
            added, once its rows are filled and in place (``set_rows`` emits
            ``modelReset`` instead: read :meth:`records` then).
    """

    records_added = Signal(list)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self._rows: list[_Row] = []  # in the model's row order
        self._places: list[tuple[Any, ...]] = []  # each row's _place_key, same order (bisected)
        self._ids: set[int] = set()
        self._sort_column = -1
        self._sort_order = Qt.SortOrder.AscendingOrder
        self._prototypes = _prototype_cells()
        self.setSortRole(POSITION_ROLE)
        for section, spec in enumerate(COLUMNS):
            horizontal = Qt.Orientation.Horizontal
            self.setHeaderData(section, horizontal, spec.header, Qt.ItemDataRole.DisplayRole)
            first = first_sort_order(spec.numeric)  # numbers: best first on the first click
            self.setHeaderData(section, horizontal, first.value, Qt.ItemDataRole.InitialSortOrderRole)
            if spec.numeric:
                self.setHeaderData(section, horizontal, NUMERIC_ALIGNMENT, Qt.ItemDataRole.TextAlignmentRole)

    # -- rows ------------------------------------------------------------------

    def row_record(self, row: int) -> LeadRecord:
        """The lead shown in ``row`` (raises IndexError when out of range)."""
        if row < 0:
            raise IndexError(row)
        return self._rows[row].record

    def records(self) -> list[LeadRecord]:
        """All leads in the current (possibly sorted) order."""
        return [row.record for row in self._rows]

    def sort_key(self, row: int, column: int) -> SortKey:
        """The typed key ``row`` sorts by in ``column`` (number, casefolded text or None)."""
        return self._rows[row].keys[column]

    def set_rows(self, records: Iterable[LeadRecord]) -> None:
        """Replace every row (one model reset), keeping the current sort column."""
        self.beginResetModel()
        blocked = self.blockSignals(True)  # the reset stands for the removal and the inserts
        try:
            _forget_cells(self._rows)  # before Qt deletes the cells: see there
            self.setRowCount(0)
            self._rows, self._places, self._ids = [], [], set()
            self._fill(self._prepare(records))
            self._apply_order(self._sorted(self._rows))
        finally:
            self.blockSignals(blocked)
        self.endResetModel()

    def append_rows(self, records: Sequence[LeadRecord]) -> int:
        """Insert a batch, each row in its place in the current order; return how many rows were new.

        The work grows with the batch, not with the rows already shown (see the module docstring).
        """
        prepared = self._prepare(records)
        if not prepared:
            return 0
        placed = sorted(((self._place_key(row), row, cells) for row, cells in prepared), key=lambda p: p[0])
        gaps = [bisect_right(self._places, key) for key, _row, _cells in placed]  # among the old rows
        inserted = 0  # new rows already in, all before the current run
        start = 0
        while start < len(placed):
            end = start + 1
            while end < len(placed) and gaps[end] == gaps[start]:
                end += 1  # between the same two old rows: one block of neighbours
            run = placed[start:end]
            first = gaps[start] + inserted
            self._insert_run(first, [(row, cells) for _key, row, cells in run])
            self._places[first:first] = [key for key, _row, _cells in run]
            inserted += len(run)
            start = end
        self.records_added.emit([row.record for row, _cells in prepared])
        return len(prepared)

    def _insert_run(self, first: int, run: list[tuple[_Row, list[QStandardItem]]]) -> None:
        """Insert ``run``'s rows at ``first`` (one ``beginInsertRows``), fill them, one ``dataChanged``."""
        self.insertRows(first, len(run))
        blocked = self.blockSignals(True)
        try:
            for model_row, (_row, cells) in enumerate(run, start=first):
                for column, cell in enumerate(cells):
                    self.setItem(model_row, column, cell)
        finally:
            self.blockSignals(blocked)
        self._rows[first:first] = [row for row, _cells in run]
        last = first + len(run) - 1
        self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))

    def _prepare(self, records: Iterable[LeadRecord]) -> list[tuple[_Row, list[QStandardItem]]]:
        """Keys and cells (not in the model yet) of the records not shown yet."""
        prepared: list[tuple[_Row, list[QStandardItem]]] = []
        for record in records:
            if record.lead_id in self._ids:
                continue
            self._ids.add(record.lead_id)
            cells = self._make_cells(record)
            order = (-record.confidence_score, record.rank, record.lead_id)  # as the CSV
            keys = tuple(column.key(record) for column in COLUMNS)
            prepared.append((_Row(record, order, keys, tuple(cells)), cells))
        return prepared

    def _make_cells(self, record: LeadRecord) -> list[QStandardItem]:
        """A lead's cells: text, tooltips, flags and alignment, and the filter text on the first."""
        texts = [spec.display(record) for spec in COLUMNS]
        cells = [prototype.clone() for prototype in self._prototypes]
        for column, (cell, text) in enumerate(zip(cells, texts, strict=True)):
            cell.setText(text)
            if text and column in _TOOLTIP_COLUMNS:
                cell.setToolTip(text)
        if record.seen_before:
            cells[COL_SEEN].setToolTip(_SEEN_TOOLTIP)
        haystack = search_key(FIELD_SEPARATOR.join(texts[i] for i in _FILTER_FIELDS))
        cells[0].setData(
            ("seen" if record.seen_before else "new") + FILTER_SEPARATOR + haystack, _FILTER_ROLE
        )
        return cells

    def _fill(self, prepared: list[tuple[_Row, list[QStandardItem]]]) -> None:
        """Append the rows' cells to the model (``set_rows``, its signals blocked)."""
        for row, cells in prepared:
            self.appendRow(cells)
            self._rows.append(row)

    # -- sorting -----------------------------------------------------------------

    @property
    def sort_column(self) -> int:
        """The column rows are sorted by, or -1 for rank order."""
        return self._sort_column

    @property
    def sort_order(self) -> Qt.SortOrder:
        """The current sort order."""
        return self._sort_order

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by ``column`` with keys computed on arrival; empty values always last.

        ``column`` -1 restores rank order. Numbers sort as numbers and text
        casefolded; ties keep rank order.
        """
        self._sort_column = column if 0 <= column < len(COLUMNS) else -1
        self._sort_order = Qt.SortOrder(order)
        self._apply_order(self._sorted(self._rows))

    def _place_key(self, row: _Row) -> tuple[Any, ...]:
        """``row``'s place in the current order as an ascending key (what ``_sorted`` sorts by)."""
        column = self._sort_column
        if column < 0:
            return row.order
        descending = self._sort_order == Qt.SortOrder.DescendingOrder
        return blanks_last_key(row.keys[column], descending, row.order)

    def _sorted(self, rows: list[_Row]) -> list[_Row]:
        column = self._sort_column
        if column < 0:
            return sorted(rows, key=lambda r: r.order)
        descending = self._sort_order == Qt.SortOrder.DescendingOrder
        # Rows without a value last, ties in rank order, in both directions.
        return sorted_blanks_last(rows, lambda r: r.keys[column], descending, lambda r: r.order)

    def _apply_order(self, new_rows: list[_Row]) -> None:
        """Permute the items into ``new_rows``' order (one layout change; none when nothing moves)."""
        self._places = [self._place_key(row) for row in new_rows]
        if len(new_rows) == len(self._rows) and all(
            new is old for new, old in zip(new_rows, self._rows, strict=True)
        ):
            return
        blocked = self.blockSignals(True)  # positions are bookkeeping, not visible data
        try:
            for index, row in enumerate(new_rows):
                row.cells[0].setData(float(index), _POSITION_ROLE)
        finally:
            self.blockSignals(blocked)
        self._rows = new_rows
        super().sort(0, Qt.SortOrder.AscendingOrder)  # C++: moves items and persistent indexes
