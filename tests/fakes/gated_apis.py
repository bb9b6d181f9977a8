"""The fake APIs with a gate: after the first few NeverBounce checks, answers wait until the test opens it.

A test that must act *while* a run is under way (refuse a second process, SIGTERM a
worker, cut its database connection) closes the gate, waits for the run to reach the
point it needs, acts, and opens the gate: the run cannot finish in between, however
slowly the machine runs. The fixture opens the gate at teardown, so no answer waits
for ever.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from tests.fakes.api_server import FakeApis, FakeResponse, route

GATE_TIMEOUT = 60.0
"""Longest a held answer waits (a test that forgot to open the gate still ends)."""


class GatedApis(FakeApis):
    """:class:`FakeApis` whose NeverBounce answers past ``let_through`` wait for :attr:`gate`."""

    def __init__(self, let_through: int = 6, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.gate = threading.Event()
        self.gate.set()  # open until a test closes it
        self._let_through = let_through

    def close_gate(self, let_through: int) -> None:
        """Hold every NeverBounce answer after the next ``let_through``."""
        with self._lock:
            self._let_through = let_through
        self.gate.clear()

    def handle(
        self, method: str, path: str, query: Mapping[str, str], headers: Mapping[str, str], body: bytes
    ) -> FakeResponse:
        if route(path) == "neverbounce" and not self.gate.is_set():
            with self._lock:
                self._let_through -= 1
                held = self._let_through < 0
            if held:
                self.gate.wait(GATE_TIMEOUT)
        return super().handle(method, path, query, headers, body)
