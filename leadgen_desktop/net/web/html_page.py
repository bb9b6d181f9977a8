"""A fetched page as a tree: decoded with its charset, parsed by selectolax (Lexbor), read like a person.

selectolax was chosen over lxml by measurement (``benchmarks/html_parsers.py``:
about 4-5x faster on a realistic 144 KB page, 0.7 ms against 3.2 ms) and both
ship wheels for Linux, macOS and Windows. Lexbor parses any bytes the way a
browser does, so broken markup never raises.

:func:`visible_text` reads the text a visitor sees: text nodes joined without
a gap inside one block (so ``info<span>@</span>shop.de`` reads
``info@shop.de``) and with a line break between blocks, at ``<br>`` and
``<hr>`` (so two paragraphs never glue into one false address); scripts,
styles, templates and elements hidden with ``hidden`` or an inline
``display:none`` / ``visibility:hidden`` are left out.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

from leadgen_desktop.net.web.body import charset_of

MAX_CONTEXT = 80
"""Characters of text kept before a link (to see "website by ..." credits)."""

BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "caption",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "li",
        "main",
        "nav",
        "ol",
        "option",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    ]
)
"""Elements that start a new line of text."""

_HIDDEN_CONTENT = frozenset({"script", "style", "template", "noscript", "svg", "iframe", "object", "select"})
_HIDDEN_SELECTOR = (
    "[hidden], [style*='display:none'], [style*='display: none'], "
    "[style*='visibility:hidden'], [style*='visibility: hidden']"
)
_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]{1,40})""", re.IGNORECASE
)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


@dataclass(frozen=True, slots=True)
class Anchor:
    """A link on the page: absolute target, its text, and (for ``mailto:`` links) the text just before it."""

    href: str
    text: str
    context: str


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """The page as text: BOM, the header's charset, ``<meta charset>``, else UTF-8 (never raises)."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return _decode(body, name)
    declared = charset_of(content_type)
    if declared is None:
        match = _META_CHARSET.search(body[:4096])
        declared = match.group(1).decode("ascii") if match else None
    return _decode(body, declared or "utf-8")


def _decode(body: bytes, charset: str) -> str:
    try:
        if not codecs.lookup(charset)._is_text_encoding:
            charset = "utf-8"
        return body.decode(charset, errors="replace")
    except (LookupError, UnicodeError, ValueError):
        return body.decode("utf-8", errors="replace")


def parse_html(body: bytes, content_type: str | None = None) -> LexborHTMLParser:
    """Decode and parse ``body`` (a browser's tolerance; never raises)."""
    text = decode_html(body, content_type)
    return LexborHTMLParser(text.encode("utf-8", errors="replace"))


def base_url(tree: LexborHTMLParser, page_url: str) -> str:
    """The URL relative links resolve against: ``<base href>`` when present, else the page's."""
    base = tree.css_first("base[href]")
    href = (base.attributes.get("href") or "").strip() if base is not None else ""
    return _join(page_url, href) if href else page_url


def anchors(tree: LexborHTMLParser, page_url: str) -> list[Anchor]:
    """Every ``<a href>`` / ``<area href>``, resolved against the page's base URL, in document order."""
    base = base_url(tree, page_url)
    found: list[Anchor] = []
    for node in tree.css("a[href], area[href]"):
        href = (node.attributes.get("href") or "").strip()
        if not href:
            continue
        if href[:7].lower() == "mailto:":
            found.append(Anchor(href=href, text=" ".join(node.text().split()), context=_before(node)))
        else:
            found.append(Anchor(href=_join(base, href), text=" ".join(node.text().split()), context=""))
    return found


def _join(base: str, href: str) -> str:
    try:
        return urljoin(base, href)
    except ValueError:
        return href


def _before(node: LexborNode) -> str:
    """Up to :data:`MAX_CONTEXT` characters of text right before ``node`` in its parent."""
    parts: list[str] = []
    size = 0
    sibling = node.prev
    while sibling is not None and size < MAX_CONTEXT:
        text = sibling.text() if sibling.tag != "-text" else (sibling.text_content or "")
        parts.append(text)
        size += len(text)
        sibling = sibling.prev
    return " ".join("".join(reversed(parts)).split())[-MAX_CONTEXT:]


def visible_text(tree: LexborHTMLParser) -> str:
    """The text a visitor reads, blocks on their own lines. Removes hidden parts from ``tree``: call last."""
    for node in tree.css(_HIDDEN_SELECTOR):
        node.decompose()
    root = tree.body or tree.root
    if root is None:
        return ""
    parts: list[str] = []
    last_block: int | None = None
    for node in root.traverse(include_text=True):
        tag = node.tag
        if tag == "-text":
            block = _block_of(node)
            if block is None:
                continue
            if block != last_block:
                parts.append("\n")
                last_block = block
            parts.append(node.text_content or "")
        elif tag in ("br", "hr", "img"):
            parts.append("\n")
            last_block = None
    return "".join(parts)


def _block_of(node: LexborNode) -> int | None:
    """Identity of the nearest block ancestor of a text node; None inside hidden content."""
    parent = node.parent
    while parent is not None:
        tag = parent.tag
        if tag in _HIDDEN_CONTENT:
            return None
        if tag in BLOCK_TAGS or tag == "html":
            return parent.mem_id
        parent = parent.parent
    return None
