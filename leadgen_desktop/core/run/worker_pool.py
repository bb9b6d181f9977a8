"""The one core-side pool for background requests, and the inbox its owner waits on.

Every request a run sends in the background (a discovery page, an email search,
a verification; later tiles, Place Details and website fetches) is submitted
here under a *kind*. The pool runs at most ``limits[kind]`` of each kind at
once (and at most one per *lane*, e.g. per website host), on daemon threads it
starts when needed, and posts each result to the owner's :class:`Inbox`. The
owner (the pipeline thread) waits on the inbox, event-driven: a result, a
timer or a cancel wakes it; it never polls.

Requests run inside their ledger (:func:`~leadgen_desktop.domain.paying_into`),
so each paid attempt is written down before it is sent. :meth:`RequestPool.close`
stops the pool: queued requests are dropped (never sent) and handed back to the
owner; running ones are told to stop (their waits give up) and otherwise end by
their own deadline. The threads are daemons, so an abandoned request never keeps
the process alive; tests can :meth:`RequestPool.join` them.

The threads keep the OS priority of the thread that starts them. They hold the
interpreter lock while they run Python; at a lower priority (``nice``) a thread
descheduled by another busy process keeps holding it, and every other thread
of the process (the window's too) waits until the OS runs that thread again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from leadgen_desktop.domain import CancelToken, Ledger, Waker, paying_into

log = logging.getLogger(__name__)


class Inbox:
    """Messages for one owner thread: any thread posts, the owner waits on a :class:`Waker`.

    Posting never blocks and takes no lock, so a signal handler may post too (a
    cancel registers :attr:`waker` and wakes the owner the same way).
    """

    def __init__(self) -> None:
        self._messages: deque[object] = deque()
        self.waker = Waker()

    def post(self, message: object) -> None:
        """Add ``message`` and wake the owner."""
        self._messages.append(message)
        self.waker.wake()

    def next(self, timeout: float | None = None) -> object | None:
        """The next message; None when woken without one (a cancel) or after ``timeout`` seconds."""
        try:
            return self._messages.popleft()
        except IndexError:
            pass
        self.waker.wait(timeout)
        try:
            return self._messages.popleft()
        except IndexError:
            return None


@dataclass(frozen=True, slots=True, eq=False)
class Request:
    """A request handed to the pool: what kind, for what key, and the owner's own ``tag``."""

    kind: str
    key: object
    call: Callable[[CancelToken], object]
    ledger: Ledger | None = None
    lane: str | None = None
    tag: object = None


@dataclass(frozen=True, slots=True)
class Finished:
    """A request that came back: its value, or the exception it raised, as ``outcome``."""

    request: Request
    outcome: object

    @property
    def kind(self) -> str:
        """The request's kind."""
        return self.request.kind


@dataclass
class _KindQueue:
    queued: deque[Request] = field(default_factory=deque)
    threads: int = 0
    idle: int = 0


class RequestPool:
    """Runs requests on daemon threads, at most ``limits[kind]`` of a kind at once; results go to ``inbox``.

    ``stop`` is the token every request receives: the pool cancels it when closed
    (pass a child of the run's token, so a cancel stops the requests too).
    ``thread_done`` runs on each thread as it ends (the run closes the database
    connection its ledger opened there: a team database counts connections).
    """

    def __init__(
        self,
        limits: Mapping[str, int],
        inbox: Inbox,
        stop: CancelToken,
        name: str = "leadgen",
        thread_done: Callable[[], None] | None = None,
    ) -> None:
        self._limits = {kind: max(1, limit) for kind, limit in limits.items()}
        self._inbox = inbox
        self._thread_done = thread_done
        self.stop = stop
        self._name = name
        self._kinds = {kind: _KindQueue() for kind in self._limits}
        self._busy_lanes: set[str] = set()
        self._running: Counter[str] = Counter()
        self._threads: list[threading.Thread] = []
        self._changed = threading.Condition()
        self._closed = False

    def submit(self, request: Request) -> None:
        """Queue ``request``; its :class:`Finished` is posted to the inbox when it returns.

        Raises:
            RuntimeError: the pool is closed.
            KeyError: the pool has no limit for this kind.
        """
        queue = self._kinds[request.kind]
        with self._changed:
            if self._closed:
                raise RuntimeError("the request pool is closed")
            queue.queued.append(request)
            # a thread per request no idle thread can take yet (an idle one stays idle until it wakes)
            if len(queue.queued) > queue.idle and queue.threads < self._limits[request.kind]:
                queue.threads += 1
                thread = threading.Thread(
                    target=self._work,
                    args=(request.kind,),
                    name=f"{self._name}-{request.kind}-{queue.threads}",
                    daemon=True,
                )
                self._threads.append(thread)
                thread.start()
            self._changed.notify_all()

    def running(self, kind: str | None = None) -> int:
        """Requests being sent right now (of ``kind``, or of every kind)."""
        with self._changed:
            return self._running[kind] if kind is not None else sum(self._running.values())

    def close(self) -> list[Request]:
        """Stop: no new requests, queued ones are dropped and returned, running ones are told to stop."""
        with self._changed:
            if self._closed:
                return []
            self._closed = True
            dropped = [request for queue in self._kinds.values() for request in queue.queued]
            for queue in self._kinds.values():
                queue.queued.clear()
            self._changed.notify_all()
        self.stop.cancel()
        return dropped

    def join(self, timeout: float) -> bool:
        """Wait (up to ``timeout`` seconds) until every thread has ended; True when they all did (tests)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            threads = list(self._threads)
        for thread in threads:
            thread.join(max(deadline - time.monotonic(), 0.0))
        return not any(thread.is_alive() for thread in threads)

    # -- the threads ------------------------------------------------------------------------

    def _work(self, kind: str) -> None:
        try:
            while (request := self._take(kind)) is not None:
                try:
                    with paying_into(request.ledger):
                        outcome: object = request.call(self.stop)
                except BaseException as exc:  # noqa: BLE001 - handed to the owner, who decides
                    outcome = exc
                with self._changed:
                    self._running[kind] -= 1
                    if request.lane is not None:
                        self._busy_lanes.discard(request.lane)
                    self._changed.notify_all()
                self._inbox.post(Finished(request, outcome))
        finally:
            if self._thread_done is not None:  # e.g. close the database connection the ledger used here
                try:
                    self._thread_done()
                except Exception:
                    log.warning("Could not clean up after a request thread", exc_info=True)

    def _take(self, kind: str) -> Request | None:
        """The next request of ``kind`` whose lane is free; None once the pool is closed."""
        queue = self._kinds[kind]
        with self._changed:
            while True:
                if self._closed:
                    queue.threads -= 1
                    return None
                for request in queue.queued:
                    if request.lane is None or request.lane not in self._busy_lanes:
                        queue.queued.remove(request)
                        if request.lane is not None:
                            self._busy_lanes.add(request.lane)
                        self._running[kind] += 1
                        return request
                queue.idle += 1
                self._changed.wait()
                queue.idle -= 1
