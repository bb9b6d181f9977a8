"""The one rule for web links (domain.urls): http(s) with a host, nothing else."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadgen_desktop.domain import MAX_URL_LENGTH, is_web_url, web_url


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("https://crumb.example.com/", "https://crumb.example.com/"),
        ("http://example.org/contact?x=1#top", "http://example.org/contact?x=1#top"),
        ("HTTPS://Example.COM", "HTTPS://Example.COM"),
        ("  https://example.com/a  ", "https://example.com/a"),
        ("https://maps.google.com/?cid=1234567890", "https://maps.google.com/?cid=1234567890"),
        ("http://127.0.0.1:8080/x", "http://127.0.0.1:8080/x"),
        ("https://[::1]:8443/", "https://[::1]:8443/"),
        ("https://café.example/menu", "https://café.example/menu"),
        ("example.com", "https://example.com"),
        ("www.example.co.uk/contact", "https://www.example.co.uk/contact"),
        ("example.com:8080/x", "https://example.com:8080/x"),
    ],
)
def test_web_links_are_kept(text: str, url: str) -> None:
    assert web_url(text) == url
    assert is_web_url(text)


@pytest.mark.parametrize(
    "text",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "javascript://example.com/%0aalert(1)",
        "smb://attacker.example/share",
        "search-ms:query=invoice&crumb=location:\\\\attacker.example\\share",
        "file:///etc/passwd",
        "file://attacker.example/share/x.exe",
        "data:text/html,<script>alert(1)</script>",
        "mailto:info@example.com",
        "ms-settings:privacy",
        "vbscript:msgbox(1)",
        "ftp://example.com/",
        "//attacker.example/x",
        "/etc/passwd",
        "https:example.com",
        "https://",
        "http:///path",
        "https://user:pass@example.com/",
        "https://example.com@attacker.example/",
        "https://example.com:0/",
        "https://example.com:99999/",
        "https://[::1/",
        "https://exa mple.com/",
        "https://example.com/\u202egnp.exe",
        "https://example.com/\x00",
        "https://example.com\\@attacker.example",
        "alert(1)",
        "localhost:8080",
        "1.2.3.4",
        "",
        "   ",
        "https://example.com/" + "a" * MAX_URL_LENGTH,
        None,
        42,
        ["https://example.com"],
    ],
)
def test_everything_else_is_refused(text: object) -> None:
    assert web_url(text) is None
    assert not is_web_url(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_what_is_accepted_is_an_http_link(text: str) -> None:
    url = web_url(text)
    if url is not None:
        assert url.lower().startswith(("http://", "https://"))
        assert web_url(url) == url  # stable: the rule accepts its own output unchanged
        assert len(url) <= MAX_URL_LENGTH
