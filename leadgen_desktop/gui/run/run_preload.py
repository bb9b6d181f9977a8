"""Load what a run's start needs once the window has painted, so Start does not pay for it.

A run's area stage starts a warm-up thread
(:func:`~leadgen_desktop.core.run.area_stage.warm_up`): it imports the public-suffix
code (tldextract with requests, urllib3, charset_normalizer, filelock: ~150 modules,
each also read again by PySide6's import hook) and builds the website reader and
mail-server checker. Done at Start, that thread held the interpreter lock in turn with
the window's first paints of the run: the window's longest pause of a 1,000-lead demo
run with All leads (100,000) on screen, 80-190 ms in the run's first 0.2 s
(``benchmarks/stall_probe.py --all-leads 100000 --profile``).

:class:`RunPreload` runs the same ``warm_up`` once, on a
:class:`~leadgen_desktop.gui.thread_task.ThreadTask`, right after the window's first
paint (long before a user has filled the form): a run's own warm-up then finds
everything loaded. Both are safe together: the suffix table and each part are built
once, under a lock, by whichever thread comes first (the other waits for it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QWidget

from leadgen_desktop.core.run.area_stage import warm_up
from leadgen_desktop.domain import Providers
from leadgen_desktop.gui.thread_task import ThreadTask

log = logging.getLogger(__name__)

WarmUp = Callable[[Providers | None], None]
"""What the preload runs on its thread (injectable for tests)."""


def warm_up_for_run(providers: Providers | None) -> None:
    """The run's own warm-up (suffix table, website parts); without providers, the suffix table alone."""
    if providers is None:
        from leadgen_desktop.domain.web_domains import registrable_domain

        registrable_domain("example.com")
        return
    warm_up(providers)


class PreloadWorker(QObject):
    """Runs the warm-up once on its :class:`ThreadTask`; never raises.

    Signals:
        done(): the warm-up ended (loaded, or failed and logged); the last thing ``run`` does.
    """

    done = Signal()

    def __init__(self, warm: WarmUp, providers: Providers | None) -> None:
        super().__init__()
        self._warm = warm
        self._providers = providers

    @Slot()
    def run(self) -> None:
        """Warm up; a failure is left to the run's own first use, which reports it."""
        try:
            self._warm(self._providers)
        except Exception:
            log.warning("Could not load a run's parts ahead of Start", exc_info=True)
        self.done.emit()


class RunPreload(QObject):
    """Starts the warm-up once, just after ``window``'s first paint (an event filter sees it).

    Signals:
        finished(): the preload's warm-up ended (GUI thread).
    """

    finished = Signal()

    def __init__(
        self,
        window: QWidget,
        providers: Callable[[], Providers | None],
        warm: WarmUp = warm_up_for_run,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._providers = providers
        self._warm = warm
        self._task: ThreadTask | None = None
        self.started = False  # the warm-up was started (it never starts twice)
        self.done = False  # and it has ended
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """At the window's first paint: stop watching and start right after it (a zero timer)."""
        if watched is self._window and event.type() in (QEvent.Type.UpdateRequest, QEvent.Type.Paint):
            self._window.removeEventFilter(self)
            QTimer.singleShot(0, self, self.start)
        return False

    @Slot()
    def start(self) -> None:
        """Start the warm-up on its thread (once; later calls do nothing)."""
        if self.started:
            return
        self.started = True
        self._window.removeEventFilter(self)
        worker = PreloadWorker(self._warm, self._providers())
        worker.done.connect(self._on_done)
        self._task = ThreadTask(worker, "run-preload", (worker.done,))
        self._task.start()

    def skip(self) -> None:
        """Never start the warm-up (nothing will run, e.g. a ``--smoke`` start); once started, no effect."""
        self.started = True
        self._window.removeEventFilter(self)

    @Slot()
    def _on_done(self) -> None:
        self.done = True
        self.finished.emit()

    def shutdown(self, timeout_ms: int) -> None:
        """Wait for the warm-up's thread (window closing); it cannot be interrupted, it is short."""
        if self._task is not None:
            self._task.join(timeout_ms)
            self._task = None
