"""Table model of stored leads: O(1) ``data()``, batch inserts and key-based sorting.

Each row keeps its display strings and its sort keys, both computed once when
the row arrives, so painting never formats and sorting never calls ``data()``.
Sorting happens here (not in a proxy): ``sort()`` reorders rows with the
precomputed keys inside ``layoutAboutToBeChanged``/``layoutChanged`` and moves
persistent indexes (selection, current index) with them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from leadgen_desktop.db.records import LeadRecord
from leadgen_desktop.domain import EmailReason, EmailStatus

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
FILTER_ROLE = Qt.ItemDataRole.UserRole + 2
"""Per row: ``new`` or ``seen``, a unit separator, then the casefolded filterable text."""
FILTER_SEPARATOR = "\x1f"
"""Role returning a column's typed sort key (number, casefolded text or None)."""

SortKey = int | float | str | None
AnyIndex = QModelIndex | QPersistentModelIndex

_STATUS_TEXT: dict[str, str] = {
    EmailStatus.VALID: "valid",
    EmailStatus.INVALID: "invalid",
    EmailStatus.CATCHALL: "catch-all",
    EmailStatus.UNKNOWN: "unknown",
    EmailStatus.DISPOSABLE: "disposable",
    EmailStatus.UNVERIFIED: "unverified",
    EmailStatus.NOT_FOUND: "not found",
}


def email_status_text(status: str) -> str:
    """Human text for an ``email_status`` value (unknown values pass through)."""
    return _STATUS_TEXT.get(status, status.replace("_", " "))


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


def _text_key(value: str | None) -> str | None:
    return value.casefold() if value else None


@dataclass(frozen=True, slots=True)
class Column:
    """One table column: header, display text, sort key and alignment."""

    header: str
    display: Callable[[LeadRecord], str]
    key: Callable[[LeadRecord], SortKey]
    numeric: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("Business", lambda r: r.business_name, lambda r: _text_key(r.business_name)),
    Column("Address", lambda r: r.address or "", lambda r: _text_key(r.address)),
    Column("Phone", lambda r: r.phone or "", lambda r: _text_key(r.phone)),
    Column("Website", lambda r: r.website or "", lambda r: _text_key(r.website)),
    Column("Email", lambda r: r.email or "", lambda r: _text_key(r.email)),
    Column(
        "Email status",
        lambda r: email_status_text(r.email_status),
        lambda r: _text_key(email_status_text(r.email_status)),
    ),
    Column("Score", lambda r: str(r.confidence_score), lambda r: r.confidence_score, numeric=True),
    Column(
        "Rating",
        lambda r: "" if r.rating is None else f"{r.rating:.1f}",
        lambda r: r.rating,
        numeric=True,
    ),
    Column(
        "Reviews",
        lambda r: "" if r.review_count is None else f"{r.review_count:,}",
        lambda r: r.review_count,
        numeric=True,
    ),
    Column(
        "Why no email",
        lambda r: email_reason_text(r.email_reason),
        lambda r: _text_key(email_reason_text(r.email_reason)),
    ),
    Column("New?", lambda r: seen_before_text(r.seen_before), lambda r: int(r.seen_before)),
)
"""The table's columns, in order."""

COL_BUSINESS, COL_ADDRESS, COL_PHONE, COL_WEBSITE, COL_EMAIL, COL_STATUS = range(6)
COL_SCORE, COL_RATING, COL_REVIEWS, COL_REASON, COL_SEEN = range(6, 11)

_FILTER_FIELDS: tuple[int, ...] = (COL_BUSINESS, COL_ADDRESS, COL_PHONE, COL_WEBSITE, COL_EMAIL, COL_STATUS)
_NUMERIC_ALIGN = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


@dataclass(frozen=True, slots=True)
class _Row:
    """A lead with everything the view needs, computed once."""

    record: LeadRecord
    order: tuple[int, int]  # (rank, lead_id): the unsorted order, as stored and exported
    display: tuple[str, ...]
    keys: tuple[SortKey, ...]
    haystack: str  # casefolded text searched by the quick filter


class LeadTableModel(QAbstractTableModel):
    """Leads of one job as a flat table.

    ``append_rows`` adds a batch with one ``beginInsertRows``; ``set_rows``
    resets. Rows already present (same ``lead_id``) are skipped, so a batch
    that overlaps a reload does no harm. Rows are kept best first (score, then rank, as
    stored and exported) or in the order of the sort column; a batch that
    arrives out of that order is merged in with one layout change.

    Signals: only the standard QAbstractItemModel ones.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[_Row] = []
        self._ids: set[int] = set()
        self._sort_column = -1
        self._sort_order = Qt.SortOrder.AscendingOrder

    # -- data ------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Number of leads (0 under any valid parent: this is a flat table)."""
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Number of columns (0 under any valid parent)."""
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Display text, sort key, alignment or tooltip of one cell, in O(1)."""
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        if not (0 <= row < len(self._rows) and 0 <= column < len(COLUMNS)):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._rows[row].display[column]
        if role == SORT_ROLE:
            return self._rows[row].keys[column]
        if role == FILTER_ROLE:
            item = self._rows[row]
            return ("seen" if item.record.seen_before else "new") + FILTER_SEPARATOR + item.haystack
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _NUMERIC_ALIGN if COLUMNS[column].numeric else None
        if role == Qt.ItemDataRole.ToolTipRole and column == COL_SEEN and self._rows[row].record.seen_before:
            return "An earlier campaign already found this business."
        if role == Qt.ItemDataRole.ToolTipRole and column in (COL_REASON, COL_ADDRESS, COL_WEBSITE):
            text = self._rows[row].display[column]
            return text or None
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column titles; numeric columns sort descending on their first click."""
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section].header
        if role == Qt.ItemDataRole.InitialSortOrderRole:
            order = Qt.SortOrder.DescendingOrder if COLUMNS[section].numeric else Qt.SortOrder.AscendingOrder
            return order.value
        if role == Qt.ItemDataRole.TextAlignmentRole and COLUMNS[section].numeric:
            return _NUMERIC_ALIGN
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        """Cells are selectable and enabled, never editable."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    # -- rows ------------------------------------------------------------------

    def row_record(self, row: int) -> LeadRecord:
        """The lead shown in ``row`` (raises IndexError when out of range)."""
        return self._rows[row].record

    def records(self) -> list[LeadRecord]:
        """All leads in the current (possibly sorted) order."""
        return [row.record for row in self._rows]

    def filter_text(self, row: int) -> str:
        """Casefolded text of the filterable columns of ``row`` (for the proxy)."""
        return self._rows[row].haystack

    def set_rows(self, records: Iterable[LeadRecord]) -> None:
        """Replace every row (one model reset), keeping the current sort column."""
        self.beginResetModel()
        self._rows, self._ids = [], set()
        self._rows = self._sorted(self._prepare(records))
        self.endResetModel()

    def append_rows(self, records: Sequence[LeadRecord]) -> int:
        """Add a batch with one ``beginInsertRows``; return how many rows were new."""
        new_rows = self._prepare(records)
        if not new_rows:
            return 0
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(new_rows) - 1)
        self._rows.extend(new_rows)
        self.endInsertRows()
        self._relayout(self._sorted(self._rows))  # no signal when nothing moves
        return len(new_rows)

    def _prepare(self, records: Iterable[LeadRecord]) -> list[_Row]:
        prepared: list[_Row] = []
        for record in records:
            if record.lead_id in self._ids:
                continue
            self._ids.add(record.lead_id)
            display = tuple(column.display(record) for column in COLUMNS)
            prepared.append(
                _Row(
                    record=record,
                    order=(-record.confidence_score, record.rank, record.lead_id),  # as the CSV
                    display=display,
                    keys=tuple(column.key(record) for column in COLUMNS),
                    haystack="\n".join(display[i] for i in _FILTER_FIELDS).casefold(),
                )
            )
        return prepared

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
        self._relayout(self._sorted(self._rows))

    def _sorted(self, rows: list[_Row]) -> list[_Row]:
        column = self._sort_column
        if column < 0:
            return sorted(rows, key=lambda r: r.order)
        present = [r for r in rows if r.keys[column] is not None]
        missing = [r for r in rows if r.keys[column] is None]
        descending = self._sort_order == Qt.SortOrder.DescendingOrder
        # Ties keep rank order in both directions; rows without a value go last.
        if descending:
            present.sort(key=lambda r: (r.keys[column], -r.order[0], -r.order[1]), reverse=True)
        else:
            present.sort(key=lambda r: (r.keys[column], r.order))
        missing.sort(key=lambda r: r.order)
        return present + missing

    def _relayout(self, new_rows: list[_Row]) -> None:
        if [id(r) for r in new_rows] == [id(r) for r in self._rows]:
            return
        self.layoutAboutToBeChanged.emit()
        new_position = {id(row): index for index, row in enumerate(new_rows)}
        old_rows = self._rows
        old_indexes = self.persistentIndexList()
        new_indexes = [
            self.index(new_position[id(old_rows[idx.row()])], idx.column())
            if idx.isValid() and idx.row() < len(old_rows)
            else QModelIndex()
            for idx in old_indexes
        ]
        self._rows = new_rows
        self.changePersistentIndexList(old_indexes, new_indexes)
        self.layoutChanged.emit()
