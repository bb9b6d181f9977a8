"""Regression guard: PySide6 6.12.0 on Python 3.11 leaks one reference to True per Signal.emit().

After enough emits the refcount of True wraps and the interpreter aborts, so a
long run (thousands of progress and row signals) would crash the app. The
pinned PySide6 must leave ``sys.getrefcount(True)`` unchanged.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal, Slot
from pytestqt.qtbot import QtBot

EMITS = 1_000


class Emitter(QObject):
    """Signals: ping(int), event(object), rows(list), bare()."""

    ping = Signal(int)
    event = Signal(object)
    rows = Signal(list)
    bare = Signal()


class Receiver(QObject):
    """Counts what it receives."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    @Slot(int)
    def on_ping(self, value: int) -> None:
        self.count += 1

    @Slot(object)
    def on_event(self, value: object) -> None:
        self.count += 1

    @Slot(list)
    def on_rows(self, value: list[object]) -> None:
        self.count += 1

    @Slot()
    def on_bare(self) -> None:
        self.count += 1


def test_emit_does_not_leak_references_to_true(qtbot: QtBot) -> None:
    emitter, receiver = Emitter(), Receiver()
    emitter.ping.connect(receiver.on_ping)
    emitter.event.connect(receiver.on_event)
    emitter.rows.connect(receiver.on_rows)
    emitter.bare.connect(receiver.on_bare)
    payload = (1, "a")
    emitter.ping.emit(0)  # warm up any one-time caches
    before = sys.getrefcount(True)
    for index in range(EMITS):
        emitter.ping.emit(index)
        emitter.event.emit(payload)
        emitter.rows.emit([index])
        emitter.bare.emit()
    after = sys.getrefcount(True)
    assert receiver.count == 1 + 4 * EMITS
    assert abs(after - before) < 10, (
        f"sys.getrefcount(True) changed by {after - before} over {4 * EMITS} emits"
    )
