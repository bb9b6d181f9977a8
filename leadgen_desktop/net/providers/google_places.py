"""Live business discovery through Google Places API (New) Text Search.

One ``POST /v1/places:searchText`` per page of up to 20 places, with an explicit
field mask. The page's SKU is derived from the most expensive field in the mask
(:mod:`places_fields`, from apis.md 1.1); errors are classified on ``error.status``
and ``error.details[].reason`` (apis.md 1.3), never on Google's reworded messages.
The area protocol (tiles, IDs-only mapping, Place Details) builds on this class in
:mod:`google_places_area`.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Mapping
from typing import TypeVar

import httpx

from leadgen_desktop.domain import (
    RESULTS_PER_PAGE,
    RESULTS_PER_QUERY,
    ApiCall,
    Business,
    BusinessStatus,
    CampaignConfig,
    CancelToken,
    DiscoveryPage,
    ProviderAuthError,
    ProviderError,
    QuotaExhausted,
)
from leadgen_desktop.net.bounded import RequestLimits
from leadgen_desktop.net.http import BadJson, KeyCheck, float_in, int_in, json_object, opt_str, opt_url
from leadgen_desktop.net.providers.base import LiveProvider
from leadgen_desktop.net.providers.places_fields import (
    KEY_TEST_FIELDS,
    SEARCH_FIELDS,
    text_search_sku,
)
from leadgen_desktop.net.rate_limit import RateLimiter
from leadgen_desktop.net.retry import (
    Decision,
    Failure,
    RetryPolicy,
    Success,
    parse_retry_after,
    status_failure,
)

log = logging.getLogger(__name__)

PROVIDER = "google_places"
LABEL = "Google Places"
SEARCH_PATH = "/v1/places:searchText"
PAGE_SIZE = RESULTS_PER_PAGE
MAX_RESULTS = RESULTS_PER_QUERY
MAX_REVIEW_COUNT = 10_000_000
"""Most reviews a place is believed to have (the busiest have under a million); above is dropped."""
MAX_TYPES = 50
MAX_TYPE_LENGTH = 100

MAX_PAGE_TOKEN = 8192
"""Longest page token kept; a longer one is treated as the last page."""

T = TypeVar("T")
_PLACE_ID = re.compile(r"^[A-Za-z0-9_-]{1,512}$")

_AUTH_HINTS: Mapping[str, str] = {
    "API_KEY_INVALID": "Google Places rejected the API key (API_KEY_INVALID): "
    "check the key in Settings → API keys.",
    "SERVICE_DISABLED": "Places API (New) is not enabled for this key's Google Cloud project "
    "(SERVICE_DISABLED): enable it in the Google Cloud console.",
    "BILLING_DISABLED": "Google Places refused the request because billing is off "
    "(BILLING_DISABLED): enable billing on the key's Google Cloud project.",
    "API_KEY_SERVICE_BLOCKED": "This API key may not call Places API (New) (API_KEY_SERVICE_BLOCKED): "
    "allow it in the key's API restrictions in the Google Cloud console.",
}


def valid_place_id(value: object) -> str | None:
    """``value`` when it looks like a Places id (URL-safe characters, bounded), else None."""
    return value if isinstance(value, str) and _PLACE_ID.match(value) else None


def page_token_of(data: dict[str, object]) -> str | None:
    """The answer's ``nextPageToken`` when usable (a bounded string without spaces), else None."""
    token = data.get("nextPageToken")
    if not isinstance(token, str) or not token or len(token) > MAX_PAGE_TOKEN:
        return None
    return token if opt_str(token, MAX_PAGE_TOKEN) == token else None


def parse_place(place: object) -> Business | None:
    """Map one ``places[]`` item to a Business; None when it lacks an id or a name.

    Absent fields, fields of the wrong type and numbers out of range become None (a
    rating outside 0-5, a review count that is negative, fractional or above
    :data:`MAX_REVIEW_COUNT`, coordinates off the globe); links other than http(s) too.
    """
    if not isinstance(place, dict):
        return None
    display = place.get("displayName")
    place_id = valid_place_id(place.get("id"))
    name = opt_str(display.get("text")) if isinstance(display, dict) else None
    if place_id is None or name is None:
        return None
    status_text = place.get("businessStatus")
    try:
        status = BusinessStatus(status_text) if isinstance(status_text, str) else BusinessStatus.UNKNOWN
    except ValueError:
        status = BusinessStatus.UNKNOWN
    types = place.get("types")
    location = place.get("location")
    location = location if isinstance(location, dict) else {}
    return Business(
        place_id=place_id,
        name=name.strip(),
        address=opt_str(place.get("formattedAddress")),
        phone=opt_str(place.get("nationalPhoneNumber")) or opt_str(place.get("internationalPhoneNumber")),
        website=opt_url(place.get("websiteUri")),
        rating=float_in(place.get("rating"), 0.0, 5.0),
        review_count=int_in(place.get("userRatingCount"), 0, MAX_REVIEW_COUNT),
        business_status=status,
        types=_types(types),
        latitude=float_in(location.get("latitude"), -90.0, 90.0),
        longitude=float_in(location.get("longitude"), -180.0, 180.0),
        maps_url=opt_url(place.get("googleMapsUri")),
        source=PROVIDER,
    )


def _types(value: object) -> tuple[str, ...]:
    """The place's type tags: clean strings only, at most :data:`MAX_TYPES` of them."""
    if not isinstance(value, list):
        return ()
    cleaned = (opt_str(item, MAX_TYPE_LENGTH) for item in value[:MAX_TYPES])
    return tuple(item for item in cleaned if item)


def classify_error(response: httpx.Response) -> Failure:
    """Read a ``google.rpc.Status`` error answer (or a bare HTTP error) into a Failure."""
    status_code = response.status_code
    try:
        error = json_object(response).get("error")
    except BadJson:
        error = None
    if not isinstance(error, dict):
        if status_code in (401, 403):
            return Failure(
                "auth_failure", f"{LABEL} refused the key (HTTP {status_code})", error=ProviderAuthError
            )
        return status_failure(response, LABEL)
    status = opt_str(error.get("status")) or ""
    details = error.get("details")
    infos = [d for d in details if isinstance(d, dict)] if isinstance(details, list) else []
    reasons = [r for r in (opt_str(d.get("reason")) for d in infos) if r]
    quota_limits = [
        str(d["metadata"].get("quota_limit", "")) for d in infos if isinstance(d.get("metadata"), dict)
    ]
    for reason in reasons:
        if reason in _AUTH_HINTS:
            return Failure("auth_failure", _AUTH_HINTS[reason], error=ProviderAuthError)
    if status in ("PERMISSION_DENIED", "UNAUTHENTICATED") or status_code in (401, 403):
        why = "/".join([status or f"HTTP {status_code}", *reasons])
        return Failure(
            "auth_failure",
            f"{LABEL} denied access ({why}): check the key, its API restrictions and that "
            "Places API (New) is enabled for its project.",
            error=ProviderAuthError,
        )
    if status == "RESOURCE_EXHAUSTED" or status_code == 429:
        if any("PerDay" in limit for limit in quota_limits):
            return Failure(
                "quota_exhausted",
                f"the daily {LABEL} quota of the key's project is used up; it resets tomorrow "
                "or can be raised in the Google Cloud console.",
                error=QuotaExhausted,
            )
        return Failure(
            "rate_limited",
            f"{LABEL} is rate limiting requests (RESOURCE_EXHAUSTED)",
            retryable=True,
            retry_after=parse_retry_after(response.headers.get("retry-after")),
        )
    if status_code >= 500:
        return status_failure(response, LABEL)
    message = opt_str(error.get("message")) or "no message"
    return Failure("bad_request", f"{LABEL} refused the request ({status or status_code}): {message}")


class GooglePlacesDiscovery(LiveProvider):
    """``domain.Discovery`` over Google Places Text Search (New)."""

    provider = PROVIDER
    label = LABEL
    max_results_per_query = MAX_RESULTS

    def __init__(
        self,
        client: httpx.Client,
        api_key: str,
        *,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        limits: RequestLimits | None = None,
        fields: tuple[str, ...] = SEARCH_FIELDS,
    ) -> None:
        super().__init__(client, api_key, limiter=limiter, retry=retry, limits=limits)
        self._fields = fields
        self.billing_sku: str = text_search_sku(fields)
        self._pages_by_token: dict[str, int] = {}
        self._lock = threading.Lock()

    def search(self, config: CampaignConfig, page_token: str | None, cancel: CancelToken) -> DiscoveryPage:
        """Fetch one page of up to 20 places; ``next_page_token`` is None after the last page."""
        body: dict[str, object] = {"textQuery": config.text_query, "pageSize": PAGE_SIZE}
        if page_token:
            body["pageToken"] = page_token
        with self._lock:
            page_number = self._pages_by_token.get(page_token, 1) if page_token else 1
        page, calls = self._post(body, self._fields, self.billing_sku, self._read_page, cancel)
        token = page.next_page_token
        if token and page_number * PAGE_SIZE >= MAX_RESULTS:
            token = None  # Google's documented ceiling: never pay for a page past 60 results
        if token:
            with self._lock:
                if len(self._pages_by_token) > 1000:
                    self._pages_by_token.clear()
                self._pages_by_token[token] = page_number + 1
        return DiscoveryPage(page.businesses, token, calls)

    def test_key(self, cancel: CancelToken | None = None) -> KeyCheck:
        """Check the key with a free IDs-only search (billed at the Essentials SKU, $0)."""
        body: dict[str, object] = {"textQuery": "coffee", "pageSize": 1}
        try:
            _, calls = self._post(
                body, KEY_TEST_FIELDS, text_search_sku(KEY_TEST_FIELDS), _read_any, cancel or CancelToken()
            )
        except ProviderError as exc:
            return KeyCheck(False, exc.message, calls=exc.calls)
        return KeyCheck(True, f"{LABEL} accepted the key.", calls=calls)

    def _post(
        self,
        body: dict[str, object],
        fields: tuple[str, ...],
        sku: str,
        read: Callable[[dict[str, object]], T],
        cancel: CancelToken,
    ) -> tuple[T, tuple[ApiCall, ...]]:
        """One Text Search (retried, rate limited); ``read`` maps the JSON answer."""
        return self._request("POST", SEARCH_PATH, SEARCH_PATH, body, fields, sku, read, cancel)

    def _request(
        self,
        method: str,
        path: str,
        endpoint: str,
        body: dict[str, object] | None,
        fields: tuple[str, ...],
        sku: str,
        read: Callable[[dict[str, object]], T],
        cancel: CancelToken,
    ) -> tuple[T, tuple[ApiCall, ...]]:
        """One Places request with the key and ``fields`` as the mask; ``endpoint`` names it in the log."""
        headers = {"X-Goog-Api-Key": self._key, "X-Goog-FieldMask": ",".join(fields)}

        def send() -> httpx.Response:
            return self._send(method, path, json=body, headers=headers)

        def interpret(response: httpx.Response) -> Decision[T]:
            if response.status_code != 200:
                return classify_error(response)
            try:
                return Success(read(json_object(response)), units=1)
            except BadJson as exc:  # Google answered 200, so the request is billed all the same
                return Failure("bad_response", f"{LABEL} sent an unreadable answer: {exc}", units=1)

        return self._retry.run(
            provider=PROVIDER,
            endpoint=endpoint,
            sku=sku,
            send=send,
            interpret=interpret,
            cancel=cancel,
            limiter=self._limiter,
            label=LABEL,
            secrets=(self._key,),
        )

    @staticmethod
    def _read_page(data: dict[str, object]) -> DiscoveryPage:
        parsed = (parse_place(item) for item in places_of(data))
        return DiscoveryPage.of((b for b in parsed if b is not None), page_token_of(data))


def places_of(data: dict[str, object]) -> list[object]:
    """The ``places`` array of a Text Search answer, at most one page of it (untrusted sizes)."""
    places = data.get("places")
    if places is None:
        return []  # no results: Google answers an empty object
    if not isinstance(places, list):
        raise BadJson(f"'places' was {type(places).__name__}, not a list")
    if len(places) > RESULTS_PER_PAGE:  # a page never holds more: the rest is a lie, and ignored
        log.warning(
            "%s sent %d places in one page; kept the first %d (the API sends at most %d)",
            LABEL,
            len(places),
            RESULTS_PER_PAGE,
            RESULTS_PER_PAGE,
        )
    return places[:RESULTS_PER_PAGE]


def _read_any(data: dict[str, object]) -> DiscoveryPage:
    """Reader for the key check: any JSON object means the key works."""
    return DiscoveryPage((), None)
