"""Whole-area discovery on simulated cities: coverage, Google dollars per place, requests by SKU.

Command (from the repository root)::

    .venv/bin/python benchmarks/tiles_bench.py [--places 1500] [--seeds 3]

For each city it runs the tiling planner (``core/discovery/tiling.py``) with the
live Google provider over the fake Places API (``tests/fakes/places_city.py``,
through an ``httpx.MockTransport``: no network, no latency), one request at a time
(``tests/fakes/tiling_driver.py``), and prints:

* found: open businesses found / open businesses in the city (each counted once);
* $/place and its ratio to the floor of one Enterprise page per 20 places ($0.00175);
* the bill against what the fake provider counted (they must be equal);
* requests by SKU, tiles searched and saturated;
* a repeat campaign over the same area with the place cache (Google dollars);
* a 100-lead campaign on an empty cache (places bought, dollars);
* the planner's own CPU time (the provider and the fake excluded).

Cities: ``clustered`` (a dense core, three neighbourhoods, sparse suburbs: the
fake's default) and ``uniform`` (the same number of places spread evenly).
The pipeline's wall time against the rate limit is not measured here: the
concurrent driver is the pipeline's (issue 11, part B).
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repo root: tests.fakes

from leadgen_desktop.core.discovery.purchases import PurchasePrices
from leadgen_desktop.core.discovery.tiling import TilePlanner
from leadgen_desktop.domain import DEFAULT_PRICES, Area, Business, PriceTable
from leadgen_desktop.net.http import build_client
from leadgen_desktop.net.providers.google_places_area import GooglePlacesAreaDiscovery
from leadgen_desktop.net.rate_limit import RateLimiter
from leadgen_desktop.net.retry import RetryPolicy
from tests.fakes import FakeApis
from tests.fakes.api_server import GOOGLE_KEY
from tests.fakes.places_city import CityPlace, FakeCity
from tests.fakes.tiling_driver import drive

FLOOR = DEFAULT_PRICES["places_text_search_enterprise"] / 20


def uniform_city(count: int, seed: int) -> FakeCity:
    generated = FakeCity.generate(count, seed=seed)
    s, w, n, e = generated.area_of("Testville")
    rng = random.Random(seed)
    places = [
        CityPlace(p.id, p.name, rng.uniform(s, n), rng.uniform(w, e), p.rank, p.status)
        for p in generated.places
    ]
    return FakeCity(places, {"Testville": ("Testville", (s, w, n, e))})


def run(city: FakeCity, label: str) -> None:
    fake = FakeApis(city=city)
    client = build_client("google_places", transport=fake.transport(), base_url="https://fake.invalid")
    discovery = GooglePlacesAreaDiscovery(
        client, GOOGLE_KEY, limiter=RateLimiter(1e6, burst=10**6), retry=RetryPolicy(wait=lambda c, s: False)
    )
    area = Area(*city.area_of("Testville"))
    prices = PurchasePrices.from_table(PriceTable(), discovery.buy_sku, discovery.details_sku)
    cache: dict[str, Business | None] = {}
    planner = TilePlanner(area, prices)
    started = time.process_time()
    result = drive(planner, discovery, "dentist", cache)
    cpu = time.process_time() - started
    opens = {p.id for p in city.open_places}
    found = set(result.found) & opens
    billed = math.fsum(n * DEFAULT_PRICES[sku] for sku, n in fake.billed.items())
    per_place = result.cost / max(len(found), 1)
    summary = planner.summary()
    repeat = drive(TilePlanner(area, prices), discovery, "dentist", cache)
    small_planner = TilePlanner(area, prices)
    small = drive(small_planner, discovery, "dentist", {}, wanted=100)
    print(
        f"{label:<22} found {len(found)}/{len(opens)} ({100 * len(found) / len(opens):.1f}%)"
        f"  ${result.cost:.3f} = ${per_place:.5f}/place = {per_place / FLOOR:.2f}x floor"
        f"  bill {'==' if math.isclose(result.cost, billed) else '!='} provider ${billed:.3f}"
    )
    print(
        f"{'':<22} requests {dict(sorted(result.requests_by_sku().items()))}"
        f"  tiles {summary.tiles_searched} (saturated {summary.tiles_saturated})"
    )
    print(
        f"{'':<22} repeat ${repeat.cost:.3f}  100 leads: {len(small.found)} found,"
        f" {small_planner.summary().places_bought} bought, ${small.cost:.3f}"
        f"  planner+driver CPU {cpu:.2f} s (incl. provider and fake)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--places", type=int, default=1500)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    print(f"floor: ${FLOOR:.5f} a place (one Enterprise page per 20 places)")
    for seed in range(1, args.seeds + 1):
        run(FakeCity.generate(args.places, seed=seed), f"clustered seed {seed}")
        run(uniform_city(args.places, seed), f"uniform seed {seed}")


if __name__ == "__main__":
    main()
