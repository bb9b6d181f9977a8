"""An area run loads the public-suffix table on a thread of its own while the area is mapped.

The first bought places need it (websites, email searches); loading it when they came
back held up the first Hunter search. Verdicts come from events, not from timing.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from leadgen_desktop.core.run import area_stage
from leadgen_desktop.core.run.area_search import AreaSearch
from leadgen_desktop.domain import Area, JobStatus
from tests.fakes.places_city import FakeCity
from tests.unit.test_area_search import World


def test_the_suffix_table_is_loaded_apart_before_the_area_search_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warmed = threading.Event()
    warmed_on: list[threading.Thread] = []
    searched_on: list[threading.Thread] = []
    seen_before_search: list[bool] = []

    def warm_up() -> None:
        warmed_on.append(threading.current_thread())
        warmed.set()

    original = AreaSearch.run

    def run(self: AreaSearch, area: Area) -> None:
        searched_on.append(threading.current_thread())
        seen_before_search.append(warmed.wait(10))  # set by a thread started before the search
        original(self, area)

    monkeypatch.setattr(area_stage, "warm_up_domains", warm_up)
    monkeypatch.setattr(AreaSearch, "run", run)
    world = World(tmp_path, FakeCity.generate(200, seed=3))
    result = world.run(max_results=10)
    assert result.finished.status is JobStatus.COMPLETED
    assert seen_before_search == [True]
    assert len(warmed_on) == 1
    assert warmed_on[0] is not searched_on[0]
