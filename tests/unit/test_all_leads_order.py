"""LeadOrder: filtered subsets come out in the order's order, by either path, and rows are found by id."""

from __future__ import annotations

import random
from array import array

from leadgen_desktop.gui.tables.all_leads_order import LeadOrder


def shuffled(count: int, seed: int = 3) -> array[int]:
    ids = list(range(1, count + 1))
    random.Random(seed).shuffle(ids)
    return array("q", ids)


def test_small_and_large_subsets_keep_the_order_and_drop_unknown_and_repeated_ids() -> None:
    order = LeadOrder(shuffled(1000))
    rnd = random.Random(5)
    for size in (0, 1, 10, 200, 600, 1000):  # below and above the sort/mask switch
        wanted = rnd.sample(range(1, 1001), size)
        subset = order.subset([*wanted, *wanted[:3], 5000, -1, 0])
        assert list(subset) == [lead_id for lead_id in order.ids if lead_id in set(wanted)]


def test_sparse_ids_use_a_dict_and_give_the_same_answers() -> None:
    ids = array("q", [10**9, 7, 3 * 10**8, 42])
    order = LeadOrder(ids)
    assert order.position(42) == 3
    assert order.position(8) == -1
    assert list(order.subset([42, 10**9])) == [10**9, 42]
    assert list(order.subset([42, 10**9, 7, 3 * 10**8])) == list(ids)


def test_row_in_finds_a_lead_in_a_filtered_subset() -> None:
    order = LeadOrder(shuffled(500))
    shown = order.subset(list(range(1, 501, 3)))
    for row, lead_id in enumerate(shown):
        assert order.row_in(shown, lead_id) == row
    assert order.row_in(shown, 2) == -1  # in the order, filtered out
    assert order.row_in(shown, 9999) == -1  # not in the order
    assert [order.row_in(order.ids, lead_id) for lead_id in order.ids[:50]] == list(range(50))
    assert order.row_in(order.ids, 9999) == -1


def test_an_empty_order() -> None:
    order = LeadOrder()
    assert len(order) == 0
    assert list(order.subset([1, 2])) == []
    assert order.position(1) == -1
