"""The demo's websites go through the real crawler, offline, and show addresses every way it knows."""

from __future__ import annotations

from collections import Counter

from leadgen_desktop.domain import CampaignConfig, CancelToken, EmailMethod, MailServerStatus, SiteOutcome
from leadgen_desktop.net.providers.demo import build_demo_providers
from leadgen_desktop.net.providers.demo_websites import AGENCY
from leadgen_desktop.net.web import WebsiteCrawler


def _websites(count: int = 10) -> list[str]:
    providers = build_demo_providers(latency=0.0)
    token, sites = None, []
    for _ in range(count):
        page = providers.discovery.search(CampaignConfig("florist", "Leeds"), token, CancelToken())
        sites += [b.website for b in page.businesses if b.website and "-demo-" in b.website]
        token = page.next_page_token
    return sites


def test_demo_sites_are_read_by_the_real_crawler_and_are_the_same_every_time() -> None:
    first, second = build_demo_providers(latency=0.0), build_demo_providers(latency=0.0)
    assert isinstance(first.websites, WebsiteCrawler)
    sites = _websites()
    results = [first.websites.crawl(site, CancelToken()) for site in sites]
    assert results == [second.websites.crawl(site, CancelToken()) for site in sites]
    outcomes = Counter(result.outcome for result in results)
    assert outcomes[SiteOutcome.FOUND] > len(sites) * 0.4
    assert outcomes[SiteOutcome.NONE_FOUND] > 0
    methods = {found.method for result in results for found in result.addresses}
    assert methods == set(EmailMethod), "every way of writing an address appears"
    every_address = [found.email for result in results for found in result.addresses]
    assert not [email for email in every_address if email.endswith(AGENCY)], "an agency's credit never counts"
    assert all(result.domain in found.email for result in results for found in result.addresses)


def test_demo_mail_servers_say_no_for_a_few_demo_domains_only() -> None:
    checker = build_demo_providers(latency=0.0).mail_servers
    assert checker is not None
    statuses = Counter(
        checker.check(site.split("//")[1].split("/")[0].removeprefix("www.")).status for site in _websites()
    )
    assert statuses[MailServerStatus.MX] > 0.9 * sum(statuses.values())
    assert checker.check("gmail.com").status is MailServerStatus.MX
