"""The simulated businesses' websites and DNS for ``run_benchmark.py``: real-world latency, some addresses.

For every place the simulated Google search lists (``SimApis.places_for``), a
site is served through the tests' loopback HTTPS proxy (throwaway CA), every
answer delayed by the site latency: a home page linking to a contact page, and
robots.txt answering 404 (three sequential requests per site, as most small
business sites take). A share of the sites (chosen by a hash of the domain, so
every run is the same) shows ``info@<domain>`` on its contact page; the rest
show nothing, so the run falls back to Hunter. The loopback DNS answers an MX
for every domain except a small share that publishes a null MX.
"""

from __future__ import annotations

import contextlib
import hashlib
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repo root: tests.fakes

from leadgen_desktop.core.emails.domains import is_shared_platform, registrable_domain
from tests.fakes.api_server import FakeApis
from tests.fakes.dns_server import FakeZone, serve_dns
from tests.fakes.fake_web import FakePage, FakeWeb
from tests.fakes.throwaway_ca import ThrowawayCA
from tests.fakes.web_proxy import serve_proxy

SITE_LATENCY = 0.3
"""Seconds each website answer takes (small-business hosting: 0.2-1 s)."""
SITE_SHARE = 0.5
"""Share of sites that show an address."""
NULL_MX_SHARE = 0.05
"""Share of domains that publish a null MX (they receive no mail)."""


def _roll(*parts: str) -> float:
    digest = hashlib.sha256("|".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


@dataclass
class SimSites:
    """The fake web and DNS zone, and what each domain's site shows."""

    web: FakeWeb = field(default_factory=FakeWeb)
    zone: FakeZone = field(default_factory=FakeZone)
    shows: dict[str, str] = field(default_factory=dict)
    null_mx: set[str] = field(default_factory=set)


def sim_sites(
    fake: FakeApis, query: str, *, latency: float = SITE_LATENCY, share: float = SITE_SHARE
) -> SimSites:
    """Sites for every website the search for ``query`` lists (see the module docstring)."""
    sites = SimSites()
    for place in fake.places_for(query):
        url = place.get("websiteUri")
        domain = registrable_domain(url) if isinstance(url, str) else None
        if not domain or is_shared_platform(domain) or domain in sites.zone.mx:
            continue
        host = str(url).split("://")[1].split("/")[0]
        shown = _roll("site", domain) < share
        contact = f"<p>Write to info@{domain}</p>" if shown else "<p>Call us.</p>"
        for name in {host, domain}:
            sites.web.add(name, "/", FakePage(b"<a href='/contact'>Contact us</a>", delay=latency))
            sites.web.add(name, "/contact", FakePage(contact.encode(), delay=latency))
            sites.web.add(name, "/robots.txt", FakePage(b"", status=404, delay=latency))
            path = str(url).split(host, 1)[1] or "/"
            if path not in ("", "/"):
                sites.web.add(name, path, FakePage(b"<a href='/contact'>Contact us</a>", delay=latency))
        if shown:
            sites.shows[domain] = f"info@{domain}"
        if _roll("mx", domain) < NULL_MX_SHARE:
            sites.zone.mx[domain] = [(0, ".")]
            sites.null_mx.add(domain)
        else:
            sites.zone.mx[domain] = [(10, f"mx.{domain}")]
    return sites


@contextlib.contextmanager
def serve_sites(sites: SimSites) -> Iterator[dict[str, str]]:
    """Serve the sites and the DNS; yield the environment a run needs to reach them."""
    with (
        tempfile.TemporaryDirectory(prefix="leadgen-sites-") as folder,
        serve_proxy(sites.web, ThrowawayCA(Path(folder))) as proxy,
        serve_dns(sites.zone) as dns_server,
    ):
        yield {
            "HTTP_PROXY": proxy,
            "HTTPS_PROXY": proxy,
            "NO_PROXY": "127.0.0.1,localhost",
            "SSL_CERT_FILE": str(Path(folder) / "ca.pem"),
            "LEADGEN_DNS_SERVER": dns_server,
        }


def site_seconds(sites: SimSites, latency: float) -> dict[str, float]:
    """Per domain: the least time its crawl took (its requests, one at a time, each ``latency`` long)."""
    requests: dict[str, int] = {}
    for entry in sites.web.log:
        domain = registrable_domain(entry.host) or entry.host
        requests[domain] = requests.get(domain, 0) + 1
    return {domain: count * latency for domain, count in requests.items()}
