"""Bounded provider requests: an overall deadline from sending to the last byte, and a body cap.

httpx's timeouts limit each network operation, not the request: a server that drips
one byte every few seconds (a "slow loris") never trips a read timeout and holds a
run forever, and a 50 MB answer is read into memory whole. :func:`send_bounded` is
the one way the live providers send a request:

* the body is streamed and decoded here (``gzip``/``deflate`` by hand, so a small
  compressed answer cannot expand past the cap in memory) and reading stops as soon
  as it passes :attr:`RequestLimits.max_body` (:class:`BodyTooLarge`);
* the deadline (:attr:`RequestLimits.deadline`, 30 s by default) covers everything
  from the pool to the last byte: :func:`install_deadline` wraps the client's network
  backend so every connect, write and read waits at most the time left to the request
  of the calling thread (sync httpx does all I/O of a request on the calling thread),
  and the body loop checks the clock between chunks (:class:`DeadlineExceeded`).

Both are attempts with a precise outcome (``deadline``, ``too_large``) in the call
log, never retried: a dripping or bloated provider does it again.
"""

from __future__ import annotations

import logging
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpcore
import httpx

from leadgen_desktop.net.rate_limit import Clock

log = logging.getLogger(__name__)

DEFAULT_DEADLINE = 30.0
"""Seconds a provider request may take from sending to the last byte (DESIGN section 4)."""

DEFAULT_MAX_BODY = 5 * 1024 * 1024
"""Bytes a provider answer may have once decoded (DESIGN section 4)."""

ACCEPTED_ENCODINGS = "gzip, deflate"
"""What we ask for: the encodings :func:`send_bounded` decodes itself, with a cap."""

_INFLATE_STEP = 256 * 1024  # bytes inflated at a time: the body plus this is all the memory used
_ZLIB_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


@dataclass(frozen=True, slots=True)
class RequestLimits:
    """How long one request may take and how big its answer may be (injectable for tests)."""

    deadline: float = DEFAULT_DEADLINE
    max_body: int = DEFAULT_MAX_BODY
    clock: Clock = field(default=time.monotonic)

    def __post_init__(self) -> None:
        if not self.deadline > 0:
            raise ValueError("deadline must be positive")
        if self.max_body < 1:
            raise ValueError("max_body must be at least 1 byte")


class BoundExceeded(Exception):
    """An answer broke a limit; ``outcome`` is the call-log word, ``status`` the HTTP status if known."""

    outcome = "bound_exceeded"

    def __init__(self, status: int | None, limit: float) -> None:
        super().__init__(self.outcome)
        self.status = status
        self.limit = limit

    def describe(self, label: str) -> str:
        """A sentence for the user naming the provider (never a URL)."""
        return f"{label} broke a limit ({self.outcome})"


class DeadlineExceeded(BoundExceeded):
    """The answer did not arrive completely within the deadline."""

    outcome = "deadline"

    def describe(self, label: str) -> str:  # noqa: D102 - see BoundExceeded
        return f"{label} did not send its whole answer within {self.limit:g} s (deadline)"


class BodyTooLarge(BoundExceeded):
    """The answer was bigger than the body cap; reading stopped at the cap."""

    outcome = "too_large"

    def describe(self, label: str) -> str:  # noqa: D102 - see BoundExceeded
        mib = self.limit / (1024 * 1024)
        return f"{label} sent an answer larger than {mib:g} MB; it was not read (too_large)"


class UndecodableBody(BoundExceeded):
    """The answer used an encoding we did not ask for, or its compression was damaged."""

    outcome = "bad_encoding"

    def describe(self, label: str) -> str:  # noqa: D102 - see BoundExceeded
        return f"{label} sent an answer this app cannot decode (bad_encoding)"


# ---------------------------------------------------------------------------
# The deadline of the calling thread's request, seen by the network backend
# ---------------------------------------------------------------------------


class _Scope:
    """The deadline of the request running on this thread."""

    def __init__(self, deadline: float, clock: Clock) -> None:
        self.deadline = deadline
        self.clock = clock
        self.expired = False

    def remaining(self) -> float:
        return self.deadline - self.clock()


_CURRENT = threading.local()


@contextmanager
def _deadline_scope(deadline: float, clock: Clock) -> Iterator[_Scope]:
    scope = _Scope(deadline, clock)
    outer = getattr(_CURRENT, "scope", None)
    _CURRENT.scope = scope
    try:
        yield scope
    finally:
        _CURRENT.scope = outer


def _clamp(timeout: float | None) -> tuple[float | None, _Scope | None]:
    """``timeout`` shortened to the time left to this thread's request (the scope when it applies)."""
    scope: _Scope | None = getattr(_CURRENT, "scope", None)
    if scope is None:
        return timeout, None
    left = scope.remaining()
    if left <= 0:
        scope.expired = True
        raise httpcore.TimeoutException("deadline")
    if timeout is None or left < timeout:
        return left, scope
    return timeout, None


def _expire(scope: _Scope | None) -> None:
    if scope is not None:
        scope.expired = True


class _DeadlineStream(httpcore.NetworkStream):
    """A network stream whose operations never outlast the current request's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        timeout, scope = _clamp(timeout)
        try:
            return self._inner.read(max_bytes, timeout)
        except httpcore.TimeoutException:
            _expire(scope)
            raise

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        timeout, scope = _clamp(timeout)
        try:
            self._inner.write(buffer, timeout)
        except httpcore.TimeoutException:
            _expire(scope)
            raise

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        timeout, scope = _clamp(timeout)
        try:
            return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, timeout))
        except httpcore.TimeoutException:
            _expire(scope)
            raise

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """Wraps httpcore's backend so connections honour the per-thread request deadline.

    Its methods are httpcore's ``NetworkBackend`` ones, each timeout shortened to the time left.
    """

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(  # noqa: D102 - httpcore's NetworkBackend method
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        timeout, scope = _clamp(timeout)
        try:
            stream = self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        except httpcore.TimeoutException:
            _expire(scope)
            raise
        return _DeadlineStream(stream)

    def connect_unix_socket(  # noqa: D102 - httpcore's NetworkBackend method
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:
        timeout, scope = _clamp(timeout)
        try:
            stream = self._inner.connect_unix_socket(path, timeout, socket_options)
        except httpcore.TimeoutException:
            _expire(scope)
            raise
        return _DeadlineStream(stream)

    def sleep(self, seconds: float) -> None:  # noqa: D102 - httpcore's NetworkBackend method
        self._inner.sleep(seconds)


def install_deadline(client: httpx.Client) -> int:
    """Make every connection pool of ``client`` honour request deadlines; return how many.

    httpx 0.28 has no public hook for httpcore's network backend, so this wraps the
    backend of each pool httpx built (the direct one and the environment's proxies).
    A test fails if a new httpx version moves it. Injected transports (tests'
    ``MockTransport``) have no pool: their bodies are bounded by the chunk loop only.
    """
    transports: list[object] = [getattr(client, "_transport", None)]
    transports += list(getattr(client, "_mounts", {}).values())
    wrapped = 0
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if isinstance(backend, DeadlineBackend):
            wrapped += 1
        elif isinstance(backend, httpcore.NetworkBackend):
            pool._network_backend = DeadlineBackend(backend)  # type: ignore[union-attr]
            wrapped += 1
    return wrapped


# ---------------------------------------------------------------------------
# Sending
# ---------------------------------------------------------------------------


def send_bounded(client: httpx.Client, request: httpx.Request, limits: RequestLimits) -> httpx.Response:
    """Send ``request`` and read its body within ``limits``; return the response, body loaded.

    The returned response carries the decoded body (its ``content-encoding`` removed).

    Raises:
        DeadlineExceeded, BodyTooLarge, UndecodableBody: the answer broke a limit.
        httpx.HTTPError: the transport failed in the usual ways (a read timeout included).
    """
    request.headers["Accept-Encoding"] = ACCEPTED_ENCODINGS
    deadline = limits.clock() + limits.deadline
    status: int | None = None
    with _deadline_scope(deadline, limits.clock) as scope:
        try:
            response = client.send(request, stream=True)
            try:
                status = response.status_code
                body = _read_body(response, limits, deadline)
            finally:
                response.close()
        except httpx.TimeoutException:
            if scope.expired or limits.clock() >= deadline:
                raise DeadlineExceeded(status, limits.deadline) from None
            raise
    headers = httpx.Headers(response.headers)
    for name in ("content-encoding", "content-length", "transfer-encoding"):
        headers.pop(name, None)
    return httpx.Response(
        response.status_code, headers=headers, content=body, request=request, extensions=response.extensions
    )


def _read_body(response: httpx.Response, limits: RequestLimits, deadline: float) -> bytes:
    status = response.status_code
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limits.max_body:
        raise BodyTooLarge(status, limits.max_body)
    try:
        loaded = response.content  # an injected transport may hand over a body already in memory
    except httpx.ResponseNotRead:
        pass
    else:
        if len(loaded) > limits.max_body:
            raise BodyTooLarge(status, limits.max_body)
        return loaded
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    decoder = None
    if encoding in _ZLIB_WBITS:
        decoder = zlib.decompressobj(_ZLIB_WBITS[encoding])
    elif encoding not in ("", "identity"):
        raise UndecodableBody(status, limits.max_body)
    body = bytearray()
    for chunk in response.iter_raw():
        if decoder is None:
            body += chunk
        else:
            _inflate(decoder, chunk, body, limits.max_body, status)
        if len(body) > limits.max_body:
            raise BodyTooLarge(status, limits.max_body)
        if limits.clock() > deadline:
            raise DeadlineExceeded(status, limits.deadline)
    if decoder is not None:
        body += decoder.flush()
        if len(body) > limits.max_body:
            raise BodyTooLarge(status, limits.max_body)
    return bytes(body)


def _inflate(decoder: Any, chunk: bytes, body: bytearray, cap: int, status: int) -> None:
    """Decode ``chunk`` into ``body`` without ever producing more than the cap allows."""
    data = chunk
    while data:
        room = min(cap - len(body) + 1, _INFLATE_STEP)  # one byte past the cap proves it too big
        try:
            body += decoder.decompress(data, room)
        except zlib.error:
            raise UndecodableBody(status, cap) from None
        if len(body) > cap:
            raise BodyTooLarge(status, cap)
        data = decoder.unconsumed_tail
