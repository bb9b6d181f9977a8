"""Learning a provider's real limit: probing with a fake clock, and remembering it between runs."""

from __future__ import annotations

import itertools
import json
import logging
from collections import deque
from pathlib import Path

import httpx
import pytest

from leadgen_desktop.domain import CancelToken
from leadgen_desktop.net.providers.live import build_live_providers
from leadgen_desktop.net.rate_defaults import PROBE_BACKOFF, PROBE_SPREAD, PROBE_STEP
from leadgen_desktop.net.rate_limit import LearnedRate, RateLimiter
from leadgen_desktop.net.rate_memory import RATES_FILENAME, JsonRateMemory, key_fingerprint
from leadgen_desktop.wiring import LIVE_REQUESTS_IN_FLIGHT, build_pipeline, build_providers, open_store
from tests.fakes import FakeTime
from tests.fakes.api_server import FAKE_KEYS, NEVERBOUNCE_KEY, FakeApis


class WindowServer:
    """A server that accepts at most ``limit`` requests in any second (counted on arrival)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.accepted: deque[float] = deque()
        self.refused = 0
        self.served = 0

    def admit(self, now: float) -> bool:
        while self.accepted and self.accepted[0] <= now - 1.0:
            self.accepted.popleft()
        if len(self.accepted) >= self.limit:
            self.refused += 1
            return False
        self.accepted.append(now)
        self.served += 1
        return True


def drive(limiter: RateLimiter, server: WindowServer, fake_time: FakeTime, requests: int) -> list[float]:
    """Send ``requests`` back to back through ``limiter`` (answers are instant); return the rates seen."""
    cancel = CancelToken()
    rates = []
    for _ in range(requests):
        limiter.acquire(cancel)
        if server.admit(fake_time.now):
            limiter.on_success()
        else:
            limiter.on_rate_limited()
        rates.append(limiter.rate)
    return rates


def probing(fake_time: FakeTime, start: float = 10.0, **kwargs: object) -> RateLimiter:
    return RateLimiter(
        start,
        ceiling=50.0,
        headroom=0.05,
        clock=fake_time.clock,
        wait=fake_time.wait,
        **kwargs,  # type: ignore[arg-type]
    )


def test_the_rate_climbs_while_answers_are_clean_and_the_limiter_holds_them(fake_time: FakeTime) -> None:
    limiter = probing(fake_time)
    assert limiter.probing
    cancel = CancelToken()
    limiter.acquire(cancel)  # the first slot is free: not held back by the limiter
    limiter.on_success()
    assert limiter.rate == pytest.approx(10.0)  # an idle limiter never creeps up
    limiter.acquire(cancel)  # waited for its slot
    limiter.on_success()
    assert limiter.rate == pytest.approx(10.0 + PROBE_STEP)  # additive increase
    for _ in range(30):
        limiter.acquire(cancel)
        limiter.on_success()
    assert limiter.rate == pytest.approx(50.0)  # never above the ceiling


def test_a_rate_limit_answer_backs_off_from_what_got_through(fake_time: FakeTime) -> None:
    limiter = probing(fake_time, start=40.0)
    cancel = CancelToken()
    for _ in range(6):  # six requests in 0.13 s; the sixth is refused
        limiter.acquire(cancel)
    assert limiter.on_rate_limited() is True
    # the server let five through in the last second, far below the 40/s allowed
    assert limiter.learned.limit == pytest.approx(5.0)
    assert limiter.rate == pytest.approx(5.0 * PROBE_BACKOFF)  # multiplicative decrease
    assert limiter.backoffs == 1


def test_the_rate_climbs_fast_to_the_limit_met_and_slowly_past_it(fake_time: FakeTime) -> None:
    limiter = probing(fake_time, start=5.0, limit=8.0)
    cancel = CancelToken()
    rates = []
    for _ in range(12):
        limiter.acquire(cancel)
        limiter.on_success()
        rates.append(limiter.rate)
    # the first slot was free (not limiter-bound); then +2/s per answer, up to the limit met
    assert rates[:3] == pytest.approx([5.0, 5.0 + PROBE_STEP, 8.0])
    assert 8.0 < rates[-1] < 8.1  # past it, a creep: half a percent of the limit per second


@pytest.mark.parametrize(("limit", "start"), [(3, 10.0), (8, 10.0), (20, 10.0), (30, 5.0)])
def test_the_rate_converges_near_a_simulated_limit(fake_time: FakeTime, limit: int, start: float) -> None:
    """Whatever the start, the limiter settles just under the server's limit and is seldom refused."""
    limiter = probing(fake_time, start=start)
    server = WindowServer(limit)
    rates = drive(limiter, server, fake_time, 40 * limit)
    settled = rates[len(rates) // 2 :]
    served_per_second = limit * 40 / (fake_time.now - 100.0)  # all of them, learning included
    print(f"{limit}/s from {start}/s: refused {server.refused} of {len(rates)}, {served_per_second:.2f}/s")
    assert 0.8 * limit <= min(settled)
    # at most floor(rate) slots in any second: a rate short of limit + 1 sends no more than the limit
    assert max(settled) < max(1.15 * limit, limit + 1)
    assert served_per_second >= 0.8 * limit  # the learning phase costs little
    assert server.refused <= 0.05 * len(rates) + 2
    learned = limiter.learned
    assert learned.limit is not None
    assert 0.8 * limit <= learned.rate <= 1.1 * limit


def test_a_limiter_started_from_what_was_learned_is_not_refused_at_first(fake_time: FakeTime) -> None:
    first = probing(fake_time)
    server = WindowServer(6)
    drive(first, server, fake_time, 120)
    learned = first.learned
    second = RateLimiter.for_provider(
        "neverbounce", learned=learned, clock=fake_time.clock, wait=fake_time.wait
    )
    assert second.rate == pytest.approx(learned.rate)
    assert second.learned.limit == learned.limit
    again = WindowServer(6)
    drive(second, again, fake_time, 60)
    assert again.refused <= 1


def test_waiting_callers_get_closer_slots_when_the_rate_climbs(fake_time: FakeTime) -> None:
    """A probing limiter's slots handed out at a low rate are handed out again once it climbs."""
    limiter = probing(fake_time, start=2.0, wait_step=0.05)
    cancel = CancelToken()
    limiter.acquire(cancel)
    spacing = 1.05 / 2.0 / PROBE_SPREAD  # a probing limiter's slots are closer than its rate
    assert limiter.acquire(cancel) == pytest.approx(spacing)
    slow_slot = limiter.reserve()  # the third in a second waits for the window: 2 in any 1.05 s
    assert slow_slot == pytest.approx(1.05 - spacing)
    for _ in range(3):  # three limiter-bound successes: 2/s -> 8/s
        limiter.reserve()
        limiter.on_success()
    start = fake_time.now
    limiter.acquire(cancel)  # the old slots were withdrawn: a new one, at the new rate
    assert fake_time.now - start < 0.2


def test_the_limiter_tells_what_it_learned_when_it_changed_enough(fake_time: FakeTime) -> None:
    told: list[LearnedRate] = []
    limiter = probing(fake_time, on_learned=told.append)
    cancel = CancelToken()
    for _ in range(8):
        limiter.acquire(cancel)
        limiter.on_success()
    assert told  # climbing from 10/s was worth telling
    assert all(b.rate > a.rate * 1.1 for a, b in itertools.pairwise(told))  # not every step
    limiter.acquire(cancel)
    limiter.on_rate_limited()
    assert told[-1].limit is not None


def test_a_fixed_rate_does_not_probe(fake_time: FakeTime) -> None:
    limiter = RateLimiter.for_provider("neverbounce", rate=4.0, clock=fake_time.clock, wait=fake_time.wait)
    cancel = CancelToken()
    for _ in range(10):
        limiter.acquire(cancel)
        limiter.on_success()
    assert limiter.rate == pytest.approx(4.0)


# -- remembering --------------------------------------------------------------------------


def test_memory_round_trip_per_provider_and_key(tmp_path: Path) -> None:
    memory = JsonRateMemory(tmp_path / RATES_FILENAME)
    key_a, key_b = key_fingerprint("neverbounce", "secret_a"), key_fingerprint("neverbounce", "secret_b")
    assert memory.recall("neverbounce", key_a) is None
    memory.remember("neverbounce", key_a, LearnedRate(18.5, 20.0))
    memory.remember("neverbounce", key_b, LearnedRate(3.0))
    memory.remember("hunter", key_fingerprint("hunter", "secret_a"), LearnedRate(12.0, 13.0))
    again = JsonRateMemory(tmp_path / RATES_FILENAME)  # another run
    assert again.recall("neverbounce", key_a) == LearnedRate(18.5, 20.0)
    assert again.recall("neverbounce", key_b) == LearnedRate(3.0, None)
    assert again.recall("hunter", key_a) is None  # another provider's fingerprint


def test_the_file_holds_no_key_only_a_short_fingerprint(tmp_path: Path) -> None:
    path = tmp_path / RATES_FILENAME
    key = NEVERBOUNCE_KEY
    fingerprint = key_fingerprint("neverbounce", key)
    assert len(fingerprint) == 16
    assert key_fingerprint("neverbounce", f" {key} ") == fingerprint  # pasted with spaces: same key
    assert key_fingerprint("hunter", key) != fingerprint
    JsonRateMemory(path).remember("neverbounce", fingerprint, LearnedRate(7.0, 8.0))
    text = path.read_text(encoding="utf-8")
    assert key not in text
    assert key[-6:] not in text
    assert json.loads(text)["rates"] == {
        f"neverbounce:{fingerprint}": {"rate": 7.0, "limit": 8.0, "updated": json.loads(text)["rates"][
            f"neverbounce:{fingerprint}"]["updated"]}
    }  # fmt: skip


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        '["a list"]',
        '{"version": 99, "rates": {}}',
        '{"version": 1, "rates": {"neverbounce:x": {"rate": "fast"}}}',
        '{"version": 1, "rates": {"neverbounce:x": {"rate": -3}}}',
        '{"version": 1, "rates": {"neverbounce:x": {"rate": 5, "limit": 1e300}}}',
    ],
)
def test_a_corrupt_memory_file_is_ignored_with_a_log_line(
    tmp_path: Path, content: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / RATES_FILENAME
    path.write_text(content, encoding="utf-8")
    memory = JsonRateMemory(path)
    with caplog.at_level(logging.WARNING, logger="leadgen_desktop.net.rate_memory"):
        assert memory.recall("neverbounce", "x") is None
    assert any("Ignoring" in r.getMessage() for r in caplog.records)
    memory.remember("neverbounce", "x", LearnedRate(4.0))  # the next write replaces it
    assert JsonRateMemory(path).recall("neverbounce", "x") == LearnedRate(4.0)


def test_an_unwritable_memory_only_logs(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    memory = JsonRateMemory(blocker / RATES_FILENAME)  # its folder is a file
    with caplog.at_level(logging.WARNING, logger="leadgen_desktop.net.rate_memory"):
        memory.remember("neverbounce", "x", LearnedRate(4.0))
    assert any("Could not remember" in r.getMessage() for r in caplog.records)


def test_live_providers_start_from_and_feed_the_memory(tmp_path: Path) -> None:
    memory = JsonRateMemory(tmp_path / RATES_FILENAME)
    fingerprint = key_fingerprint("neverbounce", NEVERBOUNCE_KEY)
    memory.remember("neverbounce", fingerprint, LearnedRate(17.0, 19.0))
    transport: httpx.BaseTransport = FakeApis().transport()
    providers = build_live_providers(FAKE_KEYS, transports=dict.fromkeys(FAKE_KEYS, transport), memory=memory)
    limiter: RateLimiter = providers.verifier._limiter  # type: ignore[union-attr]
    assert (limiter.rate, limiter.learned.limit, limiter.probing) == (17.0, 19.0, True)
    limiter.acquire(CancelToken())
    limiter.on_rate_limited()
    remembered, learned = memory.recall("neverbounce", fingerprint), limiter.learned
    assert remembered is not None  # told at once
    assert (remembered.rate, remembered.limit) == pytest.approx((learned.rate, learned.limit), abs=1e-3)
    fixed = build_live_providers(
        FAKE_KEYS, transports=dict.fromkeys(FAKE_KEYS, transport), rates={"neverbounce": 4.0}, memory=memory
    )
    assert fixed.verifier._limiter.rate == 4.0  # type: ignore[union-attr]  # the user's setting wins
    assert not fixed.verifier._limiter.probing  # type: ignore[union-attr]


def test_live_runs_get_enough_requests_in_flight_for_what_the_limiters_allow(tmp_path: Path) -> None:
    """A rate of 20/s at 0.8 s an answer needs 16 requests out; Hunter sends 15 at once."""
    repo = open_store(tmp_path / "t.db")
    try:
        live = build_pipeline(repo, build_providers(False, FAKE_KEYS))
        demo = build_pipeline(repo, build_providers(True, {}))
    finally:
        repo.db.close()
    assert live.concurrency == LIVE_REQUESTS_IN_FLIGHT >= 16
    assert demo.concurrency < LIVE_REQUESTS_IN_FLIGHT  # demo threads would only compete with the window
