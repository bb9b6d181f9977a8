"""The All-leads quick filter: the exact result at once when it is cheap, else the first rows now.

Every keystroke must repaint within 100 ms, at a million leads, whatever the
text. :meth:`LeadSearch.run` (GUI thread) picks the cheapest way:

1. **Few matches, three characters or more:** the trigram index answers
   exactly in a few milliseconds
   (:meth:`~leadgen_desktop.db.all_leads_queries.AllLeadsQueries.indexed_matches`).
2. **Up to** :data:`SYNC_SCAN_LIMIT` **leads:** one scan of every search key
   (:meth:`~leadgen_desktop.db.all_leads_queries.AllLeadsQueries.scan_matches`)
   is fast enough on the GUI thread.
3. **Otherwise** (a short or common text over many leads): the first matching
   rows of the current order are found now by testing the top of the order
   (a preview: a correct first screen, the rest still to come), and a
   :class:`ScanWorker` scans every key on its own thread, starting
   :data:`SCAN_DELAY_MS` later (after the preview is painted, and not at all
   for a keystroke typed before then). It keeps the normal priority: at a
   lower one, another busy process on the machine delayed the result by
   seconds, and the window's thread does not compete for the CPU while it
   waits for keystrokes, only for the interpreter lock, which the scan holds
   a few milliseconds at a time. Its result replaces the
   preview by appending rows (the preview is always its beginning), so the
   scroll position and the selection stay. A newer keystroke cancels the scan
   still running (SQLite stops within a few thousand rows).

The matches, in any case, are put in the current order by
:meth:`~leadgen_desktop.gui.tables.all_leads_order.LeadOrder.subset`.
"""

from __future__ import annotations

import logging
import threading
import time
from array import array
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from leadgen_desktop.db.all_leads_queries import AllLeadsQueries, SearchCancelled
from leadgen_desktop.gui.tables.all_leads_order import LeadOrder
from leadgen_desktop.gui.thread_task import ThreadTask, close_thread_connection

log = logging.getLogger(__name__)

INDEX_LIMIT = 20_000
"""Most candidates taken from the trigram index; more are cheaper to find by scanning."""
SYNC_SCAN_LIMIT = 20_000
"""Up to this many leads a full scan runs on the GUI thread (a few milliseconds)."""
PREVIEW_ROWS = 200
"""Rows the preview looks for (several screens)."""
PREVIEW_BUDGET = 0.03
"""Seconds the preview may spend testing the top of the order."""
PREVIEW_CHUNK = 500
"""Ids of the order tested per query by the preview."""
SCAN_DELAY_MS = 40
"""How long after a keystroke the background scan starts (the preview is painted first)."""


@dataclass(frozen=True, slots=True)
class SearchOutcome:
    """What to show now: ``shown`` lead ids in order; ``complete`` False while a scan still runs."""

    shown: array[int]
    complete: bool


class ScanWorker(QObject):
    """Scans every search key for one needle on its own thread and orders the matches.

    Signals:
        done(int generation, object shown): the lead ids matching, in the order given.
        stopped(): cancelled or failed (failures are logged); nothing to show.
    """

    done = Signal(int, object)
    stopped = Signal()

    def __init__(
        self,
        queries: AllLeadsQueries,
        generation: int,
        needle: str,
        order: LeadOrder,
        cancel: threading.Event,
    ) -> None:
        super().__init__()
        self._queries, self._generation, self._needle = queries, generation, needle
        self._order, self._cancel = order, cancel

    @Slot()
    def run(self) -> None:
        """Scan, order, then emit ``done`` or ``stopped`` (always exactly one, last)."""
        shown: array[int] | None = None
        try:
            matches = self._queries.scan_matches(self._needle, self._cancel)
            if not self._cancel.is_set():
                shown = self._order.subset(matches)
        except SearchCancelled:
            pass
        except Exception:
            log.exception("The All-leads search for a filter failed")
        close_thread_connection(self._queries.database)
        if shown is not None and not self._cancel.is_set():
            self.done.emit(self._generation, shown)
        else:
            self.stopped.emit()


class LeadSearch(QObject):
    """Finds the leads matching a filter; see the module docstring.

    Signals:
        completed(int generation, object shown): a background scan finished;
            ``shown`` is the complete result for that generation's needle.
    """

    completed = Signal(int, object)

    def __init__(self, queries: AllLeadsQueries, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._queries = queries
        self._tasks: list[ThreadTask] = []
        self._cancel = threading.Event()
        self._pending: tuple[int, str, LeadOrder] | None = None
        self._delay = QTimer(self)
        self._delay.setSingleShot(True)
        self._delay.timeout.connect(self._launch_scan)

    @property
    def scanning(self) -> bool:
        """True while a background scan whose result is still wanted waits to start or runs."""
        running = any(task.running for task in self._tasks) and not self._cancel.is_set()
        return self._pending is not None or running

    def run(self, generation: int, needle: str, order: LeadOrder) -> SearchOutcome:
        """The leads of ``order`` matching ``needle`` (a ``search_key``), exact or a preview."""
        self.cancel()
        exact = self._queries.indexed_matches(needle, INDEX_LIMIT)
        if exact is None and len(order) <= SYNC_SCAN_LIMIT:
            exact = self._queries.scan_matches(needle)
        if exact is not None:
            return SearchOutcome(order.subset(exact), complete=True)
        preview = self._preview(needle, order)
        self._start_scan(generation, needle, order)
        return SearchOutcome(preview, complete=False)

    def cancel(self) -> None:
        """Stop the background scan, if any (its result will not be delivered)."""
        self._delay.stop()
        self._pending = None
        self._cancel.set()

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Cancel and wait for every search thread (window closing)."""
        self.cancel()
        for task in self._tasks:
            task.join(timeout_ms)
        self._tasks.clear()

    def _preview(self, needle: str, order: LeadOrder) -> array[int]:
        """The matches among the first leads of ``order``: the result's beginning, exactly."""
        shown: array[int] = array("q")
        deadline = time.monotonic() + PREVIEW_BUDGET
        for start in range(0, len(order), PREVIEW_CHUNK):
            chunk = order.ids[start : start + PREVIEW_CHUNK]
            found = self._queries.matches_among(chunk, needle)
            shown.extend(lead_id for lead_id in chunk if lead_id in found)
            if len(shown) >= PREVIEW_ROWS or time.monotonic() > deadline:
                break
        return shown

    def _start_scan(self, generation: int, needle: str, order: LeadOrder) -> None:
        self._pending = (generation, needle, order)
        self._delay.start(SCAN_DELAY_MS)

    @Slot()
    def _launch_scan(self) -> None:
        if self._pending is None:
            return
        (generation, needle, order), self._pending = self._pending, None
        self._tasks = [task for task in self._tasks if task.running]
        self._cancel = threading.Event()
        worker = ScanWorker(self._queries, generation, needle, order, self._cancel)
        worker.done.connect(self._on_done)
        task = ThreadTask(worker, "all-leads-search", (worker.done, worker.stopped))
        self._tasks.append(task)
        task.start()

    @Slot(int, object)
    def _on_done(self, generation: int, shown: array[int]) -> None:
        self.completed.emit(generation, shown)
