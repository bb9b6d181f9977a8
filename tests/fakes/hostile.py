"""Misbehaving providers on loopback: answers that drip, bloat or never finish their headers.

``serve_hostile(fake, {"/v2/domain-search": "drip_body"})`` serves ``fake`` like
:func:`tests.fakes.api_server.serve`, except that requests to the listed paths get a
hostile answer (each still counted by the fake as a request to its provider):

* ``drip_body``: 200 and headers at once, then one byte of body every ``DRIP_INTERVAL``
  seconds (chunked), for ``DRIP_FOR`` seconds' worth of drops at least;
* ``drip_headers``: the status line, then one header byte at a time, as long;
* ``bloat``: a 50 MB body (declared length, streamed in 64 KB writes);
* ``bloat_chunked``: the same 50 MB without a declared length (chunked);
* ``gzip_bomb``: about 50 KB of gzip that inflates to 50 MB.

A dripping answer ends when the client hangs up or the server stops, so no thread
outlives its test; only a client without a deadline sees it end (after ``DRIP_FOR``),
so its test fails instead of hanging. Verdicts never depend on the machine's speed: a
client with a deadline under ``DRIP_FOR`` always hits it.
"""

from __future__ import annotations

import functools
import threading
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.api_loopback import _Handler
from tests.fakes.api_server import FakeApis, serve

DRIP_INTERVAL = 0.005
DRIP_FOR = 20.0
BLOAT_BYTES = 50 * 1024 * 1024
MODES = ("drip_body", "drip_headers", "bloat", "bloat_chunked", "gzip_bomb")
_CHUNK = 64 * 1024


@functools.cache
def gzip_bomb() -> bytes:
    """About 50 KB of gzip that inflates to a 50 MB JSON list (built without holding the 50 MB)."""
    packer = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    parts = [packer.compress(b"[")]
    spaces = b" " * _CHUNK
    left = BLOAT_BYTES - 2
    while left:
        parts.append(packer.compress(spaces[: min(left, _CHUNK)]))
        left -= min(left, _CHUNK)
    parts += [packer.compress(b"]"), packer.flush()]
    return b"".join(parts)


class HostileHandler(_Handler):
    """Answers the paths in ``modes`` with the chosen misbehaviour; the rest like the fake."""

    modes: Mapping[str, str] = {}
    stop: threading.Event = threading.Event()
    drip_for: float = DRIP_FOR

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        mode = self.modes.get(parts.path)
        if mode is None:
            super()._serve()
            return
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        self.fake.handle(self.command, parts.path, query, dict(self.headers.items()), body)  # counted
        self.close_connection = True
        with suppress(OSError):  # the client hung up: that is how these answers end
            getattr(self, f"_{mode}")()

    do_GET = _serve
    do_POST = _serve

    def handle(self) -> None:
        """Hang-ups are how these answers end: no traceback for them."""
        with suppress(OSError):
            super().handle()

    def finish(self) -> None:
        """See :meth:`handle`."""
        with suppress(OSError):
            super().finish()

    def _drip(self, data: bytes, end: bytes) -> None:
        """Send ``data`` every DRIP_INTERVAL until the client hangs up; ``end`` after ``drip_for`` seconds.

        Ending at all is only for a client without a deadline: it then gets a whole (useless)
        answer and its test fails on it instead of hanging.
        """
        self.wfile.flush()
        for _ in range(int(self.drip_for / DRIP_INTERVAL)):
            if self.stop.wait(DRIP_INTERVAL):
                return
            self.wfile.write(data)
            self.wfile.flush()
        self.wfile.write(end)
        self.wfile.flush()

    def _drip_body(self) -> None:
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        self._drip(b"1\r\n \r\n", end=b"0\r\n\r\n")  # one byte per chunk

    def _drip_headers(self) -> None:
        self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        self._drip(b"a", end=b"\r\ncontent-length: 0\r\n\r\n")

    def _bloat(self) -> None:
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(BLOAT_BYTES))
        self.end_headers()
        self._stream_bloat(chunked=False)

    def _bloat_chunked(self) -> None:
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        self._stream_bloat(chunked=True)

    def _stream_bloat(self, chunked: bool) -> None:
        sent = 0
        piece = b" " * _CHUNK
        while sent < BLOAT_BYTES and not self.stop.is_set():
            data = b"[" + piece[1:] if sent == 0 else piece
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data) if chunked else data)
            sent += len(data)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _gzip_bomb(self) -> None:
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-encoding", "gzip")
        self.send_header("content-length", str(len(gzip_bomb())))
        self.end_headers()
        self.wfile.write(gzip_bomb())
        self.wfile.flush()


@contextmanager
def serve_hostile(fake: FakeApis, modes: Mapping[str, str], drip_for: float = DRIP_FOR) -> Iterator[str]:
    """Serve ``fake`` on loopback with ``modes`` ({path: mode}); yield the base URL.

    ``drip_for``: seconds' worth of drops before a dripping answer ends after all.
    """
    unknown = set(modes.values()) - set(MODES)
    if unknown:
        raise ValueError(f"unknown modes {sorted(unknown)}; expected {MODES}")
    stop = threading.Event()
    handler = type("Hostile", (HostileHandler,), {"modes": dict(modes), "stop": stop, "drip_for": drip_for})
    with serve(fake, handler=handler) as url:
        try:
            yield url
        finally:
            stop.set()  # ends every drip before the server stops
