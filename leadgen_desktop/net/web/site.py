"""The per-site crawl: the listed page, then up to four contact-like pages, and whose addresses count.

:class:`WebsiteCrawler` is the engine's public face. ``crawl(website, cancel)``
reads the page the listing links to (or the site root when that page is
refused or missing), then at most ``extra_pages`` more pages on the same host
(``www.`` or not) whose links look like contact / about / team / Impressum /
legal pages (best first, ``links.rank_links``), and returns a
:class:`~leadgen_desktop.domain.SiteResult`.

An address counts when it is on the site's registrable domain, or is a
free-mail address (``domain.is_free_mail``) shown on the business's own pages
and not only in someone else's credit line; an address on any other domain
(a web agency, a partner, another business) never counts.

Politeness and safety are the fetcher's (``fetch.py``): robots.txt before a
host's first page, one request at a time per host (a gate shared by all
threads using this crawler), HTML only, 1 MB and 10 s per request, redirects
within the site. A host that timed out is not asked again in the same crawl.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType

import httpx

from leadgen_desktop.domain import (
    CancelToken,
    FoundAddress,
    SiteOutcome,
    SiteResult,
    email_registrable_domain,
    is_free_mail,
    registrable_domain,
)
from leadgen_desktop.net.web.extract import Candidate, read_page
from leadgen_desktop.net.web.fetch import FetchLimits, PageFetch, PageFetcher
from leadgen_desktop.net.web.host_gate import HostGate
from leadgen_desktop.net.web.links import RankedLink, page_key, rank_links
from leadgen_desktop.net.web.robots import RobotsCache
from leadgen_desktop.net.web.safety import literal_host_problem
from leadgen_desktop.net.web.transport import build_web_client, build_web_transport

MAX_CANDIDATE_LINKS = 50


@dataclass(frozen=True, slots=True)
class CrawlLimits:
    """How much one site may cost: extra pages beyond the first, and each request's caps."""

    extra_pages: int = 4
    fetch: FetchLimits = field(default_factory=FetchLimits)


@dataclass
class _Crawl:
    """The running state of one site's crawl."""

    site: str
    start_url: str
    requests: int = 0
    pages: int = 0
    truncated: bool = False
    addresses: dict[str, FoundAddress] = field(default_factory=dict)
    rejected: set[str] = field(default_factory=set)
    visited: set[str] = field(default_factory=set)
    slow_hosts: set[str] = field(default_factory=set)
    skipped: list[str] = field(default_factory=list)


class WebsiteCrawler:
    """Finds the addresses businesses show on their own websites.

    Thread-safe: one crawler serves every thread of a run (they share its HTTP
    connections, its robots.txt rules and its per-host gate); concurrency
    across hosts is the caller's. Close it (or use it as a context manager)
    when the run ends.
    """

    def __init__(
        self,
        client: httpx.Client,
        *,
        limits: CrawlLimits | None = None,
        gate: HostGate | None = None,
    ) -> None:
        self.limits = limits or CrawlLimits()
        self._client = client
        self._fetcher = PageFetcher(client, gate or HostGate(), self.limits.fetch)
        self._robots = RobotsCache(self._fetcher)

    @classmethod
    def from_environment(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        limits: CrawlLimits | None = None,
    ) -> WebsiteCrawler:
        """A crawler on the environment's proxies, CA bundle and DNS server (or on ``transport``).

        ``ValueError`` with a readable message when ``HTTP(S)_PROXY``,
        ``SSL_CERT_FILE`` or ``LEADGEN_DNS_SERVER`` is unusable.
        """
        env = os.environ if environ is None else environ
        return cls(build_web_client(transport or build_web_transport(env)), limits=limits)

    def close(self) -> None:
        """Close the HTTP connections."""
        self._client.close()

    def __enter__(self) -> WebsiteCrawler:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def crawl(self, website: str, cancel: CancelToken) -> SiteResult:
        """Crawl one business website; raises :class:`~leadgen_desktop.domain.Cancelled` when cancelled."""
        start = _start_url(website)
        if start is None:
            return SiteResult("", website, (), 0, 0, SiteOutcome.INVALID_URL, "not an http(s) web address")
        problem = literal_host_problem(start.host)
        if problem is not None:
            detail = f"{start.host} is {problem}; such addresses are never fetched"
            return SiteResult("", str(start), (), 0, 0, SiteOutcome.BLOCKED_ADDRESS, detail)
        site = registrable_domain(start.host)
        if site is None:
            detail = f"{start.host} has no registrable domain"
            return SiteResult("", str(start), (), 0, 0, SiteOutcome.INVALID_URL, detail)
        state = _Crawl(site, str(start))
        first = self._fetch(state, str(start), cancel)
        root = str(start.copy_with(path="/", query=None, fragment=None))
        if first.failure in _RETRY_AT_ROOT and page_key(root) not in state.visited:
            first = self._fetch(state, root, cancel)
        if first.failure is not None:
            return self._result(state, first.failure, first.detail)
        queue = self._read(state, first)
        extra = 0
        while extra < self.limits.extra_pages and queue:
            link = queue.pop(0)
            if page_key(link.url) in state.visited or _host(link.url) in state.slow_hosts:
                continue
            page = self._fetch(state, link.url, cancel)
            if page.failure is SiteOutcome.ROBOTS_DISALLOWED:
                state.skipped.append(f"{link.url} (robots.txt)")
                continue
            extra += 1
            if page.failure is not None:
                state.skipped.append(f"{link.url} ({page.failure.value})")
                continue
            queue = _merge_links(queue, self._read(state, page), state.visited)
        return self._result(state, None, "")

    def _fetch(self, state: _Crawl, url: str, cancel: CancelToken) -> PageFetch:
        state.visited.add(page_key(url))
        page = self._fetcher.fetch(url, cancel, site_domain=state.site, permit=self._robots.permission)
        state.requests += page.requests
        state.visited.add(page_key(page.url))
        if page.failure is SiteOutcome.TIMEOUT:
            state.slow_hosts.add(_host(page.url))
        return page

    def _read(self, state: _Crawl, page: PageFetch) -> list[RankedLink]:
        """Take the page's addresses that count; return its contact-like links."""
        state.pages += 1
        state.truncated = state.truncated or page.truncated
        content = read_page(page.body, page.url, page.content_type)
        for candidate in content.candidates:
            if not _belongs_to_site(candidate, state.site):
                state.rejected.add(candidate.email)
            elif candidate.email not in state.addresses:
                state.addresses[candidate.email] = FoundAddress(candidate.email, page.url, candidate.method)
        return rank_links(content.anchors, _host(page.url))[:MAX_CANDIDATE_LINKS]

    def _result(self, state: _Crawl, failure: SiteOutcome | None, detail: str) -> SiteResult:
        addresses = tuple(state.addresses.values())
        if failure is not None:
            outcome = failure
        elif addresses:
            outcome = SiteOutcome.FOUND
        else:
            outcome = SiteOutcome.TOO_LARGE if state.truncated else SiteOutcome.NONE_FOUND
        notes = [detail] if detail else []
        notes.append(f"read {state.pages} page{'s' if state.pages != 1 else ''}")
        if state.rejected:
            notes.append(f"ignored {len(state.rejected)} address(es) of other domains or credits")
        if state.skipped:
            notes.append("skipped " + ", ".join(state.skipped[:4]))
        return SiteResult(
            state.site,
            state.start_url,
            addresses,
            state.pages,
            state.requests,
            outcome,
            "; ".join(notes)[:500],
        )


_RETRY_AT_ROOT = frozenset({SiteOutcome.ROBOTS_DISALLOWED, SiteOutcome.HTTP_ERROR, SiteOutcome.NOT_HTML})
"""A listed page refused for these reasons is replaced by the site root (once)."""


def _belongs_to_site(candidate: Candidate, site: str) -> bool:
    """On the site's own domain; or free mail that is not only someone else's credit."""
    if email_registrable_domain(candidate.email) == site:
        return True
    return is_free_mail(candidate.email) and not candidate.credited


def _merge_links(queue: list[RankedLink], new: list[RankedLink], visited: set[str]) -> list[RankedLink]:
    """The queue plus a later page's links, best first, each page once."""
    seen = {page_key(link.url) for link in queue} | visited
    merged = queue + [link for link in new if page_key(link.url) not in seen]
    return sorted(merged, key=lambda link: -link.score)[:MAX_CANDIDATE_LINKS]


def _host(url: str) -> str:
    """The host of ``url`` ("" when it does not parse)."""
    try:
        return httpx.URL(url).host
    except httpx.InvalidURL:
        return ""


def _start_url(website: str) -> httpx.URL | None:
    """The listing's website as an absolute http(s) URL (``http://`` added when no scheme is written)."""
    text = website.strip() if isinstance(website, str) else ""
    if not text or any(ch.isspace() for ch in text):
        return None
    if "://" not in text:
        text = "http://" + text.removeprefix("//")
    try:
        url = httpx.URL(text)
    except httpx.InvalidURL:
        return None
    if url.scheme not in ("http", "https") or not url.host:
        return None
    return url.copy_with(fragment=None)
