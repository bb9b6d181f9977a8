"""A faithful, nasty fake of Google Places (New), Hunter.io v2 and NeverBounce v4.2.

Built from /work/shared/reference/apis.md. Google searches restricted to a rectangle,
location lookups and Place Details are answered by a fake city (``places_city``;
``FakeApis(city=...)``, a generated 400-place city by default). Three ways to use it:

* ``FakeApis.handle(...)`` — a pure, deterministic request → response function with
  counters, a log of received requests and error injection;
* ``fake.transport()`` — an ``httpx.MockTransport`` over it (unit tests);
* ``with serve(fake) as base_url:`` — a real loopback HTTP server on 127.0.0.1 serving
  all three APIs on one port (point LEADGEN_*_URL at ``base_url``; :mod:`api_loopback`).

The answers' shapes, routes, keys and SKU table are in :mod:`api_answers`; both
modules' public names are importable from here too.

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
import json
import math
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

import httpx

from leadgen_desktop.domain import DEFAULT_PRICES
from tests.fakes.api_answers import (
    BILLED_FAULTS,
    FAKE_KEYS,
    FAULTS,
    GOOGLE_ERRORS,
    GOOGLE_KEY,
    HUNTER_KEY,
    NEVERBOUNCE_KEY,
    ROUTES,
    FakeResponse,
    Received,
    digest,
    google_error,
    google_sku,
    hunter_error,
    json_answer,
    neverbounce_status,
    route,
)
from tests.fakes.api_loopback import cli_env, main, mock_transport, serve
from tests.fakes.connections import ConnectionLog
from tests.fakes.places_city import DETAILS_PREFIX, FakeCity, PlacesFault, details_sku
from tests.fakes.text_catalogue import text_search_places

__all__ = [
    "BILLED_FAULTS",
    "DEFAULT_CITY_PLACES",
    "FAKE_KEYS",
    "FAULTS",
    "GOOGLE_ERRORS",
    "GOOGLE_KEY",
    "HOLD_SECONDS",
    "HUNTER_KEY",
    "NEVERBOUNCE_KEY",
    "ROUTES",
    "FakeApis",
    "FakeResponse",
    "Received",
    "cli_env",
    "google_error",
    "hunter_error",
    "neverbounce_status",
    "route",
    "serve",
]

DEFAULT_CITY_PLACES = 400
"""Places of the city a fake makes when none is given (big enough to need tiles, quick to cover)."""

HOLD_SECONDS = 60.0
"""The longest a request held by :meth:`FakeApis.hold_after` waits for :meth:`FakeApis.release_waiting`."""

_GENERIC = ("info", "contact", "hello", "office", "sales", "support")
_PEOPLE = (
    ("Maria", "Okafor", "Owner", "executive", "management"),
    ("Sam", "Lee", "Manager", "senior", "sales"),
)
_NB_RESULTS = ("valid", "valid", "valid", "catchall", "unknown", "invalid", "disposable")


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
        at positions not listed get no website. None keeps the generated websites. Given, the
        generated city's location lookups send no viewport, so runs search by text."""
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
        self.connections = ConnectionLog()  # open loopback connections (kept by api_loopback.serve)
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
            self._city = FakeCity.generate(DEFAULT_CITY_PLACES)
            # listed websites belong to the text-search catalogue: Places gives the location no
            # area then, so a run searches it by text (page by page) and meets those listings
            self._city.lookup_viewport = self.websites is None
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

    def wait_client_gone(self, timeout: float = 30.0, base_url: str | None = None) -> bool:
        """Wait until a client that has exited (or was killed) has nothing left here.

        Every request it wrote before it died has then been answered and counted, including
        those still in the server's backlog when it died; the fake's counts are final.
        ``base_url``: the client's own server (``serve`` the fake once per client), when other
        clients, on other servers, are still running: only that server's connections are awaited.
        """
        if base_url is not None:
            return self.connections.wait_all_closed(timeout, server_port=int(base_url.rsplit(":", 1)[1]))
        return self.connections.wait_all_closed(timeout) and self.wait_idle(timeout)

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
                return json_answer(404, {"error": "not found"})
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
        return text_search_places(text_query, self.places_per_query, self.websites)

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
            return self._city_answer(google_sku(fields), self.city.search, body, fields)
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
        self.billed[google_sku(fields)] += 1
        if offset + size < len(catalogue) and (fields & {"nextPageToken", "*"}):
            raw = json.dumps({"q": text, "o": offset + size}).encode()
            result["nextPageToken"] = base64.urlsafe_b64encode(raw).decode()
        return json_answer(200, result)

    def _city_answer(self, sku: str, answer: Any, *args: Any) -> FakeResponse:
        """Answer from the city; a 200 is billed at ``sku`` (an error answer is not)."""
        try:
            payload = answer(*args)
        except PlacesFault as fault:
            return google_error(fault.code, fault.status, fault.message)
        self.billed[sku] += 1
        return json_answer(200, payload)

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
        h = digest(domain)
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
            return json_answer(200, {"data": account})
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
        h = digest(domain)
        data = {"domain": domain, "disposable": False, "webmail": False, "accept_all": h % 5 == 0,
                "pattern": "{first}" if emails else None, "organization": domain.split(".")[0].title(),
                "emails": page, "linked_domains": []}  # fmt: skip
        meta = {"results": len(emails), "limit": limit, "offset": offset, "params": {"domain": domain}}
        return json_answer(200, {"data": data, "meta": meta})

    # -- NeverBounce v4.2 -------------------------------------------------------

    def result_for(self, email: str) -> str:
        """The deterministic ``result`` for an address (overrides first)."""
        return self.neverbounce_results.get(email, _NB_RESULTS[digest(email.lower()) % len(_NB_RESULTS)])

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
            return json_answer(200, {"status": "success", "billing_type": "default", "credits_info": credits,
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
        return json_answer(200, {"status": "success", "result": self.result_for(email), "flags": flags,
                           "suggested_correction": "", "retry_token": "", "execution_time": 812})  # fmt: skip

    # -- adapters --------------------------------------------------------------

    def transport(self) -> httpx.MockTransport:
        """An ``httpx.MockTransport`` answering from this fake (faults raise httpx errors)."""
        return mock_transport(self)


if __name__ == "__main__":
    main()
