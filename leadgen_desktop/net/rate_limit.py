"""Thread-safe, cancel-aware client-side rate limiting that finds a provider's real limit.

Spacing. A token bucket in its "virtual scheduling" form (GCRA): each caller reserves
the next free slot under a lock, then waits outside the lock until its slot comes; with
``burst=1`` that is a minimum spacing of ``1 / rate``. Extra ``windows`` (``(count,
seconds)``, e.g. Hunter's 500 per minute) are sliding logs: a slot is handed out only if
the window ending at it holds fewer than ``count`` slots. ``burst_window`` replaces the
spacing by such a log at the current rate, at most ``floor(rate * burst_window)`` in any
``burst_window``: a documented "N per second" read literally, so a page's lookups go out
together. ``headroom`` spaces a fraction wider (the server counts arrivals, which jitter).

Learning: additive increase, multiplicative decrease (after Picard's per-host rate
control and TCP). A rate-limit answer (:meth:`RateLimiter.on_rate_limited`) multiplies
the rate by ``backoff``, withdraws the slots handed out at the old rate (their holders
reserve again) and starts a new *generation*: answers to older requests are ignored, so a
burst of refusals is one signal. A success (:meth:`RateLimiter.on_success`) adds
``recovery`` back, up to the last rate known to be clean. A limiter whose ``ceiling`` is
above its starting rate (a provider whose limit is not published) also *probes*: a
success of a request that had to wait for its slot (the limiter was the bottleneck, not
the work) adds ``recovery`` up to the ceiling; after a refusal it takes the rate the
server let through in the last second (counted from the slots used, which may be far
below the rate allowed when work comes in bursts) as the limit, backs off from that, and
climbs fast back to it and only slowly past it. Its callers look every few
milliseconds whether the climb moved their slots closer. It keeps its rate as a count (at
most ``floor(rate)`` slots in any second) and spaces the slots ``PROBE_SPREAD`` times closer
than the rate: a burst of work goes out together, as far as the server's window allows,
and a refusal (answered before the work) still stops a burst too big for the unknown limit
after a slot or two. What was learned is
:attr:`RateLimiter.learned`; ``on_learned`` hears of every change worth remembering
(:mod:`leadgen_desktop.net.rate_memory`), and a limiter built from a :class:`LearnedRate`
starts where the last run ended. The numbers are in :mod:`leadgen_desktop.net.rate_defaults`.

The clock and the wait are injectable so tests never sleep.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Self

from leadgen_desktop.domain import Cancelled, CancelToken
from leadgen_desktop.net.rate_defaults import (
    BURST_WINDOWS,
    DEFAULT_BACKOFF,
    DEFAULT_HEADROOM,
    DEFAULT_RATES,
    DEFAULT_WINDOWS,
    MIN_RATE_FRACTION,
    PER_SECOND,
    PROBE_BACKOFF,
    PROBE_CEILINGS,
    PROBE_CREEP,
    PROBE_SPREAD,
    PROBE_STEP,
    PROBE_WAIT_STEP,
    RECOVERY_FRACTION,
    RESPACE,
)

Clock = Callable[[], float]
Wait = Callable[[CancelToken, float], bool]
"""Sleep up to N seconds; return True when cancelled (``CancelToken.wait`` semantics)."""


def token_wait(cancel: CancelToken, seconds: float) -> bool:
    """The default :data:`Wait`: ``cancel.wait(seconds)``."""
    return cancel.wait(seconds)


@dataclass(frozen=True, slots=True)
class LearnedRate:
    """What a limiter learned about a provider: a rate to start at, and where the limit was met.

    ``rate`` is a rate answers were clean at; ``limit`` the rate of the last
    rate-limit answer (None while none came).
    """

    rate: float
    limit: float | None = None


class RateLimiter:
    """Spaces requests to at most ``rate`` per second, allowing ``burst`` back to back.

    ``rate`` is the starting rate and ``ceiling`` (default: ``rate``) the most the
    rate may climb to; the current rate drops on rate-limit answers and climbs on
    successes (see the module docstring). ``min_rate`` (default rate/16) is the
    floor, ``backoff`` the multiplier per back-off, ``recovery`` the requests per
    second regained per success (default rate/20, or ``PROBE_STEP`` when probing).
    ``limit`` is a limit already met (from a :class:`LearnedRate`); ``burst_window``
    and ``wait_step`` are described in the module docstring and :meth:`acquire`.
    ``on_learned`` is called (outside the lock) when :attr:`learned` moved enough to
    be worth remembering. All methods are safe to call from many threads.
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
        ceiling: float | None = None,
        limit: float | None = None,
        burst_window: float | None = None,
        wait_step: float | None = None,
        on_learned: Callable[[LearnedRate], None] | None = None,
    ) -> None:
        _check_rate(rate)
        if burst < 1:
            raise ValueError("burst must be at least 1")
        if not 0.0 < backoff < 1.0:
            raise ValueError("backoff must be between 0 and 1")
        if not 0.0 <= headroom < 1.0:
            raise ValueError("headroom must be at least 0 and below 1")
        for value in (min_rate, ceiling, limit):
            if value is not None:
                _check_rate(value)
        if recovery is not None and not recovery > 0:
            raise ValueError("recovery must be positive")
        if burst_window is not None and not burst_window > 0:
            raise ValueError("burst_window must be positive")
        if wait_step is not None and not wait_step > 0:
            raise ValueError("wait_step must be positive")
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
        self._burst_window = burst_window
        self._recent: deque[float] = deque()  # slots handed out in the last second or window, in order
        self._span = max(PER_SECOND, burst_window or 0.0) * (1.0 + headroom)  # how far back _recent goes
        self._on_learned = on_learned
        self._local = threading.local()  # the generation of this thread's last slot, and if it waited
        self._generation = 0  # bumped by every back-off: answers to older requests are stale
        self._epoch = 0  # bumped by every back-off and re-spacing: slots handed out before are void
        self._tat: float | None = None  # theoretical arrival time of the next request
        self._backoffs = 0
        self._probing = ceiling is not None and ceiling > rate
        self._set_ceiling(ceiling if ceiling is not None and self._probing else rate, base=rate)
        self._clean = rate if self._probing else self._ceiling  # any success recovers up to here
        self._limit = limit  # the rate of the last rate-limit answer
        self._apply(rate)
        self._spaced_at = rate  # the rate the slots now handed out were spaced at
        # A probing limiter's rate climbs while callers wait: they look again every wait_step.
        self._wait_step = wait_step if wait_step is not None or not self._probing else PROBE_WAIT_STEP
        self._reported = self._learned()

    @classmethod
    def for_provider(
        cls,
        provider: str,
        *,
        rate: float | None = None,
        learned: LearnedRate | None = None,
        burst: int = 1,
        clock: Clock = time.monotonic,
        wait: Wait = token_wait,
        headroom: float = DEFAULT_HEADROOM,
        on_learned: Callable[[LearnedRate], None] | None = None,
    ) -> Self:
        """The provider's limiter: ``rate`` fixed by the user, else learned or default, and probing.

        A ``rate`` given (a user setting) is used as it is: no probing above it. Without
        one, the limiter starts at ``learned.rate`` (what an earlier run found) or the
        provider's ``DEFAULT_RATES``, and providers in ``PROBE_CEILINGS`` probe
        upward. The provider's ``DEFAULT_WINDOWS`` and ``BURST_WINDOWS`` apply
        too, and ``headroom`` keeps the server-side count under the limit despite
        scheduling jitter.
        """
        default = DEFAULT_RATES.get(provider)
        if default is None:
            raise ValueError(f"no default rate for provider {provider!r}")
        ceiling = None if rate is not None else PROBE_CEILINGS.get(provider, default)
        start = rate if rate is not None else default
        limit = None
        if rate is None and learned is not None:
            start = min(learned.rate, ceiling or default)
            limit = learned.limit
        return cls(
            start,
            burst=burst,
            clock=clock,
            wait=wait,
            headroom=headroom,
            windows=DEFAULT_WINDOWS.get(provider, ()),
            ceiling=ceiling,
            limit=limit,
            burst_window=BURST_WINDOWS.get(provider),
            on_learned=on_learned,
        )

    # -- state ---------------------------------------------------------------------

    @property
    def rate(self) -> float:
        """Requests per second currently allowed (at most :attr:`ceiling`)."""
        with self._lock:
            return self._rate

    @property
    def interval(self) -> float:
        """Seconds between two requests at the current rate, headroom included."""
        with self._lock:
            return self._interval

    @property
    def ceiling(self) -> float:
        """The most the rate may climb to."""
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

    @property
    def probing(self) -> bool:
        """Whether the rate may climb above where it started (the limit is to be found)."""
        with self._lock:
            return self._probing

    @property
    def learned(self) -> LearnedRate:
        """What this limiter knows now: a clean rate to start at next time, and the limit met."""
        with self._lock:
            return self._learned()

    def _learned(self) -> LearnedRate:
        start = self._rate if self._limit is None else min(self._rate, self._limit)
        return LearnedRate(max(start, self._min_rate), self._limit)

    def set_rate(self, rate: float, *, min_rate: float | None = None) -> None:
        """Change the configured rate (the ceiling) and go straight to it; probing stops.

        ``min_rate`` is the floor back-offs stop at until the next change (default: the
        constructor's, else ``rate`` / 16). Takes effect from the next reservation.
        """
        _check_rate(rate)
        if min_rate is not None:
            _check_rate(min_rate)
        with self._lock:
            self._probing = False
            self._set_ceiling(rate, base=rate)
            if min_rate is not None:
                self._min_rate = min(min_rate, rate)
            self._clean = rate
            self._apply(rate)

    def _set_ceiling(self, ceiling: float, *, base: float) -> None:
        """Set the ceiling; the default floor and step follow ``base`` (the starting rate)."""
        self._ceiling = ceiling
        floor = self._min_rate_setting if self._min_rate_setting is not None else base * MIN_RATE_FRACTION
        self._min_rate = min(floor, base)
        default_step = PROBE_STEP if self._probing else base * RECOVERY_FRACTION
        self._step = self._recovery_setting if self._recovery_setting is not None else default_step

    def _apply(self, rate: float) -> None:
        self._rate = rate
        self._interval = (1.0 + self._headroom) / rate
        # A probing limiter's slots are closer than its rate; the count per second keeps the rate.
        self._spacing = self._interval / PROBE_SPREAD if self._probing else self._interval

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
            self._epoch += 1
            self._local.generation = self._generation
            self._backoffs += 1
            # What the server let through: the slots used in the second before the refused one
            # (far below the rate allowed when the work came in bursts). A probing limiter backs
            # off from that count, gently as it is close; the others halve their rate.
            refused = getattr(self._local, "slot", self._clock())  # when the refused one went
            since = refused - PER_SECOND * (1.0 + self._headroom)  # its second, and some jitter
            used = sum(1 for start in self._recent if since < start <= refused)
            self._limit = min(self._rate, max(used - 1, 1) / PER_SECOND)
            slower = self._limit * PROBE_BACKOFF if self._probing else self._rate * self._backoff
            self._apply(max(self._min_rate, slower))
            # An empty bucket: the next request waits one new interval, whatever the burst. A
            # probing limiter's window also counts the slots just used: at the new rate, none
            # goes out before the server's count of the last second has room for it.
            self._respace(self._burst * self._interval)
            if self._probing:
                self._clean = self._rate
            learned = self._report()
        self._tell(learned)
        return True

    def on_success(self) -> None:
        """The provider answered normally: recover, or probe upward (see the module docstring).

        Successes of requests reserved before the last back-off do not count.
        """
        with self._lock:
            if self._rate >= self._ceiling or not self._current():
                return
            if self._rate < self._clean:
                self._apply(min(self._clean, self._rate + self._step))
            elif getattr(self._local, "waited", True):
                rate = self._rate + self._step
                if self._limit is not None:  # fast up to the limit met, then a creep in time
                    creep = self._rate + PROBE_CREEP * self._limit / self._rate  # answers come at ~rate/s
                    rate = min(rate, self._limit) if self._rate < self._limit else creep
                self._apply(min(self._ceiling, rate))
                if self._rate >= self._spaced_at * RESPACE:  # the waiting slots are far too wide now
                    self._epoch += 1
                    self._respace(self._spacing)
            learned = self._report()
        self._tell(learned)

    def _respace(self, gap: float) -> None:
        """Withdraw the slots not used yet; the next one is ``gap`` seconds away (lock held)."""
        now = self._clock()
        self._tat = now + gap
        while self._recent and self._recent[-1] > now:
            self._recent.pop()
        self._spaced_at = self._rate

    def _report(self) -> LearnedRate | None:
        """The learned rate if it moved enough to be remembered (lock held)."""
        learned = self._learned()
        before = self._reported
        moved = learned.limit != before.limit or not (before.rate / 1.1 <= learned.rate <= before.rate * 1.1)
        if not moved or self._on_learned is None:
            return None
        self._reported = learned
        return learned

    def _tell(self, learned: LearnedRate | None) -> None:
        if learned is not None and self._on_learned is not None:
            self._on_learned(learned)

    # -- reserving -----------------------------------------------------------------

    def _reserve(self) -> tuple[float, int]:
        """Reserve the next slot: (seconds to wait, epoch). Holds the lock briefly."""
        with self._lock:
            now = self._clock()
            tat = now if self._tat is None else max(self._tat, now)
            if self._burst_window is None:
                start = max(now, tat - (self._burst - 1) * self._spacing)
            else:  # handed out in order; the window below is the only limit
                start = max(tat, self._recent[-1]) if self._recent else tat
            guard = self._burst_window or (PER_SECOND if self._probing else None)
            if guard is not None:  # at most floor(rate * window) slots in any window
                count = max(1, math.floor(self._rate * guard))
                if len(self._recent) >= count:  # the whole window after the count-th last, headroom included
                    start = max(start, self._recent[-count] + guard * (1.0 + self._headroom))
            for count, seconds, log in self._windows:
                if len(log) == count:
                    start = max(start, log[0] + seconds)
            for _, _, log in self._windows:
                log.append(start)
            if self._burst_window is None:
                self._tat = max(tat, start) + self._spacing
            self._recent.append(start)
            while self._recent[0] < now - self._span:
                self._recent.popleft()
            self._local.slot = start
            return start - now, self._epoch

    def sent(self) -> None:
        """The request this thread acquired a slot for goes out now: count it from now if later.

        Between the slot and the send a paid request is written down (a database write,
        longer when the disk is busy): a send 70 ms after its slot, counted at its slot,
        let the next window's slot come less than a second after its real arrival, and the
        server refused it. The windows now count each request from when it really went.
        """
        slot: float | None = getattr(self._local, "slot", None)
        if slot is None:
            return
        with self._lock:
            now = self._clock()
            if now <= slot:
                return
            self._local.slot = now
            for log in (self._recent, *(log for _, _, log in self._windows)):
                _move(log, slot, now)

    def reserve(self) -> float:
        """Reserve the next slot; return how many seconds to wait before using it."""
        delay, _ = self._reserve()
        with self._lock:
            self._local.generation = self._generation
        self._local.waited = delay > 0
        return delay

    def acquire(self, cancel: CancelToken) -> float:
        """Block until a request may be sent; return the seconds waited.

        Waits happen outside the lock. If the limiter backed off while this caller
        waited, its slot (given at the old rate) is void and it reserves again; a
        probing limiter's callers also look every ``wait_step`` seconds whether the
        rate climbed so far that the slots were handed out again, closer together.

        Raises :class:`~leadgen_desktop.domain.Cancelled` if ``cancel`` fires first.
        """
        cancel.raise_if_cancelled()
        waited = 0.0
        while True:
            delay, epoch = self._reserve()
            while delay > 0:
                step = delay if self._wait_step is None else min(delay, self._wait_step)
                if self._wait(cancel, step):
                    raise Cancelled
                waited += step
                delay -= step
                if delay > 0 and epoch != self._epoch:  # a stale read only costs one more step
                    break
            with self._lock:
                if epoch == self._epoch:
                    self._local.generation = self._generation
                    self._local.waited = waited > 0
                    return waited


def _move(log: deque[float], old: float, new: float) -> None:
    """Move one entry ``old`` of the sorted ``log`` to ``new`` (later), keeping it sorted."""
    for index in range(len(log) - 1, -1, -1):
        if log[index] == old:
            del log[index]
            break
    else:
        return  # already dropped (a back-off withdrew it, or it aged out)
    index = len(log)
    while index > 0 and log[index - 1] > new:
        index -= 1
    log.insert(index, new)


def _check_rate(rate: float) -> None:
    if not rate > 0:
        raise ValueError("rate must be positive")
