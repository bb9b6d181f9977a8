"""A cancelled area run: what was answered is kept, nothing new is paid, the resume pays nothing twice.

DESIGN section 4 (the honest bill) and issue 11 (cancel works as it does today).
Each test decides *when* the cancel lands with gates, never with timing:

* mapping: the cancel lands as the first tile reaches Google, before anything can be bought;
* buying: both purchase threads hold a paid answer read in full (in hand) when the cancel
  lands; the run must store them, so the resume never buys them again;
* on the wire: a purchase is held at Google until the cancelled run has ended; it is billed
  afterwards, so the run counts it as unconfirmed and the resume buys it (the one honest repeat).

In every case nothing paid reaches Google after the cancel, ``total_cost <= billed <=
total_cost + cost_unconfirmed`` holds, and the resumed run ends with the straight run's CSV.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from leadgen_desktop.core.run import area_round, run_requests
from leadgen_desktop.core.run.pipeline import Pipeline
from leadgen_desktop.core.run.run_requests import RunRequests
from leadgen_desktop.domain import AreaDiscovery, CancelToken, DiscoveryPage, JobStatus
from tests.fakes.api_server import Received
from tests.fakes.live_support import live_providers
from tests.fakes.places_city import FakeCity
from tests.unit.test_area_search import Run, World

GUARD = 30.0
"""Longest a gate waits for what the test makes happen; reaching it fails the test (never a verdict)."""
PURCHASE_THREADS = 2
"""Purchases sent at once in these tests: the buying test holds this many answers in hand."""


class AreaWorld(World):
    """A :class:`World` whose runs may use another area provider (``area``) than the live one."""

    area: AreaDiscovery | None = None

    def pipeline(self) -> Pipeline:
        providers = live_providers(self.fake, self.keys)
        return Pipeline(self.store, providers if self.area is None else replace(providers, area=self.area))

    def live_area(self) -> AreaDiscovery:
        area = live_providers(self.fake, self.keys).area
        assert area is not None
        return area


@pytest.fixture(scope="module")
def city() -> FakeCity:
    return FakeCity.generate(600, seed=21)


@pytest.fixture(scope="module")
def straight(city: FakeCity, tmp_path_factory: pytest.TempPathFactory) -> tuple[Run, Counter[str]]:
    """The uninterrupted run: its result and what Google billed for it."""
    world = World(tmp_path_factory.mktemp("straight"), city)
    run = world.run()
    assert run.finished.status is JobStatus.COMPLETED
    return run, world.paid()


@pytest.fixture
def stopped_sending(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Set once a run has stopped sending (the cancel was seen and the queued requests dropped)."""
    event = threading.Event()
    original = RunRequests.stop_sending

    def stop_sending(self: RunRequests) -> list[Any]:
        dropped = original(self)
        event.set()
        return dropped

    monkeypatch.setattr(RunRequests, "stop_sending", stop_sending)
    return event


@pytest.fixture(autouse=True)
def gated_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two purchase threads; answers in hand are waited for as long as the gates need (no timing verdict)."""
    monkeypatch.setitem(area_round.AREA_REQUESTS, area_round.PLACE, PURCHASE_THREADS)
    monkeypatch.setattr(run_requests, "IN_HAND_TIMEOUT", GUARD)


def is_paid(received: Received) -> bool:
    """A purchase: Place Details, or a text search with the contact (Enterprise) field mask."""
    mask = received.headers.get("x-goog-fieldmask", "")
    return received.method == "GET" or (received.path.endswith(":searchText") and "websiteUri" in mask)


def assert_honest(world: World, run: Run) -> None:
    metrics = run.finished.metrics
    billed = world.google_billed()
    assert metrics.total_cost <= billed + 1e-9
    assert billed <= metrics.total_cost + metrics.cost_unconfirmed + 1e-9


def resume_and_compare(world: World, first: Run, reference: Run, paid: Counter[str]) -> None:
    final = world.resume(first.job_id)
    assert final.finished.status is JobStatus.COMPLETED, final.finished.error
    assert world.paid() == paid
    assert final.csv == reference.csv
    assert_honest(world, final)


class HeldInHand:
    """The area provider, whose purchase answers from the ``first``-th on are held once read in full.

    When ``PURCHASE_THREADS`` answers are held, every purchase thread holds one: nothing
    paid can be on its way to Google. The last one cancels the run, waits until the run
    has stopped sending, and lets them all return.
    """

    def __init__(
        self,
        inner: AreaDiscovery,
        first: int,
        cancel: CancelToken,
        stopped: threading.Event,
        paid: Callable[[], Counter[str]],
    ) -> None:
        self._inner, self._first, self._cancel, self._stopped = inner, first, cancel, stopped
        self._paid = paid
        self._lock = threading.Lock()
        self._answered = 0
        self._release = threading.Event()
        self.held: list[DiscoveryPage] = []
        self.paid_at_cancel: Counter[str] | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def buy_tile(self, *args: Any) -> DiscoveryPage:
        return self._hold(self._inner.buy_tile(*args))

    def details(self, *args: Any) -> DiscoveryPage:
        return self._hold(self._inner.details(*args))

    def _hold(self, page: DiscoveryPage) -> DiscoveryPage:
        with self._lock:
            self._answered += 1
            if self._answered < self._first or self._cancel.cancelled:
                return page
            self.held.append(page)
            last = len(self.held) == PURCHASE_THREADS
            if last:
                self.paid_at_cancel = self._paid()
                self._cancel.cancel()
        if last:
            assert self._stopped.wait(GUARD), "the run did not stop sending after the cancel"
            self._release.set()
        assert self._release.wait(GUARD), "the held answers were never released"
        return page


def test_a_cancel_while_mapping_pays_nothing_and_the_resume_pays_nothing_twice(
    tmp_path: Path, city: FakeCity, straight: tuple[Run, Counter[str]]
) -> None:
    reference, paid = straight
    world = AreaWorld(tmp_path, city)
    cancel = CancelToken()
    searches = 0
    lock = threading.Lock()
    paid_after_cancel: list[Received] = []

    def arrive(received: Received) -> None:
        nonlocal searches
        with lock:
            if cancel.cancelled and is_paid(received):
                paid_after_cancel.append(received)
            if received.path.endswith(":searchText"):
                searches += 1
                if searches == 2:  # the location's lookup, then the first tile: nothing mapped yet
                    cancel.cancel()

    world.fake.before_answer = arrive
    first = world.run(cancel=cancel)
    assert first.finished.status is JobStatus.CANCELLED
    assert paid_after_cancel == []
    assert world.paid() == Counter({"places_text_search_pro": 1})  # the lookup only
    assert first.finished.metrics.cost_unconfirmed == 0.0
    assert_honest(world, first)
    world.fake.before_answer = None
    resume_and_compare(world, first, reference, paid)


@pytest.mark.parametrize("first_held", [1, 12])
def test_answers_in_hand_at_a_cancel_while_buying_are_stored_and_never_bought_again(
    tmp_path: Path,
    city: FakeCity,
    straight: tuple[Run, Counter[str]],
    stopped_sending: threading.Event,
    first_held: int,
) -> None:
    reference, paid = straight
    world = AreaWorld(tmp_path, city)
    cancel = CancelToken()
    held = HeldInHand(world.live_area(), first_held, cancel, stopped_sending, world.paid)
    world.area = held  # an AreaDiscovery by delegation
    first = world.run(cancel=cancel)
    assert first.finished.status is JobStatus.CANCELLED
    assert len(held.held) == PURCHASE_THREADS
    assert world.paid() == held.paid_at_cancel  # nothing paid was sent after the cancel
    ids = [b.place_id for page in held.held for b in page.businesses]
    stored = world.store.lookups.places(ids, dt.timedelta(days=1))
    assert set(stored) == set(ids)  # in the place cache
    assert first.finished.metrics.cost_unconfirmed == 0.0  # every answer paid for came back and is kept
    assert first.finished.metrics.total_cost == pytest.approx(world.google_billed(), abs=1e-9)
    world.area = None
    resume_and_compare(world, first, reference, paid)


def test_a_purchase_unanswered_at_the_cancel_is_billed_unconfirmed_and_bought_once_more(
    tmp_path: Path, city: FakeCity, straight: tuple[Run, Counter[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # one purchase thread: the purchase held on the wire is the only one out when the cancel lands
    monkeypatch.setitem(area_round.AREA_REQUESTS, area_round.PLACE, 1)
    reference, paid = straight
    world = AreaWorld(tmp_path, city)
    cancel = CancelToken()
    purchases = 0
    lock = threading.Lock()
    run_over = threading.Event()
    paid_after_cancel: list[Received] = []

    def arrive(received: Received) -> None:
        nonlocal purchases
        if not is_paid(received):
            return
        with lock:
            if cancel.cancelled:
                paid_after_cancel.append(received)
                return
            purchases += 1
            if purchases != 12:
                return
            cancel.cancel()  # this purchase is on its way: Google answers (and bills) it later
        assert run_over.wait(GUARD), "the cancelled run waited for an answer still on the wire"

    world.fake.before_answer = arrive
    first = world.run(cancel=cancel)
    run_over.set()
    assert world.fake.wait_idle(GUARD)
    assert first.finished.status is JobStatus.CANCELLED
    assert paid_after_cancel == []
    assert first.finished.metrics.cost_unconfirmed > 0.0  # the purchase on the wire, at its worst case
    assert_honest(world, first)
    world.fake.before_answer = None
    final = world.resume(first.job_id)
    assert final.finished.status is JobStatus.COMPLETED, final.finished.error
    assert final.csv == reference.csv
    assert_honest(world, final)
    repeated = world.paid() - paid
    assert sum(repeated.values()) == 1  # that purchase, bought once more
    assert not paid - world.paid()
    assert repeated.keys() <= {"places_text_search_enterprise", "places_details_enterprise"}
