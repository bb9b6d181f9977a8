"""Thread-safe, cancel-aware client-side rate limiting, one limiter per provider.

The limiter is a token bucket written in its "virtual scheduling" form (GCRA): each
caller reserves the next free slot under a lock, then waits outside the lock until
its slot comes. With ``burst=1`` this is plain minimum spacing of ``1 / rate``
seconds. The clock and the wait are injectable so tests never sleep.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

from leadgen_desktop.domain import Cancelled, CancelToken

DEFAULT_RATES: Mapping[str, float] = {
    "google_places": 10.0,
    "hunter": 15.0,
    "neverbounce": 5.0,
}
"""Conservative requests per second per provider."""

Clock = Callable[[], float]
Wait = Callable[[CancelToken, float], bool]
"""Sleep up to N seconds; return True when cancelled (``CancelToken.wait`` semantics)."""


def token_wait(cancel: CancelToken, seconds: float) -> bool:
    """The default :data:`Wait`: ``cancel.wait(seconds)``."""
    return cancel.wait(seconds)


class RateLimiter:
    """Spaces requests to at most ``rate`` per second, allowing ``burst`` back to back."""

    def __init__(
        self,
        rate: float,
        *,
        burst: int = 1,
        clock: Clock = time.monotonic,
        wait: Wait = token_wait,
    ) -> None:
        if not rate > 0:
            raise ValueError("rate must be positive")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self._lock = threading.Lock()
        self._interval = 1.0 / rate
        self._burst = burst
        self._clock = clock
        self._wait = wait
        self._tat: float | None = None  # theoretical arrival time of the next request

    @classmethod
    def for_provider(
        cls,
        provider: str,
        *,
        rate: float | None = None,
        burst: int = 1,
        clock: Clock = time.monotonic,
        wait: Wait = token_wait,
    ) -> RateLimiter:
        """A limiter with ``rate``, or the provider's default from :data:`DEFAULT_RATES`."""
        chosen = rate if rate is not None else DEFAULT_RATES.get(provider)
        if chosen is None:
            raise ValueError(f"no default rate for provider {provider!r}")
        return cls(chosen, burst=burst, clock=clock, wait=wait)

    @property
    def rate(self) -> float:
        """Requests per second currently allowed."""
        return 1.0 / self._interval

    def set_rate(self, rate: float) -> None:
        """Change the rate (takes effect from the next reservation)."""
        if not rate > 0:
            raise ValueError("rate must be positive")
        with self._lock:
            self._interval = 1.0 / rate

    def reserve(self) -> float:
        """Reserve the next slot; return how many seconds to wait before using it."""
        with self._lock:
            now = self._clock()
            tat = now if self._tat is None else max(self._tat, now)
            delay = max(0.0, tat - now - (self._burst - 1) * self._interval)
            self._tat = tat + self._interval
            return delay

    def acquire(self, cancel: CancelToken) -> float:
        """Block until a request may be sent; return the seconds waited.

        Raises :class:`~leadgen_desktop.domain.Cancelled` if ``cancel`` fires first.
        """
        cancel.raise_if_cancelled()
        delay = self.reserve()
        if delay > 0 and self._wait(cancel, delay):
            raise Cancelled
        return delay
