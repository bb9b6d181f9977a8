"""The two lead tables share formats and the sort rule: the same leads sort the same way in both."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from leadgen_desktop.db.all_leads_queries import LeadSort
from leadgen_desktop.db.store import Store
from leadgen_desktop.gui.tables import all_leads_model, results_model
from leadgen_desktop.gui.tables.all_leads_model import AllLeadsModel
from leadgen_desktop.gui.tables.all_leads_order import LeadOrder
from leadgen_desktop.gui.tables.lead_cells import (
    blanks_last_key,
    count_text,
    first_sort_order,
    rating_text,
    sorted_blanks_last,
)
from leadgen_desktop.gui.tables.results_model import LeadTableModel
from tests.fakes.seed_leads import seed_database

SHARED = ("Business", "Address", "Phone", "Website", "Email", "Email status", "Score", "Rating", "Reviews")


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Store]:
    repository = Store.open(tmp_path / "both.db")
    seed_database(repository, leads=300, campaigns=1)
    yield repository
    repository.db.close()


def texts(model: object, column: int) -> list[str]:
    return [model.index(row, column).data() for row in range(model.rowCount())]  # type: ignore[attr-defined]


@pytest.mark.parametrize("order", [Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder])
def test_both_tables_sort_the_same_leads_the_same_way(repo: Store, order: Qt.SortOrder) -> None:
    campaign = LeadTableModel()
    campaign.set_rows(repo.leads.for_job("job0000"))
    every = AllLeadsModel(repo.all_leads)
    every.set_order(LeadOrder.of(repo.all_leads.ordered_ids(LeadSort())))
    campaign_headers = [column.header for column in results_model.COLUMNS]
    every_headers = [column.header for column in all_leads_model.COLUMNS]
    for header in SHARED:
        mine, theirs = campaign_headers.index(header), every_headers.index(header)
        campaign.sort(mine, order)
        every.sort(theirs, order)
        assert texts(campaign, mine) == texts(every, theirs), header  # values in the same order, blanks last
        assert campaign.headerData(mine, Qt.Orientation.Horizontal, Qt.ItemDataRole.InitialSortOrderRole) == (
            every.headerData(theirs, Qt.Orientation.Horizontal, Qt.ItemDataRole.InitialSortOrderRole)
        )


def test_formats_and_the_blanks_last_rule() -> None:
    assert rating_text(4.0) == "4.0"
    assert rating_text(None) == ""
    assert count_text(12345) == "12,345"
    assert first_sort_order(numeric=True) == Qt.SortOrder.DescendingOrder
    items = [("a", 2), (None, 0), ("b", 1), ("a", 0), (None, 1)]
    for descending in (False, True):
        ordered = sorted_blanks_last(items, lambda item: item[0], descending, lambda item: item[1])
        assert ordered[-2:] == [(None, 0), (None, 1)]  # blanks last, in the default order
        present = [item[0] for item in ordered[:3]]
        assert present == sorted(present, reverse=descending)
        assert [item for item in ordered if item[0] == "a"] == [("a", 0), ("a", 2)]  # ties: default order


@pytest.mark.parametrize("descending", [False, True])
def test_the_bisection_key_orders_like_the_rule(descending: bool) -> None:
    """The Campaign table bisects new rows in with this key: it must give the rule's order exactly."""
    rng = random.Random(3)
    values: list[object] = [None, 0, 1, 2.5, 10, 100]
    texts_ = [None, "a", "b", "cafe", "z"]
    for pool in (values, texts_):
        items = [(rng.choice(pool), index) for index in range(200)]
        rng.shuffle(items)
        expected = sorted_blanks_last(items, lambda item: item[0], descending, lambda item: item[1])
        by_key = sorted(items, key=lambda item: blanks_last_key(item[0], descending, item[1]))  # type: ignore[arg-type]
        assert by_key == expected
