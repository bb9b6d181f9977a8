"""One polite website fetch: safe host, robots permission, one request per host, bounded time and size.

A fetch follows redirects itself, one hop at a time, and only within the
site's registrable domain (``www`` <-> bare and ``http`` -> ``https`` are the
same site). Before every hop the URL's host is checked (``safety``) and, for
pages, the caller's permission (robots.txt) is asked; every request holds its
host's gate (``host_gate``) and runs under one deadline from connect to last
byte and the cancel token (``connect.request_scope``). Pages must be HTML: any
other type is dropped after the headers, unread; bodies stop at the cap.

Nothing raises except :class:`~leadgen_desktop.domain.Cancelled`: every other
failure becomes a :class:`PageFetch` whose ``failure`` names the outcome.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import httpx

from leadgen_desktop.domain import CancelToken, SiteOutcome, registrable_domain
from leadgen_desktop.net.web.body import (
    HTML_TYPES,
    UnsupportedEncoding,
    looks_like_html,
    media_type,
    read_capped,
)
from leadgen_desktop.net.web.connect import request_scope
from leadgen_desktop.net.web.host_gate import HostGate
from leadgen_desktop.net.web.safety import BlockedAddress, literal_host_problem

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class FetchKind(enum.Enum):
    """What is being fetched: a web page (HTML only, robots permission asked) or a robots.txt."""

    PAGE = "page"
    ROBOTS = "robots"


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """Caps of one request (DESIGN 6.2: 1 MB per page, 10 s from connect to last byte)."""

    page_bytes: int = 1_000_000
    robots_bytes: int = 512_000
    seconds: float = 10.0
    max_redirects: int = 5


@dataclass(frozen=True, slots=True)
class Permission:
    """A permission check's answer for one URL: None refusal means "go ahead"."""

    refusal: SiteOutcome | None = None
    detail: str = ""
    requests: int = 0


Permit = Callable[[httpx.URL, CancelToken], Permission]
"""Asked before each page request (the robots.txt check)."""


@dataclass(frozen=True, slots=True)
class PageFetch:
    """What one fetch brought back.

    ``url`` is the final address (after redirects); ``requests`` counts every
    HTTP request this fetch sent, robots.txt included; ``failure`` is None when
    ``body`` holds the answer (for robots.txt: whatever the status).
    """

    url: str
    status: int | None = None
    body: bytes = b""
    content_type: str | None = None
    truncated: bool = False
    requests: int = 0
    failure: SiteOutcome | None = None
    detail: str = ""


class PageFetcher:
    """Fetches pages and robots.txt files politely. Thread-safe (share one per crawl, across threads)."""

    def __init__(self, client: httpx.Client, gate: HostGate, limits: FetchLimits | None = None) -> None:
        self._client = client
        self._gate = gate
        self.limits = limits or FetchLimits()

    def fetch(
        self,
        url: str,
        cancel: CancelToken,
        *,
        site_domain: str,
        kind: FetchKind = FetchKind.PAGE,
        permit: Permit | None = None,
    ) -> PageFetch:
        """Fetch ``url`` (a page of ``site_domain``), following same-site redirects."""
        try:
            current = httpx.URL(url)
        except httpx.InvalidURL as exc:
            return PageFetch(url, failure=SiteOutcome.INVALID_URL, detail=str(exc))
        requests = 0
        for _hop in range(self.limits.max_redirects + 1):
            if current.userinfo:  # credentials written into a URL are never sent
                current = current.copy_with(userinfo=b"")
            problem = url_problem(current, site_domain)
            if problem is not None:
                return PageFetch(str(current), requests=requests, failure=problem[0], detail=problem[1])
            if permit is not None:
                permission = permit(current, cancel)
                requests += permission.requests
                if permission.refusal is not None:
                    return PageFetch(
                        str(current), requests=requests, failure=permission.refusal, detail=permission.detail
                    )
            requests += 1
            step = self._request(current, cancel, kind)
            if isinstance(step, PageFetch):
                return replace(step, requests=requests)
            current = step
        detail = f"more than {self.limits.max_redirects} redirects"
        return PageFetch(
            str(current), requests=requests, failure=SiteOutcome.TOO_MANY_REDIRECTS, detail=detail
        )

    def _request(self, url: httpx.URL, cancel: CancelToken, kind: FetchKind) -> PageFetch | httpx.URL:
        """One request: the redirect target, or the answer (or why there is none)."""
        with self._gate.hold(url.host, cancel):
            try:
                with (
                    request_scope(self.limits.seconds, cancel),
                    self._client.stream("GET", url) as response,
                ):
                    return self._answer(url, response, kind)
            except httpx.TimeoutException:
                detail = f"no complete answer within {self.limits.seconds:g} s"
                return PageFetch(str(url), failure=SiteOutcome.TIMEOUT, detail=detail)
            except BlockedAddress as exc:
                return PageFetch(str(url), failure=SiteOutcome.BLOCKED_ADDRESS, detail=str(exc))
            except UnsupportedEncoding as exc:
                return PageFetch(str(url), failure=SiteOutcome.NOT_HTML, detail=str(exc))
            except httpx.InvalidURL as exc:
                return PageFetch(str(url), failure=SiteOutcome.INVALID_URL, detail=str(exc))
            except httpx.HTTPError as exc:
                detail = f"{exc.__class__.__name__}: {exc}"[:300]
                return PageFetch(str(url), failure=SiteOutcome.UNREACHABLE, detail=detail)

    def _answer(self, url: httpx.URL, response: httpx.Response, kind: FetchKind) -> PageFetch | httpx.URL:
        status = response.status_code
        location = response.headers.get("location")
        if status in REDIRECT_STATUSES and location:
            return url.join(location.strip())
        content_type = response.headers.get("content-type")
        chunks, encoding = _raw_body(response)
        if kind is FetchKind.ROBOTS:
            body = read_capped(chunks, encoding, self.limits.robots_bytes)
            return PageFetch(str(url), status=status, body=body.data, content_type=content_type)
        if not 200 <= status < 300:
            return PageFetch(str(url), status=status, failure=SiteOutcome.HTTP_ERROR, detail=f"HTTP {status}")
        kind_of_page = media_type(content_type)
        if kind_of_page not in HTML_TYPES:
            if kind_of_page:
                return PageFetch(str(url), status=status, failure=SiteOutcome.NOT_HTML, detail=kind_of_page)
            first = next(chunks, b"")
            if encoding or not looks_like_html(first):
                detail = "no Content-Type and the body does not look like HTML"
                return PageFetch(str(url), status=status, failure=SiteOutcome.NOT_HTML, detail=detail)
            chunks = itertools.chain([first], chunks)
        body = read_capped(chunks, encoding, self.limits.page_bytes)
        return PageFetch(
            str(url), status=status, body=body.data, content_type=content_type, truncated=body.truncated
        )


def _raw_body(response: httpx.Response) -> tuple[Iterator[bytes], str | None]:
    """The body as raw chunks and their encoding (an answer already in memory is decoded already)."""
    if response.is_stream_consumed:
        return iter([response.content]), None
    return response.iter_raw(), response.headers.get("content-encoding")


def url_problem(url: httpx.URL, site_domain: str) -> tuple[SiteOutcome, str] | None:
    """Why ``url`` must not be requested for ``site_domain``, or None."""
    if url.scheme not in ("http", "https") or not url.host:
        return SiteOutcome.INVALID_URL, f"{url} is not an http(s) address"
    reason = literal_host_problem(url.host)
    if reason is not None:
        return SiteOutcome.BLOCKED_ADDRESS, f"{url.host} is {reason}"
    if registrable_domain(url.host) != site_domain:
        return SiteOutcome.REDIRECTED_OFF_SITE, f"{url.host} is not on {site_domain}"
    return None
