"""The All-leads model (100,000 rows: model tester, sort, filter) and its view loading from a database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from pytestqt.qtbot import QtBot

from leadgen_desktop.db.store import Store
from leadgen_desktop.gui.tables.all_leads import AllLeadsView
from leadgen_desktop.gui.tables.all_leads_model import (
    COL_BUSINESS,
    COL_CAMPAIGN,
    COL_RATING,
    COL_REVIEWS,
    COL_SCORE,
    AllLeadsModel,
)
from leadgen_desktop.gui.tables.results_model import SORT_ROLE
from tests.fakes.seed_leads import seed_database, synthetic_rows

DESC = Qt.SortOrder.DescendingOrder


def row(
    lead_id: int, name: str, score: int, rating: float | None = None, reviews: int | None = None
) -> tuple:
    return (lead_id, "dentist", "Austin, TX", name, None, None, None, None, "valid", score, rating, reviews)


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Store]:
    repository = Store.open(tmp_path / "all.db")
    yield repository
    repository.db.close()


def column(model: AllLeadsModel, col: int) -> list[str]:
    return [model.display_text(r, col) for r in range(model.rowCount())]


@pytest.mark.slow
def test_qtmodeltester_with_100k_rows(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    """The issue asks for 100,000 rows: Qt's C++ tester walks every cell once (about 12 s)."""
    model = AllLeadsModel()
    model.set_records(synthetic_rows(100_000))
    model.sort(COL_SCORE, DESC)
    qtmodeltester.check(model)
    assert model.rowCount() == 100_000


def test_qtmodeltester_through_sort_and_filter(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = AllLeadsModel()
    model.set_records(synthetic_rows(1000))
    qtmodeltester.check(model)  # re-checks the whole model after every layout change and reset
    model.sort(COL_SCORE, DESC)
    model.sort(COL_BUSINESS)
    model.set_filter_string("business a")
    model.set_filter_string("business a1")
    model.set_filter_string("")
    model.sort(-1)
    assert model.rowCount() == 1000


def test_numbers_sort_as_numbers_with_empty_values_last() -> None:
    model = AllLeadsModel()
    model.set_records(
        [
            row(1, "a", 9, 4.5, None),
            row(2, "b", 100, None, 30),
            row(3, "c", 10, 1.0, 5),
            row(4, "d", 10, 2.0, 7),
        ]
    )
    model.sort(COL_SCORE, Qt.SortOrder.AscendingOrder)
    assert column(model, COL_SCORE) == ["9", "10", "10", "100"]
    model.sort(COL_SCORE, DESC)
    assert column(model, COL_SCORE) == ["100", "10", "10", "9"]
    assert [model.lead_id(r) for r in (1, 2)] == [3, 4]  # ties keep the load order, also descending
    model.sort(COL_RATING, Qt.SortOrder.AscendingOrder)
    assert column(model, COL_RATING) == ["1.0", "2.0", "4.5", ""]
    model.sort(COL_RATING, DESC)
    assert column(model, COL_RATING) == ["4.5", "2.0", "1.0", ""]  # empty last both ways
    model.sort(COL_REVIEWS, DESC)
    assert column(model, COL_REVIEWS) == ["30", "7", "5", ""]
    assert model.data(model.index(0, COL_REVIEWS), SORT_ROLE) == 30
    model.sort(-1)
    assert [model.lead_id(r) for r in range(4)] == [1, 2, 3, 4]


def test_text_sort_is_case_insensitive_and_stable() -> None:
    model = AllLeadsModel()
    model.set_records([row(1, "beta", 1), row(2, "Alpha", 2), row(3, "alpha", 3), row(4, "", 4)])
    model.sort(COL_BUSINESS)
    assert [model.lead_id(r) for r in range(4)] == [2, 3, 1, 4]
    model.sort(COL_BUSINESS, DESC)
    assert [model.lead_id(r) for r in range(4)] == [1, 2, 3, 4]


def test_sort_keeps_the_selection_on_the_same_lead(qtbot: QtBot) -> None:
    model = AllLeadsModel()
    model.set_records([row(1, "c", 5), row(2, "a", 7), row(3, "b", 6)])
    selection = QItemSelectionModel(model)
    selection.select(model.index(0, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect)
    model.sort(COL_BUSINESS)
    (selected,) = selection.selectedIndexes()
    assert model.lead_id(selected.row()) == 1
    assert selected.row() == 2


def test_filter_matches_any_text_column_and_narrows_and_widens() -> None:
    model = AllLeadsModel()
    rows = synthetic_rows(2000)
    model.set_records(rows)
    model.sort(COL_SCORE, DESC)
    model.set_filter_string("  BUSINESS A1 ")
    expected = {r[0] for r in rows if "business a1" in r[3].casefold()}
    assert {model.lead_id(i) for i in range(model.rowCount())} == expected
    scores = [int(s) for s in column(model, COL_SCORE)]
    assert scores == sorted(scores, reverse=True)  # the filter keeps the sort
    model.set_filter_string("business a12")  # narrowing searches the shown rows only
    assert {model.lead_id(i) for i in range(model.rowCount())} == {
        r[0] for r in rows if "business a12" in r[3].casefold()
    }
    model.set_filter_string("boston")  # campaign column
    assert model.rowCount() == sum(1 for r in rows if r[2] == "Boston, MA")
    assert all("Boston" in t for t in column(model, COL_CAMPAIGN))
    model.set_filter_string("")
    assert model.rowCount() == 2000


def test_view_loads_every_campaign_on_a_thread(qtbot: QtBot, repo: Store) -> None:
    seed_database(repo, leads=1200, campaigns=4)
    view = AllLeadsView(repo)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.loaded, timeout=10_000) as blocker:
        view.show()  # loads on first show
    assert blocker.args == [1200]
    assert view.model.rowCount() == 1200
    assert view.count_label.text() == "1,200 leads"
    assert len(set(column(view.model, COL_CAMPAIGN))) == 4
    assert view.table_view.verticalHeader().sectionResizeMode(0).name == "Fixed"
    qtbot.keyClicks(view.filter_edit, "business a")
    assert 0 < view.model.rowCount() < 1200
    assert view.count_label.text().endswith("of 1,200 leads")
    view.shutdown()
