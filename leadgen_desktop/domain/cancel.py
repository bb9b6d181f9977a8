"""Cooperative cancellation: a thread-safe token checked between items and inside waits."""

from __future__ import annotations

import threading


class Cancelled(Exception):
    """Raised inside the pipeline when its cancel token has been set."""


class CancelToken:
    """Thread-safe cancel flag, checked between items and inside waits."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._children: list[CancelToken] = []

    def cancel(self) -> None:
        """Request cancellation (callable from any thread); children are cancelled too."""
        self._event.set()
        with self._lock:
            children = list(self._children)
        for child in children:
            child.cancel()

    def child(self) -> CancelToken:
        """A token cancelled with this one, that can also be cancelled on its own."""
        token = CancelToken()
        with self._lock:
            self._children.append(token)
        if self.cancelled:
            token.cancel()
        return token

    @property
    def cancelled(self) -> bool:
        """True once :meth:`cancel` has been called."""
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        """Raise :class:`Cancelled` if cancellation was requested."""
        if self._event.is_set():
            raise Cancelled

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; return True (early) if cancelled."""
        return self._event.wait(max(seconds, 0.0))
