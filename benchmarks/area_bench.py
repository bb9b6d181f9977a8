"""Whole-area discovery end to end: ``leadgen run`` over a simulated city of 1,500 businesses.

Command (from the repository root)::

    .venv/bin/python benchmarks/area_bench.py [--places 1500] [--seeds 3] [--latency 0.4]

For each seed it generates a fake city (``tests/fakes/places_city.py``: a dense
core, neighbourhood clusters, sparse suburbs, about 1% permanently closed),
serves it through :mod:`sim_server` on loopback (Google answers after
``--latency`` seconds; at most 10 Google requests in any second and 600 in any
minute, over the limit the documented 429 answer, not billed) and runs, as a
subprocess with only a Google key (discovery alone: no email search)::

    leadgen run --business-type dentist --location Testville --max-results 10000
                --min-score 0 --no-verify --json --db <tmp>

then the same command again (the repeat), and a 100-lead campaign on a fresh
database. It prints, per run:

* found: open businesses found / open businesses in the city;
* Google requests by kind, and rate-limit answers;
* wall time (process start to exit) and the span from the first request's
  arrival to the last answer, against the rate-limit bound of the requests the
  run really needed: with N accepted Google requests and at most 10 in any
  second, the N-th cannot arrive before ``floor((N-1)/10)`` s after the first
  (and ``floor((N-1)/600)`` minutes), and is answered ``latency`` later:
  ``bound = max(floor((N-1)/10), 60*floor((N-1)/600)) + latency``. It ignores
  the chains the search cannot avoid (a tile's pages, a split before its
  children), so it cannot be beaten;
* Google dollars per place found, against the floor of one Enterprise page per
  20 places ($0.00175).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repo root: tests.fakes

from benchmarks.sim_server import LATENCIES, SimApis, serve_sim
from leadgen_desktop.domain import DEFAULT_PRICES
from tests.fakes.api_server import cli_env
from tests.fakes.places_city import FakeCity

FLOOR = DEFAULT_PRICES["places_text_search_enterprise"] / 20


def bound(requests: int, latency: float) -> float:
    """The least time ``requests`` Google requests take under 10/s and 600/min, the last answered."""
    if requests <= 0:
        return 0.0
    return max(math.floor((requests - 1) / 10), 60 * math.floor((requests - 1) / 600)) + latency


def run(sim: SimApis, url: str, root: Path, db: Path, max_results: int) -> dict[str, object]:
    env = cli_env(url, root, hunter_key=None, neverbounce_key=None)
    args = [
        sys.executable, "-m", "leadgen_desktop.cli", "run", "--business-type", "dentist", "--location",
        "Testville", "--max-results", str(max_results), "--min-score", "0", "--no-verify", "--json",
        "--db", str(db),
    ]  # fmt: skip
    served_before = len(sim.served)
    limited_before = sim.rate_limited["google_places"]
    started = time.monotonic()
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=900, check=False)
    wall = time.monotonic() - started
    if result.returncode != 0:
        raise SystemExit(f"leadgen failed ({result.returncode}): {result.stderr[-2000:]}")
    summary = json.loads(result.stdout)
    served = [s for s in sim.served[served_before:] if s.provider == "google_places"]
    span = max(s.answered for s in served) - min(s.arrived for s in served) if served else 0.0
    return {
        "summary": summary,
        "wall": wall,
        "span": span,
        "requests": len(served),
        "rate_limited": sim.rate_limited["google_places"] - limited_before,
    }


def report(
    label: str, outcome: dict[str, object], opens: int, latency: float, billed: dict[str, int]
) -> None:
    summary = outcome["summary"]
    assert isinstance(summary, dict)
    metrics = summary["metrics"]
    found = metrics["businesses_found"]
    google = metrics["cost_by_provider"]["google_places"]
    requests = int(outcome["requests"])  # type: ignore[call-overload]
    limit = bound(requests, latency)
    wall, span = float(outcome["wall"]), float(outcome["span"])  # type: ignore[arg-type]
    per_place = google / found if found else 0.0
    ratio = f"{span / limit:.2f}x" if limit else "-"
    print(
        f"  {label:<10} found {found}/{opens}  requests {requests} ({outcome['rate_limited']} rate limited)"
        f"  tiles {metrics['tiles_searched']} (saturated {metrics['tiles_saturated']})"
    )
    print(
        f"  {'':<10} wall {wall:.1f} s, first request to last answer {span:.1f} s, bound {limit:.1f} s"
        f" -> {ratio};  Google ${google:.3f} = ${per_place:.5f}/place = {per_place / FLOOR:.2f}x floor"
    )
    print(f"  {'':<10} billed {billed}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--places", type=int, default=1500)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--latency", type=float, default=LATENCIES["google_places"])
    args = parser.parse_args()
    print(f"{args.places} places per city, Google latency {args.latency} s, 10/s and 600/min enforced")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for seed in range(1, args.seeds + 1):
        city = FakeCity.generate(args.places, seed=seed)
        opens = len(city.open_places)
        print(f"seed {seed}:")
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            sim = SimApis(city=city, latencies={**LATENCIES, "google_places": args.latency})
            with serve_sim(sim) as url:
                first = run(sim, url, root, root / "t.db", 10_000)
                report("whole area", first, opens, args.latency, dict(sim.billed))
                before = dict(sim.billed)
                again = run(sim, url, root, root / "t.db", 10_000)
                paid = {k: v - before.get(k, 0) for k, v in sim.billed.items() if v - before.get(k, 0)}
                report("repeat", again, opens, args.latency, paid)
            small_sim = SimApis(city=city, latencies={**LATENCIES, "google_places": args.latency})
            with serve_sim(small_sim) as url:
                small = run(small_sim, url, root, root / "fresh.db", 100)
            bought = (
                20 * small_sim.billed["places_text_search_enterprise"]
                + small_sim.billed["places_details_enterprise"]
            )
            metrics = small["summary"]["metrics"]  # type: ignore[index]
            print(
                f"  100 leads  kept {metrics['qualified_leads']}, found {metrics['businesses_found']}, "
                f"at most {bought} places in the pages and details bought, "
                f"Google ${metrics['cost_by_provider']['google_places']:.3f}, wall {small['wall']:.1f} s"
            )


if __name__ == "__main__":
    main()
