"""The window on a team database (PostgreSQL): everyone's jobs live, queueing, workers, lost connection.

:class:`TeamMonitor` reads the team's campaigns and workers on its own thread,
at most once a second (sooner when a job is queued or handed back: ``LISTEN``),
so the window's thread never waits on the server. A failed read is a lost
connection: the window shows a banner, stops reading on its own thread
(:attr:`HistoryPanel.offline`) and the monitor keeps trying; the first read
that works again clears the banner, and peewee's connections reconnect by
themselves (:meth:`Database.revive`).

:class:`TeamMode` wires it into the window: the history shows who ran each
campaign and which worker holds its job, the status bar lists the live
workers, and **Queue** stores the form's campaign as ``pending`` for the
workers (the write runs on a helper thread too).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QLabel, QMainWindow, QPushButton

from leadgen_desktop.core.jobs import Jobs
from leadgen_desktop.db.errors import StorageError
from leadgen_desktop.db.notifications import JobWakeups
from leadgen_desktop.db.records import CampaignSummary, WorkerRecord
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import CampaignConfig
from leadgen_desktop.settings import load_settings

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0
"""How often the team's jobs are read (a notification makes it sooner, never more than 10 times a second)."""
MIN_GAP_SECONDS = 0.1
LOST_TEXT = "Lost the connection to the team database ({detail}). Reconnecting…"


@dataclass(frozen=True, slots=True)
class TeamSnapshot:
    """What the team database holds right now, as the window shows it."""

    summaries: list[CampaignSummary]
    workers: list[WorkerRecord]


class TeamMonitor(QObject):
    """Reads the team's campaigns and workers on a daemon thread and reports them.

    Signals:
        snapshot(object): a :class:`TeamSnapshot` (only when it changed).
        connection_lost(str): a read failed; the message says why.
        connection_restored(): a read worked again after a failure.
    """

    snapshot = Signal(object)
    connection_lost = Signal(str)
    connection_restored = Signal()

    def __init__(
        self, repo: Store, parent: QObject | None = None, poll_seconds: float = POLL_SECONDS
    ) -> None:
        super().__init__(parent)
        self._repo = repo
        self._poll = poll_seconds
        self._stop = threading.Event()
        self._soon = threading.Event()
        self._wakeups = JobWakeups(repo.db, self._soon.set)
        self._thread: threading.Thread | None = None
        self.online = True
        self._last: TeamSnapshot | None = None

    def start(self) -> None:
        """Start reading (and listening for queued jobs)."""
        if self._thread is not None:
            return
        self._wakeups.start()
        self._thread = threading.Thread(target=self._loop, name="leadgen-team-monitor", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop reading; returns within about a second."""
        self._stop.set()
        self._soon.set()
        self._wakeups.stop()
        if self._thread is not None:
            self._thread.join(2.0)
            self._thread = None

    def poll_now(self) -> None:
        """Read again as soon as allowed (e.g. after this window queued a job)."""
        self._soon.set()

    def _loop(self) -> None:
        try:
            while not self._stop.is_set():
                self._read_once()
                self._soon.wait(self._poll)
                self._soon.clear()
                self._stop.wait(MIN_GAP_SECONDS)
        finally:
            self._repo.db.close()  # this thread's connection

    def _read_once(self) -> None:
        try:
            summaries = self._repo.campaigns.summaries(limit=500)
            workers = self._repo.workers.alive(self._repo.db.now())
        except StorageError as exc:
            if self.online:
                self.online = False
                self.connection_lost.emit(str(exc))
            return
        if not self.online:
            self.online = True
            self.connection_restored.emit()
        current = TeamSnapshot(summaries, workers)
        if current != self._last:
            self._last = current
            self.snapshot.emit(current)


def workers_text(workers: list[WorkerRecord]) -> str:
    """``Team: 2 workers — host:12 (ana) on job abc; host:13 (bo) idle``."""
    if not workers:
        return "Team database · no worker running (queued jobs wait)"
    parts = []
    for worker in workers:
        who = f"{worker.owner} ({worker.user})" if worker.user else worker.owner
        held = f"on {', '.join(worker.jobs)}" if worker.jobs else "idle"
        parts.append(f"{who} {held}")
    count = "1 worker" if len(workers) == 1 else f"{len(workers)} workers"
    return f"Team database · {count}: " + "; ".join(parts)


class TeamMode(QObject):
    """Everything the window does differently on a team database (see the module docstring).

    Signals:
        queued(str job_id): this window queued a campaign.
        queue_failed(str message): queueing failed (the message says why).
    """

    queued = Signal(str)
    queue_failed = Signal(str)

    def __init__(self, window: QMainWindow, repo: Store, queue_button: QPushButton) -> None:
        super().__init__(window)
        self._window = window
        self._repo = repo
        self._history = window.campaign_panel.history  # type: ignore[attr-defined]
        self.queue_button = queue_button
        self.monitor = TeamMonitor(repo, self)
        self.workers_label = QLabel(workers_text([]))
        self.workers_label.setObjectName("teamWorkers")
        window.statusBar().addPermanentWidget(self.workers_label)
        queue_button.setVisible(True)
        queue_button.clicked.connect(self.queue_campaign)
        self.monitor.snapshot.connect(self._on_snapshot)
        self.monitor.connection_lost.connect(self._on_lost)
        self.monitor.connection_restored.connect(self._on_restored)
        self.queued.connect(self._on_queued)
        self.queue_failed.connect(self._on_queue_failed)
        self.monitor.start()

    def close(self) -> None:
        """Stop the monitor (the window is closing)."""
        self.monitor.stop()

    @Slot(object)
    def _on_snapshot(self, snapshot: TeamSnapshot) -> None:
        self._history.show_summaries(snapshot.summaries)
        self.workers_label.setText(workers_text(snapshot.workers))

    @Slot(str)
    def _on_lost(self, message: str) -> None:
        self._history.offline = True
        self._window.show_banner(LOST_TEXT.format(detail=message), "error")  # type: ignore[attr-defined]
        self._window.statusBar().showMessage("Team database unreachable; reconnecting…")

    @Slot()
    def _on_restored(self) -> None:
        self._history.offline = False
        banner = self._window.run_overview.info_banner  # type: ignore[attr-defined]
        for index, message in reversed(list(enumerate(banner.messages()))):
            if message.text.startswith(LOST_TEXT.split("(")[0]):
                banner.dismiss(index)
        self._window.statusBar().showMessage("Reconnected to the team database", 5000)

    @Slot()
    def queue_campaign(self) -> None:
        """Store the form's campaign as pending for the workers (on a helper thread)."""
        form = self._window.campaign_panel.form  # type: ignore[attr-defined]
        config: CampaignConfig | None = form.config()
        if config is None:
            form.show_all_errors()
            return
        self.queue_button.setEnabled(False)
        threading.Thread(target=self._queue, args=(config,), name="leadgen-queue", daemon=True).start()

    def _queue(self, config: CampaignConfig) -> None:
        try:
            jobs = Jobs(self._repo, user=load_settings().user_name or None)
            _campaign, job_id = jobs.start(config, queued=True)
        except StorageError as exc:
            self.queue_failed.emit(str(exc))
        except Exception as exc:
            log.exception("Queueing a campaign failed")
            self.queue_failed.emit(f"{type(exc).__name__}: {exc}")
        else:
            self.queued.emit(job_id)
        finally:
            self._repo.db.close()

    @Slot(str)
    def _on_queued(self, job_id: str) -> None:
        self.queue_button.setEnabled(True)
        self._window.statusBar().showMessage(f"Queued job {job_id} for the workers", 5000)
        self.monitor.poll_now()

    @Slot(str)
    def _on_queue_failed(self, message: str) -> None:
        self.queue_button.setEnabled(True)
        self._window.show_banner(f"Could not queue the campaign: {message}", "error")  # type: ignore[attr-defined]
