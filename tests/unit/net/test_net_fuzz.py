"""Provider answers are untrusted: any JSON (or bytes) either parses into clean data or a ProviderError.

Hypothesis throws random JSON at each parser, nested in the documented envelopes and bare; the
providers must never raise anything else, and what they return must be clean: no control
characters, bounded text, plausible emails, ratings within 0-5, counts that fit SQLite's
INTEGER (``10**30`` once failed a job for good), coordinates on the globe, at most 20 places
a page and only http(s) links (``javascript:``, ``smb:``, ``search-ms:``, ``file:`` dropped).
"""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadgen_desktop.domain import CampaignConfig, CancelToken, ProviderError, web_url
from leadgen_desktop.net.http import MAX_TEXT, MAX_URL, build_client
from leadgen_desktop.net.providers.google_places import MAX_REVIEW_COUNT, GooglePlacesDiscovery
from leadgen_desktop.net.providers.hunter import HunterEmailFinder
from leadgen_desktop.net.providers.neverbounce import NeverBounceVerifier
from leadgen_desktop.net.rate_limit import RateLimiter
from leadgen_desktop.net.retry import RetryPolicy

NASTY_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        ["", " ", "\x00", "a\x1b[31mred", "\u202eevil", "x" * 5000, "=cmd|' /C calc'!A0", "@@", "a@b"]
    ),
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | NASTY_TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(NASTY_TEXT, children, max_size=4),
    max_leaves=20,
)
HOSTILE_URLS = st.sampled_from(
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        " javascript:alert(1)",
        "smb://attacker.example/share",
        "search-ms:query=invoice&crumb=location:\\\\attacker.example\\share",
        "file:///etc/passwd",
        "data:text/html,<script>alert(1)</script>",
        "ms-settings:privacy",
        "//attacker.example/x",
        "https://user:pass@example.com/",
        "https:example.com",
        "http://",
        "https://example.com:99999/",
        "https://example.com/\u202egnp.exe",
        "https://ok.example.com/contact",
        "example.com/contact",
    ]
)
HUGE_NUMBERS = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40),
    st.sampled_from([10**30, 2**63, -1, 4.5, 1e308, -0.0, "212", None]),
    st.floats(allow_nan=True, allow_infinity=True),
)
PLACE = st.fixed_dictionaries(
    {},
    optional={
        "id": JSON | NASTY_TEXT,
        "displayName": JSON | st.fixed_dictionaries({"text": NASTY_TEXT}),
        "formattedAddress": JSON,
        "nationalPhoneNumber": JSON,
        "websiteUri": JSON | NASTY_TEXT | HOSTILE_URLS,
        "rating": JSON | HUGE_NUMBERS,
        "userRatingCount": JSON | HUGE_NUMBERS,
        "businessStatus": JSON | st.sampled_from(["OPERATIONAL", "CLOSED_PERMANENTLY", "??"]),
        "types": JSON | st.lists(NASTY_TEXT, max_size=80),
        "location": JSON | st.fixed_dictionaries({"latitude": HUGE_NUMBERS, "longitude": HUGE_NUMBERS}),
        "googleMapsUri": JSON | HOSTILE_URLS,
    },
)
EMAIL_ITEM = st.fixed_dictionaries(
    {},
    optional={
        "value": JSON | NASTY_TEXT | st.emails(),
        "type": JSON,
        "confidence": JSON | HUGE_NUMBERS,
        "first_name": JSON,
        "position": JSON,
    },
)
NB_FLAGS = JSON | st.lists(NASTY_TEXT, max_size=60)
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
FAST = RetryPolicy(max_attempts=2, rand=lambda: 0.0, wait=lambda _c, _s: False)
NO_LIMIT = RateLimiter(1e6, burst=1_000_000)


def client(body: bytes, provider: str) -> httpx.Client:
    def handler(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    return build_client(provider, transport=httpx.MockTransport(handler), base_url="https://fake.invalid")


def encode(value: Any) -> bytes:
    return json.dumps(value, allow_nan=True).encode()


def clean(text: str | None, limit: int = MAX_TEXT) -> bool:
    return text is None or (not CONTROL.search(text) and 0 < len(text) <= limit)


def safe_link(url: str | None) -> bool:
    """None, or an http(s) link the one URL rule accepts as it is."""
    return url is None or (url.startswith(("http://", "https://")) and web_url(url) == url)


SQLITE_INTEGER_MAX = 2**63 - 1


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(
    st.one_of(
        JSON,
        st.fixed_dictionaries({"places": st.lists(PLACE, max_size=25)}, optional={"nextPageToken": JSON}),
    )
)
def test_google_places_never_crashes_and_returns_clean_businesses(body: Any) -> None:
    provider = GooglePlacesDiscovery(
        client(encode(body), "google_places"), "k" * 39, limiter=NO_LIMIT, retry=FAST
    )
    try:
        page = provider.search(CampaignConfig("dentist", "Austin"), None, CancelToken())
    except ProviderError as exc:
        message = str(exc)
        page = None
    if page is None:
        assert "k" * 39 not in message  # the key never reaches an error message
        return
    assert len(page.businesses) <= 20  # what one page of the API can hold
    for business in page.businesses:
        assert business.place_id
        assert business.name
        assert clean(business.name)
        assert clean(business.address)
        assert clean(business.phone)
        assert clean(business.website, MAX_URL)
        assert clean(business.maps_url, MAX_URL)
        assert safe_link(business.website)
        assert safe_link(business.maps_url)
        assert business.rating is None or 0 <= business.rating <= 5
        assert business.review_count is None or 0 <= business.review_count <= MAX_REVIEW_COUNT
        assert business.review_count is None or isinstance(business.review_count, int)
        assert business.latitude is None or -90 <= business.latitude <= 90
        assert business.longitude is None or -180 <= business.longitude <= 180
        assert len(business.types) <= 50
        assert all(clean(kind) for kind in business.types)
    assert page.next_page_token is None or isinstance(page.next_page_token, str)


@FUZZ
@given(
    st.one_of(
        JSON,
        st.fixed_dictionaries(
            {
                "data": st.fixed_dictionaries(
                    {"emails": st.lists(EMAIL_ITEM, max_size=15)}, optional={"accept_all": JSON}
                )
            }
        ),
    )
)
def test_hunter_never_crashes_and_returns_plausible_emails(body: Any) -> None:
    finder = HunterEmailFinder(client(encode(body), "hunter"), "hunter-key", limiter=NO_LIMIT, retry=FAST)
    try:
        search = finder.find("example-dental.com", CancelToken())
    except ProviderError:
        return
    assert len(search.candidates) <= 10  # asked for 10
    for candidate in search.candidates:
        assert isinstance(candidate.confidence, int)
        assert re.fullmatch(r"[^@\s]+@[a-z0-9.-]+\.[a-z0-9-]+", candidate.email)
        assert 0 <= candidate.confidence <= 100
        assert clean(candidate.first_name)
        assert clean(candidate.position)


@FUZZ
@given(
    st.one_of(
        JSON, st.fixed_dictionaries({"status": JSON | st.just("success"), "result": JSON, "flags": NB_FLAGS})
    )
)
def test_neverbounce_never_crashes(body: Any) -> None:
    verifier = NeverBounceVerifier(
        client(encode(body), "neverbounce"), "nb-key", limiter=NO_LIMIT, retry=FAST
    )
    try:
        verdict = verifier.verify("info@example-dental.com", CancelToken())
    except ProviderError:
        return
    assert verdict.status.value in {"valid", "invalid", "catchall", "unknown", "disposable"}
    assert all(isinstance(flag, str) and clean(flag) for flag in verdict.flags)
    assert len(verdict.flags) <= 30


@FUZZ
@given(st.binary(max_size=200))
def test_raw_bytes_become_provider_errors(body: bytes) -> None:
    for make in (
        lambda: GooglePlacesDiscovery(
            client(body, "google_places"), "g", limiter=NO_LIMIT, retry=FAST
        ).search(CampaignConfig("d", "A"), None, CancelToken()),
        lambda: HunterEmailFinder(client(body, "hunter"), "h", limiter=NO_LIMIT, retry=FAST).find(
            "a-b.com", CancelToken()
        ),
        lambda: NeverBounceVerifier(client(body, "neverbounce"), "n", limiter=NO_LIMIT, retry=FAST).verify(
            "a@a-b.com", CancelToken()
        ),
    ):
        with contextlib.suppress(ProviderError):
            make()
