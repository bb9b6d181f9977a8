"""Which links of a business site lead to its contact details: contact, about, team, Impressum, legal.

Each link on the page's own host gets a score from the words in its path and its text
(English and German); links without such a word, to files (PDF, images,
documents) or to other domains are never followed. Ties keep page order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from leadgen_desktop.net.web.html_page import Anchor

PAGE_WORDS: dict[str, int] = {
    # Where an address is nearly always printed.
    "impressum": 10,
    "kontakt": 10,
    "contact": 10,
    "contactus": 10,
    "imprint": 9,
    "legal-notice": 9,
    "get-in-touch": 8,
    "reach-us": 7,
    "anbieterkennzeichnung": 9,
    # Where people and their addresses are listed.
    "team": 6,
    "about": 6,
    "aboutus": 6,
    "ueber-uns": 6,
    "uber-uns": 6,
    "über-uns": 6,
    "wir-ueber-uns": 6,
    "staff": 5,
    "people": 5,
    "mitarbeiter": 5,
    "unser-team": 6,
    "praxis": 3,
    "office": 3,
    "location": 3,
    "locations": 3,
    "anfahrt": 3,
    "find-us": 4,
    # Legal pages name a responsible person and an address too.
    "legal": 4,
    "datenschutz": 2,
    "privacy": 2,
}
"""Words in a link's path or text, with how likely the page shows an address."""

SKIPPED_SUFFIXES = frozenset(
    [
        ".pdf",
        ".jpg",
        ".jpeg",
        ".png",
        ".gif",
        ".svg",
        ".webp",
        ".bmp",
        ".ico",
        ".tif",
        ".tiff",
        ".mp4",
        ".mov",
        ".avi",
        ".mp3",
        ".wav",
        ".zip",
        ".rar",
        ".gz",
        ".doc",
        ".docx",
        ".xls",
        ".xlsx",
        ".ppt",
        ".pptx",
        ".odt",
        ".ods",
        ".csv",
        ".txt",
        ".xml",
        ".json",
        ".ics",
        ".vcf",
        ".exe",
        ".dmg",
        ".apk",
        ".css",
        ".js",
    ]
)
"""Links to files, never fetched (only HTML pages are read)."""

_SPLIT = re.compile(r"[^\w\u00c0-\u024f]+")


@dataclass(frozen=True, slots=True)
class RankedLink:
    """A same-site link worth following, with its score (higher first)."""

    url: str
    score: int


def page_key(url: str) -> str:
    """One key per page: ``www`` and scheme, fragment and a trailing slash do not make another page."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    host = (parts.hostname or "").removeprefix("www.")
    path = parts.path.rstrip("/") or "/"
    return f"{host}{path}?{parts.query}" if parts.query else f"{host}{path}"


def rank_links(links: list[Anchor] | tuple[Anchor, ...], host: str) -> list[RankedLink]:
    """The page's contact-like links on ``host`` (with or without ``www.``), best first, one per page.

    Links are kept to the page's own host, not its whole registrable domain: on
    a shared platform (``joe.wixsite.com``) another subdomain is another business.
    """
    site_host = _bare(host)
    ranked: dict[str, tuple[int, int, str]] = {}
    for order, anchor in enumerate(links):
        url = anchor.href.split("#", 1)[0]
        score = _score(url, anchor.text, site_host)
        if score <= 0:
            continue
        key = page_key(url)
        if key not in ranked or ranked[key][0] < score:
            ranked[key] = (score, ranked[key][1] if key in ranked else order, url)
    best = sorted(ranked.values(), key=lambda item: (-item[0], item[1]))
    return [RankedLink(url, score) for score, _, url in best]


def _bare(host: str) -> str:
    return host.lower().rstrip(".").removeprefix("www.")


def _score(url: str, text: str, site_host: str) -> int:
    try:
        parts = urlsplit(url)
    except ValueError:
        return 0
    if parts.scheme not in ("http", "https") or _bare(parts.hostname or "") != site_host:
        return 0
    path = unquote(parts.path).lower()
    if any(path.endswith(suffix) for suffix in SKIPPED_SUFFIXES):
        return 0
    tokens = [token for token in _SPLIT.split(f"{path} {text.lower()}") if token]
    phrase = " " + " ".join(tokens) + " "
    return max((weight for word, weight in PAGE_WORDS.items() if _mentions(word, tokens, phrase)), default=0)


def _mentions(word: str, tokens: list[str], phrase: str) -> bool:
    """A one-word key starts a token ("kontaktformular"); a hyphenated key appears as words ("ueber uns")."""
    if "-" in word:
        return f" {word.replace('-', ' ')} " in phrase
    return any(token.startswith(word) for token in tokens)
