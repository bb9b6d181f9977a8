"""Team mode throughput: N queued jobs drained by 1, 2 and 4 ``leadgen worker`` processes sharing one
key per provider, against the simulated providers (latency + enforced rate limits, sim_server.py).

For each worker count: a fresh PostgreSQL database, a fresh simulation, ``--jobs`` live campaigns
queued, then the workers started together with ``--once``; the clock stops when the last one
exits. Printed per round: jobs per minute, the providers' bound and the ratio to it.

The ratio is to the lower of two bounds:

- **providers**: what the providers' limits allow for the requests the round really needed.
  For each provider, the least time its sliding windows (Google 10/s and 600/min, Hunter
  15/s and 500/min, NeverBounce ``--nb-limit``/s, 20 by default) let that many accepted
  requests take ("limits/min" is jobs / the largest of these alone, the bound printed
  before). No round can send a provider's first request sooner than one job alone does
  (its search comes first, measured below), nor end sooner than one answer after the last;
  so the bound on the round's time is, for the provider where it is largest, that lead-in
  + the least time + ``--latency``.
- **chain**: what the per-job chain of requests (each ``--latency`` seconds) allows when
  nothing else binds: a worker with an empty queue is timed first (process start and the
  first look at the queue: S), then one job alone (T); a round with W workers running
  ``--max-jobs`` M at once can do no better than S + ceil(jobs / (W * M)) * (T - S).

Also printed: the seconds from the first to the last NeverBounce check ("nb span"; while the
providers bind, the checks go out at the limit during that span: 106 checks at 3/s, 35 s) and
the CPU seconds the workers used ("worker cpu"; near 2 x seconds, the 2 cores bind).

Throughput grows with workers while the chain binds, then flattens at the providers' bound:
workers sharing a key take turns on its shared timeline in the team database
(``rate_buckets``), so together they keep to its rate (rate-limit answers are counted). With
the default limits the machine's CPU binds first on 2 cores; ``--nb-limit 3 --max-jobs 2
--latency 2`` makes the providers bind within reach.

Needs a PostgreSQL server to create databases on: ``--server URL`` or ``LEADGEN_TEST_PG_URL``
(``bash scripts/with_postgres.sh .venv/bin/python benchmarks/team_bench.py`` starts one).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repo root: tests.fakes

from sim_server import LIMITS, SimApis, limits_with, serve_sim

from leadgen_desktop.core.jobs import Jobs
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import CampaignConfig
from tests.fakes.api_server import DEFAULT_CITY_PLACES, cli_env
from tests.fakes.backends import query, url_for
from tests.fakes.places_city import FakeCity

WORKER = (sys.executable, "-m", "leadgen_desktop.cli", "worker")


def least_seconds(limits: Mapping[str, tuple[tuple[int, float], ...]], provider: str, requests: int) -> float:
    """The least time the simulation's sliding-window limits let ``requests`` to ``provider`` take.

    A rule "at most ``count`` in any ``window`` seconds" lets the first ``count`` go at once and
    each further ``count`` one window later: ``(ceil(requests / count) - 1) * window``.
    """
    return max(
        (max(-(-requests // count) - 1, 0) * window for count, window in limits[provider]), default=0.0
    )


KINDS = (
    "dentist", "plumber", "bakery", "florist", "gym", "vet", "lawyer", "cafe",
    "barber", "optician", "tailor", "roofer", "electrician", "locksmith", "mechanic", "pharmacy",
)  # fmt: skip


def fresh_database(server: str, name: str) -> str:
    import psycopg

    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return url_for(server, name)


def one_round(
    server: str, workers: int, jobs: int, leads: int, latency: float, max_jobs: int, nb_limit: int, root: Path
) -> dict[str, float]:
    db = fresh_database(server, f"bench_team_{workers}")
    store = Store.open(db)
    queue = Jobs(store, user="bench")
    locations = [f"Austin, TX #{i // len(KINDS)}" for i in range(jobs)]
    for i, location in enumerate(locations):
        queue.start(
            CampaignConfig(KINDS[i % len(KINDS)], location, max_results=leads, min_score=0), queued=True
        )
    store.db.close()
    limits = limits_with(nb_limit)
    # Places knows each location but gives no area for it: every job searches by text, and each
    # query has places of its own (a whole-area search would have all jobs share one city's places).
    city = FakeCity.generate(DEFAULT_CITY_PLACES, aliases=tuple(sorted(set(locations))))
    city.lookup_viewport = False
    latencies = dict.fromkeys(("google_places", "hunter", "neverbounce"), latency)
    sim = SimApis(latencies=latencies, limits=limits, city=city)
    with serve_sim(sim) as url:
        procs = []
        cpu_before = _children_cpu()
        started = time.monotonic()
        for w in range(workers):
            home = root / f"w{workers}-{w}"
            env = cli_env(url, home)
            settings = Path(env["XDG_CONFIG_HOME"]) / "leadgen-desktop" / "settings.json"
            settings.parent.mkdir(parents=True, exist_ok=True)
            # NeverBounce's real limit is undocumented: the workers are told the simulation's.
            settings.write_text(json.dumps({"neverbounce_rate": float(nb_limit)}))
            procs.append(
                subprocess.Popen(
                    [*WORKER, "--db", db, "--once", "--max-jobs", str(max_jobs)],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
        errors = [proc.communicate(timeout=900)[1] for proc in procs]
        elapsed = time.monotonic() - started
        cpu = _children_cpu() - cpu_before
    if any(proc.returncode for proc in procs):
        raise SystemExit(f"a worker failed: {errors}")
    ((done,),) = query(db, "SELECT count(*) FROM discovery_jobs WHERE status = 'completed'")
    accepted = {p: sim.attempts[p] - sim.rate_limited[p] for p in limits}
    bound_seconds = max(least_seconds(limits, p, n) for p, n in accepted.items())
    checks = sorted(s.arrived for s in sim.served if s.provider == "neverbounce")
    first = {p: min((s.arrived for s in sim.served if s.provider == p), default=started) for p in limits}
    return {
        "workers": workers,
        "jobs": done,
        "nb_seconds": checks[-1] - checks[0] if len(checks) > 1 else 0.0,
        "seconds": elapsed,
        "worker_cpu": cpu,
        "jobs_per_minute": done / elapsed * 60,
        "provider_bound_per_minute": done / bound_seconds * 60 if bound_seconds else float("inf"),
        "rate_limited": sum(sim.rate_limited.values()),
        "paid_twice": len(sim.duplicates()),
        **{f"requests_{p}": float(n) for p, n in accepted.items()},
        **{f"least_{p}": least_seconds(limits, p, n) for p, n in accepted.items()},
        **{f"first_{p}": first[p] - started for p in limits},
    }


def _children_cpu() -> float:
    """CPU seconds used so far by this process's finished children (the workers)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--server", default=os.environ.get("LEADGEN_TEST_PG_URL"), help="PostgreSQL server URL"
    )
    parser.add_argument("--jobs", type=int, default=24)
    parser.add_argument("--leads", type=int, default=10, help="leads per job")
    parser.add_argument("--latency", type=float, default=0.8, help="seconds per simulated request")
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--max-jobs", type=int, default=3, help="jobs each worker runs at once")
    parser.add_argument(
        "--nb-limit",
        type=int,
        default=LIMITS["neverbounce"][0][0],
        help="the simulated NeverBounce limit per second (a low one makes the providers bind first)",
    )
    args = parser.parse_args()
    if not args.server:
        raise SystemExit("needs a PostgreSQL server: --server URL or LEADGEN_TEST_PG_URL (see the docstring)")
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(
        f"{args.jobs} jobs x {args.leads} leads, {args.latency:.2f} s per request, "
        f"{args.max_jobs} job(s) per worker at once, limits {limits_with(args.nb_limit)}"
    )
    with tempfile.TemporaryDirectory() as folder:
        start = one_round(args.server, 1, 0, args.leads, args.latency, 1, args.nb_limit, Path(folder))
        alone = one_round(args.server, 1, 1, args.leads, args.latency, 1, args.nb_limit, Path(folder))
        job = alone["seconds"] - start["seconds"]
        print(f"a worker's start: {start['seconds']:.1f} s; one job alone: {alone['seconds']:.1f} s")
        print(
            "workers  jobs  seconds  jobs/min  limits/min  providers/min  chain/min  ratio  rate-limited"
            "  paid-twice  nb span  worker cpu  requests g/h/nb"
        )
        for workers in (int(w) for w in args.workers.split(",")):
            r = one_round(
                args.server,
                workers,
                args.jobs,
                args.leads,
                args.latency,
                args.max_jobs,
                args.nb_limit,
                Path(folder),
            )
            waves = -(-args.jobs // (workers * args.max_jobs))
            chain = r["jobs"] / (start["seconds"] + waves * job) * 60
            providers = (
                r["jobs"]
                / max(
                    alone[f"first_{p}"] + r[f"least_{p}"] + args.latency
                    for p in LIMITS
                    if r[f"least_{p}"] > 0
                )
                * 60
            )
            ratio = r["jobs_per_minute"] / min(providers, chain)
            print(
                f"{workers:>7} {r['jobs']:>5.0f} {r['seconds']:>8.1f} {r['jobs_per_minute']:>9.1f} "
                f"{r['provider_bound_per_minute']:>11.1f} {providers:>14.1f} {chain:>10.1f} {ratio:>6.2f} "
                f"{r['rate_limited']:>13.0f} {r['paid_twice']:>11.0f} {r['nb_seconds']:>8.1f} "
                f"{r['worker_cpu']:>11.1f}  "
                f"{r['requests_google_places']:.0f}/{r['requests_hunter']:.0f}/{r['requests_neverbounce']:.0f}",
                flush=True,
            )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
