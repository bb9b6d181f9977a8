"""A loopback simulation of Google Places, Hunter.io and NeverBounce with latency and enforced limits.

It wraps :class:`tests.fakes.api_server.FakeApis` (the response shapes, keys and the
deterministic catalogue of places, emails and verdicts) and adds what a benchmark needs:

* **Latency per provider** (``LATENCIES``: Google 0.4 s, Hunter 0.6 s, NeverBounce
  0.8 s) slept *inside* each request; requests are served concurrently (one thread per
  connection, HTTP/1.1 keep-alive, a listen backlog of 256 so no connection waits for
  a SYN retry).
* **Enforced rate limits** (``LIMITS``), checked on arrival as sliding windows — "at
  most N requests in any W seconds", the strictest literal reading of "N req/s":

  - Google Places: 10 per 1 s and 600 per 60 s (apis.md: 600 QPM per project), Text
    Search and Place Details (``/v1/places/{id}``) alike;
  - Hunter.io: 15 per 1 s and 500 per 60 s (apis.md 2.1, Domain Search);
  - NeverBounce: ``--nb-limit`` per 1 s (its limits are undocumented, so the benchmark runs
    it at 20/s and at 3/s: the app must find either without being told; :func:`limits_with`).

  Over a limit the request is answered at once (``REJECT_LATENCY``) with the provider's
  documented rate-limit shape — Google HTTP 429 ``RESOURCE_EXHAUSTED``
  (``RATE_LIMIT_EXCEEDED``, per-minute quota), Hunter HTTP 403 ``too_many_requests``,
  NeverBounce HTTP 200 ``{"status": "throttle_triggered"}`` — is not billed and does not
  count against the window.
* **Counters**: requests per provider (every attempt), rate-limit answers per provider,
  paid requests per domain and per email (a count above 1 is a duplicate paid request),
  the arrival and answer times of every accepted request, which Google page each
  website's domain first appeared on, and the kind of every Google request (the location
  lookup, a search restricted to a rectangle, other: :func:`google_kind`), for the
  benchmark's lower bound (``run_bound.py``).

Run it alone with ``python benchmarks/sim_server.py [PORT] [NEVERBOUNCE_PER_SECOND]``.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Mapping
from contextlib import AbstractContextManager, suppress
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repo root: tests.fakes

from leadgen_desktop.core.emails.domains import registrable_domain
from tests.fakes.api_loopback import _Handler
from tests.fakes.api_server import (
    GOOGLE_ERRORS,
    FakeApis,
    FakeResponse,
    hunter_error,
    neverbounce_status,
    route,
    serve,
)
from tests.fakes.places_city import DETAILS_PREFIX, FakeCity

sys.path.insert(0, str(Path(__file__).resolve().parent))  # this folder: run_bound
from run_bound import AREA_SEARCH, LOOKUP, OTHER, RequestLog

LATENCIES: Mapping[str, float] = {"google_places": 0.4, "hunter": 0.6, "neverbounce": 0.8}
"""Seconds each accepted request takes, per provider."""

LIMITS: Mapping[str, tuple[tuple[int, float], ...]] = {
    "google_places": ((10, 1.0), (600, 60.0)),
    "hunter": ((15, 1.0), (500, 60.0)),
    "neverbounce": ((20, 1.0),),
}
"""Enforced limits per provider: (at most N requests, in any W seconds)."""

NEVERBOUNCE_LIMITS = (20, 3)
"""The NeverBounce limits (requests per second) the benchmark simulates: a generous and a tight one."""


def limits_with(neverbounce_per_second: int) -> dict[str, tuple[tuple[int, float], ...]]:
    """:data:`LIMITS` with NeverBounce allowing ``neverbounce_per_second`` requests in any second."""
    if neverbounce_per_second < 1:
        raise ValueError("the simulated NeverBounce limit must be at least 1 request per second")
    return {**LIMITS, "neverbounce": ((neverbounce_per_second, 1.0),)}


REJECT_LATENCY = 0.02
"""Seconds a rate-limit answer takes (servers reject before doing the work)."""


def google_kind(path: str, headers: Mapping[str, str], body: bytes) -> str:
    """A Google request's kind: a search with ``locationRestriction`` (it needs the area), the location
    lookup (a Text Search whose field mask asks for ``places.viewport``, DESIGN 6.1), or other."""
    if path != "/v1/places:searchText":
        return OTHER
    try:
        request = json.loads(body or b"{}")
    except ValueError:
        return OTHER
    if isinstance(request, dict) and "locationRestriction" in request:
        return AREA_SEARCH
    mask = next((v for k, v in headers.items() if k.lower() == "x-goog-fieldmask"), "")
    return LOOKUP if "places.viewport" in mask.split(",") else OTHER


PAID_PATHS = {"/v1/places:searchText", "/v2/domain-search", "/v4.2/single/check", "/v4/single/check"}


@dataclass(frozen=True)
class Served:
    """One accepted request: provider, subject (page / domain / email), arrival and answer times."""

    provider: str
    subject: str
    arrived: float
    answered: float
    kind: str = ""
    """A Google request's kind (:func:`google_kind`); empty for the others."""


class SimApis(FakeApis):
    """:class:`FakeApis` plus per-provider latency, enforced sliding-window limits and counters."""

    def __init__(
        self,
        *,
        latencies: Mapping[str, float] = LATENCIES,
        limits: Mapping[str, tuple[tuple[int, float], ...]] = LIMITS,
        reject_latency: float = REJECT_LATENCY,
        places_per_query: int = 60,
        city: FakeCity | None = None,
    ) -> None:
        super().__init__(latencies=latencies, places_per_query=places_per_query, city=city)
        self.limits = dict(limits)
        self.reject_latency = reject_latency
        self._sim_lock = threading.Lock()
        self._windows: dict[str, list[deque[float]]] = {
            p: [deque() for _ in rules] for p, rules in limits.items()
        }
        self.attempts: Counter[str] = Counter()  # every request, per provider
        self.rate_limited: Counter[str] = Counter()  # rate-limit answers, per provider
        self.paid_domains: Counter[str] = Counter()  # accepted Hunter searches per domain
        self.paid_emails: Counter[str] = Counter()  # accepted NeverBounce checks per email
        self.served: list[Served] = []
        self.rejected: list[tuple[str, float]] = []  # (provider, arrival) of rate-limited requests
        self.domain_page: dict[str, int] = {}  # registrable domain -> first Google page (1-based) it was on
        self.google_kinds: list[str] = []  # the kind of each Google page, in answer order (page 1 first)
        self.pages_served = 0
        self.first_arrival: float | None = None
        self.max_concurrent: Counter[str] = Counter()
        self._concurrent: Counter[str] = Counter()
        # The counters read each bought page's domains: load the public-suffix table now, not
        # inside the first bought page's answer (0.12-0.15 s holding this process's lock, which
        # delayed that answer and every request the simulation was serving meanwhile).
        registrable_domain("example.com")

    def _admit(self, provider: str, now: float) -> bool:
        """Sliding-window check on arrival; an accepted request is counted in every window."""
        rules = self.limits.get(provider, ())
        windows = self._windows.get(provider, [])
        for (count, seconds), log in zip(rules, windows, strict=True):
            while log and log[0] <= now - seconds:
                log.popleft()
            if len(log) >= count:
                return False
        for log in windows:
            log.append(now)
        return True

    @staticmethod
    def rate_limit_answer(provider: str) -> FakeResponse:
        """The provider's documented "too many requests" answer."""
        if provider == "google_places":
            return GOOGLE_ERRORS["RESOURCE_EXHAUSTED"]
        if provider == "hunter":
            return hunter_error(
                403, "too_many_requests", "You have reached the rate limit for this endpoint."
            )
        return neverbounce_status("throttle_triggered", "Too many requests in a short amount of time.")

    def handle(
        self, method: str, path: str, query: Mapping[str, str], headers: Mapping[str, str], body: bytes
    ) -> FakeResponse:
        provider = route(path)
        if provider is None or (path not in PAID_PATHS and not path.startswith(DETAILS_PREFIX)):
            return super().handle(method, path, query, headers, body)
        arrived = time.monotonic()
        with self._sim_lock:
            if self.first_arrival is None:
                self.first_arrival = arrived
            self.attempts[provider] += 1
            admitted = self._admit(provider, arrived)
            if not admitted:
                self.rate_limited[provider] += 1
                self.rejected.append((provider, arrived))
            else:
                self._concurrent[provider] += 1
                self.max_concurrent[provider] = max(self.max_concurrent[provider], self._concurrent[provider])
        if not admitted:
            time.sleep(self.reject_latency)
            return self.rate_limit_answer(provider)
        try:
            answer = super().handle(method, path, query, headers, body)
        finally:
            with self._sim_lock:
                self._concurrent[provider] -= 1
        answered = time.monotonic()
        kind = google_kind(path, headers, body) if provider == "google_places" else ""
        subject = self._record(provider, kind, query, answer)
        with self._sim_lock:
            self.served.append(Served(provider, subject, arrived, answered, kind))
        return answer

    def _record(self, provider: str, kind: str, query: Mapping[str, str], answer: FakeResponse) -> str:
        with self._sim_lock:
            if provider == "hunter":
                domain = (query.get("domain") or "").strip().lower()
                self.paid_domains[domain] += 1
                return domain
            if provider == "neverbounce":
                email = (query.get("email") or "").strip().lower()
                self.paid_emails[email] += 1
                return email
            self.pages_served += 1
            page = self.pages_served
            self.google_kinds.append(kind)
        label = " (lookup)" if kind == LOOKUP else ""
        with suppress(ValueError, AttributeError, TypeError):
            places = json.loads(answer.body).get("places", [])
            if places and all(set(place) <= {"id"} for place in places):
                label = " (ids only)"
            for place in places:
                domain = registrable_domain(place.get("websiteUri"))
                if domain:
                    with self._sim_lock:
                        self.domain_page.setdefault(domain, page)
        return f"page {page}{label}"

    def request_log(self) -> RequestLog:
        """The accepted requests, for the lower bound; it checks that no area search went before the
        first lookup was answered (else the bound's lookup dependency does not apply)."""
        with self._sim_lock:
            served = list(self.served)
            log = RequestLog(
                list(self.google_kinds),
                dict(self.domain_page),
                Counter(self.paid_domains),
                Counter(self.paid_emails),
                dict(self.limits),
                dict(self.latencies),
            )
        lookups = [s.answered for s in served if s.kind == LOOKUP]
        searches = [s.arrived for s in served if s.kind == AREA_SEARCH]
        if lookups and searches and min(searches) < min(lookups):
            log.lookup_answered_first = False
            log.notes.append("an area search arrived before the lookup was answered: no lookup dependency")
        return log

    def duplicates(self) -> dict[str, int]:
        """Paid requests beyond the first, per domain/email (should be empty)."""
        with self._sim_lock:
            twice = {f"domain {d}": n - 1 for d, n in self.paid_domains.items() if n > 1}
            twice.update({f"email {e}": n - 1 for e, n in self.paid_emails.items() if n > 1})
        return twice


class _SimServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the default backlog of 5 makes bursts of new connections wait ~1 s


class _SimHandler(_Handler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the real APIs (every answer has a content-length)


def serve_sim(sim: SimApis, host: str = "127.0.0.1", port: int = 0) -> AbstractContextManager[str]:
    """Serve ``sim`` on a loopback port in a background thread (keep-alive, long backlog); yield its URL."""
    return serve(sim, host, port, handler=_SimHandler, server_class=_SimServer)


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8766
    nb_limit = int(sys.argv[2]) if len(sys.argv) > 2 else LIMITS["neverbounce"][0][0]
    sim = SimApis(limits=limits_with(nb_limit))
    with serve_sim(sim, port=port) as url:
        print(f"simulated APIs at {url} (latencies {dict(LATENCIES)}, limits {sim.limits}); Ctrl-C stops")
        with suppress(KeyboardInterrupt):
            threading.Event().wait()
    print(f"requests {dict(sim.attempts)}, rate limited {dict(sim.rate_limited)}")


if __name__ == "__main__":
    main()
