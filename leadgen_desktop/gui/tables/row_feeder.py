"""Feeds batches of stored leads into the lead table a few milliseconds at a time.

The worker sends stored leads in batches (a resumed job sends every lead it
already had in one). Building a row's cells costs Python time on the GUI
thread, and while a run is going that thread also waits for the GIL, so one
large batch appended at once stalls the window. :class:`RowFeeder` queues the
batches and appends them in slices sized to fit a time budget, a few
milliseconds apart: each slice is one ``append_rows`` (one ``beginInsertRows``),
and the slice size follows the measured cost of the previous one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, QTimer, Slot

from leadgen_desktop.db.records import LeadRecord
from leadgen_desktop.gui.tables.results_model import LeadTableModel

SLICE_SECONDS = 0.004
"""Time budget for appending one slice of rows."""
SLICE_INTERVAL_MS = 10
"""Pause between two slices, so timers, input and painting run in between."""
FIRST_SLICE_ROWS = 32
"""Rows appended in the first slice, before any cost has been measured."""
MAX_SLICE_ROWS = 1000
"""Upper bound of a slice, whatever the measured cost (a job has at most 1,000 leads)."""


class RowFeeder(QObject):
    """Queues leads for a :class:`LeadTableModel` and appends them in timed slices.

    ``feed`` queues and returns at once; a timer appends one slice every
    ``SLICE_INTERVAL_MS`` until the queue is empty (a zero-interval timer
    starves other timers: Qt may fire it again before them). ``flush`` appends the
    rest now (a run has finished); ``clear`` drops the queue (the table shows
    another job).

    Signals: none (the model's own signals report the rows).
    """

    def __init__(
        self,
        model: LeadTableModel,
        parent: QObject | None = None,
        slice_seconds: float = SLICE_SECONDS,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        super().__init__(parent)
        self._model = model
        self._slice_seconds = slice_seconds
        self._clock = clock
        self._queue: list[LeadRecord] = []
        self._slice_rows = FIRST_SLICE_ROWS
        self._timer = QTimer(self)
        self._timer.setInterval(SLICE_INTERVAL_MS)
        self._timer.timeout.connect(self._append_slice)

    @property
    def pending(self) -> int:
        """Leads queued but not in the model yet."""
        return len(self._queue)

    @property
    def slice_rows(self) -> int:
        """How many rows the next slice appends."""
        return self._slice_rows

    def feed(self, records: Sequence[LeadRecord]) -> None:
        """Queue ``records``; they reach the model over the next event-loop turns."""
        if not records:
            return
        self._queue.extend(records)
        if not self._timer.isActive():
            self._timer.start()

    def flush(self) -> None:
        """Append everything still queued now."""
        self._timer.stop()
        queued, self._queue = self._queue, []
        if queued:
            self._model.append_rows(queued)

    def clear(self) -> None:
        """Drop the queue without appending it."""
        self._timer.stop()
        self._queue = []

    @Slot()
    def _append_slice(self) -> None:
        count = min(self._slice_rows, len(self._queue))
        chunk = self._queue[:count]
        del self._queue[:count]
        started = self._clock()
        self._model.append_rows(chunk)
        elapsed = self._clock() - started
        if count and elapsed > 0:
            fitting = round(count * self._slice_seconds / elapsed)
            self._slice_rows = max(1, min(MAX_SLICE_ROWS, fitting))
        if not self._queue:
            self._timer.stop()
