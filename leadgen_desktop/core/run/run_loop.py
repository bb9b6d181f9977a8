"""The pipeline thread's one wait: a request coming back, a timer or a cancel wakes it; nothing polls.

The run's requests come back through an :class:`~leadgen_desktop.core.run.worker_pool.Inbox`;
:class:`RunLoop` hands each to the handler of its kind. Between messages the
thread sleeps on the inbox's :class:`~leadgen_desktop.domain.Waker`, which three
things release: a request posting its result, the next timer falling due (the
job's heartbeat; the cache check of leads waiting on another run's lookup), and
a cancel (the token wakes it directly, also from a SIGINT handler that
interrupted this very wait). So a Ctrl-C is seen at once, and an idle run costs
no CPU.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from leadgen_desktop.core.run.worker_pool import Finished, Inbox
from leadgen_desktop.domain import CancelToken

log = logging.getLogger(__name__)

Handler = Callable[[Finished], None]


@dataclass
class _Timer:
    interval: float
    action: Callable[[], None]
    active: Callable[[], bool]
    last: float


class RunLoop:
    """Dispatches finished requests by kind and runs timers, on the thread that calls it."""

    def __init__(
        self, inbox: Inbox, cancel: CancelToken, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._inbox, self._cancel, self._clock = inbox, cancel, clock
        self._handlers: dict[str, Handler] = {}
        self._timers: list[_Timer] = []
        cancel.add_waker(inbox.waker)

    def on(self, kind: str, handler: Handler) -> None:
        """Hand finished requests of ``kind`` to ``handler``."""
        self._handlers[kind] = handler

    def every(
        self, seconds: float, action: Callable[[], None], when: Callable[[], bool] = lambda: True
    ) -> None:
        """Run ``action`` every ``seconds`` while ``when()`` is true (checked at each wake)."""
        self._timers.append(_Timer(seconds, action, when, self._clock()))

    def serve(self, until: Callable[[], bool]) -> None:
        """Handle what comes back until ``until()`` is true.

        Raises:
            Cancelled: at once when the run is cancelled (also while waiting).
            Whatever a handler raises (the run decides what a failure means).
        """
        while True:
            self._cancel.raise_if_cancelled()
            self._run_timers()
            if until():
                return
            message = self._inbox.next(self._next_timer_in())
            if isinstance(message, Finished):
                self._dispatch(message)

    def settle(
        self, pending: Callable[[], bool], timeout: float, wait_while: Callable[[], bool] | None = None
    ) -> None:
        """Handle what is back, and what comes back within ``timeout`` seconds while ``pending()``.

        For a run that is ending: a handler's error is logged and skipped, and a
        cancel ends the wait (``timeout`` 0 handles only what is already back),
        except while ``wait_while()`` (what is sure to come back soon).
        """
        deadline = self._clock() + timeout

        def give_up() -> bool:
            return self._cancel.cancelled and not (wait_while is not None and wait_while())

        while pending():
            remaining = deadline - self._clock()
            message = self._inbox.next(0.0 if remaining <= 0 or give_up() else remaining)
            if message is None:
                if self._clock() >= deadline or give_up():
                    return
                continue
            if isinstance(message, Finished):
                try:
                    self._dispatch(message)
                except Exception:
                    log.debug("Ignored the failure of a request settled at the end of a run", exc_info=True)

    def close(self) -> None:
        """Stop being woken by the cancel token."""
        self._cancel.remove_waker(self._inbox.waker)

    def _dispatch(self, message: Finished) -> None:
        self._handlers[message.kind](message)

    def _run_timers(self) -> None:
        now = self._clock()
        for timer in self._timers:
            if now - timer.last >= timer.interval and timer.active():
                timer.last = now
                timer.action()

    def _next_timer_in(self) -> float | None:
        """Seconds until the next active timer is due (None: no timer, wait for a message)."""
        now = self._clock()
        due = [timer.last + timer.interval - now for timer in self._timers if timer.active()]
        return max(min(due), 0.0) if due else None
