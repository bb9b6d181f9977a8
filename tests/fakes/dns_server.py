"""A loopback DNS server for tests (UDP), answering from a small zone table with dnspython's message code.

Names listed in ``FakeZone`` exist; any other name is NXDOMAIN. A name can
also be made to fail (SERVFAIL) or to never answer (a timeout).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import dns.flags
import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset


@dataclass
class FakeZone:
    """What the fake DNS server knows. Names are written without the final dot."""

    mx: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    a: dict[str, list[str]] = field(default_factory=dict)
    aaaa: dict[str, list[str]] = field(default_factory=dict)
    exists: set[str] = field(default_factory=set)
    servfail: set[str] = field(default_factory=set)
    silent: set[str] = field(default_factory=set)
    queries: list[tuple[str, str]] = field(default_factory=list)

    def known(self, name: str) -> bool:
        """True when ``name`` exists (has any record or is listed as existing)."""
        return any(
            name in table for table in (self.mx, self.a, self.aaaa, self.exists, self.servfail, self.silent)
        )


def _answer(zone: FakeZone, wire: bytes) -> bytes | None:
    query = dns.message.from_wire(wire)
    question = query.question[0]
    name = question.name.to_text(omit_final_dot=True).lower()
    rdtype = dns.rdatatype.to_text(question.rdtype)
    zone.queries.append((name, rdtype))
    if name in zone.silent:
        return None
    response = dns.message.make_response(query)
    response.flags |= dns.flags.AA
    if name in zone.servfail:
        response.set_rcode(dns.rcode.SERVFAIL)
        return response.to_wire()
    if not zone.known(name):
        response.set_rcode(dns.rcode.NXDOMAIN)
        return response.to_wire()
    values: list[str] = []
    if rdtype == "MX":
        values = [
            f"{preference} {host}." if host != "." else f"{preference} ."
            for preference, host in zone.mx.get(name, [])
        ]
    elif rdtype == "A":
        values = zone.a.get(name, [])
    elif rdtype == "AAAA":
        values = zone.aaaa.get(name, [])
    if values:
        response.answer.append(dns.rrset.from_text_list(question.name, 60, dns.rdataclass.IN, rdtype, values))
    return response.to_wire()


@contextlib.contextmanager
def serve_dns(zone: FakeZone) -> Iterator[str]:
    """Serve ``zone`` on a loopback UDP port; yield ``"127.0.0.1:PORT"`` (for ``LEADGEN_DNS_SERVER``)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.05)
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            try:
                wire, peer = sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            reply = _answer(zone, wire)
            if reply is not None:
                sock.sendto(reply, peer)

    thread = threading.Thread(target=run, name="fake-dns", daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{sock.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=5)
        sock.close()
