"""Thread-safe, cancel-aware, adaptive client-side rate limiting, one limiter per provider.

Spacing. The limiter is a token bucket written in its "virtual scheduling" form
(GCRA): each caller reserves the next free slot under a lock, then waits outside the
lock until its slot comes. With ``burst=1`` this is plain minimum spacing of
``1 / rate`` seconds. Optional extra ``windows`` (``(count, seconds)``, e.g. Hunter's
500 requests per minute) are kept as a sliding log of reserved slots: a slot is only
handed out if the window ending at it holds fewer than ``count`` earlier slots.

Adaptation (after Picard's per-host ``webservice/ratecontrol.py``). The configured
rate is a ceiling. A rate-limit answer (:meth:`RateLimiter.on_rate_limited`)
multiplies the current rate by ``backoff`` (floored at ``min_rate``), throws away the
slots that were handed out at the old rate (their holders take a new one when they
wake) and starts a new *generation*; each success (:meth:`RateLimiter.on_success`)
adds ``recovery`` requests per second back, up to the ceiling (additive increase,
multiplicative decrease). Answers to requests whose slot was reserved in an older
generation are ignored: when a burst of requests sent at the old rate all come back
rate limited, that is one signal, not ten, and it halves the rate once.

``headroom`` spaces requests a fraction wider than ``rate`` (and windows a fraction
longer): the server counts *arrival* times, which jitter by a few milliseconds
after the client's wake-up; without headroom a client at exactly the documented
limit is over it for about every other request. :meth:`RateLimiter.for_provider`
uses :data:`DEFAULT_HEADROOM`; a limiter built directly defaults to none.

The clock and the wait are injectable so tests never sleep.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping

from leadgen_desktop.domain import Cancelled, CancelToken

DEFAULT_RATES: Mapping[str, float] = {
    "google_places": 10.0,
    "hunter": 15.0,
    "neverbounce": 5.0,
}
"""Conservative requests per second per provider (the ceilings)."""

DEFAULT_WINDOWS: Mapping[str, tuple[tuple[int, float], ...]] = {
    "hunter": ((500, 60.0),),  # apis.md 2: 15 req/s *and* 500 req/min per key
}
"""Longer limits per provider, as (requests, seconds) sliding windows."""

DEFAULT_HEADROOM = 0.05
"""Fraction by which :meth:`RateLimiter.for_provider` spaces requests wider than the rate."""

DEFAULT_BACKOFF = 0.5
"""Rate multiplier on a rate-limit answer (halve)."""

MIN_RATE_FRACTION = 1.0 / 16.0
"""Default floor of the rate, as a fraction of the ceiling (four halvings)."""

RECOVERY_FRACTION = 1.0 / 20.0
"""Default additive increase per success, as a fraction of the ceiling."""

Clock = Callable[[], float]
Wait = Callable[[CancelToken, float], bool]
"""Sleep up to N seconds; return True when cancelled (``CancelToken.wait`` semantics)."""


def token_wait(cancel: CancelToken, seconds: float) -> bool:
    """The default :data:`Wait`: ``cancel.wait(seconds)``."""
    return cancel.wait(seconds)


class RateLimiter:
    """Spaces requests to at most ``rate`` per second, allowing ``burst`` back to back.

    ``rate`` is the ceiling; the current rate drops on rate-limit answers and climbs
    back on successes. ``min_rate`` (default ceiling/16) is the floor, ``backoff`` the
    multiplier per back-off and ``recovery`` (default ceiling/20) the requests per
    second regained per success. All methods are safe to call from many threads.
    """

    def __init__(
        self,
        rate: float,
        *,
        burst: int = 1,
        clock: Clock = time.monotonic,
        wait: Wait = token_wait,
        min_rate: float | None = None,
        backoff: float = DEFAULT_BACKOFF,
        recovery: float | None = None,
        headroom: float = 0.0,
        windows: Iterable[tuple[int, float]] = (),
    ) -> None:
        _check_rate(rate)
        if burst < 1:
            raise ValueError("burst must be at least 1")
        if not 0.0 < backoff < 1.0:
            raise ValueError("backoff must be between 0 and 1")
        if not 0.0 <= headroom < 1.0:
            raise ValueError("headroom must be at least 0 and below 1")
        if min_rate is not None:
            _check_rate(min_rate)
        if recovery is not None and not recovery > 0:
            raise ValueError("recovery must be positive")
        self._windows: list[tuple[int, float, deque[float]]] = []
        for count, seconds in windows:
            if count < 1 or not seconds > 0:
                raise ValueError("a window needs a positive count and length")
            self._windows.append((count, seconds * (1.0 + headroom), deque(maxlen=count)))
        self._lock = threading.Lock()
        self._burst = burst
        self._clock = clock
        self._wait = wait
        self._backoff = backoff
        self._headroom = headroom
        self._min_rate_setting = min_rate
        self._recovery_setting = recovery
        self._local = threading.local()  # the generation of this thread's last slot
        self._generation = 0  # bumped by every back-off
        self._tat: float | None = None  # theoretical arrival time of the next request
        self._backoffs = 0
        self._set_ceiling(rate)

    @classmethod
    def for_provider(
        cls,
        provider: str,
        *,
        rate: float | None = None,
        burst: int = 1,
        clock: Clock = time.monotonic,
        wait: Wait = token_wait,
        headroom: float = DEFAULT_HEADROOM,
    ) -> RateLimiter:
        """A limiter with ``rate``, or the provider's default from :data:`DEFAULT_RATES`.

        The provider's :data:`DEFAULT_WINDOWS` apply too, and ``headroom`` keeps the
        server-side count under the limit despite scheduling jitter.
        """
        chosen = rate if rate is not None else DEFAULT_RATES.get(provider)
        if chosen is None:
            raise ValueError(f"no default rate for provider {provider!r}")
        return cls(
            chosen,
            burst=burst,
            clock=clock,
            wait=wait,
            headroom=headroom,
            windows=DEFAULT_WINDOWS.get(provider, ()),
        )

    # -- state ---------------------------------------------------------------------

    @property
    def rate(self) -> float:
        """Requests per second currently allowed (at most :attr:`ceiling`)."""
        with self._lock:
            return self._rate

    @property
    def ceiling(self) -> float:
        """The configured rate: recovery never goes above it."""
        with self._lock:
            return self._ceiling

    @property
    def min_rate(self) -> float:
        """The floor of the current rate."""
        with self._lock:
            return self._min_rate

    @property
    def backoffs(self) -> int:
        """How many times the limiter has slowed down."""
        with self._lock:
            return self._backoffs

    def set_rate(self, rate: float) -> None:
        """Change the configured rate (the ceiling) and go straight to it.

        Takes effect from the next reservation.
        """
        _check_rate(rate)
        with self._lock:
            self._set_ceiling(rate)

    def _set_ceiling(self, rate: float) -> None:
        self._ceiling = rate
        floor = self._min_rate_setting if self._min_rate_setting is not None else rate * MIN_RATE_FRACTION
        self._min_rate = min(floor, rate)
        self._step = (
            self._recovery_setting if self._recovery_setting is not None else rate * RECOVERY_FRACTION
        )
        self._apply(rate)

    def _apply(self, rate: float) -> None:
        self._rate = rate
        self._interval = (1.0 + self._headroom) / rate

    # -- feedback ------------------------------------------------------------------

    def _current(self) -> bool:
        """Whether this thread's last slot belongs to the current generation (lock held)."""
        generation: int | None = getattr(self._local, "generation", None)
        return generation is None or generation == self._generation

    def on_rate_limited(self) -> bool:
        """The provider answered "too many requests": slow down; True if the rate dropped.

        An answer to a request reserved before the last back-off is ignored (it was
        sent at the old rate and the limiter already reacted to that burst). Slots
        already handed out are withdrawn: their holders reserve again at the new rate.
        """
        with self._lock:
            if not self._current():
                return False
            self._generation += 1
            self._local.generation = self._generation
            self._backoffs += 1
            self._apply(max(self._min_rate, self._rate * self._backoff))
            now = self._clock()
            # An empty bucket: the next request waits one new interval, whatever the burst.
            self._tat = now + self._burst * self._interval
            return True

    def on_success(self) -> None:
        """The provider answered normally: regain ``recovery`` req/s, up to the ceiling.

        Successes of requests reserved before the last back-off do not count.
        """
        with self._lock:
            if self._rate < self._ceiling and self._current():
                self._apply(min(self._ceiling, self._rate + self._step))

    # -- reserving -----------------------------------------------------------------

    def _reserve(self) -> tuple[float, int]:
        """Reserve the next slot: (seconds to wait, generation). Holds the lock briefly."""
        with self._lock:
            now = self._clock()
            tat = now if self._tat is None else max(self._tat, now)
            start = max(now, tat - (self._burst - 1) * self._interval)
            for count, seconds, log in self._windows:
                if len(log) == count:
                    start = max(start, log[0] + seconds)
            for _, _, log in self._windows:
                log.append(start)
            self._tat = max(tat, start) + self._interval
            return start - now, self._generation

    def reserve(self) -> float:
        """Reserve the next slot; return how many seconds to wait before using it."""
        delay, generation = self._reserve()
        self._local.generation = generation
        return delay

    def acquire(self, cancel: CancelToken) -> float:
        """Block until a request may be sent; return the seconds waited.

        Waits happen outside the lock. If the limiter backed off while this caller
        waited, its slot (given at the old rate) is void and it reserves again.

        Raises :class:`~leadgen_desktop.domain.Cancelled` if ``cancel`` fires first.
        """
        cancel.raise_if_cancelled()
        waited = 0.0
        while True:
            delay, generation = self._reserve()
            if delay > 0:
                if self._wait(cancel, delay):
                    raise Cancelled
                waited += delay
            with self._lock:
                if generation == self._generation:
                    self._local.generation = generation
                    return waited


def _check_rate(rate: float) -> None:
    if not rate > 0:
        raise ValueError("rate must be positive")
