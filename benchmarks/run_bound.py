"""The run benchmark's lower bounds, from the requests a run needed (see ``run_benchmark.py``).

Pure functions of a :class:`RequestLog` (what the simulation accepted), so the bound can be
tested with a hand-made log. ``t = 0`` is the arrival of the first request at the server.

* Google requests may run in parallel, but none starts before its **release time** nor
  faster than the rate limit; the p-th answered one is answered no earlier than the p-th
  start of the greedy schedule of their release times (:func:`earliest_starts`) plus
  ``L_g``. When the run looked its location up (DESIGN 6.1: no ``--area``, so the area is the
  viewport the lookup answers), every business search carries a ``locationRestriction``
  rectangle taken from that answer: those searches are released at the lookup's answer,
  ``L_g``; the lookup itself (and any other request) at 0. This is the *lookup dependency*;
  without a lookup (or with ``after_lookup=False``, the old bound) everything is released
  at 0 and page p answers at ``max_i floor((p-1)/N_i)·W_i + L_g``.
* A domain first seen on page p is released for its Hunter search at that page's answer
  ``r``; an email at ``r(domain) + L_h``.
* For one provider with limits "at most N_i in any W_i seconds" and latency L, with its
  requests sorted by release time r_1 ≤ … ≤ r_n:
  ``B_p = max_k [ r_k + max_i floor((n−k)/N_i)·W_i ] + L`` (:func:`provider_bound`).
* ``bound = max(r(P), B_hunter, B_neverbounce)``; the *chained* bound keeps Hunter's limits
  on the way to NeverBounce (:func:`lower_bound`).

Every release time is one the run's own requests prove: a search's rectangle cannot be
written before the viewport it is cut from has arrived, so no run that makes these
requests can beat the bound.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

Limits = Sequence[tuple[int, float]]
"""A provider's limits: (at most N requests, in any W seconds)."""

LOOKUP, AREA_SEARCH, OTHER = "lookup", "area search", "other"
"""Kinds of Google requests: the location lookup, a search restricted to a rectangle, the rest."""


@dataclass
class RequestLog:
    """The accepted requests a bound is derived from (the simulation's counters, or a hand-made log).

    ``google_kinds`` lists the kind of every accepted Google request in answer order (page 1
    first); ``domain_page`` the page (1-based) each domain was first listed on.
    """

    google_kinds: list[str]
    domain_page: dict[str, int]
    paid_domains: Counter[str]
    paid_emails: Counter[str]
    limits: Mapping[str, Limits]
    latencies: Mapping[str, float]
    lookup_answered_first: bool = True
    """Whether every area search arrived after the lookup was answered (the log's own check)."""
    notes: list[str] = field(default_factory=list)


def provider_bound(releases: Sequence[float], limits: Limits, latency: float) -> float:
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


def earliest_starts(releases: Sequence[float], limits: Limits) -> list[float]:
    """The greedy schedule of these requests under "at most N_i in any W_i": the earliest k-th starts."""
    starts: list[float] = []
    for release in sorted(releases):
        start = release
        for count, seconds in limits:
            if len(starts) >= count:
                start = max(start, starts[-count] + seconds)
        starts.append(start)
    return starts


def lookup_applies(log: RequestLog) -> bool:
    """Whether the lookup dependency holds in this log: a lookup, answered before any area search."""
    return LOOKUP in log.google_kinds and log.lookup_answered_first


def google_answers(log: RequestLog, after_lookup: bool = True) -> list[float]:
    """The earliest answer of the p-th answered Google request (index p-1)."""
    latency = log.latencies["google_places"]
    dependent = after_lookup and lookup_applies(log)
    releases = [latency if dependent and kind == AREA_SEARCH else 0.0 for kind in log.google_kinds]
    return [start + latency for start in earliest_starts(releases, log.limits["google_places"])]


def lower_bound(
    log: RequestLog,
    crawl: Mapping[str, float] | None = None,
    shown: set[str] | None = None,
    *,
    after_lookup: bool = True,
) -> dict[str, float]:
    """The bound, the chained bound and their parts.

    ``crawl`` gives each website's least reading time and ``shown`` the addresses sites
    showed; ``after_lookup=False`` gives the old bound (every Google request released at 0).
    """
    lat_g, lat_h, lat_v = (log.latencies[p] for p in ("google_places", "hunter", "neverbounce"))
    answers = google_answers(log, after_lookup)

    def google_answer(page: int) -> float:
        return answers[page - 1] if answers else lat_g

    crawl, shown = crawl or {}, shown or set()

    def read(domain: str) -> float:  # the domain's page is answered, then its website is read
        return google_answer(log.domain_page.get(domain, 1)) + crawl.get(domain, 0.0)

    domain_release = {d: read(d) for d in log.paid_domains}
    from_sites = [email for email in log.paid_emails if email in shown]
    email_domains = [email.rpartition("@")[2] for email in log.paid_emails if email not in shown]
    site_release = [read(email.rpartition("@")[2]) for email in from_sites]
    email_release = site_release + [domain_release.get(d, lat_g) + lat_h for d in email_domains]
    per_domain = Counter(email_domains)
    searched = earliest_starts([domain_release.get(d, lat_g) for d in per_domain], log.limits["hunter"])
    chained = site_release + [
        start + lat_h
        for start, emails in zip(searched, sorted(per_domain.values(), reverse=True), strict=True)
        for _ in range(emails)
    ]
    parts = {
        "discovery": max(answers, default=0.0),
        "websites": max((read(d) for d in crawl), default=0.0),
        "hunter": provider_bound(list(domain_release.values()), log.limits["hunter"], lat_h),
        "neverbounce": provider_bound(email_release, log.limits["neverbounce"], lat_v),
        "neverbounce_chained": provider_bound(chained, log.limits["neverbounce"], lat_v),
    }
    parts["bound"] = max(parts["discovery"], parts["websites"], parts["hunter"], parts["neverbounce"])
    parts["chained"] = max(
        parts["discovery"], parts["websites"], parts["hunter"], parts["neverbounce_chained"]
    )
    return parts
