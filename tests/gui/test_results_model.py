"""LeadTableModel and LeadFilterProxy: data, batch inserts, key-based sorting, filtering."""

from __future__ import annotations

import random
import sys
from dataclasses import replace
from types import FrameType

import pytest
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QApplication, QTableView
from pytestqt.qtbot import QtBot

from leadgen_desktop.db.records import LeadRecord
from leadgen_desktop.gui.tables.results_model import (
    COL_BUSINESS,
    COL_RATING,
    COL_REASON,
    COL_REVIEWS,
    COL_SCORE,
    COLUMNS,
    LeadTableModel,
)
from leadgen_desktop.gui.tables.results_proxy import LeadFilterProxy

_BASE = LeadRecord(
    lead_id=0,
    job_id="job",
    campaign_id="camp",
    rank=0,
    business_name="",
    address="1 Main St",
    phone="(512) 555-0100",
    website="https://example.com",
    email=None,
    email_status="not_found",
    confidence_score=0,
    rating=None,
    review_count=None,
    place_id="p",
    email_reason=None,
    email_source=None,
    business_status="OPERATIONAL",
    maps_url=None,
    cost=0.0,
    error=None,
    score_components="[]",
    candidates="[]",
    provenance="{}",
)


def lead(lead_id: int, name: str, **changes: object) -> LeadRecord:
    fields: dict[str, object] = {"rank": lead_id, "place_id": f"p{lead_id}", **changes}
    return replace(_BASE, lead_id=lead_id, business_name=name, **fields)


def sample() -> list[LeadRecord]:
    return [
        lead(
            1,
            "beta Dental",
            confidence_score=80,
            rating=4.5,
            review_count=9,
            email="a@beta.com",
            email_status="valid",
        ),
        lead(2, "Alpha Dental", confidence_score=95, rating=None, review_count=10),
        lead(
            3,
            "gamma smiles",
            confidence_score=60,
            rating=3.9,
            review_count=None,
            email_reason="no_website",
            website=None,
        ),
        lead(4, "Delta Care", confidence_score=100, rating=10.0, review_count=100, phone=None),
    ]


def column_values(model: LeadTableModel, column: int) -> list[str]:
    return [model.index(row, column).data() for row in range(model.rowCount())]


def test_qtmodeltester_with_rows(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = LeadTableModel()
    model.append_rows(sample())
    qtmodeltester.check(model, force_py=True)
    proxy = LeadFilterProxy(model)
    proxy.set_filter_string("dental")
    qtmodeltester.check(proxy, force_py=True)


def test_qtmodeltester_watches_batches_sorts_and_resets(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    """The tester stays connected: every insert, layout change and reset must be consistent."""
    model = LeadTableModel()
    qtmodeltester.check(model, force_py=True)
    rng = random.Random(7)
    leads = [lead(i, f"B{i}", confidence_score=rng.randrange(0, 101)) for i in range(1, 401)]
    for start in range(0, 400, 100):
        model.append_rows(leads[start : start + 100])
    model.sort(COL_SCORE, Qt.SortOrder.AscendingOrder)
    model.sort(-1)
    model.set_rows(leads[:10])
    assert model.rowCount() == 10


def test_data_roles_and_alignment() -> None:
    model = LeadTableModel()
    model.append_rows(sample())
    assert model.columnCount() == len(COLUMNS) == 11
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers == [
        "Business",
        "Address",
        "Phone",
        "Website",
        "Email",
        "Email status",
        "Score",
        "Rating",
        "Reviews",
        "Why no email",
        "New?",
    ]
    # unsorted, rows are best first like the CSV: Delta 100, Alpha 95, beta 80, gamma 60
    assert column_values(model, COL_BUSINESS) == ["Delta Care", "Alpha Dental", "beta Dental", "gamma smiles"]
    beta = model.index(2, COL_BUSINESS)
    assert beta.data() == "beta Dental"
    assert model.sort_key(2, COL_BUSINESS) == "beta dental"
    assert model.index(2, COL_RATING).data() == "4.5"
    assert model.sort_key(2, COL_RATING) == 4.5
    assert model.index(1, COL_RATING).data() == ""
    assert model.sort_key(1, COL_RATING) is None
    assert model.index(2, 5).data() == "valid"
    assert model.index(1, 5).data() == "not found"
    assert "no website" in model.index(3, COL_REASON).data()  # gamma smiles
    align = model.index(0, COL_SCORE).data(Qt.ItemDataRole.TextAlignmentRole)
    assert Qt.AlignmentFlag(align) & Qt.AlignmentFlag.AlignRight
    assert model.index(0, COL_BUSINESS).data(Qt.ItemDataRole.TextAlignmentRole) is None
    assert model.row_record(0).business_name == "Delta Care"
    assert not model.flags(beta) & Qt.ItemFlag.ItemIsEditable


def test_append_rows_inserts_in_place_one_insert_per_run_and_skips_duplicates(qtbot: QtBot) -> None:
    """A batch goes straight to its places: no layout change of the rows already shown."""
    model = LeadTableModel()
    inserts: list[tuple[int, int]] = []
    layout_changes: list[int] = []
    model.rowsInserted.connect(lambda _parent, first, last: inserts.append((first, last)))
    model.layoutChanged.connect(lambda *args: layout_changes.append(1))
    assert model.append_rows(sample()[:2]) == 2  # Alpha 95, beta 80: one run
    assert model.append_rows(sample()) == 2  # ids 1 and 2 are already there
    assert model.append_rows([]) == 0
    assert inserts == [(0, 1), (0, 0), (3, 3)]  # Delta 100 on top, gamma 60 at the bottom
    assert layout_changes == []
    assert column_values(model, COL_BUSINESS) == ["Delta Care", "Alpha Dental", "beta Dental", "gamma smiles"]
    assert model.rowCount() == 4
    model.set_rows(sample()[:1])
    assert model.rowCount() == 1


@pytest.mark.parametrize(
    ("column", "order", "expected"),
    [
        (COL_SCORE, Qt.SortOrder.DescendingOrder, ["100", "95", "80", "60"]),
        (COL_SCORE, Qt.SortOrder.AscendingOrder, ["60", "80", "95", "100"]),
        # Numbers, not text: 10 > 9 and 100 > 10; the missing value is last either way.
        (COL_REVIEWS, Qt.SortOrder.DescendingOrder, ["100", "10", "9", ""]),
        (COL_REVIEWS, Qt.SortOrder.AscendingOrder, ["9", "10", "100", ""]),
        (COL_RATING, Qt.SortOrder.DescendingOrder, ["10.0", "4.5", "3.9", ""]),
        (COL_RATING, Qt.SortOrder.AscendingOrder, ["3.9", "4.5", "10.0", ""]),
    ],
)
def test_sort_numeric_columns_as_numbers_with_none_last(
    column: int, order: Qt.SortOrder, expected: list[str]
) -> None:
    model = LeadTableModel()
    model.append_rows(sample())
    model.sort(column, order)
    assert column_values(model, column) == expected


def test_sort_text_casefolded_and_back_to_default_order() -> None:
    model = LeadTableModel()
    model.append_rows(sample())
    model.sort(COL_BUSINESS, Qt.SortOrder.AscendingOrder)
    assert column_values(model, COL_BUSINESS) == ["Alpha Dental", "beta Dental", "Delta Care", "gamma smiles"]
    model.sort(-1)  # back to best first: score, then rank
    assert [r.lead_id for r in model.records()] == [4, 2, 1, 3]


def test_unsorted_rows_follow_rank_even_when_stored_out_of_order() -> None:
    model = LeadTableModel()
    model.append_rows([lead(10, "third", rank=3), lead(11, "first", rank=1)])
    model.append_rows([lead(12, "second", rank=2)])
    assert column_values(model, COL_BUSINESS) == ["first", "second", "third"]


def test_sort_moves_persistent_indexes_and_new_batches_stay_sorted() -> None:
    model = LeadTableModel()
    model.append_rows(sample())
    layout_changes: list[int] = []
    model.layoutChanged.connect(lambda *args: layout_changes.append(1))
    tracked = QPersistentModelIndex(model.index(0, COL_BUSINESS))  # Delta Care, the best
    model.sort(COL_SCORE, Qt.SortOrder.AscendingOrder)
    assert layout_changes == [1]
    assert tracked.row() == 3
    assert tracked.data() == "Delta Care"
    model.append_rows([lead(5, "Epsilon", confidence_score=99)])
    assert column_values(model, COL_SCORE) == ["60", "80", "95", "99", "100"]
    assert tracked.row() == 4


def test_proxy_filters_case_insensitively_and_delegates_sort() -> None:
    model = LeadTableModel()
    model.append_rows(sample())
    proxy = LeadFilterProxy(model)
    assert proxy.rowCount() == 4
    proxy.set_filter_string("DENTAL")
    assert proxy.rowCount() == 2
    proxy.set_filter_string("a@beta")  # email
    assert proxy.rowCount() == 1
    proxy.set_filter_string("not found")  # email status text
    assert proxy.rowCount() == 3
    proxy.set_filter_string("")
    proxy.sort(COL_SCORE, Qt.SortOrder.AscendingOrder)
    assert model.sort_column == COL_SCORE
    assert [proxy.index(r, COL_SCORE).data() for r in range(4)] == ["60", "80", "95", "100"]
    assert proxy.mapToSource(proxy.index(0, 0)).row() == 0
    assert not proxy.index(0, 0).parent().isValid()
    assert model.rowCount(model.index(0, 0)) == 0
    assert model.data(QModelIndex()) is None


def test_proxy_filter_ignores_accents_and_case_like_all_leads() -> None:
    model = LeadTableModel()
    model.append_rows(
        [
            lead(1, "Café Nero", address="İstiklal Caddesi 5, İstanbul"),
            lead(2, "Straße Bäckerei", address="Königstraße 1"),
            lead(3, "Plain Cafe"),
        ]
    )
    proxy = LeadFilterProxy(model)

    def shown(text: str) -> list[str]:
        proxy.set_filter_string(text)
        return sorted(proxy.index(r, COL_BUSINESS).data() for r in range(proxy.rowCount()))

    assert shown("istanbul") == ["Café Nero"]
    assert shown("ISTIKLAL") == ["Café Nero"]
    assert shown("cafe") == ["Café Nero", "Plain Cafe"]
    assert shown("CAFÉ") == ["Café Nero", "Plain Cafe"]
    assert shown("strasse") == ["Straße Bäckerei"]
    assert shown("konigstrasse") == ["Straße Bäckerei"]
    assert proxy.filter_string == "konigstrasse"


def test_painting_the_table_calls_no_python(qtbot: QtBot) -> None:
    """Every cell is a C++ item: a repaint must not wait for the GIL a run's threads hold."""
    model = LeadTableModel()
    model.append_rows([lead(i, f"Business {i}", confidence_score=i % 101, rating=4.5) for i in range(1, 201)])
    proxy = LeadFilterProxy(model)
    proxy.set_filter_string("business")
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(proxy)
    view.resize(1200, 800)
    view.show()
    qtbot.waitExposed(view)
    QApplication.processEvents()  # the view lays its rows out on a posted event
    view.viewport().repaint()  # the first paint also creates Qt's enum types lazily
    calls: list[str] = []

    def profile(frame: FrameType, event: str, _arg: object) -> None:
        if event == "call":
            calls.append(f"{frame.f_code.co_filename}:{frame.f_code.co_name}")

    sys.setprofile(profile)
    try:
        view.viewport().repaint()
        view.horizontalHeader().viewport().repaint()
    finally:
        sys.setprofile(None)
    assert len(proxy.filterRegularExpression().pattern()) > 0
    assert view.rowAt(0) == 0  # rows were painted
    assert calls == []


@pytest.mark.parametrize("seed", range(5))
def test_many_batches_in_any_order_stay_best_first(seed: int) -> None:
    """Batches merge in at their places, whatever order they arrive in."""
    rng = random.Random(seed)
    leads = [
        lead(i, f"B{i}", confidence_score=rng.randrange(0, 101), rating=rng.choice([None, 3.0, 4.5]))
        for i in range(1, 401)
    ]
    rng.shuffle(leads)
    model = LeadTableModel()
    model.append_rows(leads[:5])
    tracked = QPersistentModelIndex(model.index(2, COL_BUSINESS))
    tracked_name = tracked.data()
    del leads[:5]
    while leads:
        batch = leads[: rng.randrange(1, 40)]
        del leads[: len(batch)]
        model.append_rows(batch)
        expected = sorted(model.records(), key=lambda r: (-r.confidence_score, r.rank, r.lead_id))
        assert model.records() == expected
        assert column_values(model, COL_BUSINESS) == [r.business_name for r in expected]
        assert tracked.data() == tracked_name  # the selection follows its row
    model.sort(COL_RATING, Qt.SortOrder.DescendingOrder)
    ratings = [model.sort_key(row, COL_RATING) for row in range(model.rowCount())]
    present = [r for r in ratings if r is not None]
    assert present == sorted(present, reverse=True)
    assert ratings[len(present) :] == [None] * (len(ratings) - len(present))


def test_many_inserts_between_the_same_neighbours_keep_their_order() -> None:
    model = LeadTableModel()
    model.append_rows(
        [
            lead(1, "top", confidence_score=100),
            lead(2, "anchor", confidence_score=99, rank=0),
            lead(3, "bottom", confidence_score=0),
        ]
    )
    # Each new row sorts right after "anchor" and before the previous new row.
    for step in range(1, 70):
        model.append_rows([lead(100 + step, f"s{step}", confidence_score=99, rank=1000 - step)])
    names = column_values(model, COL_BUSINESS)
    assert names[:2] == ["top", "anchor"]
    assert names[-1] == "bottom"
    assert names[2:-1] == [f"s{step}" for step in range(69, 0, -1)]


def test_rows_arriving_under_an_active_filter_are_filtered_by_their_text() -> None:
    """Inserted rows are empty until filled; the proxy must still judge them by their text."""
    model = LeadTableModel()
    proxy = LeadFilterProxy(model)
    proxy.set_filter_string("dental")
    model.append_rows(sample())
    assert sorted(proxy.index(r, COL_BUSINESS).data() for r in range(proxy.rowCount())) == [
        "Alpha Dental",
        "beta Dental",
    ]
    proxy.set_filter_string("")
    proxy.set_only_new(True)
    model.append_rows([lead(7, "Seen Dental", seen_before=True), lead(8, "New Dental")])
    names = {proxy.index(r, COL_BUSINESS).data() for r in range(proxy.rowCount())}
    assert "New Dental" in names
    assert "Seen Dental" not in names
    assert proxy.rowCount() == 5


@pytest.mark.parametrize(
    ("column", "order"),
    [
        (COL_RATING, Qt.SortOrder.DescendingOrder),
        (COL_RATING, Qt.SortOrder.AscendingOrder),
        (COL_BUSINESS, Qt.SortOrder.DescendingOrder),
        (COL_REASON, Qt.SortOrder.AscendingOrder),
    ],
)
def test_batches_after_a_sort_land_where_a_full_sort_puts_them(column: int, order: Qt.SortOrder) -> None:
    """Under a sort column (blanks last, ties in rank order) a batch is bisected in, not re-sorted."""
    rng = random.Random(column)
    leads = [
        lead(
            i,
            rng.choice(["alpha", "Beta", "gamma", "beta"]),
            confidence_score=rng.randrange(0, 101),
            rank=rng.randrange(0, 50),
            rating=rng.choice([None, 3.0, 4.5, 5.0]),
            email_reason=rng.choice([None, "no_website", "no_email_found"]),
        )
        for i in range(1, 301)
    ]
    model = LeadTableModel()
    model.append_rows(leads[:20])
    model.sort(column, order)
    for start in range(20, 300, 37):
        model.append_rows(leads[start : start + 37])
        shown = [model.sort_key(row, column) for row in range(model.rowCount())]
        model_order = [r.lead_id for r in model.records()]
        model.sort(column, order)  # a full sort of the same rows: nothing may move
        assert [r.lead_id for r in model.records()] == model_order
        assert [model.sort_key(row, column) for row in range(model.rowCount())] == shown
    assert model.rowCount() == 300
