"""The one core-side request pool: bounds per kind and per lane, results to an inbox, close and join.

Every verdict waits on events the requests themselves set; nothing sleeps to "let it happen".
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from leadgen_desktop.core.run.run_loop import RunLoop
from leadgen_desktop.core.run.worker_pool import Finished, Inbox, Request, RequestPool
from leadgen_desktop.domain import Cancelled, CancelToken, PaidAttempt, current_ledger

GUARD = 10.0
"""Hang guard for waits that end at once when the code is right."""


class Gate:
    """Requests that block until released, and say when they started."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.started: list[str] = []
        self.changed = threading.Condition()
        self.running = 0
        self.most_running = 0

    def call(self, name: str) -> Callable[[CancelToken], object]:
        def run(stop: CancelToken) -> object:
            with self.changed:
                self.started.append(name)
                self.running += 1
                self.most_running = max(self.most_running, self.running)
                self.changed.notify_all()
            try:
                if not self.release.wait(GUARD):
                    raise AssertionError("never released")
                return name
            finally:
                with self.changed:
                    self.running -= 1

        return run

    def wait_started(self, count: int) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.started) >= count, GUARD)


@pytest.fixture
def pool() -> Iterator[tuple[RequestPool, Inbox]]:
    inbox = Inbox()
    pool = RequestPool({"search": 2, "site": 4}, inbox, CancelToken())
    yield pool, inbox
    pool.close()
    assert pool.join(GUARD)


def collect(inbox: Inbox, count: int) -> list[Finished]:
    """``count`` results, as an owner reads them: ``None`` is a wake without a message, not an end.

    A post whose message an earlier ``next()`` already took leaves its wake behind, so the
    following wait returns at once with nothing (as a cancel's wake does). Owners loop on it;
    reading it as "no result" made this helper fail at random when two results arrived together.
    """
    got: list[Finished] = []
    deadline = time.monotonic() + GUARD
    while len(got) < count:
        remaining = deadline - time.monotonic()
        assert remaining > 0, "a result never came"
        message = inbox.next(remaining)
        if message is None:
            continue
        assert isinstance(message, Finished)
        got.append(message)
    return got


def test_a_wake_left_by_a_message_already_taken_is_not_a_message() -> None:
    inbox = Inbox()
    inbox.post("first")
    inbox.post("second")
    assert [inbox.next(0), inbox.next(0)] == ["first", "second"]
    assert inbox.next(GUARD) is None  # the stale wake returns at once, with nothing
    inbox.post("third")
    assert inbox.next(GUARD) == "third"


def test_at_most_the_limit_of_a_kind_runs_at_once(pool: tuple[RequestPool, Inbox]) -> None:
    requests, inbox = pool
    gate = Gate()
    for i in range(5):
        requests.submit(Request("search", i, gate.call(f"s{i}")))
    gate.wait_started(2)
    assert requests.running("search") == 2
    assert gate.started == ["s0", "s1"]  # the others wait, in order
    gate.release.set()
    results = collect(inbox, 5)
    assert sorted(str(r.outcome) for r in results) == [f"s{i}" for i in range(5)]
    assert gate.most_running == 2


def test_a_burst_after_an_idle_spell_runs_up_to_the_limit_at_once(pool: tuple[RequestPool, Inbox]) -> None:
    requests, inbox = pool
    requests.submit(Request("site", "first", lambda _stop: "done"))
    collect(inbox, 1)
    kind = requests._kinds["site"]
    with requests._changed:  # its thread is waiting for work (one idle thread, not yet woken)
        while kind.idle != 1:
            requests._changed.wait(0.01)
    gate = Gate()
    for i in range(4):
        requests.submit(Request("site", i, gate.call(f"s{i}")))
    gate.wait_started(4)  # not one after the other on the idle thread: four threads at once
    assert gate.most_running == 4
    gate.release.set()
    assert len(collect(inbox, 4)) == 4


def test_one_request_at_a_time_per_lane(pool: tuple[RequestPool, Inbox]) -> None:
    requests, inbox = pool
    gate = Gate()
    for i, host in enumerate(["a.com", "a.com", "b.com", "a.com"]):
        requests.submit(Request("site", i, gate.call(f"{host}#{i}"), lane=host))
    gate.wait_started(2)  # one per host, though the kind allows four
    assert sorted(gate.started) == ["a.com#0", "b.com#2"]
    gate.release.set()
    assert len(collect(inbox, 4)) == 4
    assert gate.most_running == 2


def test_results_and_failures_come_back_with_their_request(pool: tuple[RequestPool, Inbox]) -> None:
    requests, inbox = pool

    def fail(_stop: CancelToken) -> object:
        raise ValueError("broken")

    requests.submit(Request("search", "ok", lambda _stop: 42, tag="mine"))
    requests.submit(Request("search", "bad", fail))
    results = {str(f.request.key): f for f in collect(inbox, 2)}
    assert results["ok"].outcome == 42
    assert results["ok"].request.tag == "mine"
    assert isinstance(results["bad"].outcome, ValueError)


def test_a_request_runs_inside_its_ledger(pool: tuple[RequestPool, Inbox]) -> None:
    requests, inbox = pool

    class Book:
        def before_send(self, attempt: PaidAttempt) -> int | None:
            return None

        def after_answer(self, entry: int | None, call: object) -> None:
            pass

    book = Book()
    requests.submit(Request("search", 1, lambda _stop: current_ledger(), ledger=book))
    [finished] = collect(inbox, 1)
    assert finished.outcome is book
    assert current_ledger() is None  # nothing leaks into the owner's thread


def test_close_drops_queued_requests_and_stops_running_ones() -> None:
    inbox = Inbox()
    run_token = CancelToken()
    requests = RequestPool({"search": 1}, inbox, run_token.child())
    waiting = threading.Event()

    def long_wait(stop: CancelToken) -> object:
        waiting.set()
        if stop.wait(GUARD):
            raise Cancelled
        return "slept"

    requests.submit(Request("search", "running", long_wait))
    requests.submit(Request("search", "queued", lambda _stop: "never"))
    assert waiting.wait(GUARD)
    dropped = requests.close()
    assert [r.key for r in dropped] == ["queued"]  # never sent: handed back to the owner
    [finished] = collect(inbox, 1)
    assert isinstance(finished.outcome, Cancelled)  # its wait gave up at once
    assert requests.join(GUARD)
    assert not run_token.cancelled  # closing the pool does not cancel the run
    with pytest.raises(RuntimeError):
        requests.submit(Request("search", "late", lambda _stop: None))


def test_threads_are_daemons_so_an_abandoned_request_never_keeps_the_process_alive(
    pool: tuple[RequestPool, Inbox],
) -> None:
    requests, inbox = pool
    gate = Gate()
    requests.submit(Request("search", 1, gate.call("x")))
    gate.wait_started(1)
    workers = [t for t in threading.enumerate() if t.name.startswith("leadgen-search")]
    assert workers
    assert all(t.daemon for t in workers)
    gate.release.set()
    collect(inbox, 1)


def test_the_owner_waits_event_driven_and_a_cancel_wakes_it() -> None:
    """The run loop blocks without a timeout (no timer) and a cancel from another thread ends the wait."""
    inbox, token = Inbox(), CancelToken()
    loop = RunLoop(inbox, token)
    waiting = threading.Event()
    original = inbox.next

    def next_and_tell(timeout: float | None = None) -> object | None:
        assert timeout is None  # no timer is active: a plain blocking wait, no polling
        waiting.set()
        return original(timeout)

    inbox.next = next_and_tell  # type: ignore[method-assign]
    outcome: list[BaseException] = []

    def serve() -> None:
        try:
            loop.serve(until=lambda: False)
        except Cancelled as exc:
            outcome.append(exc)

    thread = threading.Thread(target=serve)
    thread.start()
    assert waiting.wait(GUARD)
    token.cancel()
    thread.join(GUARD)
    assert outcome
    assert isinstance(outcome[0], Cancelled)
    loop.close()


def test_the_run_loop_dispatches_by_kind_and_runs_due_timers() -> None:
    now = [0.0]
    inbox, token = Inbox(), CancelToken()
    loop = RunLoop(inbox, token, clock=lambda: now[0])
    seen: list[str] = []
    ticks: list[float] = []
    loop.on("page", lambda f: seen.append(f"page:{f.outcome}"))
    loop.on("search", lambda f: seen.append(f"search:{f.outcome}"))

    def tick() -> None:
        ticks.append(now[0])
        now[0] += 4.0  # the fake clock moves only when a timer runs

    loop.every(10.0, tick)
    inbox.post(Finished(Request("search", "d", lambda _s: None), "a"))
    inbox.post(Finished(Request("page", "t", lambda _s: None), "b"))
    loop.serve(until=lambda: len(seen) == 2)
    assert seen == ["search:a", "page:b"]
    assert ticks == []
    now[0] = 10.0
    loop.serve(until=lambda: len(ticks) == 1)  # due at once: the wait's timeout was 0
    assert ticks == [10.0]
    loop.close()
