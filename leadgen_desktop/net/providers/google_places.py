"""Live business discovery through Google Places API (New) Text Search.

One ``POST /v1/places:searchText`` per page of up to 20 places, with an explicit
field mask. The page's SKU is derived from the most expensive field in the mask
(``FIELD_TIERS``, from apis.md 1.1); errors are classified on ``error.status`` and
``error.details[].reason`` (apis.md 1.3), never on Google's reworded messages.
"""

from __future__ import annotations

import enum
import logging
import threading
from collections.abc import Callable, Iterable, Mapping

import httpx

from leadgen_desktop.domain import (
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
PAGE_SIZE = 20
MAX_RESULTS = 60
MAX_PLACES_PER_PAGE = PAGE_SIZE
"""Places read from one answer: the API sends at most 20; more is a lie and is cut (with a warning)."""
MAX_REVIEW_COUNT = 10_000_000
"""Most reviews a place is believed to have (the busiest have under a million); above is dropped."""
MAX_TYPES = 50
MAX_TYPE_LENGTH = 100


class Tier(enum.IntEnum):
    """Text Search billing tiers, cheapest first (a request is billed at its highest)."""

    ESSENTIALS = 0
    PRO = 1
    ENTERPRISE = 2


TIER_SKUS: Mapping[Tier, str] = {
    Tier.ESSENTIALS: "places_text_search_essentials",
    Tier.PRO: "places_text_search_pro",
    Tier.ENTERPRISE: "places_text_search_enterprise",
}
"""SKU names as in ``domain.DEFAULT_PRICES``."""

_ESSENTIALS = ("places.attributions", "places.id", "places.name", "nextPageToken", "places.movedPlace")
_PRO = (  # noqa: SIM905 - one tier's fields, as listed in apis.md 1.1
    "places.displayName places.formattedAddress places.shortFormattedAddress places.postalAddress "
    "places.addressComponents places.location places.viewport places.plusCode places.types "
    "places.primaryType places.primaryTypeDisplayName places.businessStatus places.googleMapsUri "
    "places.googleMapsLinks places.photos places.utcOffsetMinutes places.timeZone "
    "places.pureServiceAreaBusiness places.openingDate places.iconMaskBaseUri "
    "places.iconBackgroundColor places.accessibilityOptions places.containingPlaces "
    "places.subDestinations places.searchUri places.adrFormatAddress places.addressDescriptor"
).split()
_ENTERPRISE = (  # noqa: SIM905 - one tier's fields, as listed in apis.md 1.1
    "places.nationalPhoneNumber places.internationalPhoneNumber places.websiteUri places.rating "
    "places.userRatingCount places.priceLevel places.priceRange places.regularOpeningHours "
    "places.currentOpeningHours places.regularSecondaryOpeningHours "
    "places.currentSecondaryOpeningHours"
).split()

FIELD_TIERS: Mapping[str, Tier] = {
    **dict.fromkeys((*_ESSENTIALS, "places.movedPlaceId"), Tier.ESSENTIALS),
    **dict.fromkeys(_PRO, Tier.PRO),
    **dict.fromkeys(_ENTERPRISE, Tier.ENTERPRISE),
}
"""Field → Text Search tier, from apis.md 1.1 ("SKU triggered by the field mask")."""

SEARCH_FIELDS: tuple[str, ...] = (
    "places.id",
    "places.displayName",
    "places.formattedAddress",
    "places.nationalPhoneNumber",
    "places.internationalPhoneNumber",
    "places.websiteUri",
    "places.rating",
    "places.userRatingCount",
    "places.businessStatus",
    "places.types",
    "places.location",
    "places.googleMapsUri",
    "nextPageToken",
)
"""Exactly the fields :func:`parse_place` maps, plus the paging token."""

KEY_TEST_FIELDS: tuple[str, ...] = ("places.id",)

_Reader = Callable[[dict[str, object]], DiscoveryPage]

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


def sku_for_fields(fields: Iterable[str]) -> str:
    """The SKU billed for a Text Search with this field mask (its most expensive field)."""
    tiers = []
    for name in fields:
        if name not in FIELD_TIERS:
            raise ValueError(f"field {name!r} has no known Text Search tier")
        tiers.append(FIELD_TIERS[name])
    return TIER_SKUS[max(tiers, default=Tier.ESSENTIALS)]


def parse_place(place: object) -> Business | None:
    """Map one ``places[]`` item to a Business; None when it lacks an id or a name.

    Absent fields, fields of the wrong type and numbers out of range become None (a
    rating outside 0-5, a review count that is negative, fractional or above
    :data:`MAX_REVIEW_COUNT`, coordinates off the globe); links other than http(s) too.
    """
    if not isinstance(place, dict):
        return None
    display = place.get("displayName")
    place_id = opt_str(place.get("id"))
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
        self.billing_sku: str = sku_for_fields(fields)
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
                body, KEY_TEST_FIELDS, sku_for_fields(KEY_TEST_FIELDS), _read_any, cancel or CancelToken()
            )
        except ProviderError as exc:
            return KeyCheck(False, exc.message, calls=exc.calls)
        return KeyCheck(True, f"{LABEL} accepted the key.", calls=calls)

    def _post(
        self,
        body: dict[str, object],
        fields: tuple[str, ...],
        sku: str,
        read: _Reader,
        cancel: CancelToken,
    ) -> tuple[DiscoveryPage, tuple[ApiCall, ...]]:
        headers = {"X-Goog-Api-Key": self._key, "X-Goog-FieldMask": ",".join(fields)}

        def send() -> httpx.Response:
            return self._send("POST", SEARCH_PATH, json=body, headers=headers)

        def interpret(response: httpx.Response) -> Decision[DiscoveryPage]:
            if response.status_code != 200:
                return classify_error(response)
            try:
                return Success(read(json_object(response)), units=1)
            except BadJson as exc:  # Google answered 200, so the request is billed all the same
                return Failure("bad_response", f"{LABEL} sent an unreadable answer: {exc}", units=1)

        return self._retry.run(
            provider=PROVIDER,
            endpoint=SEARCH_PATH,
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
        places = data.get("places")
        if places is None:
            places = []  # no results: Google answers an empty object
        if not isinstance(places, list):
            raise BadJson(f"'places' was {type(places).__name__}, not a list")
        if len(places) > MAX_PLACES_PER_PAGE:
            log.warning(
                "%s sent %d places in one page; kept the first %d (the API sends at most %d)",
                LABEL,
                len(places),
                MAX_PLACES_PER_PAGE,
                PAGE_SIZE,
            )
            places = places[:MAX_PLACES_PER_PAGE]
        seen: set[str] = set()
        businesses: list[Business] = []
        for item in places:
            business = parse_place(item)
            if business is None or business.place_id in seen:
                continue
            seen.add(business.place_id)
            if business.business_status is not BusinessStatus.CLOSED_PERMANENTLY:
                businesses.append(business)
        return DiscoveryPage(tuple(businesses), opt_str(data.get("nextPageToken")))


def _read_any(data: dict[str, object]) -> DiscoveryPage:
    """Reader for the key check: any JSON object means the key works."""
    return DiscoveryPage((), None)
