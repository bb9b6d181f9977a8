"""The MX check against a loopback DNS server: mail, null MX, NXDOMAIN, fallbacks and failures."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from leadgen_desktop.domain import Cancelled, CancelToken, MailServerCheck, MailServerStatus
from leadgen_desktop.net.dns_resolver import DNS_SERVER_ENV, build_resolver, parse_dns_server
from leadgen_desktop.net.mail_dns import MailServerChecker
from tests.fakes.dns_server import FakeZone, serve_dns

ZONE = FakeZone(
    mx={
        "brightsmile-dental.com": [(20, "mx2.mailhost.net"), (10, "mx1.mailhost.net")],
        "null-mx.com": [(0, ".")],
    },
    a={"a-only.com": ["93.184.215.14"], "mx1.mailhost.net": ["93.184.215.20"]},
    aaaa={"aaaa-only.com": ["2606:4700::1111"]},
    exists={"no-records.com"},
    servfail={"broken-dns.com"},
    silent={"dns-timeout.com"},
)


@pytest.fixture(scope="module")
def dns_server() -> Iterator[str]:
    with serve_dns(ZONE) as address:
        yield address


@pytest.fixture
def checker(dns_server: str) -> MailServerChecker:
    return MailServerChecker.from_environment({DNS_SERVER_ENV: dns_server}, lifetime=1.0)


@pytest.mark.parametrize(
    ("domain", "status", "exchanges"),
    [
        ("brightsmile-dental.com", MailServerStatus.MX, ("mx1.mailhost.net", "mx2.mailhost.net")),
        ("BrightSmile-Dental.com.", MailServerStatus.MX, ("mx1.mailhost.net", "mx2.mailhost.net")),
        ("null-mx.com", MailServerStatus.NULL_MX, ()),
        ("a-only.com", MailServerStatus.ADDRESS_FALLBACK, ("a-only.com",)),
        ("aaaa-only.com", MailServerStatus.ADDRESS_FALLBACK, ("aaaa-only.com",)),
        ("no-records.com", MailServerStatus.NO_RECORDS, ()),
        ("does-not-exist.com", MailServerStatus.NXDOMAIN, ()),
        ("broken-dns.com", MailServerStatus.SERVER_FAILURE, ()),
    ],
)
def test_mail_server_status(
    checker: MailServerChecker, domain: str, status: MailServerStatus, exchanges: tuple[str, ...]
) -> None:
    result = checker.check(domain)
    assert (result.status, result.exchanges) == (status, exchanges)
    assert result.domain == domain.lower().rstrip(".")


def test_only_certain_answers_mean_no_mail(checker: MailServerChecker) -> None:
    verdicts = {
        domain: checker.check(domain).status.accepts_mail
        for domain in (
            "brightsmile-dental.com",
            "a-only.com",
            "null-mx.com",
            "does-not-exist.com",
            "broken-dns.com",
        )
    }
    assert verdicts == {
        "brightsmile-dental.com": True,
        "a-only.com": True,
        "null-mx.com": False,
        "does-not-exist.com": False,
        "broken-dns.com": None,
    }


def test_a_dns_timeout_is_unknown_never_invalid(dns_server: str) -> None:
    quick = MailServerChecker.from_environment({DNS_SERVER_ENV: dns_server}, lifetime=0.3)
    result = quick.check("dns-timeout.com")
    assert result.status is MailServerStatus.TIMEOUT
    assert not result.no_mail_server
    assert result.transient


def test_cancel_ends_a_check_at_once() -> None:
    zone = FakeZone(silent={"dns-timeout.com"})  # its own zone: the silence is lifted at the end
    with serve_dns(zone) as address:
        resolver = build_resolver({DNS_SERVER_ENV: address})
        resolver.timeout = 0.2  # each try waits 0.2 s: once the silence ends, the next try is answered
        slow = MailServerChecker(resolver, lifetime=30.0)
        cancel = CancelToken()
        failures: list[BaseException] = []
        started = threading.Event()

        def run() -> None:
            started.set()
            try:
                slow.check("dns-timeout.com", cancel)
            except BaseException as exc:  # noqa: BLE001 - the test inspects what ended the thread
                failures.append(exc)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        assert started.wait(5)
        for _ in range(500):  # until the server has seen the question
            if ("dns-timeout.com", "MX") in zone.queries:
                break
            time.sleep(0.01)
        cancel.cancel()
        thread.join(5)
        assert not thread.is_alive()
        assert [type(exc) for exc in failures] == [Cancelled]
        # The abandoned query goes on in its daemon thread: answer its next try so it ends here.
        zone.silent.clear()
        for abandoned in [t for t in threading.enumerate() if t.name == "mx-check"]:
            abandoned.join(10)
            assert not abandoned.is_alive()


@pytest.mark.parametrize(
    "domain", ["", "info@shop.com", "no dots", "localhost", "a..b.com", "x" * 300 + ".com"]
)
def test_a_string_that_is_no_domain_is_refused_clearly(checker: MailServerChecker, domain: str) -> None:
    with pytest.raises(ValueError, match="domain name"):
        checker.check(domain)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("127.0.0.1:5353", ("127.0.0.1", 5353)), ("[::1]:53", ("::1", 53)), ("10.0.0.2", ("10.0.0.2", 53))],
)
def test_dns_server_variable(text: str, expected: tuple[str, int]) -> None:
    assert parse_dns_server(text) == expected


@pytest.mark.parametrize("text", ["dns.example:53", "127.0.0.1:0", "127.0.0.1:x", "[::1]x"])
def test_a_bad_dns_server_variable_is_refused_clearly(text: str) -> None:
    with pytest.raises(ValueError, match=r"LEADGEN_DNS_SERVER=.*HOST:PORT"):
        MailServerChecker.from_environment({DNS_SERVER_ENV: text})


def test_mail_server_checks_survive_json() -> None:
    check = MailServerCheck("shop.com", MailServerStatus.MX, ("mx.shop.com",), "")
    assert MailServerCheck.from_dict(check.to_dict()) == check
    with pytest.raises(ValueError, match="'status' must be one of"):
        MailServerCheck.from_dict({**check.to_dict(), "status": "maybe"})
