"""Reading a website's answer: is it HTML, and its first bytes, decoded, never more than the cap.

The cap applies to the decoded bytes, and decompression is bounded too
(``zlib`` with ``max_length``), so a small compressed answer cannot expand into
a huge one in memory. The stream is abandoned once the cap is reached: the
rest is never downloaded.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
"""Media types read as web pages; anything else (PDF, images, ...) is skipped unread."""

SNIFF_BYTES = 512


def media_type(content_type: str | None) -> str:
    """``"text/html; charset=utf-8"`` -> ``"text/html"`` (lowercase; empty when absent)."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def charset_of(content_type: str | None) -> str | None:
    """The ``charset`` parameter of a Content-Type header, if any."""
    for parameter in (content_type or "").split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip("\"'"):
            return value.strip().strip("\"'")
    return None


def looks_like_html(first_bytes: bytes) -> bool:
    """A page served without a Content-Type: does it start like HTML?"""
    head = first_bytes[:SNIFF_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<!--", b"<meta", b"<title"))


class UnsupportedEncoding(ValueError):
    """The answer used a Content-Encoding we did not ask for."""


@dataclass(frozen=True, slots=True)
class CappedBody:
    """The first ``limit`` decoded bytes of an answer; ``truncated`` when there was more."""

    data: bytes
    truncated: bool


def read_capped(chunks: Iterable[bytes], content_encoding: str | None, limit: int) -> CappedBody:
    """Decode ``chunks`` (raw bytes off the wire) until ``limit`` decoded bytes, then stop reading.

    A corrupt compressed stream ends the body where it broke (what was decoded is kept).
    """
    decoder = _Decoder(content_encoding)
    out = bytearray()
    try:
        for chunk in chunks:
            out += decoder.decode(chunk, limit + 1 - len(out))
            if len(out) > limit:
                return CappedBody(bytes(out[:limit]), truncated=True)
        out += decoder.flush(limit + 1 - len(out))
    except zlib.error:
        pass
    if len(out) > limit:
        return CappedBody(bytes(out[:limit]), truncated=True)
    return CappedBody(bytes(out), truncated=False)


class _Decoder:
    """Identity, gzip or deflate (zlib-wrapped, or raw as some servers send it), output bounded per call."""

    def __init__(self, content_encoding: str | None) -> None:
        encoding = (content_encoding or "").strip().lower()
        if encoding not in ("", "identity", "gzip", "x-gzip", "deflate"):
            raise UnsupportedEncoding(f"the answer is compressed as {encoding!r}, which was not asked for")
        self._identity = encoding in ("", "identity")
        self._deflate = encoding == "deflate"
        self._started = False
        wbits = zlib.MAX_WBITS | (32 if self._deflate else 16)
        self._zlib = zlib.decompressobj(wbits)

    def decode(self, chunk: bytes, max_length: int) -> bytes:
        if self._identity:
            return chunk
        data = self._zlib.unconsumed_tail + chunk
        if self._deflate and not self._started:
            try:
                return self._inflate(data, max_length)
            except zlib.error:
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
        return self._inflate(data, max_length)

    def _inflate(self, data: bytes, max_length: int) -> bytes:
        out = self._zlib.decompress(data, max(max_length, 1))
        self._started = self._started or bool(data)
        return out

    def flush(self, max_length: int) -> bytes:
        if self._identity:
            return b""
        return self._zlib.decompress(self._zlib.unconsumed_tail, max(max_length, 1))
