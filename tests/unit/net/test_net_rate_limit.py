"""Contract tests of net.rate_limit (spacing, adaptation, windows) with a fake clock (no real sleeping)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from leadgen_desktop.domain import Cancelled, CancelToken
from leadgen_desktop.net.http import build_client
from leadgen_desktop.net.providers.hunter import HunterEmailFinder
from leadgen_desktop.net.rate_defaults import DEFAULT_HEADROOM, DEFAULT_RATES, PROBE_CEILINGS
from leadgen_desktop.net.rate_limit import RateLimiter
from leadgen_desktop.net.retry import RetryPolicy, Success, status_failure
from tests.fakes import FakeApis, FakeTime
from tests.fakes.api_server import HUNTER_KEY


def test_defaults_per_provider() -> None:
    assert DEFAULT_RATES == {"google_places": 10.0, "hunter": 15.0, "neverbounce": 10.0}
    assert PROBE_CEILINGS == {"neverbounce": 50.0}
    neverbounce = RateLimiter.for_provider("neverbounce")
    assert (neverbounce.rate, neverbounce.ceiling, neverbounce.probing) == (10.0, 50.0, True)
    hunter = RateLimiter.for_provider("hunter", rate=2.0)  # a rate the user set: used as it is
    assert (hunter.rate, hunter.ceiling, hunter.probing) == (2.0, 2.0, False)
    assert not RateLimiter.for_provider("neverbounce", rate=3.0).probing
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


# -- concurrency: atomic reservations, waits outside the lock ---------------------------


def test_concurrent_acquirers_wait_outside_the_lock_in_distinct_slots() -> None:
    """Eight threads are all inside ``wait`` at once (a held lock would deadlock the barrier)."""
    threads_count = 8
    barrier = threading.Barrier(threads_count, timeout=5)
    lock = threading.Lock()
    delays: list[float] = []

    def wait(token: CancelToken, seconds: float) -> bool:
        with lock:
            delays.append(seconds)
        barrier.wait()
        return False

    limiter = RateLimiter(4.0, clock=lambda: 50.0, wait=wait)
    limiter.acquire(CancelToken())  # the first slot is free: no wait
    threads = [threading.Thread(target=limiter.acquire, args=(CancelToken(),)) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(delays) == pytest.approx([0.25 * i for i in range(1, threads_count + 1)])


# -- adaptation -------------------------------------------------------------------------


def test_rate_limited_halves_the_rate_and_pauses(fake_time: FakeTime) -> None:
    limiter = RateLimiter(10.0, clock=fake_time.clock, wait=fake_time.wait)
    cancel = CancelToken()
    limiter.acquire(cancel)
    assert limiter.on_rate_limited() is True
    assert limiter.rate == pytest.approx(5.0)
    assert limiter.ceiling == pytest.approx(10.0)
    limiter.acquire(cancel)
    limiter.acquire(cancel)
    assert fake_time.waits == pytest.approx([0.2, 0.2])


def test_back_off_is_floored_at_the_minimum_rate(fake_time: FakeTime) -> None:
    limiter = RateLimiter(16.0, clock=fake_time.clock, wait=fake_time.wait)
    for _ in range(10):
        limiter.on_rate_limited()
    assert limiter.rate == pytest.approx(1.0)  # default floor: ceiling / 16
    assert limiter.min_rate == pytest.approx(1.0)
    explicit = RateLimiter(10.0, min_rate=4.0, clock=fake_time.clock, wait=fake_time.wait)
    explicit.on_rate_limited()
    explicit.on_rate_limited()
    assert explicit.rate == pytest.approx(4.0)


def test_a_burst_of_rate_limited_answers_is_one_signal() -> None:
    """Answers to requests reserved before the last back-off do not halve the rate again."""
    limiter = RateLimiter(10.0, clock=lambda: 0.0, wait=lambda token, s: False)
    clients = [ThreadPoolExecutor(max_workers=1) for _ in range(3)]
    try:
        for client in clients:
            client.submit(limiter.reserve).result()
        first = clients[0].submit(limiter.on_rate_limited).result()
        stale = [c.submit(limiter.on_rate_limited).result() for c in clients[1:]]
        assert (first, stale) == (True, [False, False])
        assert limiter.rate == pytest.approx(5.0)
        # a stale success is no evidence either
        clients[1].submit(limiter.on_success).result()
        assert limiter.rate == pytest.approx(5.0)
        # a request reserved after the back-off that is rate limited again halves again
        clients[1].submit(limiter.reserve).result()
        assert clients[1].submit(limiter.on_rate_limited).result() is True
        assert limiter.rate == pytest.approx(2.5)
        assert limiter.backoffs == 2
    finally:
        for client in clients:
            client.shutdown()


def test_slots_handed_out_before_a_back_off_are_withdrawn(fake_time: FakeTime) -> None:
    """A caller waiting for an old-rate slot takes a new slot at the new rate when it wakes."""
    other = ThreadPoolExecutor(max_workers=1)
    limiter: RateLimiter

    def wait(token: CancelToken, seconds: float) -> bool:
        if len(fake_time.waits) == 0:  # while the first wait runs, another thread is rate limited
            assert other.submit(limiter.on_rate_limited).result() is True
        return fake_time.wait(token, seconds)

    limiter = RateLimiter(10.0, clock=fake_time.clock, wait=wait)
    cancel = CancelToken()
    try:
        limiter.acquire(cancel)  # t=100.0
        assert limiter.acquire(cancel) == pytest.approx(0.2)  # old slot 100.1 withdrawn: new slot 100.2
        limiter.acquire(cancel)
        assert fake_time.waits == pytest.approx([0.1, 0.1, 0.2])
        assert fake_time.now == pytest.approx(100.4)
    finally:
        other.shutdown()


def test_recovery_is_gradual_and_stops_at_the_ceiling(fake_time: FakeTime) -> None:
    limiter = RateLimiter(10.0, clock=fake_time.clock, wait=fake_time.wait)
    limiter.on_rate_limited()
    rates = []
    for _ in range(14):
        limiter.on_success()
        rates.append(limiter.rate)
    # +0.5 req/s per success (ceiling / 20), from 5 back to 10 in ten successes, never above
    assert rates == pytest.approx([5.5, 6.0, 6.5, 7.0, 7.5, 8.0, 8.5, 9.0, 9.5, 10.0, 10.0, 10.0, 10.0, 10.0])
    fake_time.now += 10
    cancel = CancelToken()
    for _ in range(3):
        limiter.acquire(cancel)
    assert fake_time.waits == pytest.approx([0.1, 0.1])


def test_custom_backoff_and_recovery(fake_time: FakeTime) -> None:
    limiter = RateLimiter(8.0, backoff=0.25, recovery=3.0, clock=fake_time.clock, wait=fake_time.wait)
    limiter.on_rate_limited()
    assert limiter.rate == pytest.approx(2.0)
    limiter.on_success()
    assert limiter.rate == pytest.approx(5.0)
    limiter.on_success()
    limiter.on_success()
    assert limiter.rate == pytest.approx(8.0)


def test_never_above_the_ceiling_under_any_feedback(fake_time: FakeTime) -> None:
    limiter = RateLimiter(15.0, clock=fake_time.clock, wait=fake_time.wait)
    cancel = CancelToken()
    pattern = "ssrsssssrrsssssssssssssssssssrsssssssssssssssssssss"
    last = fake_time.now
    for event in pattern:
        limiter.acquire(cancel)
        # consecutive slots are never closer than the ceiling allows
        assert fake_time.now - last >= 1 / 15.0 - 1e-9 or fake_time.now == last == 100.0
        last = fake_time.now
        if event == "r":
            limiter.on_rate_limited()
        else:
            limiter.on_success()
        assert limiter.min_rate <= limiter.rate <= limiter.ceiling
    assert limiter.rate == pytest.approx(15.0)


def test_set_rate_moves_the_ceiling(fake_time: FakeTime) -> None:
    limiter = RateLimiter(10.0, clock=fake_time.clock, wait=fake_time.wait)
    limiter.on_rate_limited()
    limiter.set_rate(4.0)
    assert (limiter.rate, limiter.ceiling, limiter.min_rate) == pytest.approx((4.0, 4.0, 0.25))
    for _ in range(5):
        limiter.on_success()
    assert limiter.rate == pytest.approx(4.0)


def test_set_rate_with_a_floor_stops_back_offs_there(fake_time: FakeTime) -> None:
    limiter = RateLimiter(3.0, clock=fake_time.clock, wait=fake_time.wait)
    limiter.set_rate(0.75, min_rate=0.375)
    cancel = CancelToken()
    for _ in range(4):  # refusals of requests sent after each back-off: each a new signal
        limiter.acquire(cancel)
        limiter.on_rate_limited()
    assert (limiter.rate, limiter.min_rate) == pytest.approx((0.375, 0.375))
    limiter.set_rate(0.75)  # without one: the default floor again
    assert limiter.min_rate == pytest.approx(0.75 / 16)


# -- windows and headroom ---------------------------------------------------------------


def test_sliding_window_caps_requests_per_period(fake_time: FakeTime) -> None:
    limiter = RateLimiter(100.0, windows=[(3, 1.0)], clock=fake_time.clock, wait=fake_time.wait)
    cancel = CancelToken()
    for _ in range(7):
        limiter.acquire(cancel)
    # three slots 10 ms apart, then the fourth one second after the first, and so on
    assert fake_time.waits == pytest.approx([0.01, 0.01, 0.98, 0.01, 0.01, 0.98])


def test_headroom_spaces_requests_a_little_wider(fake_time: FakeTime) -> None:
    limiter = RateLimiter(10.0, headroom=0.05, clock=fake_time.clock, wait=fake_time.wait)
    cancel = CancelToken()
    for _ in range(3):
        limiter.acquire(cancel)
    assert limiter.rate == pytest.approx(10.0)
    assert fake_time.waits == pytest.approx([0.105, 0.105])


def test_provider_limiters_have_headroom_and_windows(fake_time: FakeTime) -> None:
    hunter = RateLimiter.for_provider("hunter", clock=fake_time.clock, wait=fake_time.wait)
    cancel = CancelToken()
    for _ in range(501):
        hunter.acquire(cancel)
    # "15 requests per second": 15 go at once, the next 15 a second (plus headroom) later
    window = 1.0 + DEFAULT_HEADROOM
    assert fake_time.waits[:33] == pytest.approx([window] * 33)  # 34 bursts of 15 hold the first 500
    # 500 per minute: the 501st request waits until a minute (plus headroom) after the first
    assert fake_time.now - 100.0 == pytest.approx(60.0 * (1 + DEFAULT_HEADROOM))
    exact = RateLimiter.for_provider(
        "google_places", headroom=0.0, clock=fake_time.clock, wait=fake_time.wait
    )
    start = fake_time.now
    exact.acquire(cancel)
    exact.acquire(cancel)
    assert fake_time.now - start == pytest.approx(0.1)


def test_adaptive_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="backoff"):
        RateLimiter(1.0, backoff=1.0)
    with pytest.raises(ValueError, match="headroom"):
        RateLimiter(1.0, headroom=-0.1)
    with pytest.raises(ValueError, match="positive"):
        RateLimiter(1.0, min_rate=0.0)
    with pytest.raises(ValueError, match="recovery"):
        RateLimiter(1.0, recovery=0.0)
    with pytest.raises(ValueError, match="window"):
        RateLimiter(1.0, windows=[(0, 1.0)])


# -- the hook in RetryPolicy.run --------------------------------------------------------


def _run_with(limiter: RateLimiter, fake_time: FakeTime, answers: list[httpx.Response]) -> int:
    policy = RetryPolicy(rand=lambda: 0.0, wait=fake_time.wait, clock=fake_time.clock)
    sent = iter(answers)
    value, _ = policy.run(
        provider="p", endpoint="/x", sku="free", send=sent.__next__,
        interpret=lambda r: Success(r.status_code) if r.status_code == 200 else status_failure(r, "P"),
        cancel=CancelToken(), limiter=limiter,
    )  # fmt: skip
    return value


def test_retry_policy_reports_rate_limits_and_successes(fake_time: FakeTime) -> None:
    limiter = RateLimiter(10.0, clock=fake_time.clock, wait=fake_time.wait)
    assert _run_with(limiter, fake_time, [httpx.Response(429), httpx.Response(200)]) == 200
    assert limiter.backoffs == 1
    assert limiter.rate == pytest.approx(5.5)  # halved, then one success
    _run_with(limiter, fake_time, [httpx.Response(503), httpx.Response(200)])  # not a rate limit
    assert limiter.backoffs == 1
    assert limiter.rate == pytest.approx(6.0)


def test_hunter_403_slows_the_hunter_limiter(fake: FakeApis, fake_time: FakeTime) -> None:
    client = build_client("hunter", transport=fake.transport(), base_url="https://fake.invalid")
    limiter = RateLimiter.for_provider("hunter", clock=fake_time.clock, wait=fake_time.wait)
    policy = RetryPolicy(rand=lambda: 0.0, wait=fake_time.wait, clock=fake_time.clock)
    finder = HunterEmailFinder(client, HUNTER_KEY, limiter=limiter, retry=policy)
    fake.inject("hunter", "rate_limit", "rate_limit")
    finder.find("example.com", CancelToken())
    assert limiter.backoffs == 2
    assert limiter.rate == pytest.approx(15.0 / 4 + 0.75)


def test_a_window_counts_a_request_from_when_it_was_sent_not_from_its_slot(fake_time: FakeTime) -> None:
    """A request written down slowly goes out after its slot: the next window waits for its real send."""
    limiter = RateLimiter(3.0, burst_window=1.0, clock=fake_time.clock, wait=fake_time.wait)
    cancel = CancelToken()
    start = fake_time.now
    for _ in range(3):  # three in the window, all at once
        limiter.acquire(cancel)
    fake_time.now += 0.07  # the third one's ledger write took 70 ms
    limiter.sent()
    limiter.acquire(cancel)  # the first slot is free again after one window: 1.0 s after the first
    assert fake_time.now - start == pytest.approx(1.0)
    limiter.acquire(cancel)
    limiter.acquire(cancel)  # the third of the next window: one window after the third really went
    assert fake_time.now - start == pytest.approx(1.07)


def test_a_request_sent_on_its_slot_changes_nothing(fake_time: FakeTime) -> None:
    limiter = RateLimiter(2.0, clock=fake_time.clock, wait=fake_time.wait)
    cancel = CancelToken()
    limiter.acquire(cancel)
    limiter.sent()
    assert limiter.acquire(cancel) == pytest.approx(0.5)
