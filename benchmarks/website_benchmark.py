"""Website first against Hunter for every domain: one campaign twice; wall time, emails by source, dollars.

Command (from the repository root)::

    .venv/bin/python benchmarks/website_benchmark.py [--leads 60] [--nb-limit 20]
                                                     [--site-latency 0.3] [--site-share 0.5] [--repeat 3]

Each round runs ``run_benchmark.run`` twice on fresh simulations, user folders and
databases: once with every website unreachable (every company domain is searched
with Hunter, as before websites were read) and once with :mod:`sim_websites` serving
a site for every listed business (``--site-latency`` seconds per answer,
``--site-share`` of them showing an address, 5 % of domains with a null MX). It prints
both runs' wall times and lower bounds (the website bound puts each site's requests
before its domain's Hunter search), the emails found per source, the Hunter searches
and verifications, the cost per verified email, and the dollars saved per 100 leads against Hunter
for every domain.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from run_benchmark import QUERY, Outcome, run
from sim_server import SimApis
from sim_websites import SITE_LATENCY, SITE_SHARE, sim_sites


def _figures(name: str, outcome: Outcome, summary: Mapping[str, object]) -> tuple[float, int]:
    """Print one run's line; return its bill and its leads."""
    metrics = summary["metrics"]
    assert isinstance(metrics, dict)
    leads = max(int(metrics["leads_enriched"]), 1)
    calls, by_source = metrics["api_calls"], metrics.get("emails_by_source", {})
    cost, verified = float(metrics["total_cost"]), int(metrics["emails_verified"])
    print(
        f"  {name:24} wall {outcome.wall:6.2f} s (chained bound {outcome.chained_bound:.2f} s) · "
        f"Hunter searches {calls['hunter']:3d} · verifications {calls['neverbounce']:3d} · "
        f"emails {metrics['emails_found']} (website {by_source.get('website', 0)}, "
        f"Hunter {by_source.get('hunter', 0)}) · mx_rejected {metrics.get('mx_rejected', 0)} · "
        f"${cost:.4f} = ${100 * cost / leads:.4f} per 100 leads · "
        f"verified {verified} (${cost / max(verified, 1):.4f} per verified email)"
    )
    return cost, leads


def compare(leads: int, nb_limit: int, site_latency: float, site_share: float, leadgen: str | None) -> bool:
    """One round: both runs and their comparison; False when a run did not complete."""
    before_summary: list[dict[str, object]] = []
    after_summary: list[dict[str, object]] = []
    before = run(leads, nb_limit, leadgen=leadgen, quiet=True, summaries=before_summary)
    sites = sim_sites(SimApis(), QUERY, latency=site_latency, share=site_share)
    after = run(
        leads,
        nb_limit,
        leadgen=leadgen,
        quiet=True,
        sites=sites,
        site_latency=site_latency,
        summaries=after_summary,
    )
    if before is None or after is None:
        return False
    print(
        f"NeverBounce {nb_limit}/s, websites at {site_latency:g} s per answer, {site_share:.0%} showing one"
    )
    cost_before, leads_before = _figures("Hunter for every domain", before, before_summary[0])
    cost_after, leads_after = _figures("website first", after, after_summary[0])
    saved = 100 * (cost_before / leads_before - cost_after / leads_after)
    print(f"  sites showing an address: {len(sites.shows)}; domains with a null MX: {len(sites.null_mx)}")
    print(
        f"  saved per 100 leads: ${saved:.4f}; wall time website first / before: "
        f"{after.wall / before.wall:.2f}; each to its chained bound: {before.chained_ratio:.2f} / "
        f"{after.chained_ratio:.2f}"
    )
    RATIOS.append(after.wall / before.wall)
    return True


RATIOS: list[float] = []


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=60, help="--max-results of the run (1-60)")
    parser.add_argument("--nb-limit", type=int, default=20, help="simulated NeverBounce limit per second")
    parser.add_argument("--site-latency", type=float, default=SITE_LATENCY, help="seconds per website answer")
    parser.add_argument(
        "--site-share", type=float, default=SITE_SHARE, help="share of sites showing an address"
    )
    parser.add_argument("--repeat", type=int, default=1, help="rounds (each a new user, both runs)")
    parser.add_argument("--leadgen", default=None, help="command to run instead of the installed leadgen")
    args = parser.parse_args(argv)
    for _ in range(max(1, args.repeat)):
        if not compare(args.leads, args.nb_limit, args.site_latency, args.site_share, args.leadgen):
            return 1
    if len(RATIOS) > 1:
        print(
            f"wall time website first / before over {len(RATIOS)} rounds: min {min(RATIOS):.2f}, "
            f"median {statistics.median(RATIOS):.2f}, max {max(RATIOS):.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
