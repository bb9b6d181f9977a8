"""Provider answers are untrusted: any JSON (or bytes) either parses into clean data or a ProviderError.

Hypothesis throws random JSON at each parser, nested in the documented envelopes and bare; the
providers must never raise anything else, and what they return must be clean: no control
characters, bounded text, plausible emails, ratings within 0-5.
"""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadgen_desktop.domain import CampaignConfig, CancelToken, ProviderError
from leadgen_desktop.net.http import MAX_TEXT, MAX_URL, build_client
from leadgen_desktop.net.providers.google_places import GooglePlacesDiscovery
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
PLACE = st.fixed_dictionaries(
    {},
    optional={
        "id": JSON | NASTY_TEXT,
        "displayName": JSON | st.fixed_dictionaries({"text": NASTY_TEXT}),
        "formattedAddress": JSON,
        "nationalPhoneNumber": JSON,
        "websiteUri": JSON | NASTY_TEXT,
        "rating": JSON,
        "userRatingCount": JSON,
        "businessStatus": JSON | st.sampled_from(["OPERATIONAL", "CLOSED_PERMANENTLY", "??"]),
        "types": JSON,
        "location": JSON,
        "googleMapsUri": JSON,
    },
)
EMAIL_ITEM = st.fixed_dictionaries(
    {},
    optional={
        "value": JSON | NASTY_TEXT | st.emails(),
        "type": JSON,
        "confidence": JSON,
        "first_name": JSON,
        "position": JSON,
    },
)
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


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(
    st.one_of(
        JSON, st.fixed_dictionaries({"places": st.lists(PLACE, max_size=5)}, optional={"nextPageToken": JSON})
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
    for business in page.businesses:
        assert business.place_id
        assert business.name
        assert clean(business.name)
        assert clean(business.address)
        assert clean(business.phone)
        assert clean(business.website, MAX_URL)
        assert clean(business.maps_url, MAX_URL)
        assert business.rating is None or 0 <= business.rating <= 5
        assert business.review_count is None or business.review_count >= 0
    assert page.next_page_token is None or isinstance(page.next_page_token, str)


@FUZZ
@given(
    st.one_of(
        JSON,
        st.fixed_dictionaries(
            {
                "data": st.fixed_dictionaries(
                    {"emails": st.lists(EMAIL_ITEM, max_size=5)}, optional={"accept_all": JSON}
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
    for candidate in search.candidates:
        assert re.fullmatch(r"[^@\s]+@[a-z0-9.-]+\.[a-z0-9-]+", candidate.email)
        assert 0 <= candidate.confidence <= 100
        assert clean(candidate.first_name)
        assert clean(candidate.position)


@FUZZ
@given(
    st.one_of(
        JSON, st.fixed_dictionaries({"status": JSON | st.just("success"), "result": JSON, "flags": JSON})
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
    assert all(isinstance(flag, str) for flag in verdict.flags)


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
