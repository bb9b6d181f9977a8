"""A worker's share of a key's rate limit: split between the live workers on the same key, and a
shared limiter backs off at most to half its share (refusals are the workers' requests meeting)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from leadgen_desktop.cli_team import _JobRunner
from leadgen_desktop.db.records import WorkerRecord
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import PROVIDERS
from leadgen_desktop.net.rate_memory import key_fingerprint
from leadgen_desktop.settings import AppSettings

KEYS: dict[str, str | None] = {p: f"{p}-key" for p in PROVIDERS}
NOW = dt.datetime(2026, 1, 1, 12, 0, 0)


def worker(name: str, keys: dict[str, str | None] = KEYS) -> WorkerRecord:
    groups = {p: key_fingerprint(p, key) for p, key in keys.items() if key}
    return WorkerRecord(name, "alice", NOW, NOW, NOW + dt.timedelta(minutes=1), 2, (), groups)


@pytest.fixture
def runner(tmp_path: Path) -> Iterator[_JobRunner]:
    store = Store.open(str(tmp_path / "t.db"))
    made = _JobRunner(store, dict(KEYS), AppSettings(neverbounce_rate=3.0))
    yield made
    store.db.close()


def test_four_workers_on_a_key_each_take_a_quarter_and_back_off_to_half_of_it(runner: _JobRunner) -> None:
    others = {**KEYS, "neverbounce": "another-key"}
    runner.share_rates([worker("a:1"), worker("b:2"), worker("c:3"), worker("d:4", others)])
    limiter = runner._limiters["neverbounce"]
    assert (limiter.rate, limiter.min_rate) == pytest.approx((1.0, 0.5))  # three share this key
    runner.share_rates([worker("a:1")])  # alone again: its whole rate, the default floor
    assert (limiter.rate, limiter.min_rate) == pytest.approx((3.0, 3.0 / 16))
