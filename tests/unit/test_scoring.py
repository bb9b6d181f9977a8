"""Tests for the explainable confidence score and lead selection."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadgen_desktop.core.scoring import WEIGHTS, WEIGHTS_DOC, score_business, select_leads
from leadgen_desktop.domain import Business, BusinessStatus

FULL = Business(
    place_id="p-full",
    name="Full Marks Dental",
    address="1 Main Street, Austin, TX",
    phone="(512) 555-0100",
    website="https://www.fullmarks-dental.com/",
    rating=4.8,
    review_count=900,
    business_status=BusinessStatus.OPERATIONAL,
)
EMPTY = Business(place_id="p-empty", name="Nothing Known", business_status=BusinessStatus.CLOSED_TEMPORARILY)


def points(business: Business) -> dict[str, float]:
    return {c.name: c.points for c in score_business(business)[1]}


def test_weights_sum_to_100() -> None:
    assert sum(w.max_points for w in WEIGHTS) == 100
    assert len({w.name for w in WEIGHTS}) == len(WEIGHTS)


def test_weights_doc_lists_every_component() -> None:
    for weight in WEIGHTS:
        assert f"| {weight.name} | {weight.max_points:g} |" in WEIGHTS_DOC
    assert "| **total** | 100 |" in WEIGHTS_DOC


def test_full_and_empty_extremes() -> None:
    assert score_business(FULL)[0] == 100
    assert score_business(EMPTY)[0] == 0


def test_components_follow_table_and_sum_to_score() -> None:
    score, components = score_business(FULL)
    assert [c.name for c in components] == [w.name for w in WEIGHTS]
    assert [c.max_points for c in components] == [w.max_points for w in WEIGHTS]
    assert round(sum(c.points for c in components)) == score
    assert all(c.detail for c in components)


def test_shared_platform_counts_less_than_own_site() -> None:
    own = points(FULL)["website"]
    shared = points(replace(FULL, website="https://www.facebook.com/fullmarks"))["website"]
    wix = points(replace(FULL, website="https://fullmarks.wixsite.com/home"))["website"]
    none = points(replace(FULL, website=None))["website"]
    garbage = points(replace(FULL, website="not a website"))["website"]
    assert own > shared == wix > none == garbage == 0


def test_rating_scale() -> None:
    assert points(replace(FULL, rating=4.5))["rating"] == 20
    assert points(replace(FULL, rating=5.0))["rating"] == 20
    assert points(replace(FULL, rating=2.0))["rating"] == 0
    assert points(replace(FULL, rating=None))["rating"] == 0
    assert 0 < points(replace(FULL, rating=3.5))["rating"] < 20


def test_reviews_log_scaled() -> None:
    values = [points(replace(FULL, review_count=n))["reviews"] for n in (0, 1, 10, 100, 250, 5000)]
    assert values[0] == 0
    assert values == sorted(values)
    assert values[-1] == values[-2] == 15
    assert points(replace(FULL, review_count=None))["reviews"] == 0


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (BusinessStatus.OPERATIONAL, 10),
        (BusinessStatus.UNKNOWN, 5),
        (BusinessStatus.CLOSED_TEMPORARILY, 0),
        (BusinessStatus.CLOSED_PERMANENTLY, 0),
    ],
)
def test_status_points(status: BusinessStatus, expected: float) -> None:
    assert points(replace(FULL, business_status=status))["status"] == expected


def test_phone_needs_digits() -> None:
    assert points(replace(FULL, phone="call us"))["phone"] == 0
    assert points(replace(FULL, phone="  "))["phone"] == 0
    assert points(replace(FULL, phone="+44 20 7946 0000"))["phone"] == 15


businesses = st.builds(
    Business,
    place_id=st.text(min_size=1, max_size=8),
    name=st.text(max_size=20),
    address=st.one_of(st.none(), st.text(max_size=30)),
    phone=st.one_of(st.none(), st.text(alphabet="0123456789 ()-+x", max_size=16)),
    website=st.one_of(
        st.none(),
        st.sampled_from(["https://acme.com", "https://x.wixsite.com", "garbage", "http://10.0.0.1"]),
        st.text(max_size=20),
    ),
    rating=st.one_of(st.none(), st.floats(min_value=-1, max_value=6), st.just(float("nan"))),
    review_count=st.one_of(st.none(), st.integers(min_value=-5, max_value=10**6)),
    business_status=st.sampled_from(list(BusinessStatus)),
)


@given(businesses)
def test_score_invariants(business: Business) -> None:
    score, components = score_business(business)
    assert 0 <= score <= 100
    assert round(sum(c.points for c in components)) == score
    assert all(0 <= c.points <= c.max_points for c in components)


@given(businesses, st.sampled_from(["https://acme.com", "https://www.facebook.com/acme", "acme.co.uk"]))
def test_adding_a_website_never_lowers_the_score(business: Business, website: str) -> None:
    before = score_business(replace(business, website=None))[0]
    assert score_business(replace(business, website=website))[0] >= before


def make(place_id: str, name: str, reviews: int, **kwargs: object) -> Business:
    return replace(FULL, place_id=place_id, name=name, review_count=reviews, **kwargs)  # type: ignore[arg-type]


def test_select_filters_sorts_and_caps() -> None:
    low = replace(EMPTY, place_id="low")
    mid = make("mid", "Mid", 900, website=None)
    top = make("top", "Top", 900)
    leads = select_leads([low, mid, top], min_score=50, max_results=10)
    assert [b.place_id for b, _, _ in leads] == ["top", "mid"]
    assert all(score >= 50 for _, score, _ in leads)
    assert [b.place_id for b, _, _ in select_leads([low, mid, top], 0, 1)] == ["top"]
    assert select_leads([low, mid, top], 0, 0) == []
    assert [b.place_id for b, _, _ in select_leads([low, mid, top], 0, 10)] == ["top", "mid", "low"]


def test_min_score_is_inclusive() -> None:
    score = score_business(FULL)[0]
    assert len(select_leads([FULL], score, 5)) == 1
    assert select_leads([FULL], score + 1, 5) == []


def test_tie_break_is_deterministic() -> None:
    # Same score (all saturate at 100): review count desc, then name casefold, then place_id.
    a = make("id-2", "beta", 500)
    b = make("id-1", "Beta", 500)
    c = make("id-3", "alpha", 500)
    d = make("id-4", "zulu", 800)
    items = [a, b, c, d]
    expected = ["id-4", "id-3", "id-1", "id-2"]
    for seed in range(5):
        random.Random(seed).shuffle(items)
        assert [x.place_id for x, _, _ in select_leads(items, 0, 10)] == expected
