"""robots.txt: read once per host before its first page, obeyed for our token, odd answers per RFC 9309."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from leadgen_desktop.domain import CancelToken, SiteOutcome
from leadgen_desktop.net.web import WebsiteCrawler
from tests.fakes.fake_web import FakePage, FakeWeb, html

HOME = "<a href='/contact'>Contact</a><a href='/private/team'>Team</a><a href='/about.php'>About</a>"


def robots(text: str, status: int = 200) -> FakePage:
    return FakePage(text.encode(), status=status, content_type="text/plain")


def crawl_shop(web: FakeWeb, make_crawler: Callable[..., WebsiteCrawler]) -> list[str]:
    crawler = make_crawler(transport=web.mock_transport())
    result = crawler.crawl("https://shop.com/", CancelToken())
    assert result.outcome in (SiteOutcome.FOUND, SiteOutcome.NONE_FOUND)
    return web.paths("shop.com")


def shop(web: FakeWeb) -> None:
    web.add("shop.com", "/", html(HOME))
    for path in ("/contact", "/private/team", "/about.php"):
        web.add("shop.com", path, html(f"<p>{path}</p>"))


def test_disallowed_pages_are_never_requested(
    web: FakeWeb, make_crawler: Callable[..., WebsiteCrawler]
) -> None:
    shop(web)
    web.add("shop.com", "/robots.txt", robots("User-agent: *\nDisallow: /private/\nDisallow: /*.php$\n"))
    assert crawl_shop(web, make_crawler) == ["/robots.txt", "/", "/contact"]


def test_our_own_group_wins_over_the_star_group(
    web: FakeWeb, make_crawler: Callable[..., WebsiteCrawler]
) -> None:
    shop(web)
    web.add(
        "shop.com",
        "/robots.txt",
        robots("User-agent: *\nDisallow: /\n\nUser-agent: leadgen-desktop\nDisallow: /contact\nAllow: /\n"),
    )
    assert crawl_shop(web, make_crawler) == ["/robots.txt", "/", "/private/team", "/about.php"]


@pytest.mark.parametrize("status", [404, 410, 401, 403])
def test_a_missing_robots_txt_allows_everything(
    web: FakeWeb, make_crawler: Callable[..., WebsiteCrawler], status: int
) -> None:
    shop(web)
    web.add("shop.com", "/robots.txt", robots("Disallow: /", status=status))
    assert crawl_shop(web, make_crawler) == ["/robots.txt", "/", "/contact", "/private/team", "/about.php"]


@pytest.mark.parametrize("status", [500, 503, 429])
def test_a_failing_robots_txt_disallows_everything(
    web: FakeWeb, make_crawler: Callable[..., WebsiteCrawler], status: int
) -> None:
    shop(web)
    web.add("shop.com", "/robots.txt", robots("", status=status))
    result = make_crawler(transport=web.mock_transport()).crawl("https://shop.com/", CancelToken())
    assert result.outcome is SiteOutcome.ROBOTS_UNAVAILABLE
    assert web.paths("shop.com") == ["/robots.txt"]


def test_robots_txt_is_read_once_per_host(web: FakeWeb, make_crawler: Callable[..., WebsiteCrawler]) -> None:
    web.add("shop.com", "/", html("<a href='https://www.shop.com/contact'>Contact</a>"))
    web.add("www.shop.com", "/contact", html("<p>info@shop.com</p>"))
    crawler = make_crawler(transport=web.mock_transport())
    first = crawler.crawl("https://shop.com/", CancelToken())
    second = crawler.crawl("https://shop.com/", CancelToken())
    assert first.emails == second.emails == ("info@shop.com",)
    assert [(e.host, e.path) for e in web.log if e.path == "/robots.txt"] == [
        ("shop.com", "/robots.txt"),
        ("www.shop.com", "/robots.txt"),
    ]
    assert (first.requests, second.requests) == (4, 2)


def test_a_robots_txt_that_never_answers_stops_the_site(
    web: FakeWeb, make_crawler: Callable[..., WebsiteCrawler]
) -> None:
    web.add("shop.com", "/", html("<p>info@shop.com</p>"))
    web.time_out.add(("shop.com", "/robots.txt"))
    result = make_crawler(transport=web.mock_transport()).crawl("https://shop.com/", CancelToken())
    assert result.outcome is SiteOutcome.TIMEOUT
    assert web.paths("shop.com") == ["/robots.txt"]
