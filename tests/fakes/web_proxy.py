"""A loopback HTTP proxy that serves a ``FakeWeb``: absolute-form ``http://`` requests and HTTPS via CONNECT.

For CONNECT it answers ``200``, then speaks TLS itself with a certificate for
the requested host signed by a ``ThrowawayCA`` (the client trusts it through
``SSL_CERT_FILE``), and serves the site's pages on that connection
(HTTP/1.1 keep-alive). Nothing is forwarded anywhere: every site is fake.
"""

from __future__ import annotations

import contextlib
import select
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import urlsplit

from tests.fakes.fake_web import Behaviour, FakePage, FakeWeb
from tests.fakes.throwaway_ca import ThrowawayCA

HOLD_LIMIT = 30.0
"""Longest a held answer waits (the test normally ends it earlier)."""


class _SiteHandler(BaseHTTPRequestHandler):
    """Serves one connection's requests for one host (``site_host``) of the fake web."""

    protocol_version = "HTTP/1.1"
    web: ClassVar[FakeWeb]
    site_host: ClassVar[str | None] = None
    scheme: ClassVar[str] = "http"

    def do_GET(self) -> None:
        host, path = self.site_host, self.path
        if host is None:  # absolute-form request to the proxy: http://host/path
            parts = urlsplit(self.path)
            host, path = (
                parts.hostname or "",
                (parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
            )
        entry = self.web.begin(host, path, self.scheme, {k.lower(): v for k, v in self.headers.items()})
        try:
            page = self.web.page(host, path) or FakePage(b"<h1>not found</h1>", status=404)
            self._answer(page, lambda: self.web.end(entry))
        except (BrokenPipeError, ConnectionResetError, TimeoutError, OSError):
            self.close_connection = True
        finally:
            self.web.end(entry)

    def _answer(self, page: FakePage, completing: Callable[[], None]) -> None:
        """Answer with ``page``; ``completing()`` runs before the bytes that complete a whole answer."""
        if page.delay:
            self.web.release.wait(page.delay)
        if page.behaviour is Behaviour.HOLD:
            self._hold(lambda: None)
            self.close_connection = True
            return
        self.send_response(page.status)
        for name, value in page.headers:
            self.send_header(name, value)
        if page.content_type:
            self.send_header("Content-Type", page.content_type)
        if page.behaviour is Behaviour.SLOWLORIS:
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self._hold(lambda: self.wfile.write(b"x"))
            self.close_connection = True
            return
        if page.behaviour is Behaviour.HUGE:
            self.send_header("Content-Length", str(page.size))
            self.end_headers()
            chunk = b"<p>" + b"x" * 65533
            sent = 0
            while sent < page.size:
                part = chunk[: page.size - sent]
                if sent + len(part) >= page.size:
                    completing()
                self.wfile.write(part)
                sent += len(part)
            return
        self.send_header("Content-Length", str(len(page.body)))
        completing()
        self.end_headers()
        self.wfile.write(page.body)

    def _hold(self, tick: Callable[[], object]) -> None:
        """Wait (calling ``tick`` every 50 ms) until the client leaves, the test ends or HOLD_LIMIT passes."""
        ends = time.monotonic() + HOLD_LIMIT
        while not self.web.release.wait(0.05) and time.monotonic() < ends:
            if _client_gone(self.connection):
                return
            tick()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


def _client_gone(connection: socket.socket) -> bool:
    """True when the client closed its end (checked without blocking)."""
    try:
        readable, _, _ = select.select([connection], [], [], 0)
        if not readable:
            return False
        if isinstance(connection, ssl.SSLSocket):
            connection.settimeout(0.01)
            return not connection.recv(1)
        return not connection.recv(1, socket.MSG_PEEK)
    except (ssl.SSLWantReadError, TimeoutError, BlockingIOError):
        return False
    except (OSError, ValueError):
        return True


class _ProxyHandler(_SiteHandler):
    """The proxy's front door: CONNECT tunnels (served locally over TLS) and absolute-form requests."""

    ca: ClassVar[ThrowawayCA]

    def do_CONNECT(self) -> None:
        host = self.path.rsplit(":", 1)[0]
        self.web.connects.append((host, {k.lower(): v for k, v in self.headers.items()}))
        self.send_response(200, "Connection established")
        self.end_headers()
        self.close_connection = True
        if host in self.web.stall_tls:
            self._hold(lambda: None)
            return
        self.connection.settimeout(10)
        try:
            tls = self.ca.server_context(host).wrap_socket(self.connection, server_side=True)
        except OSError:
            return
        handler = type(
            "TunnelHandler", (_SiteHandler,), {"web": self.web, "site_host": host, "scheme": "https"}
        )
        try:
            with contextlib.suppress(OSError):
                handler(tls, self.client_address, self.server)
        finally:
            tls.close()


@contextlib.contextmanager
def serve_proxy(web: FakeWeb, ca: ThrowawayCA) -> Iterator[str]:
    """Serve ``web`` behind a loopback proxy; yield its URL (``http://127.0.0.1:PORT``) for HTTP(S)_PROXY."""
    handler = type("ProxyHandler", (_ProxyHandler,), {"web": web, "ca": ca})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.request_queue_size = 128
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        web.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
