"""A rate limiter whose key is shared by a team: each request also takes a slot of the key's shared timeline.

Workers of a team database that use the same API key together must keep to the
provider's limit for that key. Splitting the rate into fixed equal parts left a
worker's part unused while its jobs had nothing to send to that provider
(still searching, say) and the others waited. Instead, each request first
passes the worker's own :class:`~leadgen_desktop.net.rate_limit.RateLimiter`
(its learned rate, windows and back-off, as if it were alone) and then takes
the next slot of the key's timeline, which every worker using the key draws
from (:mod:`leadgen_desktop.db.rate_buckets` keeps it in the team database).
The slot is spaced by the worker's current interval, so a worker that a
rate-limit answer slowed down also takes wider slots: AIMD keeps working,
team-wide. Alone on its key, a worker takes no shared slots at all.
"""

from __future__ import annotations

from typing import Protocol

from leadgen_desktop.domain import Cancelled, CancelToken
from leadgen_desktop.net.rate_limit import RateLimiter


class SharedSlots(Protocol):
    """The shared timeline of one key."""

    def take(self, interval: float) -> float:
        """Take the key's next slot, ``interval`` seconds after the one before; return the wait for it."""
        ...


class SharedRateLimiter(RateLimiter):
    """A :class:`RateLimiter` that, while :meth:`share` gave it a timeline, also waits for a shared slot.

    Thread-safe like its base; the timeline is read once per request.
    """

    _shared: SharedSlots | None = None

    def share(self, slots: SharedSlots | None) -> None:
        """Take each request's slot from ``slots`` too (None: this worker is alone on its key)."""
        self._shared = slots

    @property
    def shared(self) -> bool:
        """Whether requests take a slot of a shared timeline."""
        return self._shared is not None

    def acquire(self, cancel: CancelToken) -> float:
        """Wait for a slot of this limiter, then for one of the shared timeline; return the seconds waited.

        Raises :class:`~leadgen_desktop.domain.Cancelled` if ``cancel`` fires first.
        """
        waited = super().acquire(cancel)
        shared = self._shared
        if shared is None:
            return waited
        delay = shared.take(self.interval)
        if delay > 0:
            if self._wait(cancel, delay):
                raise Cancelled
            waited += delay
        return waited
