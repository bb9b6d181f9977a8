"""Sockets for website requests that obey one deadline and a cancel token, and only reach checked addresses.

httpx's own timeouts are per operation (connect, each read), so a server that
sends one byte every few seconds could hold a request for ever, and a blocked
``recv`` cannot notice a cancel. This module gives httpcore a network backend
whose every blocking step (name lookup, connect, TLS handshake, read, write)
waits in short slices and, between slices, looks at the current
:class:`RequestScope`: the cancel token (raising
:class:`~leadgen_desktop.domain.Cancelled`) and the request's deadline
(raising httpcore's timeout errors, which httpx turns into its own).

The scope is a context variable set by the fetcher around one request (see
:func:`request_scope`), so connections kept alive in the pool always obey the
request that is using them now.

The direct backend resolves the host itself, checks every address
(``safety.check_resolved``) and connects only to those addresses; the proxy
backend connects to the proxy without a check (the proxy resolves names).
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import select
import socket
import ssl
import time
import typing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import httpcore

from leadgen_desktop.domain import CancelToken
from leadgen_desktop.net.cancellable import DeadlinePassed, call_cancellable
from leadgen_desktop.net.dns_resolver import AddressLookup
from leadgen_desktop.net.web.safety import check_resolved, parse_ip_literal

SLICE_SECONDS = 0.1
"""Longest single blocking wait; a cancel is noticed within about this long."""

_CONNECT_IN_PROGRESS = frozenset({0, errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN, 10035})
"""``connect_ex`` results meaning "connected" or "connecting" (10035 is Windows' WSAEWOULDBLOCK)."""


@dataclass(frozen=True, slots=True)
class RequestScope:
    """The limits of the request running on this thread: a monotonic deadline and a cancel token."""

    deadline: float
    cancel: CancelToken


_current_scope: contextvars.ContextVar[RequestScope | None] = contextvars.ContextVar(
    "leadgen_web_request_scope", default=None
)


@contextlib.contextmanager
def request_scope(seconds: float, cancel: CancelToken) -> Iterator[RequestScope]:
    """Run one request under a deadline ``seconds`` from now and ``cancel``."""
    scope = RequestScope(time.monotonic() + seconds, cancel)
    token = _current_scope.set(scope)
    try:
        yield scope
    finally:
        _current_scope.reset(token)


def current_scope() -> RequestScope | None:
    """The deadline and cancel token of the website request running on this thread (None outside one).

    An injected transport (the demo's sites) uses it to wait as a network would: cancel-aware.
    """
    return _current_scope.get()


def _next_wait(timeout: float | None, started: float, on_timeout: type[Exception]) -> float:
    """Seconds the next slice may block; raises on cancel or when the time is up."""
    now = time.monotonic()
    ends = [started + timeout] if timeout is not None else []
    scope = _current_scope.get()
    if scope is not None:
        scope.cancel.raise_if_cancelled()
        ends.append(scope.deadline)
    end = min(ends, default=now + SLICE_SECONDS)
    if now >= end:
        raise on_timeout("the website did not answer in time")
    return min(SLICE_SECONDS, end - now)


class SlicedStream(httpcore.NetworkStream):
    """A socket whose blocking calls wait in slices and obey the current request scope."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        """Receive up to ``max_bytes`` (empty at end of stream)."""
        started = time.monotonic()
        while True:
            self._sock.settimeout(_next_wait(timeout, started, httpcore.ReadTimeout))
            try:
                return self._sock.recv(max_bytes)
            except TimeoutError:
                continue
            except OSError as exc:
                raise httpcore.ReadError(str(exc)) from exc

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        """Send all of ``buffer``."""
        started = time.monotonic()
        while buffer:
            self._sock.settimeout(_next_wait(timeout, started, httpcore.WriteTimeout))
            try:
                sent = self._sock.send(buffer)
            except TimeoutError:
                continue
            except OSError as exc:
                raise httpcore.WriteError(str(exc)) from exc
            buffer = buffer[sent:]

    def close(self) -> None:
        """Close the socket."""
        self._sock.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        """Upgrade to TLS, handshaking in slices (certificate checked against ``server_hostname``)."""
        if isinstance(self._sock, ssl.SSLSocket):
            self.close()
            raise httpcore.ConnectError("TLS inside TLS (an https:// proxy) is not supported")
        started = time.monotonic()
        tls: ssl.SSLSocket | None = None
        try:
            tls = ssl_context.wrap_socket(
                self._sock, server_hostname=server_hostname, do_handshake_on_connect=False
            )
            while True:
                tls.settimeout(_next_wait(timeout, started, httpcore.ConnectTimeout))
                try:
                    tls.do_handshake()
                    break
                except TimeoutError:
                    continue
        except BaseException as exc:
            (tls or self._sock).close()  # wrapping moved the descriptor into ``tls``
            if isinstance(exc, OSError):
                raise httpcore.ConnectError(f"TLS with {server_hostname} failed: {exc}") from exc
            raise
        return SlicedStream(tls)

    def get_extra_info(self, info: str) -> typing.Any:
        """What httpcore asks of a stream: the TLS object (for ALPN), the socket, readability."""
        if info == "ssl_object":
            return self._sock if isinstance(self._sock, ssl.SSLSocket) else None
        if info == "socket":
            return self._sock
        if info == "client_addr":
            return self._sock.getsockname()
        if info == "server_addr":
            return self._sock.getpeername()
        if info == "is_readable":
            return _is_readable(self._sock)
        return None


def _is_readable(sock: socket.socket) -> bool:
    """True when an idle kept-alive connection has data or was closed (so it must not be reused)."""
    if sock.fileno() == -1:
        return True
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


class GuardedBackend(httpcore.NetworkBackend):
    """Opens sliced TCP connections; with ``check_addresses`` only to checked, public addresses.

    ``lookup(host, seconds)`` resolves names (the OS, or ``LEADGEN_DNS_SERVER``).
    The direct route uses ``check_addresses=True``; the route to a proxy uses
    False (a proxy may sit on loopback, and it resolves the websites itself).
    """

    def __init__(self, lookup: AddressLookup, *, check_addresses: bool) -> None:
        self._lookup = lookup
        self._check = check_addresses

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        """Resolve, check, then connect to the first checked address that answers."""
        started = time.monotonic()
        addresses = self._resolve(host, timeout, started)
        if self._check:
            check_resolved(host, addresses)
        failure: Exception | None = None
        for address in addresses:
            try:
                return SlicedStream(_connect(address, port, timeout, started))
            except httpcore.ConnectError as exc:
                failure = exc
        raise failure or httpcore.ConnectError(f"{host} has no address")

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        """Not used for websites."""
        raise httpcore.ConnectError("unix sockets are not used for websites")

    def sleep(self, seconds: float) -> None:
        """httpcore's retry pause (retries are off; kept cancel-aware anyway)."""
        scope = _current_scope.get()
        if scope is not None:
            scope.cancel.wait(seconds)
            scope.cancel.raise_if_cancelled()
        else:
            time.sleep(seconds)

    def _resolve(self, host: str, timeout: float | None, started: float) -> list[str]:
        literal = parse_ip_literal(host)
        if literal is not None:
            return [str(literal)]
        scope = _current_scope.get()
        cancel = scope.cancel if scope is not None else CancelToken()
        ends = [started + timeout] if timeout is not None else []
        if scope is not None:
            ends.append(scope.deadline)
        deadline = min(ends, default=None)
        seconds = deadline - time.monotonic() if deadline is not None else 10.0
        try:
            return call_cancellable(
                lambda: self._lookup(host, seconds), cancel, deadline=deadline, name="resolve"
            )
        except DeadlinePassed:
            raise httpcore.ConnectTimeout(f"looking up {host} took too long") from None
        except OSError as exc:
            raise httpcore.ConnectError(f"{host} could not be resolved ({exc})") from exc


def _connect(address: str, port: int, timeout: float | None, started: float) -> socket.socket:
    """A connected TCP socket to ``address``, connecting in slices (cancel- and deadline-aware)."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setblocking(False)
        result = sock.connect_ex((address, port))
        if result not in _CONNECT_IN_PROGRESS:
            raise httpcore.ConnectError(f"connecting to {address}:{port} failed (error {result})")
        while True:
            wait = _next_wait(timeout, started, httpcore.ConnectTimeout)
            _, writable, failed = select.select([], [sock], [sock], wait)
            if writable or failed:
                break
        error = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if error:
            raise httpcore.ConnectError(f"connecting to {address}:{port} failed (error {error})")
        sock.setblocking(True)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock
    except BaseException:
        sock.close()
        raise
