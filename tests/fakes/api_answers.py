"""What the fake APIs answer with: request and response values, error shapes, routes, keys, SKUs.

Shared by :mod:`tests.fakes.api_server` (the fake's state and answers) and the
loopback server (:mod:`tests.fakes.api_loopback`); every shape is from
/work/shared/reference/apis.md.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.places_city import DETAILS_PREFIX

GOOGLE_KEY = "fake-google-key-123"
HUNTER_KEY = "fake-hunter-key-456"
NEVERBOUNCE_KEY = "secret_fake-nb-key-789"
FAKE_KEYS: Mapping[str, str] = {
    "google_places": GOOGLE_KEY,
    "hunter": HUNTER_KEY,
    "neverbounce": NEVERBOUNCE_KEY,
}
"""The fake's keys per provider, as ``build_live_providers`` takes them."""

ROUTES = {
    "/v1/places:searchText": "google_places",
    "/v2/domain-search": "hunter",
    "/v2/account": "hunter",
    "/v4.2/single/check": "neverbounce",
    "/v4/single/check": "neverbounce",
    "/v4.2/account/info": "neverbounce",
}


def route(path: str) -> str | None:
    """The provider a request path belongs to (Place Details paths carry the place id)."""
    return ROUTES.get(path) or ("google_places" if path.startswith(DETAILS_PREFIX) else None)


FAULTS = (
    "http_503",
    "http_500",
    "rate_limit",
    "temp_unavail",
    "garbage",
    "connect_error",
    "timeout",
    "billed_timeout",
    "billed_drop",
)
BILLED_FAULTS = {"billed_timeout": "timeout", "billed_drop": "drop"}
"""Faults that bill the request, then answer like this transport fault."""


@dataclass(frozen=True)
class Received:
    """One request as the fake saw it (header names lower-case)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body decoded as JSON (None when empty)."""
        return json.loads(self.body) if self.body else None


@dataclass(frozen=True)
class FakeResponse:
    """What to answer; ``fault`` "timeout"/"connect_error" means no answer at all."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    fault: str | None = None


def json_answer(status: int, payload: object, **headers: str) -> FakeResponse:
    return FakeResponse(status, json.dumps(payload).encode(), {"content-type": "application/json", **headers})


def digest(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def google_error(
    code: int, status: str, message: str, reason: str | None = None, **meta: str
) -> FakeResponse:
    """A google.rpc.Status body; the ErrorInfo is deliberately not ``details[0]``."""
    details: list[dict[str, object]] = [
        {"@type": "type.googleapis.com/google.rpc.LocalizedMessage", "locale": "en-US", "message": message}
    ]
    if reason:
        info = {"service": "places.googleapis.com", **meta}
        details.append({"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason,
                        "domain": "googleapis.com", "metadata": info})  # fmt: skip
    return json_answer(
        code, {"error": {"code": code, "message": message, "status": status, "details": details}}
    )


# fmt: off
GOOGLE_ERRORS: Mapping[str, FakeResponse] = {
    "API_KEY_INVALID": google_error(
        400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", "API_KEY_INVALID"),
    "PERMISSION_DENIED": google_error(403, "PERMISSION_DENIED", "The caller does not have permission"),
    "SERVICE_DISABLED": google_error(
        403, "PERMISSION_DENIED", "Places API (New) has not been used in project 0 before or it is disabled.",
        "SERVICE_DISABLED"),
    "BILLING_DISABLED": google_error(
        403, "PERMISSION_DENIED", "This API method requires billing to be enabled.", "BILLING_DISABLED"),
    "RESOURCE_EXHAUSTED": google_error(
        429, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'SearchText requests'.",
        "RATE_LIMIT_EXCEEDED", quota_limit="SearchTextRequestPerMinutePerProject", quota_limit_value="600"),
    "RESOURCE_EXHAUSTED_DAILY": google_error(
        429, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'SearchText requests per day'.",
        "RATE_LIMIT_EXCEEDED", quota_limit="SearchTextRequestPerDayPerProject", quota_limit_value="100"),
    "INVALID_ARGUMENT": google_error(400, "INVALID_ARGUMENT", "Invalid 'textQuery'."),
}
# fmt: on
"""Documented Google error answers, by the name ``FakeApis.google_error`` takes."""


def hunter_error(code: int, error_id: str, details: str) -> FakeResponse:
    """A Hunter ``errors[]`` body."""
    return json_answer(code, {"errors": [{"id": error_id, "code": code, "details": details}]})


def neverbounce_status(status: str, message: str) -> FakeResponse:
    """A NeverBounce API-level error: HTTP 200 with a non-success ``status``."""
    return json_answer(200, {"status": status, "message": message, "execution_time": 5})


_GOOGLE_ENTERPRISE = {"nationalPhoneNumber", "internationalPhoneNumber", "websiteUri", "rating",
                      "userRatingCount", "priceLevel", "priceRange", "regularOpeningHours",
                      "currentOpeningHours"}  # fmt: skip
_GOOGLE_ESSENTIALS = {"attributions", "id", "name", "movedPlace", "movedPlaceId"}


def google_sku(fields: set[str]) -> str:
    """The Text Search SKU this field mask is billed at (apis.md 1.1), from the fake's own table."""
    names = {f.removeprefix("places.") for f in fields if f != "nextPageToken"}
    if "*" in fields or "places.*" in fields or names & _GOOGLE_ENTERPRISE:
        return "places_text_search_enterprise"
    if names - _GOOGLE_ESSENTIALS:
        return "places_text_search_pro"
    return "places_text_search_essentials"
