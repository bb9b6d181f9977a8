"""One request at a time per host, across every thread that reads websites.

The pipeline crawls many sites at once from a thread pool; two leads may share
a website, and one site spans a few pages. Politeness asks that a host never
sees two of our requests at the same time, so each request holds its host's
gate from sending to the last byte. Waiting for a gate notices a cancel within
:data:`~leadgen_desktop.net.cancellable.POLL_SECONDS`.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from leadgen_desktop.domain import CancelToken
from leadgen_desktop.net.cancellable import POLL_SECONDS


@dataclass
class _Gate:
    lock: threading.Lock = field(default_factory=threading.Lock)
    users: int = 0


class HostGate:
    """Per-host mutual exclusion, shared by all threads of a crawler (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._gates: dict[str, _Gate] = {}

    def users(self, host: str) -> int:
        """Threads holding or waiting for ``host``'s gate right now (for diagnostics and tests)."""
        with self._lock:
            gate = self._gates.get(host.lower().rstrip("."))
            return gate.users if gate is not None else 0

    @contextlib.contextmanager
    def hold(self, host: str, cancel: CancelToken) -> Iterator[None]:
        """Hold ``host``'s gate for the body of the ``with``; raises ``Cancelled`` while waiting."""
        key = host.lower().rstrip(".")
        with self._lock:
            gate = self._gates.setdefault(key, _Gate())
            gate.users += 1
        try:
            while not gate.lock.acquire(timeout=POLL_SECONDS):
                cancel.raise_if_cancelled()
            try:
                cancel.raise_if_cancelled()
                yield
            finally:
                gate.lock.release()
        finally:
            with self._lock:
                gate.users -= 1
                if gate.users == 0:
                    del self._gates[key]
