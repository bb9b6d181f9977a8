"""Contract tests of net.rate_limit with a fake clock (no real sleeping)."""

from __future__ import annotations

import threading

import pytest

from leadgen_desktop.domain import Cancelled, CancelToken
from leadgen_desktop.net.rate_limit import DEFAULT_RATES, RateLimiter
from tests.fakes import FakeTime


def test_defaults_per_provider() -> None:
    assert DEFAULT_RATES == {"google_places": 10.0, "hunter": 15.0, "neverbounce": 5.0}
    assert RateLimiter.for_provider("neverbounce").rate == pytest.approx(5.0)
    assert RateLimiter.for_provider("hunter", rate=2.0).rate == pytest.approx(2.0)
    with pytest.raises(ValueError, match="no default rate"):
        RateLimiter.for_provider("nobody")


def test_minimum_spacing(fake_time: FakeTime) -> None:
    limiter = RateLimiter(5.0, clock=fake_time.clock, wait=fake_time.wait)
    cancel = CancelToken()
    for _ in range(4):
        limiter.acquire(cancel)
    assert fake_time.waits == pytest.approx([0.2, 0.2, 0.2])


def test_idle_time_is_not_banked_beyond_the_burst(fake_time: FakeTime) -> None:
    limiter = RateLimiter(10.0, burst=3, clock=fake_time.clock, wait=fake_time.wait)
    cancel = CancelToken()
    fake_time.now += 100  # a long pause
    for _ in range(5):
        limiter.acquire(cancel)
    # three back to back, then spaced by 0.1 s
    assert fake_time.waits == pytest.approx([0.1, 0.1])


def test_spacing_after_a_pause(fake_time: FakeTime) -> None:
    limiter = RateLimiter(4.0, clock=fake_time.clock, wait=fake_time.wait)
    cancel = CancelToken()
    limiter.acquire(cancel)
    fake_time.now += 0.1
    assert limiter.acquire(cancel) == pytest.approx(0.15)


def test_cancel_while_waiting(fake_time: FakeTime) -> None:
    limiter = RateLimiter(1.0, clock=fake_time.clock, wait=lambda token, s: True)
    cancel = CancelToken()
    limiter.acquire(cancel)
    with pytest.raises(Cancelled):
        limiter.acquire(cancel)
    cancel.cancel()
    with pytest.raises(Cancelled):
        RateLimiter(1.0).acquire(cancel)


def test_threads_get_distinct_slots() -> None:
    now = [0.0]
    lock = threading.Lock()
    delays: list[float] = []
    limiter = RateLimiter(10.0, clock=lambda: now[0], wait=lambda token, s: False)

    def worker() -> None:
        for _ in range(25):
            delay = limiter.reserve()
            with lock:
                delays.append(delay)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(round(d, 6) for d in delays) == [round(i * 0.1, 6) for i in range(200)]


def test_set_rate_and_validation() -> None:
    limiter = RateLimiter(1.0)
    limiter.set_rate(20.0)
    assert limiter.rate == pytest.approx(20.0)
    with pytest.raises(ValueError, match="positive"):
        RateLimiter(0)
    with pytest.raises(ValueError, match="burst"):
        RateLimiter(1.0, burst=0)
    with pytest.raises(ValueError, match="positive"):
        limiter.set_rate(-1)
