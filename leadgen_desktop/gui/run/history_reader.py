"""Read the campaign history off the window's thread; only the newest request's answer counts.

When a run starts, the window lists the new campaign at once. Read on the window's
thread, the history's query (every campaign's lead count and latest job) waited for
the interpreter lock between its steps while the run's threads started: part of the
window's longest pause of a run with All leads (100,000) on screen
(``benchmarks/stall_probe.py --all-leads 100000 --profile``). :class:`HistoryReader`
reads it on a :class:`~leadgen_desktop.gui.thread_task.ThreadTask` and hands the
summaries back through a queued signal.

Answers can come back out of order (two reads in flight, or a read on the window's
thread in between): each request gets a number, and an answer is delivered only when
its request is still the newest (:meth:`HistoryReader.supersede` marks a newer
answer shown by other means). A read that fails is logged and changes nothing.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal, Slot

from leadgen_desktop.db.store import Store
from leadgen_desktop.gui.thread_task import ThreadTask, close_thread_connection

log = logging.getLogger(__name__)


class HistoryReadWorker(QObject):
    """Reads ``store.campaigns.summaries()`` once on its :class:`ThreadTask`; never raises.

    Signals:
        done(int request, object summaries): the list read (``None`` when the read
            failed); the last thing ``run`` does.
    """

    done = Signal(int, object)

    def __init__(self, repo: Store, request: int) -> None:
        super().__init__()
        self._repo = repo
        self._request = request

    @Slot()
    def run(self) -> None:
        """Read the summaries, close this thread's connection, answer."""
        summaries = None
        try:
            summaries = self._repo.campaigns.summaries()
        except Exception:
            log.warning("Could not read the campaign history", exc_info=True)
        close_thread_connection(self._repo.db)
        self.done.emit(self._request, summaries)


class HistoryReader(QObject):
    """Reads the history in the background, one :class:`ThreadTask` per request.

    Signals:
        answered(object summaries, object select_campaign_id): the newest request's
            list (``list[CampaignSummary]``) and the campaign it asked to select
            (``str`` or ``None``); GUI thread.
    """

    answered = Signal(object, object)

    def __init__(self, repo: Store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._repo = repo
        self._newest = 0
        self._waiting: dict[int, tuple[ThreadTask, str | None]] = {}

    @property
    def pending(self) -> bool:
        """True while the newest request's answer has not come back."""
        return self._newest in self._waiting

    @property
    def in_flight(self) -> int:
        """Requests whose answer has not come back yet (the newest and older ones)."""
        return len(self._waiting)

    def request(self, select_campaign_id: str | None = None) -> None:
        """Read the history now, on a thread; its answer supersedes every earlier request's."""
        self._newest += 1
        worker = HistoryReadWorker(self._repo, self._newest)
        worker.done.connect(self._on_done)
        task = ThreadTask(worker, "history-read", (worker.done,))
        self._waiting[self._newest] = (task, select_campaign_id)
        task.start()

    def supersede(self) -> None:
        """A newer history is being shown by other means: drop the answers still on their way."""
        self._newest += 1

    def shutdown(self, timeout_ms: int) -> None:
        """Wait for the reads still running (window closing); their answers are dropped."""
        self.supersede()
        for task, _select in list(self._waiting.values()):
            task.join(timeout_ms)
        self._waiting.clear()

    @Slot(int, object)
    def _on_done(self, request: int, summaries: object) -> None:
        # the task releases its thread itself once it has stopped (no join here: the window's
        # thread would wait for the reader to be scheduled again)
        entry = self._waiting.pop(request, None)
        if entry is None or request != self._newest or summaries is None:
            return
        self.answered.emit(summaries, entry[1])
