"""The team's shared request timelines: one row per API key, so workers sharing a key take turns.

Workers that use the same key (the same fingerprint, never the key) draw each
request's slot from one row: ``next_slot`` is the earliest time, by the
database's clock, the next request of that key may go. Taking a slot is one
short ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` statement, which moves
``next_slot`` to ``max(next_slot, now) + interval`` and answers how long the
caller waits for the slot it got (the virtual-scheduling form of a token bucket,
GCRA, kept in the database). A worker with nothing to send takes no slots, so
the whole rate goes to the workers that have requests: nobody holds an unused
share. ``interval`` is the caller's own spacing (its learned rate), so a worker
slowed by a rate-limit answer takes wider slots and slows the team with it.

The time is the database's (PostgreSQL ``now()``, the statement's start; a SQLite
database is only shared on one machine, whose clock it uses), so machines with
clocks that disagree still share one timeline. Tests pass ``now`` themselves.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from leadgen_desktop.db.database import Database
from leadgen_desktop.db.errors import StorageError

log = logging.getLogger(__name__)

_TAKE = """
INSERT INTO "rate_buckets" ("key_group", "provider", "next_slot") VALUES ({p}, {p}, {now} + {p})
ON CONFLICT ("key_group") DO UPDATE SET "next_slot" = {greatest}("rate_buckets"."next_slot", {now}) + {p}
RETURNING "next_slot" - {p}
"""


class RateBuckets:
    """Takes request slots from the shared timeline of a key (``rate_buckets``)."""

    def __init__(self, database: Database) -> None:
        self._db = database
        param = "%s" if database.is_postgres else "?"
        now = "EXTRACT(EPOCH FROM now())::double precision" if database.is_postgres else param
        greatest = "GREATEST" if database.is_postgres else "MAX"
        self._sql_clock = _TAKE.format(p=param, now=now, greatest=greatest)
        self._sql_given = _TAKE.format(p=param, now=param, greatest=greatest)

    def take(self, provider: str, key_group: str, interval: float, *, now: float | None = None) -> float:
        """Take the key's next slot, spaced ``interval`` seconds after the one before; return the wait.

        The answer is how many seconds from ``now`` the slot starts (0 when the
        timeline is free). ``now`` (seconds since the epoch) is the database's
        clock unless given.

        Raises:
            StorageError: the database could not be reached or written.
        """
        if not interval > 0:
            raise ValueError("interval must be positive")
        if now is None and self._db.is_postgres:
            params: tuple[object, ...] = (key_group, provider, interval, interval, interval)
            with self._db.transaction():  # now() is the transaction's start: the same in both
                (slot,) = self._db.sql(self._sql_clock, params).fetchone()
                (start,) = self._db.sql("SELECT EXTRACT(EPOCH FROM now())::double precision").fetchone()
        else:
            start = time.time() if now is None else now
            params = (key_group, provider, start, interval, start, interval, interval)
            with self._db.transaction():
                (slot,) = self._db.sql(self._sql_given, params).fetchone()
        return max(0.0, float(slot) - float(start))


class SharedTimeline:
    """One key's shared timeline, as a worker's rate limiter takes its slots.

    It is the :class:`~leadgen_desktop.net.rate_share.SharedSlots` of the key.

    A database that cannot be reached must not stop a request: the slot is then
    "now" (the worker's own limiter still spaces it, and a provider's refusal is
    retried); the failure is logged once per outage. ``clock`` (seconds since the
    epoch) replaces the database's clock in tests.
    """

    def __init__(
        self, buckets: RateBuckets, provider: str, key_group: str, clock: Callable[[], float] | None = None
    ) -> None:
        self._buckets = buckets
        self.provider = provider
        self.key_group = key_group
        self._clock = clock
        self._failing = False

    def take(self, interval: float) -> float:
        """Seconds to wait for the key's next slot, ``interval`` after the one before."""
        try:
            now = None if self._clock is None else self._clock()
            wait = self._buckets.take(self.provider, self.key_group, interval, now=now)
        except StorageError as exc:
            if not self._failing:
                log.warning("team rate sharing for %s paused: %s", self.provider, exc)
            self._failing = True
            return 0.0
        self._failing = False
        return wait
