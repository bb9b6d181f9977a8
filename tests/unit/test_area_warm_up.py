"""An area run does its slow local work while the area is mapped, not before its first requests.

It loads the public-suffix table on a thread of its own, and enriches businesses known before
the search (a repeated search's) a slice at a time between answers. The first bought places
need the table (websites, email searches); loaded when they came back, it held up the first
Hunter search. Verdicts come from events and counts, not from timing.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from dataclasses import replace
from pathlib import Path

import pytest

from leadgen_desktop.core.run import area_stage
from leadgen_desktop.core.run.area_search import AreaSearch
from leadgen_desktop.domain import Area, JobStatus
from tests.fakes.places_city import FakeCity
from tests.unit.test_area_search import World, rows


def test_the_suffix_table_is_loaded_apart_before_the_area_search_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warmed = threading.Event()
    warmed_on: list[threading.Thread] = []
    searched_on: list[threading.Thread] = []
    seen_before_search: list[bool] = []

    def warm_up(providers: object) -> None:
        warmed_on.append(threading.current_thread())
        warmed.set()

    original = AreaSearch.run

    def run(self: AreaSearch, area: Area) -> None:
        searched_on.append(threading.current_thread())
        seen_before_search.append(warmed.wait(10))  # set by a thread started before the search
        original(self, area)

    monkeypatch.setattr(area_stage, "warm_up", warm_up)
    monkeypatch.setattr(AreaSearch, "run", run)
    world = World(tmp_path, FakeCity.generate(200, seed=3))
    result = world.run(max_results=10)
    assert result.finished.status is JobStatus.COMPLETED
    assert seen_before_search == [True]
    assert len(warmed_on) == 1
    assert warmed_on[0] is not searched_on[0]


def test_a_repeated_search_sends_its_first_request_before_storing_the_earlier_leads(tmp_path: Path) -> None:
    """The earlier businesses are selected at once and enriched a slice at a time between answers.

    Storing them all first (one transaction each) held the first mapping request back 13-14 s at
    1,500 places. When the repeat's first request arrives, at most one slice can be stored: every
    further slice waits for an answer, and none can come before that request.
    """
    world = World(tmp_path, FakeCity.generate(300, seed=21))
    first = world.run()
    stored_before = count_leads(tmp_path / "t.db")
    assert stored_before > 10 * area_stage.ENRICH_SLICE
    at_first_request: list[int] = []
    original = world.fake.handle

    def handle(*args: object) -> object:
        if not at_first_request:
            at_first_request.append(count_leads(tmp_path / "t.db") - stored_before)
        return original(*args)  # type: ignore[arg-type]

    world.fake.handle = handle  # type: ignore[method-assign]
    again = world.run()
    assert again.finished.status is JobStatus.COMPLETED
    assert again.finished.metrics.total_cost == 0.0
    assert 0 <= at_first_request[0] <= area_stage.ENRICH_SLICE
    assert count_leads(tmp_path / "t.db") == 2 * stored_before
    assert [r["place_id"] for r in rows(again.csv)] == [r["place_id"] for r in rows(first.csv)]


def count_leads(db: Path) -> int:
    with closing(sqlite3.connect(db)) as connection:
        return int(connection.execute("SELECT COUNT(*) FROM leads").fetchone()[0])


class _Part:
    """A website part built on first use: counts how often it is prepared."""

    def __init__(self, fails: bool = False) -> None:
        self.prepared = 0
        self.fails = fails

    def prepare(self) -> None:
        self.prepared += 1
        if self.fails:
            raise ValueError("cannot build it here")


def test_the_warm_up_prepares_the_website_parts_that_are_built_on_first_use() -> None:
    from leadgen_desktop.domain import Providers
    from leadgen_desktop.net.providers.demo import build_demo_providers

    reader, checker = _Part(), _Part(fails=True)  # a failing one is left to its first use
    demo = build_demo_providers(latency=0.0)
    area_stage.warm_up(replace(demo, websites=reader, mail_servers=checker))  # type: ignore[arg-type]
    assert (reader.prepared, checker.prepared) == (1, 1)
    area_stage.warm_up(replace(demo, websites=None, mail_servers=None))  # nothing to prepare
    assert isinstance(demo, Providers)
