"""End-to-end benchmark of ``leadgen run`` against simulated APIs, compared with a lower bound.

Command (from the repository root)::

    .venv/bin/python benchmarks/run_benchmark.py [--leads 60] [--nb-rate 10]

It starts :mod:`sim_server` (Google 0.4 s, Hunter 0.6 s, NeverBounce 0.8 s per request;
enforced limits Google 10/s + 600/min, Hunter 15/s + 500/min, NeverBounce 10/s), writes
a ``settings.json`` whose ``neverbounce_rate`` equals the simulated NeverBounce limit
into a temporary ``XDG_CONFIG_HOME``, and runs, as a subprocess with LEADGEN_*_URL and
LEADGEN_*_KEY pointing at the simulation and the null keyring::

    leadgen run --business-type dentist --location "Austin, TX" --max-results N
                --min-score 0 --json --db <tmp>

It prints the wall time, the lower bound, their ratio, the requests per provider, the
rate-limit answers (and their share of all requests), the duplicate paid requests and
the time the same requests take one at a time.

Lower bound (derived from the requests the run actually needed: the accepted paid
requests, i.e. P Google pages, the H distinct domains searched and the V distinct
emails verified; t = 0 is the arrival of the first request at the server):

* Google requests (the area's tiles and purchases) may run in parallel, but the p-th
  cannot arrive before the rate limit lets it (``max_i floor((p-1)/N_i)·W_i`` after the
  first) and is answered ``L_g`` later; a domain first seen in it can be searched no
  earlier than that, ``r``.
* An email can be verified no earlier than ``r(domain) + L_h``: its Hunter answer comes
  first.
* For one provider with limits "at most N_i in any W_i seconds" and latency L, sort its
  requests by release time r_1 ≤ … ≤ r_n. The n−k+1 requests released at or after r_k
  all start at or after r_k, and the server accepts the (j·N_i + 1)-th of them no
  earlier than W_i·j after the first, so the last one starts at or after
  ``r_k + max_i floor((n−k)/N_i)·W_i`` and is answered L later:
  ``B_p = max_k [ r_k + max_i floor((n−k)/N_i)·W_i ] + L``.
* ``bound = max(r(P), B_hunter, B_neverbounce)``.

It ignores client CPU time, process start-up and the database, so it cannot be
beaten; "wall time" is measured from spawning the process to its exit and includes
all of those (the output also shows the part between the first request and the last
answer).

Sequential reference: the same accepted requests made one at a time, as the original
design did, take ``Σ latency = P·L_g + H·L_h + V·L_nb``. Every latency is longer than
its provider's spacing (0.4 > 1/10, 0.6 > 1/15, 0.8 > 1/10 s) and no minute window is
reached, so the rate limits add nothing one at a time: this sum is exact for the
network part, and it is computed, not measured (a measured sequential run would only
add the same CPU and start-up overhead to it).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim_server import LATENCIES, LIMITS, SimApis, serve_sim

from tests.fakes.api_server import cli_env

TARGET_RATIO = 1.3
TARGET_RATE_LIMITED = 0.02


def provider_bound(releases: Sequence[float], limits: Sequence[tuple[int, float]], latency: float) -> float:
    """Earliest time the last of these requests can be answered (see the module docstring)."""
    if not releases:
        return 0.0
    ordered = sorted(releases)
    n = len(ordered)
    latest_start = max(
        r + max((math.floor((n - 1 - k) / count) * seconds for count, seconds in limits), default=0.0)
        for k, r in enumerate(ordered)
    )
    return latest_start + latency


def lower_bound(sim: SimApis) -> dict[str, float]:
    """The bound and its parts, from the requests the simulation accepted."""
    lat_g, lat_h, lat_v = (LATENCIES[p] for p in ("google_places", "hunter", "neverbounce"))
    pages = sim.pages_served
    # Google requests of an area run in parallel: the p-th cannot arrive before the rate limit lets
    # it (at most N in any W seconds) and is answered L_g later; a domain first seen in it is
    # released then.
    google_limits = LIMITS["google_places"]

    def google_answer(p: int) -> float:
        return max(math.floor((p - 1) / n) * w for n, w in google_limits) + lat_g

    domain_release = {d: google_answer(sim.domain_page.get(d, 1)) for d in sim.paid_domains}
    email_release = [domain_release.get(email.rpartition("@")[2], lat_g) + lat_h for email in sim.paid_emails]
    parts = {
        "discovery": google_answer(pages),
        "hunter": provider_bound(list(domain_release.values()), LIMITS["hunter"], lat_h),
        "neverbounce": provider_bound(email_release, LIMITS["neverbounce"], lat_v),
    }
    parts["bound"] = max(parts.values())
    return parts


def write_settings(env: Mapping[str, str], nb_rate: float) -> Path:
    """Write settings.json (neverbounce_rate) where the subprocess will look for it."""
    where = subprocess.run(
        [sys.executable, "-c", "from leadgen_desktop.settings import settings_path; print(settings_path())"],
        env=dict(env),
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    path = Path(where)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"neverbounce_rate": nb_rate}), encoding="utf-8")
    return path


def leadgen_command() -> list[str]:
    """The installed ``leadgen`` script next to this interpreter (else on PATH)."""
    beside = Path(sys.executable).with_name("leadgen")
    found = str(beside) if beside.exists() else shutil.which("leadgen")
    if found is None:
        raise SystemExit("the leadgen command is not installed (pip install -e .)")
    return [found]


def run(leads: int, nb_rate: float, timeline: bool = False, leadgen: str | None = None) -> int:
    sim = SimApis()
    with tempfile.TemporaryDirectory(prefix="leadgen-bench-") as root, serve_sim(sim) as url:
        env = cli_env(url, root)
        settings = write_settings(env, nb_rate)
        command = [
            *(shlex.split(leadgen) if leadgen else leadgen_command()),
            "run",
            "--business-type",
            "dentist",
            "--location",
            "Austin, TX",
            "--max-results",
            str(leads),
            "--min-score",
            "0",
            "--json",
            "--db",
            os.path.join(root, "bench.db"),
        ]
        started = time.monotonic()
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        wall = time.monotonic() - started
    if done.returncode != 0:
        print(done.stdout, done.stderr, sep="\n", file=sys.stderr)
        print(f"leadgen exited with {done.returncode}", file=sys.stderr)
        return 1
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    metrics = summary["metrics"]
    report(sim, wall, started, summary["status"], metrics, settings, nb_rate, timeline)
    return 0


def report(
    sim: SimApis,
    wall: float,
    started: float,
    status: str,
    metrics: Mapping[str, object],
    settings: Path,
    nb_rate: float,
    timeline: bool = False,
) -> None:
    parts = lower_bound(sim)
    bound = parts["bound"]
    first = sim.first_arrival if sim.first_arrival is not None else started
    last = max((s.answered for s in sim.served), default=first)
    span = last - first
    total = sum(sim.attempts.values())
    limited = sum(sim.rate_limited.values())
    duplicates = sim.duplicates()
    pages, domains, emails = sim.pages_served, len(sim.paid_domains), len(sim.paid_emails)
    lat_g, lat_h, lat_v = (LATENCIES[p] for p in ("google_places", "hunter", "neverbounce"))
    sequential = (
        pages * lat_g + sum(sim.paid_domains.values()) * lat_h + sum(sim.paid_emails.values()) * lat_v
    )
    ratio = wall / bound if bound else float("inf")

    print("leadgen run benchmark (simulated APIs on loopback)")
    print(
        f"  limits: {', '.join(f'{p} ' + ' + '.join(f'{n}/{w:g}s' for n, w in r) for p, r in LIMITS.items())}"
    )
    print(f"  latencies: {', '.join(f'{p} {s:g}s' for p, s in LATENCIES.items())}")
    print(f"  client neverbounce_rate={nb_rate:g}/s (from {settings.name}); job status: {status}")
    print(
        f"  leads {metrics.get('qualified_leads')}, emails found {metrics.get('emails_found')}, "
        f"verified {metrics.get('emails_verified')}"
    )
    print()
    print(f"wall time (spawn → exit)          {wall:7.2f} s")
    print(f"  start-up (spawn → 1st request)  {first - started:7.2f} s")
    print(f"  network span (1st req → last)   {span:7.2f} s")
    print(f"  tail (last answer → exit)       {started + wall - last:7.2f} s")
    print(f"lower bound                       {bound:7.2f} s")
    print(f"  discovery  r(P), P = {pages} Google requests     = {parts['discovery']:.2f} s")
    print(f"  hunter     B_h over {domains} domains          = {parts['hunter']:.2f} s")
    print(f"  neverbounce B_v over {emails} emails          = {parts['neverbounce']:.2f} s")
    print("  (bound = max(r(P), B_h, B_v); B_p = max_k[r_k + max_i floor((n-k)/N_i)·W_i] + L_p,")
    print("   r = the rate-limited answer of the Google request that first listed a domain, for its")
    print("   search; r(domain) + L_h for its email's check)")
    print(f"ratio wall / bound                {ratio:7.2f}   (target ≤ {TARGET_RATIO})")
    print(f"ratio span / bound                {span / bound if bound else float('inf'):7.2f}")
    print()
    print("requests per provider (all attempts / rate limited / max concurrent):")
    for provider in ("google_places", "hunter", "neverbounce"):
        print(
            f"  {provider:13} {sim.attempts[provider]:4d} / {sim.rate_limited[provider]:3d} "
            f"/ {sim.max_concurrent[provider]:3d}"
        )
    share = limited / total if total else 0.0
    print(f"rate-limit errors                 {limited} of {total} requests = {share:.1%}  (target < 2%)")
    print(f"duplicate paid requests           {sum(duplicates.values())}  {sorted(duplicates) or ''}")
    print(
        f"sequential reference (computed)   {sequential:7.2f} s  = {pages}×{lat_g:g} + "
        f"{sum(sim.paid_domains.values())}×{lat_h:g} + {sum(sim.paid_emails.values())}×{lat_v:g} "
        f"(one request at a time, Σ latency)"
    )
    print(f"speed-up vs sequential            {sequential / wall:7.2f}×")
    ok = ratio <= TARGET_RATIO and not duplicates and share < TARGET_RATE_LIMITED
    print(f"target met: {'yes' if ok else 'NO'}")
    if timeline:
        print()
        print("timeline (seconds after the first request: arrival → answer)")
        rows = [(s.arrived, f"→ {s.answered - first:6.3f}  {s.provider:13} {s.subject}") for s in sim.served]
        rows += [(arrived, f"  RATE LIMITED  {provider}") for provider, arrived in sim.rejected]
        for arrived, text in sorted(rows):
            print(f"  {arrived - first:6.3f} {text}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=60, help="--max-results of the run (1-60)")
    parser.add_argument(
        "--nb-rate",
        type=float,
        default=float(LIMITS["neverbounce"][0][0]),
        help="the app's neverbounce_rate setting (default: the simulated limit)",
    )
    parser.add_argument("--timeline", action="store_true", help="also print every accepted request")
    parser.add_argument(
        "--leadgen",
        default=None,
        help="command to run instead of the installed leadgen (e.g. a patched build)",
    )
    args = parser.parse_args(argv)
    return run(args.leads, args.nb_rate, args.timeline, args.leadgen)


if __name__ == "__main__":
    sys.exit(main())
