"""The connections a loopback fake server has open, so a test can tell when a dead client is done.

After a client process is killed, requests it had already written may still sit in the server's
listen backlog or socket buffers: the fake answers (and bills) them a moment later. A test that
counts what the fake billed must first wait for those. :meth:`ConnectionLog.wait_all_closed`
does it without timing: it opens one more connection to a server as a fence (the listen backlog
is first in, first out, so once the fence is accepted every earlier connection is too), then
waits until every connection that server accepted has been handled and closed.

Each server is fenced on its own: a test that kills one of several clients gives each client a
server of its own (``serve`` the same fake several times) and waits for the dead client's server
only, while the others keep working. Connections are counted by the accepting thread, in the
order they leave the backlog (a handler thread that starts late cannot be overtaken by the fence).
"""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter


class ConnectionLog:
    """Counts each fake server's open loopback connections; the servers report every one."""

    def __init__(self) -> None:
        self.addresses: list[tuple[str, int]] = []  # servers currently serving this fake
        self._open: Counter[int] = Counter()  # server port -> connections accepted and not yet closed
        self._accepted: set[tuple[int, int]] = set()  # (server port, client port) accepted so far
        self._changed = threading.Condition()

    @property
    def open(self) -> int:
        """Connections accepted and not yet closed, on every server of this fake."""
        with self._changed:
            return sum(self._open.values())

    def open_at(self, server_port: int) -> int:
        """Connections the server on ``server_port`` accepted and has not yet closed."""
        with self._changed:
            return self._open[server_port]

    def opened(self, server_port: int, client_port: int) -> None:
        """The server on ``server_port`` accepted a connection from ``client_port``."""
        with self._changed:
            self._open[server_port] += 1
            self._accepted.add((server_port, client_port))
            self._changed.notify_all()

    def closed(self, server_port: int) -> None:
        """The server on ``server_port`` is done with a connection (answered, or found it gone)."""
        with self._changed:
            self._open[server_port] -= 1
            self._changed.notify_all()

    def wait_all_closed(self, timeout: float, server_port: int | None = None) -> bool:
        """Wait until every connection made so far has been accepted, handled and closed.

        With ``server_port``, only the connections to that server (its clients are gone; clients of
        the fake's other servers may still be working).
        """
        deadline = time.monotonic() + timeout
        addresses = [a for a in self.addresses if server_port in (None, a[1])]
        if server_port is not None and not addresses:
            raise ValueError(f"no server of this fake listens on port {server_port}")
        for address in addresses:
            with socket.create_connection(address, timeout=timeout) as fence:
                if not self._wait_accepted((address[1], fence.getsockname()[1]), deadline):
                    return False
        ports = [a[1] for a in addresses]
        with self._changed:
            return self._changed.wait_for(
                lambda: not any(self._open[p] for p in ports), max(0.0, deadline - time.monotonic())
            )

    def _wait_accepted(self, connection: tuple[int, int], deadline: float) -> bool:
        with self._changed:
            return self._changed.wait_for(
                lambda: connection in self._accepted, max(0.0, deadline - time.monotonic())
            )
