"""Fakes for tests: the external APIs (see ``api_server``) and a fake clock."""

from __future__ import annotations

from leadgen_desktop.domain import CancelToken
from tests.fakes.api_server import FakeApis, serve


class FakeTime:
    """A clock that only moves when something waits; records every wait.

    Use ``clock`` and ``wait`` as the injectable clock/sleep of ``RetryPolicy`` and
    ``RateLimiter``: waiting returns at once (True if the token is cancelled).
    """

    def __init__(self, start: float = 100.0) -> None:
        self.now = start
        self.waits: list[float] = []

    def clock(self) -> float:
        """The current fake time in seconds."""
        return self.now

    def wait(self, cancel: CancelToken, seconds: float) -> bool:
        """Record ``seconds``, advance the clock, return whether ``cancel`` is set."""
        self.waits.append(seconds)
        self.now += seconds
        return cancel.cancelled


__all__ = ["FakeApis", "FakeTime", "serve"]
