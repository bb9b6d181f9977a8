"""The connections a loopback fake server has open, so a test can tell when a dead client is done.

After a client process is killed, requests it had already written may still sit in the server's
listen backlog or socket buffers: the fake answers (and bills) them a moment later. A test that
counts what the fake billed must first wait for those. :meth:`ConnectionLog.wait_all_closed`
does it without timing: it opens one more connection to every server as a fence (the listen
backlog is first in, first out, so once the fence is accepted every earlier connection is too),
then waits until every connection has been handled and closed.
"""

from __future__ import annotations

import socket
import threading
import time


class ConnectionLog:
    """Counts a fake's open loopback connections; the request handler reports each one."""

    def __init__(self) -> None:
        self.addresses: list[tuple[str, int]] = []  # servers currently serving this fake
        self.open = 0
        self._accepted_ports: set[int] = set()
        self._changed = threading.Condition()

    def opened(self, client_port: int) -> None:
        """A server accepted a connection from ``client_port``."""
        with self._changed:
            self.open += 1
            self._accepted_ports.add(client_port)
            self._changed.notify_all()

    def closed(self) -> None:
        """A server finished with a connection (answered its last request, or found it gone)."""
        with self._changed:
            self.open -= 1
            self._changed.notify_all()

    def wait_all_closed(self, timeout: float) -> bool:
        """Wait until every connection made so far has been accepted, handled and closed."""
        deadline = time.monotonic() + timeout
        for address in list(self.addresses):
            with socket.create_connection(address, timeout=timeout) as fence:
                if not self._wait_accepted(fence.getsockname()[1], deadline):
                    return False
        with self._changed:
            return self._changed.wait_for(lambda: self.open == 0, max(0.0, deadline - time.monotonic()))

    def _wait_accepted(self, port: int, deadline: float) -> bool:
        with self._changed:
            return self._changed.wait_for(
                lambda: port in self._accepted_ports, max(0.0, deadline - time.monotonic())
            )
