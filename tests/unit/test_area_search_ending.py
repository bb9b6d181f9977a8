"""An area search that ends (a failure, a cancel) counts every attempt that came back, free ones too.

DESIGN section 4: ``api_calls`` counts every HTTP request attempt sent. A free IDs-only
mapping search still out when a run failed used to be neither waited for nor counted, so
the summary said one Google request less than the provider saw (a flaky
``test_live_cli`` failure: 36 against 37).
"""

from __future__ import annotations

from typing import Any

from leadgen_desktop.core.discovery.quadtree import MapTask
from leadgen_desktop.core.discovery.tile_search import TileMapping
from leadgen_desktop.core.run.area_round import TILE, RoundItem
from leadgen_desktop.core.run.area_search import AreaSearch
from leadgen_desktop.core.run.run_state import RunState
from leadgen_desktop.core.run.worker_pool import Finished, Request
from leadgen_desktop.domain import ApiCall, Area, PriceTable


class PlanStub:
    """The two planner calls an ending search makes."""

    def __init__(self) -> None:
        self.released: list[str] = []

    def release_tile(self, key: str) -> None:
        self.released.append(key)


class StepsStub:
    """The plan and the step store of an ending search: what it saves is kept."""

    def __init__(self) -> None:
        self.plan = self.planner = PlanStub()
        self.saved: list[dict[str, Any]] = []

    def save(self, **parts: Any) -> None:
        self.saved.append(parts)


def ending_search() -> tuple[AreaSearch, list[dict[str, Any]]]:
    """An area search as a run leaves it: built bare, with only what ending it touches."""
    search = AreaSearch.__new__(AreaSearch)
    steps = StepsStub()
    search.job_id = "job"
    search.state = RunState(PriceTable())
    search.steps = steps  # type: ignore[assignment]
    search._sent, search._answers, search._held = {}, {}, {}
    return search, steps.saved


def mapping_call() -> ApiCall:
    return ApiCall("google_places", "places:searchText", 200, "ok", "places_text_search_essentials", 1.0, 1.0)


def test_free_mapping_searches_out_keep_the_run_waiting_and_their_attempts_count() -> None:
    search, saved = ending_search()
    tile = RoundItem(MapTask("0", Area(30.0, -98.0, 30.5, -97.5)))
    search._sent[0] = tile
    assert search.requests_out == 1  # the pipeline waits for it before the job is marked failed
    assert search.purchases_out == 0
    answer = TileMapping(("p1", "p2"), 2, 1, (mapping_call(),))
    search._answers[0] = Finished(Request(TILE, 0, lambda _stop: answer), answer)
    assert search.requests_out == 0
    search.store_answered()
    assert search.state.call_counts["google_places"] == 1
    assert [parts["calls"] for parts in saved] == [(mapping_call(),)]
    assert search._held == {0: tile}  # handed back: a resumed run maps the tile again, for free
    assert search.planner.released == ["0"]  # type: ignore[union-attr]
