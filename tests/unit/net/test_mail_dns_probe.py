"""A resolver that denies every name is failing: its "no such domain" never marks an address invalid.

Offline machines, captive portals and sandboxes run resolvers that answer NXDOMAIN
even for ``com``. The system resolver's denial is believed only once it has shown
it knows ``com.``; a server named by ``LEADGEN_DNS_SERVER`` is trusted as it is.
"""

from __future__ import annotations

from collections.abc import Iterator

import dns.resolver
import pytest

from leadgen_desktop.domain import MailServerStatus
from leadgen_desktop.net.dns_resolver import DNS_SERVER_ENV, parse_dns_server
from leadgen_desktop.net.mail_dns import MailServerChecker
from tests.fakes.dns_server import FakeZone, serve_dns


def _resolver(address: str) -> dns.resolver.Resolver:
    host, port = parse_dns_server(address)
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [host]
    resolver.port = port
    return resolver


@pytest.fixture
def denying() -> Iterator[tuple[str, FakeZone]]:
    zone = FakeZone(mx={"real-shop.com": [(10, "mx.real-shop.com")]})  # knows nothing else, not even com
    with serve_dns(zone) as address:
        yield address, zone


def test_a_system_resolver_that_denies_com_gives_unknown_not_invalid(denying: tuple[str, FakeZone]) -> None:
    address, zone = denying
    checker = MailServerChecker(_resolver(address), lifetime=1.0, probe=True)
    result = checker.check("unheard-of-shop.com")
    assert result.status is MailServerStatus.SERVER_FAILURE
    assert result.status.accepts_mail is None
    assert "denies every name" in result.detail
    assert checker.check("real-shop.com").status is MailServerStatus.MX, "a real answer is still believed"
    checker.check("another-unheard-of.com")
    assert zone.queries.count(("com", "NS")) == 1, "the resolver is probed once"


def test_a_working_resolver_is_believed(denying: tuple[str, FakeZone]) -> None:
    address, zone = denying
    zone.exists.add("com")
    checker = MailServerChecker(_resolver(address), lifetime=1.0, probe=True)
    assert checker.check("unheard-of-shop.com").status is MailServerStatus.NXDOMAIN


def test_the_dns_server_of_the_environment_is_trusted_without_a_probe(denying: tuple[str, FakeZone]) -> None:
    address, zone = denying
    checker = MailServerChecker.from_environment({DNS_SERVER_ENV: address}, lifetime=1.0)
    assert checker.check("unheard-of-shop.com").status is MailServerStatus.NXDOMAIN
    assert ("com", "NS") not in zone.queries
