"""End to end, like the held-out check: fake business sites behind a loopback HTTPS proxy, a loopback DNS.

The environment is what a user's machine would have: ``HTTPS_PROXY`` /
``HTTP_PROXY`` pointing at the proxy, ``SSL_CERT_FILE`` at the throwaway CA,
``LEADGEN_DNS_SERVER`` at the fake DNS. The crawler and the MX checker are
built from that environment only. The proxy's log proves the politeness.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from leadgen_desktop.domain import CancelToken, MailServerStatus, SiteOutcome, SiteResult
from leadgen_desktop.net.http import USER_AGENT
from leadgen_desktop.net.mail_dns import MailServerChecker
from leadgen_desktop.net.web import CrawlLimits, FetchLimits, WebsiteCrawler
from tests.fakes.dns_server import serve_dns
from tests.fakes.fake_sites import Town, town
from tests.fakes.throwaway_ca import ThrowawayCA
from tests.fakes.web_proxy import serve_proxy

pytestmark = pytest.mark.slow


@pytest.fixture
def fake_town(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Town]:
    world = town()
    with serve_proxy(world.web, ThrowawayCA(tmp_path)) as proxy, serve_dns(world.zone) as dns_server:
        for name in (
            "NO_PROXY",
            "no_proxy",
            "ALL_PROXY",
            "all_proxy",
            "http_proxy",
            "https_proxy",
            "SSL_CERT_DIR",
        ):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTPS_PROXY", proxy)
        monkeypatch.setenv("HTTP_PROXY", proxy)
        monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
        monkeypatch.setenv("LEADGEN_DNS_SERVER", dns_server)
        yield world


def test_the_town_is_crawled_politely_and_every_shown_address_is_found(fake_town: Town) -> None:
    listings = [*fake_town.shows, "https://smile-dental.com/contact"]  # two leads share one website
    with (
        WebsiteCrawler.from_environment(limits=CrawlLimits(fetch=FetchLimits(seconds=3.0))) as crawler,
        ThreadPoolExecutor(max_workers=6) as pool,
    ):
        results = dict(
            zip(listings, pool.map(lambda url: crawler.crawl(url, CancelToken()), listings), strict=True)
        )

    shown = {(site, email) for site, emails in fake_town.shows.items() for email in emails}
    found = {
        (site, email)
        for site, result in results.items()
        if site in fake_town.shows
        for email in result.emails
    }
    assert found == shown, "every address the sites show is found, and no other"
    assert len(shown) == 13

    outcomes = {site: result.outcome for site, result in results.items()}
    assert outcomes["https://old-garage.com/"] is SiteOutcome.REDIRECTED_OFF_SITE
    assert outcomes["https://huge-florist.com/"] is SiteOutcome.TOO_LARGE
    assert outcomes["https://slow-tailor.com/"] is SiteOutcome.TIMEOUT
    assert outcomes["http://192.168.178.1/"] is SiteOutcome.BLOCKED_ADDRESS
    assert results["https://smile-dental.com/contact"].emails == ("info@smile-dental.com",)

    log = fake_town.web.log
    requested = {(entry.host, entry.path) for entry in log}
    assert not requested & fake_town.never_requested, "robots.txt, other domains and PDF links are respected"
    assert not {entry.host for entry in log} & {"192.168.178.1", "pixel-agency.com", "new-garage-owner.com"}
    assert all(entry.headers.get("user-agent") == USER_AGENT for entry in log)
    assert all("cookie" not in entry.headers and "authorization" not in entry.headers for entry in log)
    assert all(headers.get("user-agent") == USER_AGENT for _, headers in fake_town.web.connects)
    assert max(fake_town.web.max_in_flight.values()) == 1, "one request at a time per host"
    for host in {entry.host for entry in log}:
        paths = fake_town.web.paths(host)
        assert paths[0] == "/robots.txt", f"{host}: robots.txt is read before the first page"
        assert paths.count("/robots.txt") == 1, f"{host}: robots.txt is read once"
        assert len([p for p in paths if p != "/robots.txt"]) <= 5 * 2, f"{host}: pages per site are capped"
    assert all(isinstance(result, SiteResult) for result in results.values())


def test_mail_servers_are_checked_through_the_dns_server_of_the_environment(fake_town: Town) -> None:
    checker = MailServerChecker.from_environment(lifetime=0.5)
    statuses = {
        domain: checker.check(domain).status
        for domain in (
            "smile-dental.com",
            "joes-pizza.com",
            "bright-plumbing.com",
            "quiet-law.com",
            "no-such-business.com",
            "zahnarzt-weber.de",
        )
    }
    assert statuses == {
        "smile-dental.com": MailServerStatus.MX,
        "joes-pizza.com": MailServerStatus.ADDRESS_FALLBACK,
        "bright-plumbing.com": MailServerStatus.NULL_MX,
        "quiet-law.com": MailServerStatus.NO_RECORDS,
        "no-such-business.com": MailServerStatus.NXDOMAIN,
        "zahnarzt-weber.de": MailServerStatus.TIMEOUT,
    }
    no_mail = {domain for domain, status in statuses.items() if status.accepts_mail is False}
    assert no_mail == {"bright-plumbing.com", "quiet-law.com", "no-such-business.com"}
