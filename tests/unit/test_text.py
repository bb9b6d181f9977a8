"""search_key: the one normalisation behind both quick filters (case, accents, compatibility forms)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadgen_desktop.domain import campaign_title, search_key


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("istanbul", "İstanbul"),
        ("ISTANBUL", "İstanbul"),
        ("cafe", "Café"),
        ("café", "CAFE"),
        ("strasse", "Straße"),
        ("fish", "ﬁsh"),  # ligature
        ("angstrom", "Ångström"),
        ("sao paulo", "São Paulo"),
        ("zurich", "Zu\u0308rich"),  # already decomposed
        ("12", "１２"),  # full-width digits
    ],
)
def test_typed_text_matches_the_stored_text(typed: str, stored: str) -> None:
    assert search_key(typed) in search_key(stored)


def test_ascii_is_only_lower_cased_and_other_characters_stay() -> None:
    assert search_key("Business A1 — +1 (512) 555-0100") == "business a1 — +1 (512) 555-0100"
    assert search_key("info@b1.example.com\nvalid") == "info@b1.example.com\nvalid"
    assert search_key("Дом") == "дом"


def test_the_campaign_title_is_written_once() -> None:
    assert campaign_title("dentist", "Austin, TX") == "dentist — Austin, TX"


@given(st.text())
def test_the_key_is_stable_and_never_holds_a_combining_mark(text: str) -> None:
    import unicodedata

    key = search_key(text)
    assert search_key(key) == key
    assert not any(unicodedata.combining(char) for char in key)
