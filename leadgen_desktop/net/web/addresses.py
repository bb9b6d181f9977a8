"""Email addresses in text: plain, written out (``name [at] domain [dot] com``), cleaned and junk-free.

:func:`clean_address` is the one gate every found address passes: surrounding
punctuation stripped, the whole address lower-cased (the domain in its IDNA
form), the domain required to end in a real public suffix (so ``logo@2x.png``
is no address), and placeholders (``name@example.com``,
``max.mustermann@...``), tracking ids and over-long parts refused.

Written-out forms accepted by :func:`find_obfuscated`:

* bracketed: ``name [at] domain [dot] com``, ``name(at)domain(dot)com``,
  ``name {at} domain.com``, ``name (ät) domain (punkt) de``, ``name [@] ...``;
* spaced: ``name @ domain.com``;
* words: ``name at domain dot com`` / ``name AT domain DOT com`` /
  ``name at domain punkt de``, only with at least one ``dot``/``punkt`` word
  and a name that is not a common word (so "find us at acme dot com" gives
  nothing rather than a wrong ``us@acme.com``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from leadgen_desktop.domain import ascii_domain_name, registrable_domain

MAX_LOCAL = 64
MAX_ADDRESS = 254

PLACEHOLDER_DOMAINS = frozenset(
    {
        "example.com",
        "example.org",
        "example.net",
        "example.de",
        "domain.com",
        "domain.de",
        "yourdomain.com",
        "your-domain.com",
        "yoursite.com",
        "yourcompany.com",
        "company.com",
        "email.com",
        "test.com",
        "test.de",
        "beispiel.de",
        "musterfirma.de",
        "mustermann.de",
        "sentry.io",
        "wixpress.com",
    }
)
"""Domains that only ever appear in templates, examples and error trackers."""

PLACEHOLDER_LOCALS = frozenset(
    {
        "name",
        "yourname",
        "your.name",
        "your-name",
        "your_name",
        "youremail",
        "your.email",
        "your",
        "you",
        "user",
        "username",
        "someone",
        "somebody",
        "firstname.lastname",
        "first.last",
        "vorname.nachname",
        "max.mustermann",
        "maxmustermann",
        "john.doe",
        "jane.doe",
        "johndoe",
        "janedoe",
    }
)
"""Local parts of template addresses (``your.name@...``)."""

COMMON_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "call",
        "come",
        "contact",
        "do",
        "email",
        "find",
        "for",
        "from",
        "get",
        "go",
        "here",
        "hi",
        "is",
        "it",
        "just",
        "look",
        "mail",
        "me",
        "meet",
        "or",
        "our",
        "reach",
        "see",
        "send",
        "talk",
        "the",
        "them",
        "there",
        "to",
        "us",
        "visit",
        "we",
        "write",
        "you",
        "your",
    ]
)
"""Words that are never the name of a written-out address ("find us at acme dot com")."""

_TRIM = " \t\r\n.,;:!?'\"()<>[]{}|/\\*`´‘’“”«»"
_LOCAL_CHARS = re.compile(r"^[\w.%+'-]+$")
_HEXISH = re.compile(r"^[0-9a-f]{24,}$")
_FILE_SUFFIXES = frozenset(
    [
        "png",
        "jpg",
        "jpeg",
        "gif",
        "svg",
        "webp",
        "bmp",
        "ico",
        "tif",
        "tiff",
        "css",
        "js",
        "json",
        "xml",
        "pdf",
        "mp4",
        "mp3",
        "woff",
        "woff2",
    ]
)

_LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
_TLD = r"(?:[^\W\d_]{2,63}|xn--[a-z0-9-]{1,59})"
TEXT_ADDRESS = re.compile(rf"(?<![\w.%+-])([\w.%+-]{{1,{MAX_LOCAL}}})@((?:{_LABEL}\.)+{_TLD})(?![\w-])")
"""An address inside running text (local part, domain)."""

_BRACKET_AT = re.compile(r"\s*[\[({<]\s*(?:at|@|ät)\s*[\])}>]\s*", re.IGNORECASE)
_BRACKET_DOT = re.compile(r"\s*[\[({<]\s*(?:dot|punkt|\.)\s*[\])}>]\s*", re.IGNORECASE)
_SPACED_AT = re.compile(r"(?<=[\w.])[ \t]+@[ \t]+(?=\w)")
_WORD_DOT = r"[ \t]+(?:dot|DOT|Dot|punkt|PUNKT|Punkt)[ \t]+"
_WORD_FORM = re.compile(
    rf"(?<![\w.%+-])([\w.%+-]{{1,{MAX_LOCAL}}})(?:[ \t]+(?:at|AT)[ \t]+|@)"
    rf"({_LABEL}(?:(?:{_WORD_DOT}|\.){_LABEL})*{_WORD_DOT}{_TLD})(?![\w-])"
)
_WORD_DOT_RE = re.compile(_WORD_DOT)
_SEPARATORS = re.compile(r"[\n|•·]")

CREDIT_WORDS = re.compile(
    r"web\s*design|design(?:ed)?\s+by|(?:web)?site\s+by|made\s+by|built\s+by|created\s+by|developed\s+by|"
    r"powered\s+by|hosted\s+by|realisiert\s+(?:von|durch)|realisierung|umsetzung|gestaltung|erstellt\s+von|"
    r"entwickelt\s+von|programmierung|webagentur|agentur|agency",
    re.IGNORECASE,
)
"""Words that announce someone else's credit line ("Website by ...", "Realisiert von ...")."""


@dataclass(frozen=True, slots=True)
class TextMatch:
    """An address found in text and whether it sits in someone else's credit line."""

    email: str
    credited: bool


@functools.lru_cache(maxsize=4096)
def clean_address(raw: str) -> str | None:
    """The normalised address in ``raw``, or None when it is no real, usable address."""
    text = raw.strip().strip(_TRIM)
    if text[:7].lower() == "mailto:":
        text = text[7:].strip().strip(_TRIM)
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain or "@" in local or len(local) > MAX_LOCAL:
        return None
    if local.startswith(".") or local.endswith(".") or ".." in local or not _LOCAL_CHARS.match(local):
        return None
    host = ascii_domain_name(domain.rstrip(".").lower())
    if host is None or host.rsplit(".", 1)[-1] in _FILE_SUFFIXES:
        return None
    registrable = registrable_domain(host)
    local = local.lower()
    if registrable is None or registrable in PLACEHOLDER_DOMAINS:
        return None
    if local in PLACEHOLDER_LOCALS or _HEXISH.match(local):
        return None
    address = f"{local}@{host}"
    return address if len(address) <= MAX_ADDRESS else None


def credited(context: str) -> bool:
    """True when ``context`` (the text just before an address) is someone else's credit line."""
    return CREDIT_WORDS.search(context) is not None


def find_in_text(text: str) -> list[TextMatch]:
    """Plain addresses in ``text``, in order (a trailing label glued to the next sentence is dropped)."""
    return list(_matches(text, TEXT_ADDRESS.finditer(text), word_form=False))


def find_obfuscated(text: str) -> list[TextMatch]:
    """Addresses written out to fool robots, in order (plain ones are not repeated here)."""
    normalised = _SPACED_AT.sub("@", _BRACKET_DOT.sub(".", _BRACKET_AT.sub("@", text)))
    plain = {match.email for match in find_in_text(text)}
    found = [m for m in _matches(normalised, TEXT_ADDRESS.finditer(normalised), word_form=False)]
    found += _matches(normalised, _WORD_FORM.finditer(normalised), word_form=True)
    return [match for match in found if match.email not in plain]


def _matches(text: str, matches: Iterator[re.Match[str]], *, word_form: bool) -> Iterator[TextMatch]:
    """Clean matches; an address already seen outside a credit line is not reported again."""
    settled: set[str] = set()
    for match in matches:
        local, domain = match.group(1), match.group(2)
        if word_form:
            if local.lower() in COMMON_WORDS:
                continue
            domain = _WORD_DOT_RE.sub(".", domain)
        email = _clean_with_trailing_label(local, domain)
        if email is not None and email not in settled:
            context = _SEPARATORS.split(text[max(0, match.start() - 80) : match.start()])[-1]
            is_credit = credited(context)
            if not is_credit:
                settled.add(email)
            yield TextMatch(email, is_credit)


def _clean_with_trailing_label(local: str, domain: str) -> str | None:
    """Clean ``local@domain``; if that fails, retry without a last label glued on ("shop.de.Next")."""
    labels = domain.split(".")
    for cut in range(3):
        if len(labels) - cut < 2:
            break
        email = clean_address(f"{local}@{'.'.join(labels[: len(labels) - cut])}")
        if email is not None:
            return email
    return None
