"""The cancel token and its wake-up latch are safe in a signal handler that interrupted the waiter.

Two causes made Ctrl-C hang the command for good (issue 10):

* ``CancelToken.cancel()`` took locks (its own in ``child()``/``cancel()``, the ``Condition``
  inside ``threading.Event.set()``) that the interrupted thread itself could hold: the SIGINT
  handler, running on that thread, then waited for itself. The re-entrancy test below calls
  ``cancel()`` at *every line* the token's code runs, the way a handler can interrupt it.
* the pipeline waited in ``queue.SimpleQueue.get(timeout=0.005)``; in CPython 3.11 a signal
  handled as that timeout runs out turns it into a wait without end. The storm test below
  sends signals whose handler outlasts the timeout to a thread waiting on a :class:`Waker`.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

import pytest

from leadgen_desktop.domain import Cancelled, CancelToken, Waker
from leadgen_desktop.domain import cancel as cancel_module

HANG_GUARD = 10.0
"""Seconds after which a test calls it a hang (never reached when the code is right)."""


def test_waker_wakes_a_waiter_and_counts_several_wakes_as_one() -> None:
    waker = Waker()
    assert waker.wait(0) is False
    waker.wake()
    waker.wake()  # a second wake before the wait is the same wake
    assert waker.wait(0) is True
    assert waker.wait(0) is False

    woken = threading.Event()

    def waiter() -> None:
        if waker.wait(HANG_GUARD):
            woken.set()

    thread = threading.Thread(target=waiter)
    thread.start()
    waker.wake()
    thread.join(HANG_GUARD)
    assert woken.is_set()


def test_cancel_wakes_waiters_registered_before_and_after() -> None:
    token = CancelToken()
    before, after = Waker(), Waker()
    token.add_waker(before)
    child = token.child()
    token.cancel()
    token.add_waker(after)  # registered once cancelled: woken at once
    assert before.wait(0)
    assert after.wait(0)
    assert child.cancelled
    assert token.child().cancelled  # a child made after the cancel is born cancelled
    assert token.wait(HANG_GUARD) is True  # returns at once
    with pytest.raises(Cancelled):
        token.raise_if_cancelled()


def test_wait_returns_early_when_another_thread_cancels() -> None:
    token = CancelToken()
    result: list[bool] = []
    thread = threading.Thread(target=lambda: result.append(token.wait(HANG_GUARD)))
    thread.start()
    while not token._wakers:  # the waiter registered its latch (no timing: a plain hand-over)
        time.sleep(0.001)
    token.cancel()
    thread.join(HANG_GUARD)
    assert result == [True]
    assert not token._wakers  # the waiter unregistered


def _reentrant_tracer(token: CancelToken, calls: list[int]) -> Callable[..., Any]:
    """A trace function that cancels ``token`` at every line of the token's own code, as a handler may."""
    busy = False

    def tracer(frame: FrameType, event: str, _arg: object) -> Callable[..., Any] | None:
        nonlocal busy
        if frame.f_code.co_filename != cancel_module.__file__:
            return tracer
        if event == "line" and not busy:
            busy = True
            try:
                token.cancel()  # the "signal handler", on the thread that is inside the token
                calls.append(frame.f_lineno)
            finally:
                busy = False
        return tracer

    return tracer


def test_cancel_from_a_handler_interrupting_the_token_itself_never_deadlocks() -> None:
    token = CancelToken()
    calls: list[int] = []
    finished = threading.Event()

    def exercise() -> None:
        sys.settrace(_reentrant_tracer(token, calls))
        try:
            for _ in range(3):
                child = token.child()
                child.cancel()
                token.wait(0)
                waker = Waker()
                token.add_waker(waker)
                token.remove_waker(waker)
                token.cancel()
        finally:
            sys.settrace(None)
        finished.set()

    thread = threading.Thread(target=exercise, daemon=True)  # a deadlock must not hang the suite
    thread.start()
    thread.join(HANG_GUARD)
    assert finished.is_set(), "cancel() called from inside the token's own code deadlocked"
    assert len(calls) > 20  # it really was interrupted at many points


@pytest.fixture
def slow_usr1_handler() -> Iterator[list[int]]:
    """SIGUSR1 handled by a handler that takes longer than the waits it interrupts (10 ms > 5 ms)."""
    handled: list[int] = []

    def handler(_signum: int, _frame: FrameType | None) -> None:
        handled.append(1)
        time.sleep(0.01)

    previous = signal.signal(signal.SIGUSR1, handler)
    yield handled
    signal.signal(signal.SIGUSR1, previous)


def _storm(target: int, signals: int, done: threading.Event) -> None:
    for _ in range(signals):
        if done.is_set():
            return
        signal.pthread_kill(target, signal.SIGUSR1)
        time.sleep(0.003)


def test_a_waker_wait_survives_a_signal_storm_on_its_own_thread(slow_usr1_handler: list[int]) -> None:
    """5 ms waits on the main thread while a storm of slow signal handlers runs on it: every wait ends."""
    done = threading.Event()
    waker = Waker()
    storm = threading.Thread(target=_storm, args=(threading.main_thread().ident, 60, done))
    storm.start()
    rescued: list[bool] = []

    def rescue() -> None:  # the hang guard: only needed if a wait never ends
        storm.join()
        if not done.wait(HANG_GUARD):
            rescued.append(True)
            waker.wake()

    guard = threading.Thread(target=rescue, daemon=True)
    guard.start()
    while storm.is_alive():
        waker.wait(0.005)
    done.set()
    guard.join(HANG_GUARD)
    assert len(slow_usr1_handler) >= 30
    assert not rescued, "a timed wait interrupted by signals never ended"
