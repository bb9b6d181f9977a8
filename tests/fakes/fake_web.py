"""Fake business websites for tests: pages by host and path, misbehaving pages, and a request log.

``FakeWeb`` is served by ``web_proxy.serve_proxy`` (a loopback HTTP/HTTPS
CONNECT proxy) or read directly through :meth:`FakeWeb.mock_transport`. The log
records every request the sites saw (host, path, headers, start and end) and,
per host, the most requests that were ever in flight at once.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx


class Behaviour(enum.Enum):
    """How a page answers."""

    NORMAL = "normal"
    HOLD = "hold"  # never answers (until the client leaves or the test ends)
    SLOWLORIS = "slowloris"  # headers, then one byte every 50 ms, for ever
    HUGE = "huge"  # a body of ``size`` bytes


@dataclass(frozen=True)
class FakePage:
    """One answer of a fake site."""

    body: bytes = b""
    status: int = 200
    content_type: str | None = "text/html; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()
    behaviour: Behaviour = Behaviour.NORMAL
    size: int = 0
    delay: float = 0.0  # seconds the proxy waits before answering (a site's latency)


def html(text: str) -> FakePage:
    """An HTML page."""
    return FakePage(text.encode("utf-8"))


def redirect(location: str, status: int = 301) -> FakePage:
    """A redirect."""
    return FakePage(b"", status=status, content_type=None, headers=(("Location", location),))


class ChunkedStream(httpx.SyncByteStream):
    """A body handed out in 64 KB chunks, like a network answer (not read in advance)."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def __iter__(self) -> Iterator[bytes]:
        for start in range(0, len(self._body), 65536):
            yield self._body[start : start + 65536]


@dataclass
class LoggedRequest:
    """One request a fake site saw."""

    host: str
    path: str
    scheme: str
    headers: dict[str, str]
    started: float
    ended: float | None = None


@dataclass
class FakeWeb:
    """Sites by host; the log of what they saw; events to follow a request as it arrives."""

    pages: dict[str, dict[str, FakePage]] = field(default_factory=dict)
    stall_tls: set[str] = field(default_factory=set)
    time_out: set[tuple[str, str]] = field(default_factory=set)
    log: list[LoggedRequest] = field(default_factory=list)
    connects: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    max_in_flight: dict[str, int] = field(default_factory=dict)
    release: threading.Event = field(default_factory=threading.Event)
    arrived: threading.Condition = field(default_factory=threading.Condition)
    _in_flight: dict[str, int] = field(default_factory=dict)

    def add(self, host: str, path: str, page: FakePage) -> None:
        """Serve ``page`` at ``host`` + ``path`` (the path may carry a query)."""
        self.pages.setdefault(host, {})[path] = page

    def page(self, host: str, path: str) -> FakePage | None:
        """The page at ``host`` + ``path``, None when the site or page does not exist."""
        return self.pages.get(host, {}).get(path)

    def begin(self, host: str, path: str, scheme: str, headers: dict[str, str]) -> LoggedRequest:
        """Record a request's arrival."""
        entry = LoggedRequest(host, path, scheme, headers, time.monotonic())
        with self.arrived:
            self.log.append(entry)
            self._in_flight[host] = self._in_flight.get(host, 0) + 1
            self.max_in_flight[host] = max(self.max_in_flight.get(host, 0), self._in_flight[host])
            self.arrived.notify_all()
        return entry

    def end(self, entry: LoggedRequest) -> None:
        """Record that a request's answer is about to be complete (or its client left); once per request.

        A server calls it *before* it writes the answer's last bytes: a client that waits for
        an answer before its next request can then never be seen with two in flight, however
        late the server's thread runs after the write.
        """
        with self.arrived:
            if entry.ended is not None:
                return
            entry.ended = time.monotonic()
            self._in_flight[entry.host] -= 1

    def wait_for(self, host: str, path: str, timeout: float = 10.0) -> bool:
        """Block until a request for ``host`` + ``path`` has arrived."""
        with self.arrived:
            return self.arrived.wait_for(
                lambda: any(e.host == host and e.path == path for e in self.log), timeout=timeout
            )

    def paths(self, host: str) -> list[str]:
        """Every path requested from ``host``, in order."""
        with self.arrived:
            return [entry.path for entry in self.log if entry.host == host]

    def mock_transport(self) -> httpx.MockTransport:
        """The sites as an ``httpx.MockTransport`` (logged like the proxy does).

        Pages that misbehave in time are not simulated here; (host, path) pairs in
        ``time_out`` raise the timeout such a page ends in.
        """

        def handle(request: httpx.Request) -> httpx.Response:
            path = request.url.raw_path.decode("ascii")
            entry = self.begin(request.url.host, path, request.url.scheme, dict(request.headers))
            try:
                if (request.url.host, path) in self.time_out:
                    raise httpx.ReadTimeout("the page did not answer (test)", request=request)
                page = self.page(request.url.host, path) or FakePage(b"not found", status=404)
                headers = dict(page.headers)
                if page.content_type:
                    headers["Content-Type"] = page.content_type
                body = page.body if page.behaviour is not Behaviour.HUGE else b"<p>" + b"x" * page.size
                return httpx.Response(page.status, headers=headers, stream=ChunkedStream(body))
            finally:
                self.end(entry)

        return httpx.MockTransport(handle)
