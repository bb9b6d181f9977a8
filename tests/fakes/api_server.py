"""A faithful, nasty fake of Google Places (New), Hunter.io v2 and NeverBounce v4.2.

Built from /work/shared/reference/apis.md. Google searches restricted to a rectangle,
location lookups and Place Details are answered by a fake city (``places_city``;
``FakeApis(city=...)``, a generated 1,500-place city by default). Three ways to use it:

* ``FakeApis.handle(...)`` — a pure, deterministic request → response function with
  counters, a log of received requests and error injection;
* ``fake.transport()`` — an ``httpx.MockTransport`` over it (unit tests);
* ``with serve(fake) as base_url:`` — a real loopback HTTP server on 127.0.0.1 serving
  all three APIs on one port (point LEADGEN_*_URL at ``base_url``).

Injected faults (``fake.inject(provider, kind, ...)``) are consumed in order, one per
request to that provider: ``http_503``, ``http_500``, ``rate_limit`` (Google 429,
Hunter 403, NeverBounce ``throttle_triggered``), ``temp_unavail`` (NeverBounce),
``garbage`` (HTML with HTTP 200), ``connect_error`` and ``timeout``; and two that lie
about the bill: ``billed_timeout`` and ``billed_drop`` do the work and bill it, then
the answer never arrives (a read timeout; a connection closed without an answer).

Billing: ``fake.billed`` counts billed units per SKU, :meth:`FakeApis.billed_usd`
prices them. ``hunter_bloat`` makes Hunter over-bill (every search answers that many
emails whatever its ``limit``, billed 1 credit per 10). ``before_answer`` is called
with each request as it arrives, before it is answered (and before any latency), on the
server's thread: a test can hold answers there until something it can see has happened.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from leadgen_desktop.domain import DEFAULT_PRICES
from tests.fakes.places_city import DETAILS_PREFIX, FakeCity, PlacesFault, details_sku

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


HOLD_SECONDS = 60.0
"""The longest a request held by :meth:`FakeApis.hold_after` waits for :meth:`FakeApis.release_waiting`."""

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
_PREFIXES = (
    "Acme",
    "Northside",
    "Riverside",
    "Summit",
    "Oak",
    "Harbor",
    "Lakeside",
    "Maple",
    "Cedar",
    "Union",
)
_GENERIC = ("info", "contact", "hello", "office", "sales", "support")
_PEOPLE = (
    ("Maria", "Okafor", "Owner", "executive", "management"),
    ("Sam", "Lee", "Manager", "senior", "sales"),
)
_NB_RESULTS = ("valid", "valid", "valid", "catchall", "unknown", "invalid", "disposable")


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


def _json(status: int, payload: object, **headers: str) -> FakeResponse:
    return FakeResponse(status, json.dumps(payload).encode(), {"content-type": "application/json", **headers})


def _digest(text: str) -> int:
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
    return _json(code, {"error": {"code": code, "message": message, "status": status, "details": details}})


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
    return _json(code, {"errors": [{"id": error_id, "code": code, "details": details}]})


def neverbounce_status(status: str, message: str) -> FakeResponse:
    """A NeverBounce API-level error: HTTP 200 with a non-success ``status``."""
    return _json(200, {"status": status, "message": message, "execution_time": 5})


_GOOGLE_ENTERPRISE = {"nationalPhoneNumber", "internationalPhoneNumber", "websiteUri", "rating",
                      "userRatingCount", "priceLevel", "priceRange", "regularOpeningHours",
                      "currentOpeningHours"}  # fmt: skip
_GOOGLE_ESSENTIALS = {"attributions", "id", "name", "movedPlace", "movedPlaceId"}


def _google_sku(fields: set[str]) -> str:
    """The Text Search SKU this field mask is billed at (apis.md 1.1), from the fake's own table."""
    names = {f.removeprefix("places.") for f in fields if f != "nextPageToken"}
    if "*" in fields or "places.*" in fields or names & _GOOGLE_ENTERPRISE:
        return "places_text_search_enterprise"
    if names - _GOOGLE_ESSENTIALS:
        return "places_text_search_pro"
    return "places_text_search_essentials"


class FakeApis:
    """Deterministic state of the three fake APIs, with counters and fault injection."""

    def __init__(
        self,
        *,
        google_key: str = GOOGLE_KEY,
        hunter_key: str = HUNTER_KEY,
        neverbounce_key: str = NEVERBOUNCE_KEY,
        places_per_query: int = 60,
        latency: float = 0.0,
        stall_seconds: float = 2.0,
        latencies: Mapping[str, float] | None = None,
        city: FakeCity | None = None,
        websites: Mapping[int, str | None] | None = None,
    ) -> None:
        self._city = city
        self.websites = dict(websites) if websites is not None else None
        """Page-by-page search: the website of the place at each position (None: none); places
        at positions not listed get no website. None keeps the generated websites."""
        self.keys = {"google_places": google_key, "hunter": hunter_key, "neverbounce": neverbounce_key}
        self.places_per_query = places_per_query
        self.latency = latency
        self.latencies: dict[str, float] = dict(latencies or {})  # per-provider override of latency
        self.stall_seconds = stall_seconds  # how long the server stalls for a "timeout" fault
        self.google_error: str | None = None  # a GOOGLE_ERRORS name answered to every search
        self.hunter_quota: int | None = None  # domain searches allowed before 429
        self.hunter_domains: dict[str, list[dict[str, object]]] = {}  # overrides of data.emails
        self.hunter_bloat: int | None = None  # every search answers this many emails, whatever its limit
        self.before_answer: Callable[[Received], None] | None = None  # called before each answer
        self.neverbounce_status: str | None = None  # forced status for every single check
        self.neverbounce_results: dict[str, str] = {}  # overrides of result per email
        self.requests: list[Received] = []
        self.calls: Counter[str] = Counter()
        self.domain_requests: Counter[str] = Counter()
        self.email_requests: Counter[str] = Counter()
        self.hunter_searches = 0
        self.hunter_credits_used = 0
        self.neverbounce_credits_used = 0
        self.billed: Counter[str] = Counter()  # billed units per SKU (keys of DEFAULT_PRICES)
        self.in_flight = 0  # requests received and not yet answered
        self.max_in_flight = 0
        self.entered: list[tuple[float, str]] = []  # (time.monotonic(), path) of every request as it arrived
        self._faults: dict[str, deque[tuple[str, str | None]]] = {}
        self._lock = threading.RLock()
        self._idle = threading.Condition(self._lock)
        self._released = threading.Event()  # set by release_waiting(): latency, stall and hold waits end
        self._hold_after: dict[str, int] = {}  # provider -> requests answered before the rest are held
        self._arrived: Counter[str] = Counter()  # requests per provider, counted on arrival

    # -- configuration ---------------------------------------------------------

    @property
    def city(self) -> FakeCity:
        """The fake city behind tile searches, location lookups and Place Details (generated once)."""
        if self._city is None:
            self._city = FakeCity.generate()
        return self._city

    def inject(self, provider: str, *kinds: str, retry_after: str | None = None) -> None:
        """Answer the next requests to ``provider`` with these faults, one each, in order."""
        for kind in kinds:
            if kind not in FAULTS:
                raise ValueError(f"unknown fault {kind!r}")
        with self._lock:
            self._faults.setdefault(provider, deque()).extend((k, retry_after) for k in kinds)

    def release_waiting(self) -> None:
        """Answer every waiting request now (latency, stall, hold) and skip such waits from now on.

        A test that holds requests for a long time (so that only a cancel can end the
        client's wait) calls this when it is done, so no server thread outlives it.
        """
        self._released.set()

    def hold_after(self, provider: str, count: int) -> None:
        """Answer the first ``count`` requests to ``provider``; hold the rest until :meth:`release_waiting`.

        A test uses it to keep a client busy (its run cannot finish) for as long as it needs.
        """
        with self._lock:
            self._hold_after[provider] = count

    def pause(self, seconds: float) -> None:
        """Sleep ``seconds`` unless :meth:`release_waiting` is called first."""
        self._released.wait(seconds)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until no request is being handled (e.g. after the client was killed)."""
        with self._idle:
            return self._idle.wait_for(lambda: self.in_flight == 0, timeout)

    def billed_usd(self, prices: Mapping[str, float] = DEFAULT_PRICES) -> float:
        """What the fake billed so far, in USD at ``prices``."""
        with self._lock:
            return math.fsum(prices.get(sku, 0.0) * units for sku, units in self.billed.items())

    def requests_to(self, path: str) -> list[Received]:
        """Received requests whose path is ``path``."""
        with self._lock:
            return [r for r in self.requests if r.path == path]

    # -- the pure core ---------------------------------------------------------

    def handle(
        self, method: str, path: str, query: Mapping[str, str], headers: Mapping[str, str], body: bytes
    ) -> FakeResponse:
        """Answer one request like the real APIs would."""
        with self._lock:
            self.entered.append((time.monotonic(), path))
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return self._handle(method, path, query, headers, body)
        finally:
            with self._idle:
                self.in_flight -= 1
                self._idle.notify_all()

    def _handle(
        self, method: str, path: str, query: Mapping[str, str], headers: Mapping[str, str], body: bytes
    ) -> FakeResponse:
        received = Received(
            method.upper(), path, dict(query), {k.lower(): v for k, v in headers.items()}, body
        )
        if self.before_answer is not None:
            self.before_answer(received)
        provider = route(path)
        with self._lock:
            self._arrived[provider or ""] += 1
            held = provider in self._hold_after and self._arrived[provider] > self._hold_after[provider]
        if held:
            self.pause(HOLD_SECONDS)
        latency = self.latencies.get(provider or "", self.latency)
        if latency:
            self.pause(latency)
        with self._lock:
            self.requests.append(received)
            if provider is None:
                return _json(404, {"error": "not found"})
            self.calls[provider] += 1
            faults = self._faults.get(provider)
            fault = faults.popleft() if faults else None
            if fault is not None and fault[0] in BILLED_FAULTS:
                self._answer(provider, received)  # done and billed; the answer is lost on the way
                return FakeResponse(fault=BILLED_FAULTS[fault[0]])
            if fault is not None:
                return self._fault(provider, *fault)
            return self._answer(provider, received)

    def _answer(self, provider: str, received: Received) -> FakeResponse:
        with self._lock:
            if provider == "google_places":
                return self._google(received)
            if provider == "hunter":
                return self._hunter(received)
            return self._neverbounce(received)

    def _fault(self, provider: str, kind: str, retry_after: str | None) -> FakeResponse:
        extra = {"retry-after": retry_after} if retry_after else {}
        if kind in ("timeout", "connect_error"):
            return FakeResponse(fault=kind)
        if kind == "garbage":
            return FakeResponse(
                200, b"<html><body>Sign in to the Wi-Fi</body></html>", {"content-type": "text/html"}
            )
        if kind in ("http_503", "http_500"):
            code = int(kind[-3:])
            if provider == "google_places":
                answer = google_error(
                    code, "UNAVAILABLE" if code == 503 else "INTERNAL", "The service is unavailable."
                )
            elif provider == "hunter":
                answer = hunter_error(code, "server_error", "Something went wrong on our side.")
            else:
                answer = FakeResponse(code, b"Service Unavailable", {"content-type": "text/plain"})
            return FakeResponse(answer.status, answer.body, {**answer.headers, **extra})
        if provider == "google_places":
            answer = GOOGLE_ERRORS["RESOURCE_EXHAUSTED"]
        elif provider == "hunter":
            answer = hunter_error(
                403, "too_many_requests", "You have reached the rate limit for this endpoint."
            )
        elif kind == "temp_unavail":
            answer = neverbounce_status("temp_unavail", "Service temporarily unavailable.")
        else:
            answer = neverbounce_status("throttle_triggered", "Too many requests in a short amount of time.")
        return FakeResponse(answer.status, answer.body, {**answer.headers, **extra})

    # -- Google Places (New) text search --------------------------------------

    def places_for(self, text_query: str) -> list[dict[str, object]]:
        """The full catalogue for a query: ≤60 places, one duplicated across pages 1-2."""
        seed = _digest(text_query.lower())
        what, _, where = text_query.partition(" in ")
        word = (what.split() or ["business"])[-1].lower()
        places: list[dict[str, object]] = []
        for i in range(min(self.places_per_query, 60)):
            if i == 20 and places:
                places.append(dict(places[19]))  # the same place again, first on page 2
                continue
            h = _digest(f"{seed}:{i}")
            slug = f"{_PREFIXES[h % len(_PREFIXES)].lower()}-{word}-{i + 1}"
            # fmt: off
            place: dict[str, object] = {
                "id": f"ChIJ-FAKE-{seed % 10**6:06d}-{i:03d}",
                "displayName": {"text": f"{_PREFIXES[h % len(_PREFIXES)]} {word.title()} {i + 1}",
                                "languageCode": "en"},
                "formattedAddress": f"{i + 1} Example Street, {where or 'Exampletown'}",
                "location": {"latitude": 30.0 + (h % 1000) / 10000, "longitude": -97.0 - (h % 997) / 10000},
                "types": [word, "point_of_interest", "establishment"], "businessStatus": "OPERATIONAL",
                "googleMapsUri": f"https://maps.google.com/?cid={h % 10**10}",
                "nationalPhoneNumber": f"(512) 555-{i:04d}",
                "internationalPhoneNumber": f"+1 512-555-{i:04d}", "websiteUri": f"https://www.{slug}.com/",
                "rating": round(3.0 + (h % 21) / 10, 1), "userRatingCount": h % 400,
            }
            # fmt: on
            if i % 5 == 3:
                place.pop("nationalPhoneNumber")  # international only
            if i % 9 == 4:
                place.pop("nationalPhoneNumber", None)
                place.pop("internationalPhoneNumber", None)
            if i % 6 == 5:
                del place["websiteUri"]
            elif i % 10 == 8:
                place["websiteUri"] = f"https://www.facebook.com/{slug}"  # a shared platform
            elif i % 15 == 12:
                place["websiteUri"] = f"https://www.{word}-group.com/locations/{i + 1}"  # a chain: one domain
            if self.websites is not None:
                place.pop("websiteUri", None)
                if self.websites.get(i):
                    place["websiteUri"] = self.websites[i]
            if i % 7 == 6:
                del place["rating"], place["userRatingCount"]
            if i == 7:
                place["businessStatus"] = "CLOSED_TEMPORARILY"
            if i == 13:
                place["businessStatus"] = "CLOSED_PERMANENTLY"
            places.append(place)
        return places

    def _google(self, req: Received) -> FakeResponse:
        details = req.path.startswith(DETAILS_PREFIX)
        if req.method != ("GET" if details else "POST"):
            return google_error(404, "NOT_FOUND", "Method not found.")
        key = req.headers.get("x-goog-api-key") or req.query.get("key")
        if not key:
            return google_error(403, "PERMISSION_DENIED", "The request is missing a valid API key.")
        if key != self.keys["google_places"]:
            return GOOGLE_ERRORS["API_KEY_INVALID"]
        if self.google_error:
            return GOOGLE_ERRORS[self.google_error]
        mask = req.headers.get("x-goog-fieldmask") or req.query.get("$fields") or req.query.get("fields")
        if not mask:
            return google_error(400, "INVALID_ARGUMENT", "FieldMask is a required parameter.")
        if " " in mask:
            return google_error(400, "INVALID_ARGUMENT", "Invalid field mask: spaces are not allowed.")
        fields = set(mask.split(","))
        if details:
            place_id = req.path[len(DETAILS_PREFIX) :]
            return self._city_answer(details_sku(fields), self.city.details, place_id, fields)
        try:
            body = req.json()
        except ValueError:
            return google_error(400, "INVALID_ARGUMENT", "Invalid JSON payload received.")
        text = body.get("textQuery") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text.strip():
            return google_error(400, "INVALID_ARGUMENT", "textQuery is required.")
        size = body.get("pageSize", 20)
        if not isinstance(size, int) or size < 0:
            return google_error(400, "INVALID_ARGUMENT", "pageSize must be non-negative.")
        if "locationRestriction" in body or "places.viewport" in fields:
            return self._city_answer(_google_sku(fields), self.city.search, body, fields)
        size = min(size or 20, 20)
        offset = 0
        if body.get("pageToken"):
            try:
                token = json.loads(base64.urlsafe_b64decode(str(body["pageToken"]).encode()))
                assert token["q"] == text
                offset = int(token["o"])
            except (ValueError, KeyError, TypeError, AssertionError):
                return google_error(400, "INVALID_ARGUMENT", "Invalid page token or changed parameters.")
        catalogue = self.places_for(text)
        page = [self._masked(p, fields) for p in catalogue[offset : offset + size]]
        result: dict[str, object] = {"places": page} if page else {}
        self.billed[_google_sku(fields)] += 1
        if offset + size < len(catalogue) and (fields & {"nextPageToken", "*"}):
            raw = json.dumps({"q": text, "o": offset + size}).encode()
            result["nextPageToken"] = base64.urlsafe_b64encode(raw).decode()
        return _json(200, result)

    def _city_answer(self, sku: str, answer: Any, *args: Any) -> FakeResponse:
        """Answer from the city; a 200 is billed at ``sku`` (an error answer is not)."""
        try:
            payload = answer(*args)
        except PlacesFault as fault:
            return google_error(fault.code, fault.status, fault.message)
        self.billed[sku] += 1
        return _json(200, payload)

    @staticmethod
    def _masked(place: Mapping[str, object], fields: set[str]) -> dict[str, object]:
        if "*" in fields or "places.*" in fields:
            return dict(place)
        return {k: v for k, v in place.items() if f"places.{k}" in fields}

    # -- Hunter.io v2 -----------------------------------------------------------

    def emails_for(self, domain: str) -> list[dict[str, object]]:
        """``data.emails`` for a domain: overrides, else 0-12 generated (explicit nulls)."""
        if domain in self.hunter_domains:
            return self.hunter_domains[domain]
        h = _digest(domain)
        count = 0 if "noemail" in domain else (0, 1, 2, 3, 5, 12)[h % 6]
        emails: list[dict[str, object]] = []
        for i in range(count):
            first, last, position, seniority, department = _PEOPLE[i % 2] if i % 3 == 2 else (None,) * 5
            local = f"{first}.{last}{i}".lower() if first else f"{_GENERIC[i % len(_GENERIC)]}{i or ''}"
            emails.append({
                "value": f"{local}@{domain}", "type": "personal" if first else "generic",
                "confidence": 40 + (h + i * 7) % 60, "first_name": first, "last_name": last,
                "position": position, "seniority": seniority, "department": department, "linkedin": None,
                "twitter": None, "phone_number": None, "verification": {"date": None, "status": None},
                "sources": [],
            })  # fmt: skip
        return emails

    def _hunter(self, req: Received) -> FakeResponse:
        if req.method != "GET":
            return hunter_error(404, "route_not_found", "This route does not exist.")
        key = req.headers.get("x-api-key") or req.query.get("api_key")
        if key != self.keys["hunter"]:
            return hunter_error(401, "authentication_failed", "No user found for the API key supplied")
        if req.path == "/v2/account":
            requests = {"searches": {"used": self.hunter_searches, "available": 2000},
                        "verifications": {"used": 0, "available": 4000},
                        "credits": {"used": self.hunter_credits_used, "available": 2000}}  # fmt: skip
            account = {"first_name": "Sam", "last_name": "Tester", "email": "sam@agency.example.com",
                       "plan_name": "Starter", "plan_level": 1, "reset_date": "2026-12-01", "team_id": 4242,
                       "requests": requests}  # fmt: skip
            return _json(200, {"data": account})
        domain = (req.query.get("domain") or "").strip().lower()
        if not domain:
            return hunter_error(400, "wrong_params", "You are missing the domain parameter")
        try:
            limit, offset = int(req.query.get("limit", "10")), int(req.query.get("offset", "0"))
        except ValueError:
            return hunter_error(400, "wrong_params", "limit and offset must be integers")
        if not (1 <= limit <= 100 and offset >= 0):
            return hunter_error(400, "wrong_params", "limit must be between 1 and 100")
        self.domain_requests[domain] += 1
        if self.hunter_quota is not None and self.hunter_searches >= self.hunter_quota:
            return hunter_error(
                429,
                "too_many_requests",
                "You've reached the limit for the number of searches per billing period",
            )
        self.hunter_searches += 1
        emails = self.emails_for(domain)
        page = emails[offset : offset + limit]
        if self.hunter_bloat is not None:  # an over-billing Hunter: the limit is ignored, all is billed
            page = [{"value": f"person{i}@{domain}", "type": "generic", "confidence": 50 + i % 50}
                    for i in range(self.hunter_bloat)]  # fmt: skip
        self.hunter_credits_used += math.ceil(len(page) / 10)
        self.billed["hunter_credit"] += math.ceil(len(page) / 10)
        h = _digest(domain)
        data = {"domain": domain, "disposable": False, "webmail": False, "accept_all": h % 5 == 0,
                "pattern": "{first}" if emails else None, "organization": domain.split(".")[0].title(),
                "emails": page, "linked_domains": []}  # fmt: skip
        meta = {"results": len(emails), "limit": limit, "offset": offset, "params": {"domain": domain}}
        return _json(200, {"data": data, "meta": meta})

    # -- NeverBounce v4.2 -------------------------------------------------------

    def result_for(self, email: str) -> str:
        """The deterministic ``result`` for an address (overrides first)."""
        return self.neverbounce_results.get(email, _NB_RESULTS[_digest(email.lower()) % len(_NB_RESULTS)])

    def _neverbounce(self, req: Received) -> FakeResponse:
        params = dict(req.query)
        if req.method == "POST" and req.body:
            params.update(parse_qsl(req.body.decode(errors="replace")))
        key = params.get("key")
        if not key:
            return neverbounce_status("general_failure", "Missing required parameter 'key'")
        if key != self.keys["neverbounce"]:
            # NeverBounce echoes the rejected key in its message: as nasty as it gets.
            return neverbounce_status("auth_failure", f"Invalid API key '{key}'")
        used = self.neverbounce_credits_used
        credits = {"paid_credits_used": used, "free_credits_used": 0, "free_credits_remaining": 10,
                   "paid_credits_remaining": max(5000 - used, 0), "monthly_api_usage": str(used)}  # fmt: skip
        if req.path.endswith("/account/info"):
            jobs = {"completed": 0, "under_review": 0, "queued": 0, "processing": 0}
            return _json(200, {"status": "success", "billing_type": "default", "credits_info": credits,
                               "job_counts": jobs, "execution_time": 41})  # fmt: skip
        email = params.get("email", "")
        if not email:
            return neverbounce_status("general_failure", "Missing required parameter 'email'")
        self.email_requests[email] += 1
        if self.neverbounce_status:
            return neverbounce_status(self.neverbounce_status, f"Forced status {self.neverbounce_status}")
        self.neverbounce_credits_used += 1
        self.billed["neverbounce_credit"] += 1
        flags = ["has_dns", "has_dns_mx"] + (["role_account"] if email.split("@")[0] in _GENERIC else [])
        return _json(200, {"status": "success", "result": self.result_for(email), "flags": flags,
                           "suggested_correction": "", "retry_token": "", "execution_time": 812})  # fmt: skip

    # -- adapters --------------------------------------------------------------

    def transport(self) -> httpx.MockTransport:
        """An ``httpx.MockTransport`` answering from this fake (faults raise httpx errors)."""

        def handler(request: httpx.Request) -> httpx.Response:
            query = dict(parse_qsl(request.url.query.decode(), keep_blank_values=True))
            answer = self.handle(
                request.method, request.url.path, query, dict(request.headers), request.read()
            )
            if answer.fault == "timeout":
                raise httpx.ReadTimeout("timed out", request=request)
            if answer.fault == "drop":
                raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
            if answer.fault == "connect_error":
                # httpx puts URLs in messages; this one carries the key for NeverBounce.
                raise httpx.ConnectError(
                    f"connection refused while requesting {request.url}", request=request
                )
            return httpx.Response(answer.status, headers=answer.headers, content=answer.body)

        return httpx.MockTransport(handler)


class _Handler(BaseHTTPRequestHandler):
    """Routes loopback HTTP requests to ``self.fake``."""

    fake: FakeApis
    disable_nagle_algorithm = True
    wbufsize = 1 << 16  # one write per answer (headers and body together)

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        answer = self.fake.handle(self.command, parts.path, query, dict(self.headers.items()), body)
        if answer.fault in ("connect_error", "drop"):
            self.close_connection = True  # hang up without an answer
            return
        if answer.fault == "timeout":
            self.fake.pause(self.fake.stall_seconds)
            answer = _json(504, {"error": "stalled"})
        self.send_response(answer.status)
        for name, value in {**answer.headers, "content-length": str(len(answer.body))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(answer.body)

    do_GET = _serve
    do_POST = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""


@contextmanager
def serve(
    fake: FakeApis,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    handler: type[_Handler] | None = None,
    server_class: type[ThreadingHTTPServer] = ThreadingHTTPServer,
) -> Iterator[str]:
    """Serve ``fake`` on a loopback port in a background thread; yield its base URL.

    ``handler`` (a subclass of this module's request handler) and ``server_class``
    let a variant change the HTTP details, e.g. keep-alive and a longer backlog.
    """
    handler_class = type("FakeApiHandler", (handler or _Handler,), {"fake": fake})
    server = server_class((host, port), handler_class)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def cli_env(
    base_url: str,
    root: str | os.PathLike[str],
    *,
    google_key: str | None = GOOGLE_KEY,
    hunter_key: str | None = HUNTER_KEY,
    neverbounce_key: str | None = NEVERBOUNCE_KEY,
) -> dict[str, str]:
    """Environment for a ``leadgen`` subprocess pointed at ``base_url``, every user dir under ``root``.

    A key given as None is left out. The keychain is the null backend, so only these keys count.
    Website and DNS traffic stays on loopback (``offline_web``): sites unreachable, mail servers unknown.
    """
    from tests.fakes.offline_web import offline_web_env

    proxy_vars = {"http_proxy", "https_proxy", "all_proxy", "no_proxy", "ssl_cert_file", "ssl_cert_dir"}
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LEADGEN_", "XDG_")) and k.lower() not in proxy_vars
    }
    env.update(offline_web_env())
    env.update(
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        LEADGEN_DEMO_LATENCY="0",
        HOME=os.path.join(root, "home"),
        PYTHONUNBUFFERED="1",
    )
    for name in ("DATA", "CONFIG", "CACHE", "STATE"):
        env[f"XDG_{name}_HOME"] = os.path.join(root, f"xdg-{name.lower()}")
    for name in ("GOOGLE_PLACES", "HUNTER", "NEVERBOUNCE"):
        env[f"LEADGEN_{name}_URL"] = base_url
    keys = {"GOOGLE_PLACES": google_key, "HUNTER": hunter_key, "NEVERBOUNCE": neverbounce_key}
    env.update({f"LEADGEN_{name}_KEY": key for name, key in keys.items() if key is not None})
    return env


def main() -> None:
    """Run the fake on a fixed port for manual testing: ``python -m tests.fakes.api_server [PORT]``."""
    import sys

    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8765
    with serve(FakeApis(), port=port) as url:
        print(
            f"fake APIs at {url}; keys: google={GOOGLE_KEY} hunter={HUNTER_KEY} neverbounce={NEVERBOUNCE_KEY}"
        )
        with suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
