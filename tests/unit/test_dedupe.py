"""Tests for duplicate removal, in one go and page by page."""

from __future__ import annotations

import pytest

from leadgen_desktop.core.discovery.dedupe import (
    Deduper,
    dedupe_businesses,
    normalize_address,
    normalize_name,
)
from leadgen_desktop.domain import Business


def biz(
    place_id: str, name: str = "Acme Dental", address: str | None = "12 Oak Street, Austin, TX"
) -> Business:
    return Business(place_id=place_id, name=name, address=address)


def test_same_place_id_is_duplicate_and_first_kept() -> None:
    first = biz("p1", name="First")
    second = biz("p1", name="Renamed", address="somewhere else")
    assert dedupe_businesses([first, second]) == [first]


@pytest.mark.parametrize(
    ("name", "address"),
    [
        ("ACME DENTAL", "12 Oak St, Austin, TX"),
        ("Acme Dental, LLC", "12 Oak St., Austin TX"),
        ("Acme  Dental Inc.", "12 oak street austin tx"),
        ("Ａｃｍｅ Dental", "12 Oak Street, Austin, TX"),
        ("Acme-Dental", "12  Oak   Street , Austin , TX"),
    ],
)
def test_same_normalised_name_and_address(name: str, address: str) -> None:
    assert len(dedupe_businesses([biz("p1"), biz("p2", name=name, address=address)])) == 1


@pytest.mark.parametrize(
    ("name", "address"),
    [
        ("Acme Dental Studio", "12 Oak Street, Austin, TX"),
        ("Acme Dental", "14 Oak Street, Austin, TX"),
        ("Acme Dental", "12 Oak Avenue, Austin, TX"),
        ("Acme Dental", None),
        ("Acme Dental", ""),
    ],
)
def test_different_businesses_are_kept(name: str, address: str | None) -> None:
    assert len(dedupe_businesses([biz("p1"), biz("p2", name=name, address=address)])) == 2


def test_no_address_only_matches_by_place_id() -> None:
    a = biz("p1", address=None)
    b = biz("p2", address=None)
    assert dedupe_businesses([a, b, biz("p1", address=None)]) == [a, b]


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("100 Main Street, Suite 200", "100 main st ste 200"),
        ("5 North Avenue", "5 N. Ave"),
        ("7 Sunset Boulevard", "7 sunset blvd."),
        ("9 Park Road, Apartment 3", "9 Park Rd Apt 3"),
        ("1 Sainte-Catherine", "1 sainte catherine"),
    ],
)
def test_normalize_address(left: str, right: str) -> None:
    assert normalize_address(left) == normalize_address(right)


def test_normalize_name() -> None:
    assert normalize_name("Joe's Pizza & Pasta, LLC") == normalize_name("joes pizza and pasta")
    assert normalize_name("Co") == "co"  # a name is never reduced to nothing
    assert normalize_name("Straße Café") == normalize_name("STRASSE CAFÉ")


def test_keeps_order() -> None:
    items = [
        biz("c", name="C", address="3 X St"),
        biz("a", name="A", address="1 X St"),
        biz("b", "B", "2 X St"),
    ]
    assert dedupe_businesses([*items, *items]) == items


def test_deduper_incremental_pages() -> None:
    deduper = Deduper()
    page1 = [biz("p1"), biz("p2", name="Other", address="1 Elm St"), biz("p1")]
    page2 = [
        biz("p3", name="acme dental", address="12 oak st austin tx"),
        biz("p4", name="New", address="9 Elm St"),
    ]
    assert deduper.filter(page1) == page1[:2]
    assert [deduper.add(b) for b in page2] == [False, True]
    assert len(deduper) == 3
    assert deduper.is_duplicate(biz("p4"))
    assert not deduper.is_duplicate(biz("p9", name="Brand New", address="1 Birch Ln"))


def test_identity_is_transitive() -> None:
    # p2 repeats p1 by name+address but brings a new address under the same id.
    a = biz("p1")
    b = biz("p1", address="99 Pine Road, Austin, TX")
    c = biz("p3", address="99 Pine Rd, Austin TX")
    assert dedupe_businesses([a, b, c]) == [a]
