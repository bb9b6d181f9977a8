"""The one rule for web links: only http(s) URLs are stored, exported or opened.

Provider answers are untrusted, and a link from them ends up in the system opener
("Open website", "Open in Google Maps"), so a ``javascript:``, ``file:``, ``smb:`` or
``search-ms:`` link must never get through. The parsers (net/providers) and the
window's openers (gui) both ask :func:`web_url`; nothing else decides.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2048
"""Longest URL kept (longer ones are dropped, not cut: a cut URL points elsewhere)."""

WEB_SCHEMES = ("http", "https")
"""The only schemes a stored or opened link may have."""

_FORBIDDEN = re.compile(r"[\s\x00-\x1f\x7f-\x9f\\\u200b-\u200f\u2028-\u202e\u2066-\u2069]")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_HOST_PORT = re.compile(r"^[^/?#:]+:\d{1,5}(?:[/?#]|$)")  # "example.com:8080/x" is a bare host, not a scheme
_BARE_HOST = re.compile(r"^(?:[^\W_](?:[\w-]{0,62}[^\W_])?\.)+[^\W\d_]{2,63}\.?$")


def web_url(value: object) -> str | None:
    """``value`` as an http(s) URL with a host, or None for anything else.

    A bare host with an optional port and path (``example.com/contact``) is read as
    ``https://example.com/contact``. Refused: other schemes (``javascript:``,
    ``file:``, ``smb:``, ``search-ms:``, ``mailto:`` ...), white space, control or
    bidi characters, backslashes, credentials (``user@host``), a missing host, a bad
    port and anything longer than :data:`MAX_URL_LENGTH`.
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > MAX_URL_LENGTH or _FORBIDDEN.search(text):
        return None
    scheme = _SCHEME.match(text)
    if scheme is None or _HOST_PORT.match(text):
        if text.startswith(("/", ".")):
            return None
        text = "https://" + text
        if len(text) > MAX_URL_LENGTH:
            return None
        bare = True
    elif scheme.group(1).lower() in WEB_SCHEMES:
        bare = False
    else:
        return None
    try:
        parts = urlsplit(text)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:  # a bad IPv6 literal or a port out of range
        return None
    host = parts.hostname or ""
    if not port_ok or not host or "@" in parts.netloc:
        return None
    if bare and not _BARE_HOST.match(host):
        return None  # "alert(1)" or "foo" is not a web address
    return text


def is_web_url(value: object) -> bool:
    """True when :func:`web_url` accepts ``value``."""
    return web_url(value) is not None
