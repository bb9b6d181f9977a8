"""The fake APIs over real loopback HTTP: the request handler, ``serve``, and a ``leadgen`` environment.

``with serve(fake) as base_url:`` serves all three APIs of a
:class:`~tests.fakes.api_server.FakeApis` on one 127.0.0.1 port (point LEADGEN_*_URL at
``base_url``, or take :func:`cli_env`). Run alone for manual testing:
``python -m tests.fakes.api_loopback [PORT]``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from tests.fakes.api_answers import GOOGLE_KEY, HUNTER_KEY, NEVERBOUNCE_KEY, json_answer

if TYPE_CHECKING:
    from tests.fakes.api_server import FakeApis
    from tests.fakes.connections import ConnectionLog


class _Handler(BaseHTTPRequestHandler):
    """Routes loopback HTTP requests to ``self.fake``."""

    fake: FakeApis
    disable_nagle_algorithm = True
    wbufsize = 1 << 16  # one write per answer (headers and body together)

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        answer = self.fake.handle(self.command, parts.path, query, dict(self.headers.items()), body)
        if answer.fault in ("connect_error", "drop"):
            self.close_connection = True  # hang up without an answer
            return
        if answer.fault == "timeout":
            self.fake.pause(self.fake.stall_seconds)
            answer = json_answer(504, {"error": "stalled"})
        self.send_response(answer.status)
        for name, value in {**answer.headers, "content-length": str(len(answer.body))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(answer.body)

    do_GET = _serve
    do_POST = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""


class _CountingServer(ThreadingHTTPServer):
    """Reports each connection to ``connections`` (see :class:`~tests.fakes.connections.ConnectionLog`).

    Opened on the accepting thread, in the order connections leave the listen backlog; closed
    once its handler thread is done with it (answered, failed, or found its client gone).
    """

    connections: ConnectionLog

    def process_request(self, request: Any, client_address: Any) -> None:
        """Count the connection as open before its handler thread starts."""
        self.connections.opened(self.server_address[1], client_address[1])
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        """Count the connection as closed, even when its client is gone or its handler failed."""
        try:
            super().shutdown_request(request)
        finally:
            self.connections.closed(self.server_address[1])


def mock_transport(fake: FakeApis) -> httpx.MockTransport:
    """An ``httpx.MockTransport`` answering from ``fake`` (its faults raise httpx errors)."""

    def handler(request: httpx.Request) -> httpx.Response:
        query = dict(parse_qsl(request.url.query.decode(), keep_blank_values=True))
        answer = fake.handle(request.method, request.url.path, query, dict(request.headers), request.read())
        if answer.fault == "timeout":
            raise httpx.ReadTimeout("timed out", request=request)
        if answer.fault == "drop":
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
        if answer.fault == "connect_error":
            # httpx puts URLs in messages; this one carries the key for NeverBounce.
            raise httpx.ConnectError(f"connection refused while requesting {request.url}", request=request)
        return httpx.Response(answer.status, headers=answer.headers, content=answer.body)

    return httpx.MockTransport(handler)


@contextmanager
def serve(
    fake: FakeApis,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    handler: type[_Handler] | None = None,
    server_class: type[ThreadingHTTPServer] = ThreadingHTTPServer,
) -> Iterator[str]:
    """Serve ``fake`` on a loopback port in a background thread; yield its base URL.

    ``handler`` (a subclass of this module's request handler) and ``server_class``
    let a variant change the HTTP details, e.g. keep-alive and a longer backlog.
    """
    handler_class = type("FakeApiHandler", (handler or _Handler,), {"fake": fake})
    counting = type("FakeApiServer", (_CountingServer, server_class), {"connections": fake.connections})
    server = counting((host, port), handler_class)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    address = (host, server.server_address[1])
    fake.connections.addresses.append(address)
    try:
        yield f"http://{host}:{address[1]}"
    finally:
        fake.connections.addresses.remove(address)
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def new_user_env(root: str | os.PathLike[str]) -> dict[str, str]:
    """A new user's environment for a subprocess: home and user folders under ``root``, the null
    keychain, and none of this shell's ``LEADGEN_``, ``XDG_``, proxy or CA bundle variables."""
    unset = {"http_proxy", "https_proxy", "all_proxy", "no_proxy", "ssl_cert_file", "ssl_cert_dir"}
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LEADGEN_", "XDG_")) and k.lower() not in unset
    }
    env.update(PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring", HOME=os.path.join(root, "home"))
    for name in ("DATA", "CONFIG", "CACHE", "STATE"):
        env[f"XDG_{name}_HOME"] = os.path.join(root, f"xdg-{name.lower()}")
    return env


def cli_env(
    base_url: str,
    root: str | os.PathLike[str],
    *,
    google_key: str | None = GOOGLE_KEY,
    hunter_key: str | None = HUNTER_KEY,
    neverbounce_key: str | None = NEVERBOUNCE_KEY,
) -> dict[str, str]:
    """Environment for a ``leadgen`` subprocess pointed at ``base_url``, every user dir under ``root``.

    A key given as None is left out. The keychain is the null backend, so only these keys count.
    Website and DNS traffic stays on loopback (``offline_web``): sites unreachable, mail servers unknown.
    """
    from tests.fakes.offline_web import offline_web_env

    env = new_user_env(root)
    env.update(offline_web_env())
    env.update(LEADGEN_DEMO_LATENCY="0", PYTHONUNBUFFERED="1")
    for name in ("GOOGLE_PLACES", "HUNTER", "NEVERBOUNCE"):
        env[f"LEADGEN_{name}_URL"] = base_url
    keys = {"GOOGLE_PLACES": google_key, "HUNTER": hunter_key, "NEVERBOUNCE": neverbounce_key}
    env.update({f"LEADGEN_{name}_KEY": key for name, key in keys.items() if key is not None})
    return env


def main() -> None:
    """Run the fake on a fixed port for manual testing: ``python -m tests.fakes.api_loopback [PORT]``."""
    import sys

    from tests.fakes.api_server import FakeApis

    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8765
    with serve(FakeApis(), port=port) as url:
        print(
            f"fake APIs at {url}; keys: google={GOOGLE_KEY} hunter={HUNTER_KEY} neverbounce={NEVERBOUNCE_KEY}"
        )
        with suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
