"""Cooperative cancellation that a signal handler may set: no lock a handler could ever wait on.

Ctrl-C reaches the command line as a SIGINT whose Python handler runs *on the main
thread, between two bytecodes of whatever that thread was doing*, possibly the
pipeline itself. So :meth:`CancelToken.cancel` must never take a lock the
interrupted code may hold (a ``threading.Lock`` in ``child()``, the ``Condition``
inside ``threading.Event.set()``: either deadlocks the handler on its own thread).
Here cancelling only sets a flag and releases :class:`Waker` latches; every
step is a single C-level operation (a list copy, a lock *release*), which Python
never interrupts to run a handler.

Waiting is done on a :class:`Waker`, a lock used as a binary semaphore: CPython
recomputes a lock's timeout correctly when a signal interrupts the wait, which
``queue.SimpleQueue.get(timeout=...)`` does not in Python 3.11 (a signal that
arrives as the timeout runs out turns it into a wait without end; see
``tests/unit/test_cancel_token.py``).
"""

from __future__ import annotations

import threading
from contextlib import suppress


class Cancelled(Exception):
    """Raised inside the pipeline when its cancel token has been set."""


class Waker:
    """A wake-up latch: one thread waits on it, any thread (or a signal handler) wakes it.

    Several wakes before a wait count as one; a wait consumes the wake. :meth:`wake`
    never blocks and takes no lock (it *releases* one), so it is safe in a signal
    handler that interrupted the waiting thread itself.
    """

    __slots__ = ("_latch",)

    def __init__(self) -> None:
        self._latch = threading.Lock()
        self._latch.acquire()  # held: a wait blocks until a wake releases it

    def wait(self, timeout: float | None = None) -> bool:
        """Block until woken (True) or until ``timeout`` seconds have passed (False)."""
        if timeout is None:
            return self._latch.acquire()
        return self._latch.acquire(timeout=max(timeout, 0.0))

    def wake(self) -> None:
        """Wake the waiter (now, or its next wait if it is not waiting yet)."""
        with suppress(RuntimeError):  # already woken and not waited for yet: one wake is enough
            self._latch.release()


class CancelToken:
    """Thread-safe and signal-safe cancel flag, checked between items and inside waits.

    ``cancel()`` may be called from any thread and from a signal handler. Waiters
    (``wait()``, and owners that registered a :class:`Waker` with :meth:`add_waker`)
    are woken at once.
    """

    def __init__(self) -> None:
        self._cancelled = False
        self._children: list[CancelToken] = []
        self._wakers: set[Waker] = set()

    def cancel(self) -> None:
        """Request cancellation (any thread, or a signal handler); children are cancelled too."""
        self._cancelled = True
        for waker in tuple(self._wakers):  # a snapshot: one C call, never interrupted halfway
            waker.wake()
        for child in tuple(self._children):
            child.cancel()

    def child(self) -> CancelToken:
        """A token cancelled with this one, that can also be cancelled on its own."""
        token = CancelToken()
        self._children.append(token)
        if self._cancelled:  # set before the append was seen by cancel(): cancel it here
            token.cancel()
        return token

    def add_waker(self, waker: Waker) -> None:
        """Wake ``waker`` when this token is cancelled (at once if it already is)."""
        self._wakers.add(waker)
        if self._cancelled:
            waker.wake()

    def remove_waker(self, waker: Waker) -> None:
        """Stop waking ``waker`` (unknown wakers are ignored)."""
        self._wakers.discard(waker)

    @property
    def cancelled(self) -> bool:
        """True once :meth:`cancel` has been called."""
        return self._cancelled

    def raise_if_cancelled(self) -> None:
        """Raise :class:`Cancelled` if cancellation was requested."""
        if self._cancelled:
            raise Cancelled

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; return True (early) if cancelled."""
        if self._cancelled:
            return True
        waker = Waker()
        self.add_waker(waker)
        try:
            if not self._cancelled:
                waker.wait(seconds)
            return self._cancelled
        finally:
            self.remove_waker(waker)
