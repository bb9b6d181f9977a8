"""What the two lead tables share: cell texts, numeric alignment, sort keys and the sort rule.

The Campaign tab (:mod:`~leadgen_desktop.gui.tables.results_model`, one job in
C++ items) and the All-leads tab (:mod:`~leadgen_desktop.gui.tables.all_leads_model`,
every lead, read from the database) show the same kinds of cells. Both format
numbers, align them, answer ``SORT_ROLE`` and choose a column's first sort
direction through this module, and both sort by the same rule: numbers as
numbers, text without regard to case, rows without a value last in both
directions (:func:`sorted_blanks_last`). The Campaign tab applies the rule
here in Python; the All-leads tab has a million rows and applies it in SQL
(:meth:`~leadgen_desktop.db.all_leads_queries.AllLeadsQueries.ordered_ids`); a
test sorts the same leads in both tables and compares the columns. Ties differ
on purpose: the Campaign tab keeps them in rank order, the All-leads tab in
lead id order in the sort's direction (a plain index scan).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from PySide6.QtCore import Qt

from leadgen_desktop.domain import email_status_label

SortKey = int | float | str | None
"""A typed sort key: a number, casefolded text, or None for a blank cell."""

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
"""Role returning a cell's :data:`SortKey`."""

NUMERIC_ALIGNMENT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
"""Numbers are right-aligned, in their cells and their column headers."""

T = TypeVar("T")


def first_sort_order(numeric: bool) -> Qt.SortOrder:
    """The order of a column's first header click: numbers descending (best first), text ascending."""
    return Qt.SortOrder.DescendingOrder if numeric else Qt.SortOrder.AscendingOrder


def score_text(score: int) -> str:
    """A confidence score as shown: ``87``."""
    return str(score)


def rating_text(rating: float | None) -> str:
    """A rating with one decimal (``4.5``), blank when unknown."""
    return "" if rating is None else f"{rating:.1f}"


def count_text(count: int | None) -> str:
    """A count with thousands separators (``1,234``), blank when unknown."""
    return "" if count is None else f"{count:,}"


def email_status_text(status: str) -> str:
    """Human text of an ``email_status`` value (``catch-all``, ``not found``)."""
    return email_status_label(status)


def text_key(value: str | None) -> SortKey:
    """Sort key of a text cell: casefolded, or None when blank (blank cells sort last)."""
    return value.casefold() if value else None


def sorted_blanks_last(
    items: Iterable[T],
    key: Callable[[T], SortKey],
    descending: bool,
    default_order: Callable[[T], Any],
) -> list[T]:
    """``items`` by ``key``; blank keys (None) last in both directions; ties in ``default_order``.

    Two stable sorts: first into the default order, then by key (``reverse``
    keeps equal items in their order), so ties keep the default order whichever
    way the column is sorted.
    """
    present: list[T] = []
    blank: list[T] = []
    for item in items:
        (blank if key(item) is None else present).append(item)
    present.sort(key=default_order)
    present.sort(key=key, reverse=descending)  # type: ignore[arg-type]  # keys of one column compare
    blank.sort(key=default_order)
    return present + blank


class _Descending:
    """A key that compares the other way round (a descending column inside an ascending tuple)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Descending) and bool(self.value == other.value)

    def __lt__(self, other: _Descending) -> bool:
        return bool(other.value < self.value)

    __hash__ = None  # type: ignore[assignment]  # compared only, never hashed


def blanks_last_key(key: SortKey, descending: bool, default_order: Any) -> tuple[Any, ...]:
    """One item's place in :func:`sorted_blanks_last` as an ascending key (to bisect a new item in).

    ``sorted(items, key=lambda i: blanks_last_key(key(i), descending, default_order(i)))``
    gives the same order as :func:`sorted_blanks_last` (a test checks it); the
    two-pass sort stays for whole sorts because it compares in C.
    """
    if key is None:
        return (1, 0, default_order)
    return (0, _Descending(key) if descending else key, default_order)
