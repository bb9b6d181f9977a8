"""Fixtures of the website engine tests: a fake web, a throwaway CA and a loopback HTTPS proxy."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from leadgen_desktop.net.web import CrawlLimits, FetchLimits, WebsiteCrawler
from tests.fakes.fake_web import FakeWeb
from tests.fakes.throwaway_ca import ThrowawayCA
from tests.fakes.web_proxy import serve_proxy

FAST = CrawlLimits(fetch=FetchLimits(seconds=3.0))
"""Normal caps, but a 3 s deadline so a never-answering page ends the test quickly."""


@pytest.fixture
def web() -> FakeWeb:
    return FakeWeb()


@pytest.fixture
def ca(tmp_path: Path) -> ThrowawayCA:
    return ThrowawayCA(tmp_path)


@pytest.fixture
def proxy_env(web: FakeWeb, ca: ThrowawayCA) -> Iterator[dict[str, str]]:
    """The environment of a machine whose web access goes through the loopback proxy serving ``web``."""
    with serve_proxy(web, ca) as proxy:
        yield {"HTTPS_PROXY": proxy, "HTTP_PROXY": proxy, "SSL_CERT_FILE": str(ca.cafile)}


@pytest.fixture
def make_crawler() -> Iterator[Callable[..., WebsiteCrawler]]:
    """Build crawlers (closed at the end of the test)."""
    crawlers: list[WebsiteCrawler] = []

    def make(
        environ: dict[str, str] | None = None, *, limits: CrawlLimits = FAST, **kwargs: object
    ) -> WebsiteCrawler:
        crawler = WebsiteCrawler.from_environment(environ or {}, limits=limits, **kwargs)  # type: ignore[arg-type]
        crawlers.append(crawler)
        return crawler

    yield make
    for crawler in crawlers:
        crawler.close()
