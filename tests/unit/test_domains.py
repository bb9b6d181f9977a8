"""Tests for registrable domains, shared platforms and email/domain matching."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from leadgen_desktop.core.emails.domains import (
    SHARED_PLATFORMS,
    email_domain_matches,
    is_shared_platform,
    registrable_domain,
)
from leadgen_desktop.domain import web_domains


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.example.com/", "example.com"),
        ("http://example.com", "example.com"),
        ("example.com", "example.com"),
        ("www.example.com/contact?x=1#top", "example.com"),
        ("EXAMPLE.COM.", "example.com"),
        ("  https://Shop.Example.com:8443/path  ", "example.com"),
        ("https://user:pw@example.org:99/", "example.org"),
        ("//cdn.example.net/a.js", "example.net"),
        ("https://www.shop.example.co.uk/", "example.co.uk"),
        ("https://a.b.c.example.com.au", "example.com.au"),
        ("http://bücher.de/", "xn--bcher-kva.de"),
        ("xn--bcher-kva.de", "xn--bcher-kva.de"),
        ("https://MÜNCHEN.de", "xn--mnchen-3ya.de"),
        ("joes-pizza.wixsite.com/home", "wixsite.com"),
        ("https://sites.google.com/view/joe", "google.com"),
        ("https://joe.blogspot.com", "blogspot.com"),
    ],
)
def test_registrable_domain(url: str, expected: str) -> None:
    assert registrable_domain(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        None,
        "",
        "   ",
        "not a url",
        "foo",
        "localhost",
        "http://localhost:8000/",
        "http://",
        "com",
        ".com",
        "a..com",
        "http://ex_ample.com",
        "http://-bad.com",
        "example.notarealtld",
        "http://127.0.0.1/",
        "192.168.0.1:8080",
        "http://[2001:db8::1]:80/",
        "[::1]",
        "exa\nmple.com",
        "x" * 70 + ".com",
    ],
)
def test_registrable_domain_rejects(url: str | None) -> None:
    assert registrable_domain(url) is None


def test_same_site_same_domain() -> None:
    variants = ["https://acme.com", "http://www.acme.com/x", "acme.com:80", "WWW.ACME.COM/"]
    assert {registrable_domain(v) for v in variants} == {"acme.com"}


@pytest.mark.parametrize(
    "url",
    [
        "facebook.com",
        "https://www.facebook.com/pages/Joe/123",
        "https://m.facebook.com/joes",
        "instagram.com",
        "https://x.com/joe",
        "https://twitter.com/joe",
        "https://www.linkedin.com/company/joe",
        "tiktok.com",
        "https://www.youtube.com/@joe",
        "https://www.yelp.com/biz/joe",
        "https://joes-pizza.wixsite.com/home",
        "wix.com",
        "https://joe.squarespace.com",
        "https://joe.weebly.com",
        "https://joe.godaddysites.com",
        "https://joe.wordpress.com",
        "https://joe.blogspot.com",
        "https://sites.google.com/view/joe",
        "https://joes.business.site",
        "https://linktr.ee/joe",
        "https://joe.carrd.co",
        "https://joe.square.site",
        "https://www.yellowpages.com/x",
        "https://www.tripadvisor.com/x",
    ],
)
def test_shared_platforms(url: str) -> None:
    assert is_shared_platform(url)


@pytest.mark.parametrize("domain", ["example.com", "joes-pizza.com", "facebook-fans.com", "wix.co.uk", ""])
def test_not_shared_platforms(domain: str) -> None:
    assert not is_shared_platform(domain)


def test_shared_platform_table_is_registrable() -> None:
    for platform in SHARED_PLATFORMS:
        assert registrable_domain(platform) == platform, platform


@pytest.mark.parametrize(
    ("email", "domain", "expected"),
    [
        ("info@acme.com", "acme.com", True),
        ("INFO@ACME.COM", "acme.com", True),
        ("jo@mail.acme.com", "acme.com", True),
        ("info@acme.com", "https://www.acme.com/contact", True),
        ("info@acme.com", "www.acme.com", True),
        ("info@bücher.de", "xn--bcher-kva.de", True),
        ("joe@gmail.com", "acme.com", False),
        ("info@acme.co", "acme.com", False),
        ("info@notacme.com", "acme.com", False),
        ("info@acme.com.evil.net", "acme.com", False),
        ("acme.com", "acme.com", False),
        ("@acme.com", "acme.com", False),
        ("info@", "acme.com", False),
        ("info@acme.com", "", False),
        ("info@localhost", "localhost", False),
    ],
)
def test_email_domain_matches(email: str, domain: str, expected: bool) -> None:
    assert email_domain_matches(email, domain) is expected


def test_no_network_and_no_cache_written(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def refuse(*args: object, **kwargs: object) -> object:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    # Force a fresh extractor so the suffix list is loaded under the patch.
    monkeypatch.setattr(web_domains, "_extractor", None)
    web_domains._registrable.cache_clear()
    assert registrable_domain("https://www.freshly-loaded-example.co.uk/") == "freshly-loaded-example.co.uk"
    assert is_shared_platform("https://someone.wixsite.com/site")
    web_domains._registrable.cache_clear()
    # conftest points HOME and XDG_CACHE_HOME into tmp_path: nothing may appear there.
    written = [p for p in tmp_path.rglob("*") if "tldextract" in str(p).lower()]
    assert written == []


def test_extractor_is_built_once() -> None:
    registrable_domain("example.com")
    first = web_domains._get_extractor()
    registrable_domain("another-example.com")
    assert web_domains._get_extractor() is first
