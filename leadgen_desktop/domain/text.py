"""Text as a user compares it: the one normalisation behind every quick filter.

A user typing ``istanbul`` expects to find "İstanbul", and ``cafe`` to find
"Café". :func:`search_key` decomposes compatibility characters (NFKD: the
ligature ``ﬁ`` becomes ``fi``), folds case (Unicode ``casefold``, so ``ß``
matches ``ss``) and drops combining marks (accents, the dot of ``İ``). Both the text
searched and the text typed go through it, so matching is a plain substring
test on the results.

The All-leads view stores these keys in the database (``lead_search``) and the
Campaign tab keeps one per row in its C++ model; both call this function.
"""

from __future__ import annotations

import re
import unicodedata

FIELD_SEPARATOR = "\n"
"""Joins the fields of one row's search text; a typed filter never contains it."""


def search_key(text: str) -> str:
    """``text`` folded for matching: casefolded, NFKD-decomposed, without combining marks.

    ASCII text (the common case) only needs lower-casing; otherwise only the
    non-ASCII runs are looked at character by character (the rest is C), which
    keeps indexing a million leads fast.
    """
    if text.isascii():
        return text.lower()
    # Decompose before folding too: "𝕬" only becomes "A" (to fold to "a") by NFKD.
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    if decomposed.isascii():
        return decomposed
    return _NON_ASCII_RUN.sub(_without_combining_marks, decomposed)


_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")


def _without_combining_marks(run: re.Match[str]) -> str:
    return "".join(char for char in run.group() if not unicodedata.combining(char))


def campaign_title(business_type: str, location: str) -> str:
    """How a campaign is named in tables: ``dentist — Austin, TX``."""
    return f"{business_type} — {location}"
