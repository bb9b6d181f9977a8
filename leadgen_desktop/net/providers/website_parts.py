"""The live run's website reader and mail-server checker, built when first used where nothing can fail.

Building them imports the website engine and dnspython and reads a CA bundle: ~80 ms that
``leadgen run`` paid before its first request, for parts first used seconds later (the first
listed website). When the environment names no proxy and no CA bundle, building them cannot
fail (``LEADGEN_DNS_SERVER`` is checked here, without dnspython), so they are built on first
use. Otherwise they are built at once, as before: a bad variable is still reported before
anything starts (exit 2, "nothing started").
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from typing import Generic, TypeVar

from leadgen_desktop.domain import CancelToken, MailServerCheck, MailServerLookup, SiteResult, WebsiteReader
from leadgen_desktop.net.dns_resolver import DNS_SERVER_ENV, parse_dns_server

EAGER_VARIABLES = (
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
)
"""Variables whose values only building the parts can check (a proxy URL, a CA bundle to read)."""

_Part = TypeVar("_Part")


class _BuiltOnce(Generic[_Part]):
    """``build()`` run once, by the first thread that asks (the others wait for it)."""

    def __init__(self, build: Callable[[], _Part]) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._part: _Part | None = None

    def get(self) -> _Part:
        with self._lock:
            if self._part is None:
                self._part = self._build()
            return self._part


class WebsiteReaderOnFirstUse:
    """A :class:`~leadgen_desktop.domain.WebsiteReader` that builds the crawler at its first ``crawl``."""

    def __init__(self, environ: Mapping[str, str] | None) -> None:
        def build() -> WebsiteReader:
            from leadgen_desktop.net.web import WebsiteCrawler

            return WebsiteCrawler.from_environment(environ)

        self._reader = _BuiltOnce(build)

    def prepare(self) -> None:
        """Build the crawler now (a run does it while it waits for its first places)."""
        self._reader.get()

    def crawl(self, website: str, cancel: CancelToken) -> SiteResult:
        """Crawl the site (see ``WebsiteCrawler.crawl``)."""
        return self._reader.get().crawl(website, cancel)


class MailServerLookupOnFirstUse:
    """A :class:`~leadgen_desktop.domain.MailServerLookup` that builds the checker at its first ``check``."""

    def __init__(self, environ: Mapping[str, str] | None) -> None:
        def build() -> MailServerLookup:
            from leadgen_desktop.net.mail_dns import MailServerChecker

            return MailServerChecker.from_environment(environ)

        self._lookup = _BuiltOnce(build)

    def prepare(self) -> None:
        """Build the checker now (a run does it while it waits for its first places)."""
        self._lookup.get()

    def check(self, domain: str, cancel: CancelToken | None = None) -> MailServerCheck:
        """The domain's mail-server status (see ``MailServerChecker.check``)."""
        return self._lookup.get().check(domain, cancel)


def website_parts(environ: Mapping[str, str] | None = None) -> tuple[WebsiteReader, MailServerLookup]:
    """The website reader and mail-server checker of ``environ`` (default ``os.environ``).

    Raises:
        ValueError: a proxy, CA bundle or DNS server variable cannot be used (the message says which).
    """
    env = dict(os.environ) if environ is None else environ  # as it is now, whenever the parts are built
    if any(env.get(name, "").strip() for name in EAGER_VARIABLES):
        from leadgen_desktop.net.mail_dns import MailServerChecker
        from leadgen_desktop.net.web import WebsiteCrawler

        return WebsiteCrawler.from_environment(env), MailServerChecker.from_environment(env)
    server = env.get(DNS_SERVER_ENV, "").strip()
    if server:
        parse_dns_server(server)
    return WebsiteReaderOnFirstUse(env), MailServerLookupOnFirstUse(env)
