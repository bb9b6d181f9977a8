"""The numbers that shape client-side rate limiting: per-provider limits and the learner's steps.

Read by :mod:`leadgen_desktop.net.rate_limit`; kept apart so the limiter's logic and the
figures it is tuned with (``benchmarks/run_benchmark.py`` measures them) are each in one place.
"""

from __future__ import annotations

from collections.abc import Mapping

DEFAULT_RATES: Mapping[str, float] = {
    "google_places": 10.0,
    "hunter": 15.0,
    "neverbounce": 10.0,  # unpublished: start where Hunter's own verifier is limited (apis.md 2.1)
}
"""Requests per second each provider starts at: published limits, or a safe guess."""

PROBE_CEILINGS: Mapping[str, float] = {
    "neverbounce": 50.0,  # no published limit (apis.md 3): probe upward from the safe start
}
"""Providers whose limit is not published: the highest rate probing may reach."""

BURST_WINDOWS: Mapping[str, float] = {
    "hunter": 1.0,  # apis.md 2: "15 requests per second", read as at most 15 in any second
}
"""Providers whose per-second limit is applied as a sliding window (see ``burst_window``)."""

DEFAULT_WINDOWS: Mapping[str, tuple[tuple[int, float], ...]] = {
    "hunter": ((500, 60.0),),  # apis.md 2: 15 req/s *and* 500 req/min per key
}
"""Longer limits per provider, as (requests, seconds) sliding windows."""

DEFAULT_HEADROOM = 0.05
"""Fraction by which ``RateLimiter.for_provider`` spaces requests wider than the rate."""

DEFAULT_BACKOFF = 0.5
"""Rate multiplier on a rate-limit answer (halve)."""

MIN_RATE_FRACTION = 1.0 / 16.0
"""Default floor of the rate, as a fraction of the starting rate (four halvings)."""

RECOVERY_FRACTION = 1.0 / 20.0
"""Default additive increase per success of a limiter that does not probe, as a fraction of its rate."""

PROBE_STEP = 2.0
"""Default additive increase per clean, limiter-bound answer of a probing limiter (req/s).

Answers come back at about the current rate, so the rate grows in proportion to itself:
from 10/s it doubles within half a second of answers, and a first run reaches a limit of
20/s within its first page of verifications."""

PROBE_CREEP = 0.005
"""Once at the rate of the last rate-limit answer, a probe climbs this fraction of it per second.

Limits are counted per second and the slots are spaced with headroom, so the server refuses
again about ten seconds later: a limit that was raised is found, at one refusal in hundreds."""

PROBE_BACKOFF = 0.8
"""Rate multiplier of a probing limiter on a rate-limit answer, applied to the rate that got through."""

PER_SECOND = 1.0
"""Seconds over which limits are counted (they are given per second) and sent rates observed."""

RESPACE = 1.25
"""A probing limiter hands out its waiting slots again once its rate has grown by this factor."""

PROBE_SPREAD = 4.0
"""A probing limiter spaces its slots this many times closer than its rate allows.

Its rate is still kept by the count: at most ``floor(rate)`` slots in any second (with
headroom). Work that comes in bursts (a window of Hunter answers releases a dozen emails at
once) then goes out within a quarter of a second instead of spread over the whole second, so
the next burst finds the server's window free; and the slots are still far enough apart
that a refusal (answered at once, before the work) stops the rest of a burst that is too
big for an unknown limit: one or two are refused, not the whole burst."""

PROBE_WAIT_STEP = 0.05
"""Seconds a probing limiter's caller waits at a time before checking whether its slot moved."""
