"""The extractor: one fixture page per way an address is written, the junk it must refuse, and fuzzing."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadgen_desktop.domain import EmailMethod
from leadgen_desktop.net.web import extract_addresses
from leadgen_desktop.net.web.addresses import clean_address, find_obfuscated
from leadgen_desktop.net.web.extract import decode_cfemail, read_page

PAGES = Path(__file__).parent / "pages"
SITE = "https://brightsmile-dental.com/"

EXPECTED: dict[str, dict[str, EmailMethod]] = {
    "mailto_entities.html": {"info@brightsmile-dental.com": EmailMethod.MAILTO},
    "mailto_encoded.html": {
        "office@brightsmile-dental.com": EmailMethod.MAILTO,
        "dr.lee@brightsmile-dental.com": EmailMethod.MAILTO,
        "hygiene@brightsmile-dental.com": EmailMethod.MAILTO,
        "front@brightsmile-dental.com": EmailMethod.MAILTO,
    },
    "text_footer.html": {"hello@brightsmile-dental.com": EmailMethod.TEXT},
    "jsonld_graph.html": {
        "bookings@brightsmile-dental.com": EmailMethod.JSONLD,
        "ana.lee@brightsmile-dental.com": EmailMethod.JSONLD,
        "press@brightsmile-dental.com": EmailMethod.JSONLD,
    },
    "microdata.html": {
        "records@brightsmile-dental.com": EmailMethod.MICRODATA,
        "insurance@brightsmile-dental.com": EmailMethod.MAILTO,
        "careers@brightsmile-dental.com": EmailMethod.MICRODATA,
    },
    "cfemail.html": {
        "frontdesk@brightsmile-dental.com": EmailMethod.CFEMAIL,
        "billing@brightsmile-dental.com": EmailMethod.CFEMAIL,
    },
    "obfuscated.html": {
        "reception@brightsmile-dental.com": EmailMethod.OBFUSCATED,
        "lab@brightsmile-dental.com": EmailMethod.OBFUSCATED,
        "ortho@brightsmile-dental.com": EmailMethod.OBFUSCATED,
        "kids@brightsmile-dental.com": EmailMethod.OBFUSCATED,
    },
    "split_inline.html": {
        "mia.park@brightsmile-dental.com": EmailMethod.TEXT,
        "tom@brightsmile-dental.com": EmailMethod.TEXT,
        "team@brightsmile-dental.com": EmailMethod.TEXT,
    },
    "impressum_de.html": {
        "praxis@zahnarzt-mueller.de": EmailMethod.TEXT,
        "j.mueller@zahnarzt-mueller.de": EmailMethod.OBFUSCATED,
        "hallo@pixelwerk-agentur.de": EmailMethod.TEXT,
    },
    "junk.html": {},
}


@pytest.mark.parametrize("page", sorted(EXPECTED))
def test_each_way_of_writing_an_address_is_found_exactly(page: str) -> None:
    found = extract_addresses((PAGES / page).read_bytes(), SITE + page, "text/html")
    assert {address.email: address.method for address in found} == EXPECTED[page]
    assert {address.page_url for address in found} <= {SITE + page}


def test_every_fixture_page_is_covered() -> None:
    assert {path.name for path in PAGES.glob("*.html")} == set(EXPECTED)


def test_found_rate_over_the_fixtures_is_complete() -> None:
    shown = {email for emails in EXPECTED.values() for email in emails}
    found = {
        address.email
        for page in EXPECTED
        for address in extract_addresses((PAGES / page).read_bytes(), SITE + page, "text/html")
    }
    assert found == shown
    assert len(shown) == 24


def test_credit_lines_are_marked() -> None:
    content = read_page((PAGES / "impressum_de.html").read_bytes(), SITE, "text/html; charset=iso-8859-1")
    credited = {c.email for c in content.candidates if c.credited}
    assert credited == {"hallo@pixelwerk-agentur.de"}
    jsonld = b"""<script type="application/ld+json">{"@type": "WebPage", "author": {"email": "dev@gmail.com"},
        "publisher": {"email": "shop@gmail.com"}}</script>"""
    marks = {c.email: c.credited for c in read_page(jsonld, SITE).candidates}
    assert marks == {"dev@gmail.com": True, "shop@gmail.com": False}


def test_a_sighting_outside_a_credit_line_wins() -> None:
    page = b"<footer><p>Site by Jo: jo.smile@gmail.com</p><p>Write to jo.smile@gmail.com</p></footer>"
    assert [(c.email, c.credited) for c in read_page(page, SITE).candidates] == [
        ("jo.smile@gmail.com", False)
    ]


def test_charset_comes_from_the_header_or_the_meta_tag() -> None:
    latin1 = "<p>Büro: büro@müller-bau.de</p>".encode("latin-1")
    by_header = read_page(latin1, SITE, "text/html; charset=ISO-8859-1")
    by_meta = read_page(b'<meta charset="iso-8859-1">' + latin1, SITE, "text/html")
    expected = ("büro@xn--mller-bau-q9a.de",)
    assert tuple(c.email for c in by_header.candidates) == expected
    assert tuple(c.email for c in by_meta.candidates) == expected


def test_relative_links_resolve_against_base_href() -> None:
    content = read_page(
        b'<base href="https://www.acme.com/de/"><a href="kontakt">Kontakt</a>', "https://acme.com/"
    )
    assert [a.href for a in content.anchors] == ["https://www.acme.com/de/kontakt"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" <Info@Shop.DE>, ", "info@shop.de"),
        ("mailto:Sales@Example-Shop.co.uk", "sales@example-shop.co.uk"),
        ("logo@2x.png", None),
        ("user@example.com", None),
        ("yourname@gmail.com", None),
        ("0123456789abcdef0123456789abcdef@shop.de", None),
        ("a" * 65 + "@shop.de", None),
        ("info@shop", None),
        ("info@shop.notatld", None),
        ("...info@shop.de", "info@shop.de"),
        ("in.@shop.de", None),
        ("in..fo@shop.de", None),
        ("info@@shop.de", None),
    ],
)
def test_clean_address(raw: str, expected: str | None) -> None:
    assert clean_address(raw) == expected


def test_common_words_never_become_a_written_out_address() -> None:
    assert find_obfuscated("Find us at acme dot com, look at acme dot com, email us at acme dot com") == []
    assert [m.email for m in find_obfuscated("sales at acme dot com")] == ["sales@acme.com"]


def test_cloudflare_decoding_refuses_garbage() -> None:
    assert decode_cfemail("zz") is None
    assert decode_cfemail("5a") is None
    assert decode_cfemail("00ff") is None
    assert decode_cfemail("5a3c2835342e3e3f29311a3828333d322e293733363f773e3f342e3b3674393537") == (
        "frontdesk@brightsmile-dental.com"
    )


def test_deeply_nested_json_ld_does_not_break_the_page() -> None:
    nested = b'<script type="application/ld+json">' + b"[" * 100_000 + b"]" * 100_000 + b"</script>"
    page = nested + b"<p>info@acme.com</p>"
    assert [a.email for a in extract_addresses(page, SITE)] == ["info@acme.com"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.binary(max_size=4000),
    content_type=st.sampled_from([None, "text/html", "text/html; charset=utf-16"]),
)
def test_the_extractor_never_raises_on_arbitrary_bytes(body: bytes, content_type: str | None) -> None:
    for address in extract_addresses(body, SITE, content_type):
        assert "@" in address.email


_MARKUP = st.sampled_from(
    [
        "<a href='mailto:",
        "'>",
        "<script type='application/ld+json'>",
        "</script>",
        '{"email": ',
        "[at]",
        "(dot)",
        " at ",
        " dot ",
        "@",
        ".",
        "<span data-cfemail='",
        "<p>",
        "<br>",
        "&#64;",
        "%40",
        "<base href='",
        "itemprop='email'",
        "\x00",
        "\ud7ff",
    ]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    parts=st.lists(st.one_of(_MARKUP, st.text(max_size=12)), max_size=40),
    charset=st.sampled_from(["utf-8", "cp1252", "utf-16", "rot13", "bogus"]),
)
def test_the_extractor_never_raises_on_hostile_markup(parts: list[str], charset: str) -> None:
    text = "".join(parts)
    body = text.encode("utf-8", errors="replace")
    for address in extract_addresses(body, SITE, f"text/html; charset={charset}"):
        assert address.email == address.email.lower()
