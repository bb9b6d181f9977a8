"""What the request bounds cost and what they hold back (net.bounded), against loopback servers.

Run: ``.venv/bin/python benchmarks/hostile_bench.py [--deadline 30] [--requests 500]``

Prints:

* the time per ordinary request (a Hunter domain search of about 2 KB over keep-alive)
  through the provider (bounded: streamed, capped, deadline) and through a bare
  ``httpx.Client.get`` on the same server, median of ``--requests`` each;
* for a 50 MB answer (declared length, chunked, and a gzip bomb): the Python memory peak
  while it is refused (tracemalloc) and the process's peak RSS growth;
* for a provider that drips one byte every 5 ms (body) or never finishes its headers:
  how long until the request ends with its deadline error (``--deadline`` seconds; the
  real one is 30 s, so by default this part takes about a minute).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from leadgen_desktop.domain import CampaignConfig, CancelToken, ProviderError
from leadgen_desktop.net.bounded import RequestLimits
from leadgen_desktop.net.http import build_client
from leadgen_desktop.net.providers.google_places import GooglePlacesDiscovery
from leadgen_desktop.net.providers.hunter import HunterEmailFinder
from leadgen_desktop.net.providers.neverbounce import NeverBounceVerifier
from leadgen_desktop.net.rate_limit import RateLimiter
from leadgen_desktop.net.retry import RetryPolicy
from tests.fakes.api_server import GOOGLE_KEY, HUNTER_KEY, NEVERBOUNCE_KEY, FakeApis, serve
from tests.fakes.hostile import gzip_bomb, serve_hostile

NO_LIMIT = RateLimiter(1e6, burst=1_000_000)
ONCE = RetryPolicy(max_attempts=1)
MB = 1024 * 1024


def overhead(requests: int) -> None:
    with serve(FakeApis()) as url:
        finder = HunterEmailFinder(build_client("hunter", base_url=url), HUNTER_KEY, limiter=NO_LIMIT)
        bare = httpx.Client(base_url=url)
        params = {"domain": "crumb-and-crust.example.com", "limit": 10}
        bounded, plain = [], []
        for _ in range(requests):
            started = time.perf_counter()
            finder.find("crumb-and-crust.example.com", CancelToken())
            bounded.append(time.perf_counter() - started)
            started = time.perf_counter()
            bare.get("/v2/domain-search", params=params, headers={"X-API-KEY": HUNTER_KEY}).json()
            plain.append(time.perf_counter() - started)
        bare.close()
    print(
        f"ordinary request, median of {requests}: "
        f"bounded provider {statistics.median(bounded) * 1e3:.2f} ms, "
        f"bare httpx get {statistics.median(plain) * 1e3:.2f} ms"
    )


def bloat() -> None:
    gzip_bomb()
    for mode in ("bloat", "bloat_chunked", "gzip_bomb"):
        with serve_hostile(FakeApis(), {"/v4.2/single/check": mode}) as url:
            verifier = NeverBounceVerifier(
                build_client("neverbounce", base_url=url), NEVERBOUNCE_KEY, limiter=NO_LIMIT, retry=ONCE
            )
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            tracemalloc.start()
            started = time.perf_counter()
            try:
                verifier.verify("info@example.com", CancelToken())
                outcome = "accepted?!"
            except ProviderError as exc:
                outcome = exc.calls[-1].outcome
            took = time.perf_counter() - started
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            rss_growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
        print(
            f"50 MB answer ({mode}): {outcome} in {took * 1e3:.0f} ms, "
            f"Python peak {peak / MB:.1f} MB, peak RSS growth {rss_growth:.1f} MB"
        )


def drip(deadline: float) -> None:
    limits = RequestLimits(deadline=deadline)
    modes = {"/v2/domain-search": "drip_body", "/v1/places:searchText": "drip_headers"}
    with serve_hostile(FakeApis(), modes, drip_for=2 * deadline + 10) as url:
        finder = HunterEmailFinder(
            build_client("hunter", base_url=url), HUNTER_KEY, limiter=NO_LIMIT, retry=ONCE, limits=limits
        )
        discovery = GooglePlacesDiscovery(
            build_client("google_places", base_url=url),
            GOOGLE_KEY,
            limiter=NO_LIMIT,
            retry=ONCE,
            limits=limits,
        )
        for what, call in (
            ("body dripping one byte every 5 ms", lambda: finder.find("example.com", CancelToken())),
            (
                "headers that never end",
                lambda: discovery.search(CampaignConfig("d", "A"), None, CancelToken()),
            ),
        ):
            started = time.monotonic()
            try:
                call()
                outcome = "answered?!"
            except ProviderError as exc:
                outcome = exc.calls[-1].outcome
            print(f"{what}: {outcome} after {time.monotonic() - started:.2f} s (deadline {deadline:g} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deadline", type=float, default=30.0)
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    overhead(args.requests)
    bloat()
    drip(args.deadline)


if __name__ == "__main__":
    main()
