"""Workers sharing a key take turns on one timeline in the team database (``rate_buckets``), on a fake clock.

The rule: every request of a shared key takes the key's next slot, spaced by the
taker's own interval; a worker with nothing to send holds nothing, so the whole
rate goes to whoever has requests. A worker alone on its key takes no shared slots.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from leadgen_desktop.cli_team import _JobRunner
from leadgen_desktop.db.errors import StorageError
from leadgen_desktop.db.rate_buckets import RateBuckets, SharedTimeline
from leadgen_desktop.db.records import WorkerRecord
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import PROVIDERS, Cancelled, CancelToken
from leadgen_desktop.net.rate_memory import key_fingerprint
from leadgen_desktop.net.rate_share import SharedRateLimiter
from leadgen_desktop.settings import AppSettings
from tests.fakes.backends import query

KEYS: dict[str, str | None] = {p: f"{p}-key" for p in PROVIDERS}
NOW = dt.datetime(2026, 1, 1, 12, 0, 0)
T0 = 1_800_000_000.0  # a fake "seconds since the epoch"


class FakeTime:
    """A clock that only moves when somebody waits on it."""

    def __init__(self) -> None:
        self.now = T0

    def clock(self) -> float:
        return self.now

    def wait(self, _cancel: CancelToken, seconds: float) -> bool:
        self.now += seconds
        return False


def worker(name: str, keys: dict[str, str | None] = KEYS) -> WorkerRecord:
    groups = {p: key_fingerprint(p, key) for p, key in keys.items() if key}
    return WorkerRecord(name, "alice", NOW, NOW, NOW + dt.timedelta(minutes=1), 2, (), groups)


@pytest.fixture
def runner(tmp_path: Path) -> Iterator[_JobRunner]:
    store = Store.open(str(tmp_path / "t.db"))
    made = _JobRunner(store, dict(KEYS), AppSettings(neverbounce_rate=3.0))
    yield made
    store.db.close()


def test_slots_of_one_key_follow_each_other_and_a_free_timeline_costs_no_wait(store: Store) -> None:
    buckets = store.rate_buckets
    waits = [buckets.take("neverbounce", "k1", 0.5, now=T0) for _ in range(3)]
    assert waits == pytest.approx([0.0, 0.5, 1.0])
    assert buckets.take("neverbounce", "k2", 0.5, now=T0) == 0.0  # another key: its own timeline
    assert buckets.take("neverbounce", "k1", 0.5, now=T0 + 1.2) == pytest.approx(0.3)
    assert buckets.take("neverbounce", "k1", 0.5, now=T0 + 10.0) == 0.0  # idle time is not saved up
    rows = query(store.path if store.db.is_postgres else store.db.path, "SELECT key_group FROM rate_buckets")
    assert sorted(rows) == [("k1",), ("k2",)]  # fingerprints only: no key in the database


def test_a_slowed_worker_takes_wider_slots(store: Store) -> None:
    buckets = store.rate_buckets
    assert buckets.take("hunter", "k", 2.0, now=T0) == 0.0  # backed off: its slot is 2 s wide
    assert buckets.take("hunter", "k", 0.1, now=T0) == pytest.approx(2.0)


def test_the_database_clock_is_used_when_no_time_is_given(store: Store) -> None:
    buckets = store.rate_buckets
    assert buckets.take("google_places", "k", 3600.0) < 60.0
    assert buckets.take("google_places", "k", 1.0) > 3000.0  # an hour's slot is still ahead


def test_two_workers_on_one_key_share_its_rate_and_an_idle_one_holds_none(store: Store) -> None:
    time = FakeTime()
    buckets = RateBuckets(store.db)
    a, b = (
        SharedRateLimiter.for_provider("neverbounce", rate=3.0, clock=time.clock, wait=time.wait)
        for _ in range(2)
    )
    for limiter in (a, b):
        limiter.share(SharedTimeline(buckets, "neverbounce", "k", clock=time.clock))
    interval = a.interval
    cancel = CancelToken()

    sent = []
    for limiter in (a, a, a):  # b has nothing to send: a gets the key's whole rate
        limiter.acquire(cancel)
        sent.append(time.now - T0)
    for limiter in (b, a, b, a):  # both busy: they take turns, together at one worker's rate
        limiter.acquire(cancel)
        sent.append(time.now - T0)
    assert sent == pytest.approx([i * interval for i in range(7)])


def test_a_back_off_widens_the_slots_a_worker_takes() -> None:
    time = FakeTime()
    taken: list[float] = []

    class Slots:
        def take(self, interval: float) -> float:
            taken.append(interval)
            return 0.0

    limiter = SharedRateLimiter.for_provider("neverbounce", rate=3.0, clock=time.clock, wait=time.wait)
    limiter.share(Slots())
    limiter.acquire(CancelToken())
    assert limiter.on_rate_limited()
    limiter.acquire(CancelToken())
    assert taken[1] == pytest.approx(taken[0] * 2)  # half the rate: twice the slot


def test_a_cancel_while_waiting_for_the_shared_slot_stops_the_request() -> None:
    cancel = CancelToken()

    class Later:
        def take(self, interval: float) -> float:
            return 5.0

    def wait(token: CancelToken, seconds: float) -> bool:
        token.cancel()
        return True

    limiter = SharedRateLimiter.for_provider("hunter", wait=wait)
    limiter.share(Later())
    with pytest.raises(Cancelled):
        limiter.acquire(cancel)


def test_a_lost_database_lets_the_request_go_on_its_own_limiter(store: Store) -> None:
    class Broken(RateBuckets):
        def take(self, provider: str, key_group: str, interval: float, *, now: float | None = None) -> float:
            raise StorageError("the team database cannot be reached")

    timeline = SharedTimeline(Broken(store.db), "hunter", "k")
    assert timeline.take(0.5) == 0.0


def test_only_workers_on_the_same_key_share_its_timeline(runner: _JobRunner) -> None:
    others = {**KEYS, "neverbounce": "another-key"}
    runner.share_rates([worker("a:1"), worker("b:2", others)])
    limiters = runner._limiters
    assert limiters["hunter"].shared
    assert not limiters["neverbounce"].shared
    assert limiters["neverbounce"].rate == pytest.approx(3.0)  # its rate is its own, never split
    runner.share_rates([worker("a:1")])  # alone again
    assert not any(limiter.shared for limiter in limiters.values())


def test_a_shared_limiter_backs_off_to_half_its_rate_at_most(runner: _JobRunner) -> None:
    limiter = runner._limiters["neverbounce"]
    runner.share_rates([worker("a:1"), worker("b:2")])
    assert limiter.min_rate == pytest.approx(1.5)  # refusals of meeting requests cost the team half at most
    runner.share_rates([worker("a:1")])
    assert not limiter.shared
    assert (limiter.rate, limiter.min_rate) == pytest.approx((3.0, 3.0 / 16))
