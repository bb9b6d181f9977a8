"""The live run's website reader and mail-server checker: built on first use where nothing can fail,
at once where a variable needs checking (net/providers/website_parts.py, issue 15's start-up)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from leadgen_desktop.domain import CancelToken, MailServerStatus
from leadgen_desktop.net.http import ConfigError
from leadgen_desktop.net.mail_dns import MailServerChecker
from leadgen_desktop.net.providers import website_parts as parts
from leadgen_desktop.net.providers.live import build_live_providers
from leadgen_desktop.net.web import WebsiteCrawler
from tests.fakes.offline_web import offline_web_env

KEYS = {"google_places": "g-key"}


@pytest.fixture
def built() -> Iterator[list[str]]:
    """Counts the real builds (``from_environment``) while the test runs."""
    seen: list[str] = []
    crawler_build, checker_build = WebsiteCrawler.from_environment, MailServerChecker.from_environment

    def crawler(environ: object = None, **kwargs: object) -> WebsiteCrawler:
        seen.append("crawler")
        return crawler_build(environ, **kwargs)  # type: ignore[arg-type]

    def checker(environ: object = None, **kwargs: object) -> MailServerChecker:
        seen.append("checker")
        return checker_build(environ, **kwargs)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(WebsiteCrawler, "from_environment", crawler)
        patch.setattr(MailServerChecker, "from_environment", checker)
        yield seen


def test_without_proxy_or_ca_variables_the_parts_are_built_at_their_first_use(built: list[str]) -> None:
    providers = build_live_providers(KEYS, environ=offline_web_env())  # a refusing loopback DNS
    assert built == []
    assert providers.mail_servers is not None
    answer = providers.mail_servers.check("example.com", CancelToken())
    assert answer.status not in {MailServerStatus.MX, MailServerStatus.ADDRESS_FALLBACK}  # the refusing DNS
    assert built == ["checker"]
    providers.mail_servers.check("example.org", CancelToken())
    assert built == ["checker"], "built once"


def test_the_first_users_at_once_share_one_build(built: list[str]) -> None:
    reader, _ = parts.website_parts(offline_web_env())
    results = []
    start = threading.Barrier(4)

    def crawl() -> None:
        start.wait()
        results.append(reader.crawl("not a web address", CancelToken()))

    threads = [threading.Thread(target=crawl) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert built == ["crawler"]
    assert len(results) == 4


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("HTTPS_PROXY", "socks5://127.0.0.1:1080", "HTTPS_PROXY"),
        ("SSL_CERT_FILE", "/nonexistent/ca.pem", "SSL_CERT_FILE"),
        ("LEADGEN_DNS_SERVER", "not-an-address", "LEADGEN_DNS_SERVER"),
    ],
)
def test_a_bad_variable_is_still_reported_when_the_providers_are_built(
    variable: str, value: str, named: str
) -> None:
    with pytest.raises(ConfigError, match=named):
        build_live_providers(KEYS, environ={variable: value})


def test_with_a_proxy_or_ca_variable_the_parts_are_built_at_once(built: list[str]) -> None:
    build_live_providers(KEYS, environ={"HTTP_PROXY": "http://127.0.0.1:3128"})
    assert sorted(built) == ["checker", "crawler"]


def test_prepared_parts_are_built_then_and_not_again_at_their_first_use(built: list[str]) -> None:
    reader, checker = parts.website_parts(offline_web_env())
    assert built == []
    reader.prepare()  # type: ignore[attr-defined]
    checker.prepare()  # type: ignore[attr-defined]
    assert sorted(built) == ["checker", "crawler"]
    reader.crawl("not a web address", CancelToken())
    checker.check("example.com", CancelToken())
    assert sorted(built) == ["checker", "crawler"]
