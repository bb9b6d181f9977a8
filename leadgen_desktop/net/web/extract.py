"""Every address a page shows, each with how it was written: the extractor.

Ways read, strongest first (an address found several ways keeps the first):

* ``mailto``: ``<a href="mailto:...">`` (character references and
  %-encoding decoded, ``?subject=`` and several recipients understood);
* ``jsonld``: ``email`` anywhere in JSON-LD (nested objects, ``@graph``,
  arrays, a ``mailto:`` prefix);
* ``microdata``: ``itemprop="email"`` (``content``, a ``mailto:`` link, or text);
* ``cfemail``: Cloudflare's ``data-cfemail`` and ``/cdn-cgi/l/email-protection#...``;
* ``text``: the visible text, footers and German Impressum pages
  (``E-Mail: ...``) included;
* ``obfuscated``: written-out forms (see ``addresses.find_obfuscated``).

Every address passes ``addresses.clean_address``. Whether an address belongs
to the business is decided by the crawler, not here; the extractor marks an
address ``credited`` when it only appears in someone else's credit line
("Website by ...", JSON-LD ``author``/``creator``). The extractor never raises
on any input (a property test feeds it arbitrary bytes).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote

from selectolax.lexbor import LexborHTMLParser

from leadgen_desktop.domain import EmailMethod, FoundAddress
from leadgen_desktop.net.web.addresses import clean_address, credited, find_in_text, find_obfuscated
from leadgen_desktop.net.web.html_page import Anchor, anchors, parse_html, visible_text

MAX_JSONLD_CHARS = 200_000
"""Longest JSON-LD block read (larger ones are catalogues, not a business card)."""

MAX_JSON_DEPTH = 40
CREDIT_KEYS = frozenset(
    {"author", "creator", "contributor", "maintainer", "sdpublisher", "accountableperson"}
)
"""JSON-LD keys under which an address is someone else's (the site's maker, not the business)."""

_CF_LINK = "/cdn-cgi/l/email-protection#"
_MAILTO_FIELDS = frozenset({"to", "cc", "bcc"})
_JSON_EMAIL = re.compile(r'"e-?mail"\s*:\s*"([^"\\]{3,320})"', re.IGNORECASE)
_JSON_WRAPPING = re.compile(r"^\s*(?:<!--|//\s*<!\[CDATA\[|<!\[CDATA\[)|(?:-->|//\s*\]\]>|\]\]>)\s*$")


@dataclass(frozen=True, slots=True)
class Candidate:
    """An address on a page, how it was written, and whether only as someone else's credit."""

    email: str
    method: EmailMethod
    credited: bool = False


@dataclass(frozen=True, slots=True)
class PageContent:
    """What a page offers the crawler: its addresses and its links."""

    url: str
    candidates: tuple[Candidate, ...]
    anchors: tuple[Anchor, ...]


def read_page(body: bytes, page_url: str, content_type: str | None = None) -> PageContent:
    """Parse ``body`` once and return its addresses (deduplicated, strongest way first) and links."""
    tree = parse_html(body, content_type)
    links = anchors(tree, page_url)
    found: list[Candidate] = []
    found += _from_mailto(links)
    found += _from_jsonld(tree)
    found += _from_microdata(tree)
    found += _from_cloudflare(tree, links)
    text = visible_text(tree)  # last: it removes hidden parts from the tree
    found += (Candidate(m.email, EmailMethod.TEXT, m.credited) for m in find_in_text(text))
    found += (Candidate(m.email, EmailMethod.OBFUSCATED, m.credited) for m in find_obfuscated(text))
    return PageContent(page_url, _merge(found), tuple(links))


def extract_addresses(body: bytes, page_url: str, content_type: str | None = None) -> list[FoundAddress]:
    """Every address on the page with how it was found (no judgement of whose it is)."""
    content = read_page(body, page_url, content_type)
    return [FoundAddress(c.email, page_url, c.method) for c in content.candidates]


def _merge(found: list[Candidate]) -> tuple[Candidate, ...]:
    """One entry per address: the first (strongest) way, credited only if every sighting was a credit."""
    merged: dict[str, Candidate] = {}
    for candidate in found:
        first = merged.get(candidate.email)
        if first is None:
            merged[candidate.email] = candidate
        elif first.credited and not candidate.credited:
            merged[candidate.email] = Candidate(first.email, first.method, credited=False)
    return tuple(merged.values())


def _from_mailto(links: list[Anchor]) -> Iterator[Candidate]:
    for anchor in links:
        if anchor.href[:7].lower() != "mailto:":
            continue
        target, _, query = anchor.href[7:].partition("?")
        recipients = [unquote(target, errors="replace")]
        recipients += [
            value for name, value in parse_qsl(query, errors="replace") if name.lower() in _MAILTO_FIELDS
        ]
        is_credit = credited(f"{anchor.context} {anchor.text}")
        for raw in re.split(r"[,;]", ",".join(recipients)):
            email = clean_address(raw)
            if email is not None:
                yield Candidate(email, EmailMethod.MAILTO, is_credit)


def _from_jsonld(tree: LexborHTMLParser) -> Iterator[Candidate]:
    for script in tree.css("script[type]"):
        kind = (script.attributes.get("type") or "").strip().lower()
        if kind != "application/ld+json":
            continue
        raw = (script.text() or "")[:MAX_JSONLD_CHARS]
        for value, is_credit in _jsonld_values(raw):
            email = clean_address(value)
            if email is not None:
                yield Candidate(email, EmailMethod.JSONLD, is_credit)


def _jsonld_values(raw: str) -> Iterator[tuple[str, bool]]:
    """``email`` values in a JSON-LD block (invalid JSON is searched for ``"email": "..."``)."""
    try:
        data = json.loads(_JSON_WRAPPING.sub("", raw))
    except (ValueError, RecursionError):
        for match in _JSON_EMAIL.finditer(raw):
            yield match.group(1), False
        return
    yield from _walk(data, credit=False, depth=0)


def _walk(value: object, *, credit: bool, depth: int) -> Iterator[tuple[str, bool]]:
    if depth > MAX_JSON_DEPTH:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            name = key.lower() if isinstance(key, str) else ""
            if name in ("email", "e-mail"):
                yield from ((text, credit) for text in _strings(item))
            else:
                yield from _walk(item, credit=credit or name in CREDIT_KEYS, depth=depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item, credit=credit, depth=depth + 1)


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        yield from (item for item in value if isinstance(item, str))


def _from_microdata(tree: LexborHTMLParser) -> Iterator[Candidate]:
    for node in tree.css("[itemprop]"):
        attributes = node.attributes
        if "email" not in (attributes.get("itemprop") or "").lower().split():
            continue
        for raw in (attributes.get("content"), attributes.get("href"), node.text()):
            email = clean_address(raw) if raw else None
            if email is not None:
                yield Candidate(email, EmailMethod.MICRODATA)
                break


def _from_cloudflare(tree: LexborHTMLParser, links: list[Anchor]) -> Iterator[Candidate]:
    encoded = [node.attributes.get("data-cfemail") or "" for node in tree.css("[data-cfemail]")]
    encoded += [anchor.href.split(_CF_LINK, 1)[1] for anchor in links if _CF_LINK in anchor.href]
    for hex_text in encoded:
        decoded = decode_cfemail(hex_text)
        email = clean_address(decoded) if decoded else None
        if email is not None:
            yield Candidate(email, EmailMethod.CFEMAIL)


def decode_cfemail(hex_text: str) -> str | None:
    """Cloudflare's email protection: hex bytes, the first the XOR key of the rest (UTF-8)."""
    try:
        data = bytes.fromhex(hex_text.strip().split("?", 1)[0])
    except ValueError:
        return None
    if len(data) < 2:
        return None
    key = data[0]
    try:
        return bytes(byte ^ key for byte in data[1:]).decode("utf-8")
    except UnicodeDecodeError:
        return None
