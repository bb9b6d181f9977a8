"""Lead ids in one sort order, and the filtered subsets of it (no Qt).

The All-leads model holds no rows, only ids: :class:`LeadOrder` is every lead
id in the current sort order (an ``array`` of 8-byte ints: 8 MB for a million
leads) plus each id's position in it (4 MB). A filter's matches come from the
database as a set of ids in no useful order; :meth:`LeadOrder.subset` puts them
in this order without asking the database again, so a sort never repeats a
search and a search never repeats a sort.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Callable, Sequence
from itertools import compress

from leadgen_desktop.db.all_leads_queries import SortedIds

_DENSE_FACTOR = 4
"""Positions are an array indexed by id when ids are at most this sparse, else a dict."""
_SORT_FRACTION = 16
"""Subsets smaller than 1/this of the order are sorted by position; larger ones are masked."""
SLICE = 65_536
"""Ids per C-level pass: a background thread holds the interpreter lock a few milliseconds at most."""


class LeadOrder:
    """Every lead id in one order, with each id's position (worked out on first use).

    ``ids`` must not be changed once given (the order is shared with a
    background search); the last ``blanks`` of them have no value in the
    sort's column. The positions take about 70 ms to work out for a million
    leads, so a sort does not wait for them: only ordering a small filter
    result, or finding a row in one, needs them.
    """

    def __init__(self, ids: array[int] | None = None, blanks: int = 0, *, top: int | None = None) -> None:
        self.ids: array[int] = ids if ids is not None else array("q")
        self.blanks = blanks
        self._top = top if top is not None else (max(self.ids) if self.ids else 0)
        self._positions: array[int] | dict[int, int] | None = None

    @classmethod
    def of(cls, sorted_ids: SortedIds) -> LeadOrder:
        """The order the database read."""
        return cls(sorted_ids.ids, sorted_ids.blanks)

    def __len__(self) -> int:
        return len(self.ids)

    def reversed(self) -> LeadOrder:
        """The same column the other way: values reversed, then the blanks (reversed too) still last.

        A few milliseconds for a million leads instead of reading the order again.
        """
        split = len(self.ids) - self.blanks
        ids = self.ids[:split]
        ids.reverse()
        tail = self.ids[split:]
        tail.reverse()
        ids.extend(tail)
        return LeadOrder(ids, self.blanks, top=self._top)

    def _position_table(self) -> array[int] | dict[int, int]:
        positions = self._positions
        if positions is None:
            if self._top <= _DENSE_FACTOR * len(self.ids) + 1024:
                table = array("i", [-1]) * (self._top + 1)
                for position, lead_id in enumerate(self.ids):
                    table[lead_id] = position
                positions = table
            else:  # very sparse ids (never made by SQLite's rowids, but cheap to allow)
                positions = {lead_id: position for position, lead_id in enumerate(self.ids)}
            self._positions = positions
        return positions

    def position(self, lead_id: int) -> int:
        """Where ``lead_id`` is in this order, or -1 when it is not in it."""
        positions = self._position_table()
        if isinstance(positions, dict):
            return positions.get(lead_id, -1)
        return positions[lead_id] if 0 <= lead_id <= self._top else -1

    def subset(self, lead_ids: Sequence[int]) -> array[int]:
        """Those of ``lead_ids`` that are in this order, in this order (duplicates dropped).

        A small subset is sorted by position; a large one is marked in a
        bytearray and read off in one pass over the order, which is cheaper
        than sorting most of a million ids. The pass goes a slice at a time,
        so a background thread doing this never holds the interpreter lock
        for long (the window's thread waits for it to paint).
        """
        if len(lead_ids) * _SORT_FRACTION < len(self.ids):
            position = self.position
            known = {lead_id for lead_id in lead_ids if position(lead_id) >= 0}
            return array("q", sorted(known, key=position))
        keep: Callable[[int], object]
        if self._top > _DENSE_FACTOR * len(self.ids) + 1024:
            keep = set(lead_ids).__contains__
        else:
            marks = bytearray(self._top + 1)
            top = self._top
            for lead_id in lead_ids:
                if 0 <= lead_id <= top:
                    marks[lead_id] = 1
            keep = marks.__getitem__
        result: array[int] = array("q")
        for start in range(0, len(self.ids), SLICE):
            part = self.ids[start : start + SLICE]
            result.extend(compress(part, map(keep, part)))
        return result

    def row_in(self, shown: Sequence[int], lead_id: int) -> int:
        """The row of ``lead_id`` in ``shown`` (this order, or a subset of it in this order), or -1."""
        target = self.position(lead_id)
        if shown is self.ids:  # no filter: the row is the position
            return target
        if target < 0:
            return -1
        row = bisect_left(shown, target, key=self.position)
        return row if row < len(shown) and shown[row] == lead_id else -1
