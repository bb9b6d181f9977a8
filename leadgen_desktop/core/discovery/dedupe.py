"""Remove duplicate businesses, in one go or page by page.

Two businesses are the same when they share a ``place_id``, or when both their
normalised name and normalised address are equal. Normalisation applies
Unicode NFKC, case folding, ``&`` -> ``and``, strips punctuation, collapses
whitespace and maps common words to one spelling (``street`` -> ``st``,
``avenue`` -> ``ave``, ``suite`` -> ``ste``, ``north`` -> ``n``, ...). Trailing
legal forms (``LLC``, ``Inc``, ``Ltd``...) are dropped from names. A business
without an address can only match by ``place_id``: a name alone is too weak.

Identity is transitive: when a duplicate is found its other identifiers
(another ``place_id`` or name + address) are remembered too. The first
occurrence is always the one kept.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from leadgen_desktop.domain import Business

__all__ = ["Deduper", "dedupe_businesses", "normalize_address", "normalize_name"]

_ADDRESS_WORDS: dict[str, str] = {
    "street": "st",
    "str": "st",
    "avenue": "ave",
    "av": "ave",
    "road": "rd",
    "boulevard": "blvd",
    "drive": "dr",
    "lane": "ln",
    "court": "ct",
    "place": "pl",
    "square": "sq",
    "terrace": "ter",
    "highway": "hwy",
    "parkway": "pkwy",
    "circle": "cir",
    "trail": "trl",
    "suite": "ste",
    "apartment": "apt",
    "building": "bldg",
    "floor": "fl",
    "unit": "unit",
    "number": "no",
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "northeast": "ne",
    "northwest": "nw",
    "southeast": "se",
    "southwest": "sw",
    "saint": "st",
    "mount": "mt",
    "fort": "ft",
}
"""Address words mapped to one canonical (USPS-style) abbreviation."""

_LEGAL_FORMS: frozenset[str] = frozenset(
    {"llc", "inc", "incorporated", "ltd", "limited", "corp", "corporation", "co", "pllc", "pc", "plc"}
)
"""Trailing name words ignored when comparing names."""


def _clean_words(text: str) -> list[str]:
    """NFKC, casefold, ``&`` -> and, punctuation/symbols -> space, split."""
    folded = unicodedata.normalize("NFKC", text).casefold().replace("&", " and ")
    # Apostrophes join words ("Joe's" -> "joes"); other punctuation separates.
    chars = ["" if ch in "'’`" else " " if unicodedata.category(ch)[0] in "PSZC" else ch for ch in folded]
    return "".join(chars).split()


def normalize_name(name: str) -> str:
    """Canonical form of a business name for duplicate detection."""
    words = _clean_words(name)
    while len(words) > 1 and words[-1] in _LEGAL_FORMS:
        words.pop()
    return " ".join(words)


def normalize_address(address: str) -> str:
    """Canonical form of a postal address for duplicate detection."""
    return " ".join(_ADDRESS_WORDS.get(word, word) for word in _clean_words(address))


def _name_address_key(business: Business) -> tuple[str, str] | None:
    """The (name, address) identity, or None when either part is empty."""
    if not business.address:
        return None
    name = normalize_name(business.name)
    address = normalize_address(business.address)
    if not name or not address:
        return None
    return (name, address)


class Deduper:
    """Incremental duplicate filter: feed businesses as discovery pages arrive."""

    def __init__(self) -> None:
        self._place_ids: set[str] = set()
        self._keys: set[tuple[str, str]] = set()
        self._count = 0

    def __len__(self) -> int:
        """Number of distinct businesses accepted so far."""
        return self._count

    def is_duplicate(self, business: Business) -> bool:
        """True when ``business`` matches one already added (does not record it)."""
        key = _name_address_key(business)
        return (bool(business.place_id) and business.place_id in self._place_ids) or (
            key is not None and key in self._keys
        )

    def add(self, business: Business) -> bool:
        """Record ``business``; return True when it is new, False for a duplicate."""
        new = not self.is_duplicate(business)
        if business.place_id:
            self._place_ids.add(business.place_id)
        key = _name_address_key(business)
        if key is not None:
            self._keys.add(key)
        if new:
            self._count += 1
        return new

    def filter(self, businesses: Iterable[Business]) -> list[Business]:
        """Add each business in order and return only the new ones."""
        return [business for business in businesses if self.add(business)]


def dedupe_businesses(businesses: Iterable[Business]) -> list[Business]:
    """Return ``businesses`` without duplicates, keeping first occurrences in order."""
    return Deduper().filter(businesses)
