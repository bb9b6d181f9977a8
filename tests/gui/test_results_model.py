"""LeadTableModel and LeadFilterProxy: data, batch inserts, key-based sorting, filtering."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from pytestqt.qtbot import QtBot

from leadgen_desktop.db.records import LeadRecord
from leadgen_desktop.gui.results_model import (
    COL_BUSINESS,
    COL_RATING,
    COL_REASON,
    COL_REVIEWS,
    COL_SCORE,
    COLUMNS,
    SORT_ROLE,
    LeadTableModel,
)
from leadgen_desktop.gui.results_proxy import LeadFilterProxy

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
    assert beta.data(SORT_ROLE) == "beta dental"
    assert model.index(2, COL_RATING).data() == "4.5"
    assert model.index(2, COL_RATING).data(SORT_ROLE) == 4.5
    assert model.index(1, COL_RATING).data() == ""
    assert model.index(1, COL_RATING).data(SORT_ROLE) is None
    assert model.index(2, 5).data() == "valid"
    assert model.index(1, 5).data() == "not found"
    assert "no website" in model.index(3, COL_REASON).data()  # gamma smiles
    align = model.index(0, COL_SCORE).data(Qt.ItemDataRole.TextAlignmentRole)
    assert Qt.AlignmentFlag(align) & Qt.AlignmentFlag.AlignRight
    assert model.index(0, COL_BUSINESS).data(Qt.ItemDataRole.TextAlignmentRole) is None
    assert model.row_record(0).business_name == "Delta Care"
    assert not model.flags(beta) & Qt.ItemFlag.ItemIsEditable


def test_append_rows_is_one_insert_per_batch_and_skips_duplicates(qtbot: QtBot) -> None:
    model = LeadTableModel()
    inserts: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _parent, first, last: inserts.append((first, last)))
    assert model.append_rows(sample()[:2]) == 2
    assert model.append_rows(sample()) == 2  # ids 1 and 2 are already there
    assert model.append_rows([]) == 0
    assert inserts == [(0, 1), (2, 3)]
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
