"""Keep tests that are not about websites off the internet: sites that show nothing, DNS that never denies.

Since issue 12 every run reads the businesses' websites and checks mail servers.
The fake APIs' businesses link to made-up sites (``www.acme-dentist-1.com``);
tests that are about something else must neither reach the real internet nor
change what they measure. Two ways:

* in-process: :func:`offline_websites` (a real crawler over an empty fake web:
  every page 404, so no address, and the run falls back to the email finder)
  and :class:`AlwaysMail` (every domain has an MX, so verification goes ahead);
* in a ``leadgen`` subprocess (and in every test's environment, ``conftest``):
  :func:`offline_web_env` points ``LEADGEN_DNS_SERVER`` at a loopback DNS
  server that refuses every question, so no website's name resolves (every
  site unreachable) and every mail server is "unknown" (verification goes ahead).
"""

from __future__ import annotations

import atexit
import functools
import socket
import threading

import dns.message
import dns.rcode

from leadgen_desktop.domain import CancelToken, MailServerCheck, MailServerStatus
from leadgen_desktop.net.web import WebsiteCrawler
from leadgen_desktop.net.web.transport import build_web_client
from tests.fakes.fake_web import FakeWeb


def offline_websites(web: FakeWeb | None = None) -> WebsiteCrawler:
    """A real crawler over ``web`` (default: an empty fake web where every page is missing)."""
    return WebsiteCrawler(build_web_client((web or FakeWeb()).mock_transport()))


class AlwaysMail:
    """A mail-server checker for which every domain receives mail (records what it was asked)."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self._lock = threading.Lock()

    def check(self, domain: str, cancel: CancelToken | None = None) -> MailServerCheck:
        with self._lock:
            self.asked.append(domain)
        return MailServerCheck(domain, MailServerStatus.MX, exchanges=(f"mx.{domain}",))


@functools.cache
def _refusing_dns() -> str:
    """``HOST:PORT`` of a loopback DNS server answering REFUSED to everything (started once)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    _KEEP.append(sock)

    def serve() -> None:
        while True:
            try:
                wire, peer = sock.recvfrom(4096)
                answer = dns.message.make_response(dns.message.from_wire(wire))
                answer.set_rcode(dns.rcode.REFUSED)
                sock.sendto(answer.to_wire(), peer)
            except OSError:
                return
            except Exception:  # noqa: BLE001 - a malformed question gets no answer
                continue

    threading.Thread(target=serve, name="refusing-dns", daemon=True).start()
    return f"127.0.0.1:{sock.getsockname()[1]}"


_KEEP: list[socket.socket] = []


@atexit.register
def _close_sockets() -> None:
    for sock in _KEEP:
        sock.close()


def offline_web_env() -> dict[str, str]:
    """Environment variables that keep website and DNS traffic on loopback (a subprocess's, or the tests').

    Without a proxy the crawler resolves every host itself, through ``LEADGEN_DNS_SERVER``,
    and connects only to the addresses it resolved: a DNS that refuses every question
    keeps every site unreachable and every mail server "unknown".
    """
    return {"LEADGEN_DNS_SERVER": _refusing_dns()}
