"""End-to-end benchmark of ``leadgen run`` against simulated APIs, compared with a lower bound.

Command (from the repository root)::

    .venv/bin/python benchmarks/run_benchmark.py [--leads 60] [--nb-limit 20 --nb-limit 3]
                                                 [--repeat 5] [--nb-rate R] [--warm]
                                                 [--site-latency 0.3 [--site-share 0.5]]
                                                 [--trace FILE]

It starts :mod:`sim_server` (Google 0.4 s, Hunter 0.6 s, NeverBounce 0.8 s per request;
enforced limits Google 10/s + 600/min, Hunter 15/s + 500/min, NeverBounce ``--nb-limit``
per second, by default both 20/s and 3/s) and runs, **as a new user would** (default
settings, nothing learned: fresh temporary XDG folders for every run), as a subprocess
with LEADGEN_*_URL and LEADGEN_*_KEY pointing at the simulation and the null keyring::

    leadgen run --business-type dentist --location "Austin, TX" --max-results N
                --min-score 0 --json --db <tmp>

``--nb-rate R`` instead writes a ``settings.json`` with ``neverbounce_rate`` R (the old
way: the app told the limit). ``--warm`` measures a second run in the same user folders,
after a first one has learned the rates. Without ``--site-latency`` the businesses'
websites cannot be reached (every domain is searched with Hunter, as before websites
were read); with it, :mod:`sim_websites` serves a website for every listed business
through a loopback HTTPS proxy, each answer taking that many seconds, ``--site-share``
of them showing an address, and a loopback DNS (5 % of domains with a null MX).
``website_benchmark.py`` runs both and compares them.

It prints the wall time, the lower bound, their ratio, the requests per provider, the
rate-limit answers (and their share of all requests), the duplicate paid requests and
the time the same requests take one at a time.

Lower bound (``run_bound.py``; derived from the requests the run actually needed: the
accepted paid requests, i.e. P Google pages, the H distinct domains searched and the V
distinct emails verified; t = 0 is the arrival of the first request at the server):

* Google requests (the area's lookup, its tiles and purchases) may run in parallel, but
  none can arrive before its release time nor faster than the rate limit lets it; the p-th
  is answered ``L_g`` after the p-th start of the greedy schedule, and a domain first seen
  in it can be searched no earlier than that, ``r``. **Release times:** without ``--area``
  the run looks its location up first (DESIGN 6.1) and every business search sends a
  ``locationRestriction`` rectangle cut from the viewport that lookup answers, so those
  searches are released at the lookup's answer ``L_g``, the lookup at 0. The simulation
  tells the lookup by its field mask (``places.viewport``) and the searches by their
  rectangle, and checks that no search arrived before the lookup was answered (else every
  request is released at 0). Page 33 of today's 60-lead run thus arrives no earlier than
  3.4 s (10/s, one lookup, 32 searches released at 0.4 s) instead of 3.0 s.
* An email can be verified no earlier than ``r(domain) + L_h``: its Hunter answer comes
  first.
* For one provider with limits "at most N_i in any W_i seconds" and latency L, sort its
  requests by release time r_1 ≤ … ≤ r_n. The n−k+1 requests released at or after r_k
  all start at or after r_k, and the server accepts the (j·N_i + 1)-th of them no
  earlier than W_i·j after the first, so the last one starts at or after
  ``r_k + max_i floor((n−k)/N_i)·W_i`` and is answered L later:
  ``B_p = max_k [ r_k + max_i floor((n−k)/N_i)·W_i ] + L``.
* ``bound = max(r(P), B_hunter, B_neverbounce)``.

That bound lets every email be verified ``L_h`` after its *page*, as if Hunter had no limit.
The **chained bound** keeps Hunter's limits on the way to NeverBounce, and is still one no
run can beat: take only the domains whose emails were verified; start their searches
greedily in release order as early as Hunter's windows allow
(``s_k = max(r_k, max_i s_{k−N_i} + W_i)``: no schedule starts its k-th search earlier);
release the emails at those answers, ``s_k + L_h`` (domains with more emails first), and
apply ``B_p`` to them: ``B_v'``. ``chained bound = max(r(P), B_hunter, B_v')``. The
targets are checked against the chained bound **with the lookup dependency**; the old
chained bound (every Google request released at 0, as before session 5) and its ratio are
printed too. Both are lower bounds: the new one only adds a wait the run's own requests
prove (a rectangle cannot be sent before the viewport it is cut from has arrived).

With websites, a domain's website is read before its Hunter search: the site's
requests go one at a time, so its crawl ends no earlier than ``r + C``, ``C =
requests·L_site`` (counted in the proxy's log). The domain's search is released then
(instead of at ``r``), and an address the site itself showed is released for
verification then, without Hunter (``websites`` part: the last crawl's end).

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
import contextlib
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from run_bound import lookup_applies, lower_bound
from run_trace import print_chain
from sim_server import LATENCIES, NEVERBOUNCE_LIMITS, SimApis, limits_with, serve_sim
from sim_websites import SITE_SHARE, SimSites, serve_sites, sim_sites, site_seconds

from tests.fakes.api_server import cli_env

TARGETS: Mapping[int, tuple[float, float]] = {20: (1.2, 0.02), 3: (1.3, 0.10)}
"""(ratio, rate-limited share) targets per simulated NeverBounce limit (issue 15)."""
DEFAULT_TARGET = (1.3, 0.02)
QUERY = "dentist in Austin, TX"
"""The text search of the measured campaign (its places' websites are the ones served)."""


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


@dataclass(frozen=True)
class Outcome:
    """The figures of one measured run."""

    nb_limit: int
    wall: float
    bound: float
    ratio: float
    chained_bound: float
    chained_ratio: float
    old_chained_bound: float
    """The chained bound without the lookup dependency (every Google request released at 0)."""
    old_chained_ratio: float
    limited: int
    requests: int
    nb_limited: int
    nb_requests: int
    duplicates: int

    @property
    def share(self) -> float:
        """Rate-limit answers as a share of all requests."""
        return self.limited / self.requests if self.requests else 0.0

    def met(self) -> bool:
        """Whether this run meets its case's targets."""
        ratio, share = TARGETS.get(self.nb_limit, DEFAULT_TARGET)
        return self.chained_ratio <= ratio and self.share < share and not self.duplicates


def run(
    leads: int,
    nb_limit: int,
    nb_rate: float | None = None,
    *,
    warm: bool = False,
    timeline: bool = False,
    leadgen: str | None = None,
    quiet: bool = False,
    sites: SimSites | None = None,
    site_latency: float = 0.0,
    summaries: list[dict[str, object]] | None = None,
    trace: str | None = None,
) -> Outcome | None:
    """One measured ``leadgen run`` against a fresh simulation; None if it did not complete.

    With ``sites`` the businesses' websites are served (see the module docstring); the run's
    ``--json`` summary is appended to ``summaries`` when given; with ``trace`` the run goes through
    ``run_trace.py`` and the run thread's steps from the first bought page's answer to the first
    Hunter search are printed.
    """
    if trace is not None:
        leadgen = (
            f"{shlex.quote(sys.executable)} {shlex.quote(str(Path(__file__).with_name('run_trace.py')))} "
        )
        leadgen += shlex.quote(trace)
    with contextlib.ExitStack() as stack:
        root = stack.enter_context(tempfile.TemporaryDirectory(prefix="leadgen-bench-"))
        web = stack.enter_context(serve_sites(sites)) if sites is not None else {}
        env = cli_env("http://127.0.0.1:9", root)  # the URL is replaced below, per simulation
        told = write_settings(env, nb_rate) if nb_rate is not None else None
        if warm:  # a first run in the same user folders learns the rates; the second is measured
            with serve_sim(SimApis(limits=limits_with(nb_limit))) as url:
                warmed = _leadgen(leads, root, "warm.db", {**cli_env(url, root), **web}, leadgen)
                if warmed[0].returncode != 0:
                    return None
        sim = SimApis(limits=limits_with(nb_limit))
        if sites is not None:
            sites.web.log.clear()
        with serve_sim(sim) as url:
            env = {**cli_env(url, root), **web}
            done, started, wall = _leadgen(leads, root, "bench.db", env, leadgen)
    if done.returncode != 0:
        print(done.stdout, done.stderr, sep="\n", file=sys.stderr)
        print(f"leadgen exited with {done.returncode}", file=sys.stderr)
        return None
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    if summaries is not None:
        summaries.append(summary)
    client = f"neverbounce_rate={nb_rate:g}/s from {told.name}" if told else "default settings"
    client += ", rates learned by a first run" if warm else ", nothing learned"
    crawl = site_seconds(sites, site_latency) if sites is not None else {}
    shown = set(sites.shows.values()) if sites is not None else set()
    client += f", websites at {site_latency:g} s per answer" if sites is not None else ", no website"
    outcome = report(
        sim, wall, started, summary["status"], summary["metrics"], client, timeline, quiet, crawl, shown
    )
    bought = [s.answered for s in sim.served if s.kind == "area search" and "ids only" not in s.subject]
    searched = [s.arrived for s in sim.served if s.provider == "hunter"]
    if trace is not None and sim.first_arrival is not None and bought and searched:
        first = sim.first_arrival
        print_chain(trace, first, min(bought) - first - 0.005, min(searched) - first)
    return outcome


def _leadgen(
    leads: int, root: str, db: str, env: Mapping[str, str], leadgen: str | None
) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """Run the campaign once; return the finished process, its start time and its wall time."""
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
        os.path.join(root, db),
    ]
    started = time.monotonic()
    done = subprocess.run(command, env=dict(env), capture_output=True, text=True, check=False)
    return done, started, time.monotonic() - started


def report(
    sim: SimApis,
    wall: float,
    started: float,
    status: str,
    metrics: Mapping[str, object],
    client: str,
    timeline: bool = False,
    quiet: bool = False,
    crawl: Mapping[str, float] | None = None,
    shown: set[str] | None = None,
) -> Outcome:
    """Print the figures of one run (unless ``quiet``) and return them."""
    log = sim.request_log()
    parts = lower_bound(log, crawl, shown)
    old = lower_bound(log, crawl, shown, after_lookup=False)
    bound = parts["bound"]
    first = sim.first_arrival if sim.first_arrival is not None else started
    last = max((s.answered for s in sim.served), default=first)
    span = last - first
    total = sum(sim.attempts.values())
    limited = sum(sim.rate_limited.values())
    duplicates = sim.duplicates()
    nb_limit = sim.limits["neverbounce"][0][0]
    ratio = wall / bound if bound else float("inf")
    chained = parts["chained"]
    outcome = Outcome(
        nb_limit,
        wall,
        bound,
        ratio,
        chained,
        wall / chained if chained else float("inf"),
        old["chained"],
        wall / old["chained"] if old["chained"] else float("inf"),
        limited,
        total,
        sim.rate_limited["neverbounce"],
        sim.attempts["neverbounce"],
        sum(duplicates.values()),
    )
    if quiet:
        return outcome
    pages, domains, emails = sim.pages_served, len(sim.paid_domains), len(sim.paid_emails)
    lat_g, lat_h, lat_v = (LATENCIES[p] for p in ("google_places", "hunter", "neverbounce"))
    sequential = (
        pages * lat_g + sum(sim.paid_domains.values()) * lat_h + sum(sim.paid_emails.values()) * lat_v
    )
    target_ratio, target_share = TARGETS.get(nb_limit, DEFAULT_TARGET)

    print("leadgen run benchmark (simulated APIs on loopback)")
    limits = ", ".join(f"{p} " + " + ".join(f"{n}/{w:g}s" for n, w in r) for p, r in sim.limits.items())
    print(f"  limits: {limits}")
    print(f"  latencies: {', '.join(f'{p} {s:g}s' for p, s in LATENCIES.items())}")
    print(f"  client: {client}; job status: {status}")
    print(
        f"  leads {metrics.get('qualified_leads')}, emails found {metrics.get('emails_found')}, "
        f"verified {metrics.get('emails_verified')}"
    )
    print()
    print(f"wall time (spawn → exit)          {wall:7.2f} s")
    print(f"  start-up (spawn → 1st request)  {first - started:7.2f} s")
    print(f"  network span (1st req → last)   {span:7.2f} s")
    print(f"  tail (last answer → exit)       {started + wall - last:7.2f} s")
    lookup = "released at the lookup's answer" if lookup_applies(log) else "released at 0: no lookup first"
    print(f"lower bound                       {bound:7.2f} s   (old: {old['bound']:.2f} s)")
    print(
        f"  discovery  r(P), P = {pages} Google requests     = {parts['discovery']:.2f} s "
        f"(area searches {lookup}; old {old['discovery']:.2f} s)"
    )
    for note in log.notes:
        print(f"  note: {note}")
    if crawl:
        print(f"  websites   max(r + C) over {len(crawl)} sites     = {parts['websites']:.2f} s")
    print(f"  hunter     B_h over {domains} domains          = {parts['hunter']:.2f} s")
    print(f"  neverbounce B_v over {emails} emails          = {parts['neverbounce']:.2f} s")
    print(f"chained lower bound               {chained:7.2f} s   (old: {old['chained']:.2f} s)")
    print(f"  neverbounce B_v' (after Hunter's limits) = {parts['neverbounce_chained']:.2f} s")
    print("  (bound = max(r(P), B_h, B_v); B_p = max_k[r_k + max_i floor((n-k)/N_i)·W_i] + L_p,")
    print("   r = the rate-limited answer of the Google request that first listed a domain, for its")
    print("   search; r(domain) + L_h for its email's check; searches with a rectangle go after the")
    print("   lookup's answer; old = every Google request released at 0)")
    print(f"ratio wall / bound                {ratio:7.2f}")
    print(f"ratio wall / chained bound        {outcome.chained_ratio:7.2f}   (target ≤ {target_ratio:g})")
    print(f"ratio wall / old chained bound    {outcome.old_chained_ratio:7.2f}")
    print(f"ratio span / chained bound        {span / chained if chained else float('inf'):7.2f}")
    print()
    print("requests per provider (all attempts / rate limited / max concurrent):")
    for provider in ("google_places", "hunter", "neverbounce"):
        print(
            f"  {provider:13} {sim.attempts[provider]:4d} / {sim.rate_limited[provider]:3d} "
            f"/ {sim.max_concurrent[provider]:3d}"
        )
    print(
        f"rate-limit errors                 {limited} of {total} requests = {outcome.share:.1%}  "
        f"(target < {target_share:.0%})"
    )
    print(f"duplicate paid requests           {sum(duplicates.values())}  {sorted(duplicates) or ''}")
    print(
        f"sequential reference (computed)   {sequential:7.2f} s  = {pages}×{lat_g:g} + "
        f"{sum(sim.paid_domains.values())}×{lat_h:g} + {sum(sim.paid_emails.values())}×{lat_v:g} "
        f"(one request at a time, Σ latency)"
    )
    print(f"speed-up vs sequential            {sequential / wall:7.2f}×")
    print(f"target met: {'yes' if outcome.met() else 'NO'}")
    if timeline:
        print()
        print(f"timeline (seconds after the first request: arrival → answer; first at monotonic {first:.4f})")
        rows = [(s.arrived, f"→ {s.answered - first:6.3f}  {s.provider:13} {s.subject}") for s in sim.served]
        rows += [(arrived, f"  RATE LIMITED  {provider}") for provider, arrived in sim.rejected]
        for arrived, text in sorted(rows):
            print(f"  {arrived - first:6.3f} {text}")
    print()
    return outcome


def summarize(outcomes: Sequence[Outcome]) -> None:
    """One line per case: the spread of both ratios and of the rate-limited share over the runs."""
    print("summary (min / median / max over the runs)")

    def spread(values: Sequence[float], form: str) -> str:
        return " / ".join(format(v, form) for v in (min(values), statistics.median(values), max(values)))

    for nb_limit in dict.fromkeys(o.nb_limit for o in outcomes):
        runs = [o for o in outcomes if o.nb_limit == nb_limit]
        target_ratio, target_share = TARGETS.get(nb_limit, DEFAULT_TARGET)
        limited = ", ".join(f"{o.limited}/{o.requests}" for o in runs)
        print(
            f"  NeverBounce {nb_limit:2d}/s, {len(runs)} run(s): "
            f"wall {spread([o.wall for o in runs], '.2f')} s; "
            f"ratio to the chained bound {spread([o.chained_ratio for o in runs], '.2f')} "
            f"(target ≤ {target_ratio:g}); to the old chained bound "
            f"{spread([o.old_chained_ratio for o in runs], '.2f')}; "
            f"to the first bound {spread([o.ratio for o in runs], '.2f')}; "
            f"rate limited {spread([o.share for o in runs], '.1%')} [{limited}] "
            f"(target < {target_share:.0%}); "
            f"met in {sum(o.met() for o in runs)}/{len(runs)}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=60, help="--max-results of the run (1-60)")
    parser.add_argument(
        "--nb-limit",
        type=int,
        action="append",
        help=f"simulated NeverBounce limit per second; repeat for several cases "
        f"(default: {' and '.join(map(str, NEVERBOUNCE_LIMITS))})",
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per case (each one a new user)")
    parser.add_argument(
        "--nb-rate",
        type=float,
        default=None,
        help="write this neverbounce_rate into settings.json first (default: none, as a new user)",
    )
    parser.add_argument("--warm", action="store_true", help="measure a second run, after one has learned")
    parser.add_argument("--timeline", action="store_true", help="also print every accepted request")
    parser.add_argument(
        "--site-latency",
        type=float,
        default=None,
        help="serve the businesses' websites, each answer taking this many seconds (default: none)",
    )
    parser.add_argument(
        "--site-share", type=float, default=SITE_SHARE, help="share of sites showing an address"
    )
    parser.add_argument("--quiet", action="store_true", help="print only the summary")
    parser.add_argument(
        "--trace", default=None, help="trace the run thread into this file (run_trace.py) and print it"
    )
    parser.add_argument(
        "--leadgen",
        default=None,
        help="command to run instead of the installed leadgen (e.g. a patched build)",
    )
    args = parser.parse_args(argv)
    outcomes: list[Outcome] = []
    for nb_limit in args.nb_limit or NEVERBOUNCE_LIMITS:
        for _ in range(max(1, args.repeat)):
            outcome = run(
                args.leads,
                nb_limit,
                args.nb_rate,
                warm=args.warm,
                timeline=args.timeline,
                leadgen=args.leadgen,
                quiet=args.quiet,
                sites=None
                if args.site_latency is None
                else sim_sites(SimApis(), QUERY, latency=args.site_latency, share=args.site_share),
                site_latency=args.site_latency or 0.0,
                trace=args.trace,
            )
            if outcome is None:
                return 1
            outcomes.append(outcome)
    summarize(outcomes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
