"""RowFeeder: run batches reach the lead table in timed slices, each one insert."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from leadgen_desktop.gui.tables.results_model import LeadTableModel
from leadgen_desktop.gui.tables.row_feeder import FIRST_SLICE_ROWS, RowFeeder
from tests.gui.ux_support import lead


class StepClock:
    """A fake clock that advances ``per_row`` seconds for every row the model appends."""

    def __init__(self, model: LeadTableModel, per_row: float) -> None:
        self.now = 0.0
        self.per_row = per_row
        model.rowsInserted.connect(lambda _parent, first, last: self._advance(last - first + 1))

    def _advance(self, rows: int) -> None:
        self.now += rows * self.per_row

    def __call__(self) -> float:
        return self.now


def inserted_batches(model: LeadTableModel) -> list[int]:
    sizes: list[int] = []
    model.rowsInserted.connect(lambda _parent, first, last: sizes.append(last - first + 1))
    return sizes


def test_a_large_batch_goes_in_as_slices_sized_to_the_time_budget(qtbot: QtBot) -> None:
    model = LeadTableModel()
    sizes = inserted_batches(model)
    clock = StepClock(model, per_row=0.001)  # 1 ms a row: a 4 ms budget fits 4 rows
    feeder = RowFeeder(model, slice_seconds=0.004, clock=clock)
    feeder.feed([lead(i, rank=i) for i in range(1, 301)])
    assert model.rowCount() == 0  # feed() never appends synchronously
    assert feeder.pending == 300
    qtbot.waitUntil(lambda: feeder.pending == 0, timeout=10_000)
    assert model.rowCount() == 300
    assert sizes[0] == FIRST_SLICE_ROWS
    assert set(sizes[1:-1]) == {4}
    assert sum(sizes) == 300
    assert [r.lead_id for r in model.records()] == list(range(1, 301))  # same score: rank order


def test_slice_size_follows_the_cost_of_the_last_slice(qtbot: QtBot) -> None:
    model = LeadTableModel()
    clock = StepClock(model, per_row=0.001)
    feeder = RowFeeder(model, slice_seconds=0.004, clock=clock)
    feeder.feed([lead(i, rank=i) for i in range(1, 101)])
    qtbot.waitUntil(lambda: feeder.slice_rows == 4)  # slow rows (a busy GIL): small slices
    clock.per_row = 0.0001
    qtbot.waitUntil(lambda: feeder.slice_rows == 40)  # fast again: 4 ms / 0.1 ms
    qtbot.waitUntil(lambda: feeder.pending == 0)
    assert model.rowCount() == 100


def test_flush_appends_the_rest_at_once_and_clear_drops_it(qtbot: QtBot) -> None:
    model = LeadTableModel()
    sizes = inserted_batches(model)
    feeder = RowFeeder(model)
    feeder.feed([lead(i, rank=i) for i in range(1, 51)])
    feeder.flush()
    assert sizes == [50]
    assert feeder.pending == 0
    feeder.feed([lead(i, rank=i) for i in range(51, 61)])
    feeder.clear()
    qtbot.wait(50)
    assert model.rowCount() == 50
    feeder.feed([])
    assert feeder.pending == 0
