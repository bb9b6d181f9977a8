"""Which area a campaign searches: the one it already has, the one given, one stored, or one lookup.

In that order (DESIGN 6.1):

1. the area already stored with the campaign (a resumed job never looks twice);
2. the area given with the campaign (``--area``, the form's Area field);
3. an area looked up for the same location by an earlier campaign of the same
   kind (demo or live) within the cache lifetime: free;
4. one location lookup (a paid Text Search, its price reserved in the budget
   first). A location Places does not know, or whose viewport is too large to
   search, fails the job before any business search with one sentence naming
   it and saying how to give the area. A place Places knows without a viewport
   but with a location gives a square around that point, with a notice; one with
   neither is searched by text instead (at most 60 places), with a notice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from leadgen_desktop.core.billing.budget import Budget
from leadgen_desktop.core.run.area_round import LOCATE
from leadgen_desktop.core.run.run_requests import RunRequests
from leadgen_desktop.core.run.run_state import RunState
from leadgen_desktop.core.run.worker_pool import Finished
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import (
    AREA_EXAMPLE,
    AREA_FORMAT,
    RESULTS_PER_QUERY,
    Area,
    AreaDiscovery,
    AreaUnknown,
    BudgetReached,
    CampaignConfig,
    LocationLookup,
    PriceTable,
    ProviderError,
)


@dataclass(frozen=True, slots=True)
class AreaChoice:
    """The outcome: an area to tile, or None with why (``text``: search by text; ``budget``: stopped)."""

    area: Area | None
    source: str


def area_hint(location: str, why: str) -> str:
    """The one sentence a run fails with when its location cannot be searched as an area."""
    return (
        f"{why} Give the area to search instead: --area {AREA_FORMAT} (or the Area field of the form), "
        f"e.g. --area {AREA_EXAMPLE}."
    )


def choose_area(
    *,
    store: Store,
    job_id: str,
    campaign_id: str,
    config: CampaignConfig,
    discovery: AreaDiscovery,
    prices: PriceTable,
    budget: Budget,
    state: RunState,
    requests: RunRequests,
    cache_ttl: dt.timedelta,
) -> AreaChoice:
    """Find the campaign's area, storing where it came from (see the module docstring).

    Raises:
        AreaUnknown: the location cannot be searched as an area (the lookup's calls are logged).
        ProviderError: the lookup failed (its calls travel with the error).
    """
    stored = store.tiling.campaign_area(campaign_id)
    if stored is not None:
        return AreaChoice(stored.area, stored.source)
    if config.area is not None:
        store.tiling.save_area(campaign_id, config.area, "given")
        return AreaChoice(config.area, "given")
    earlier = store.tiling.located_area(config.location, config.demo, cache_ttl)
    if earlier is not None:
        store.tiling.save_area(campaign_id, earlier.area, "reused", earlier.fetched_at)
        return AreaChoice(earlier.area, "reused")
    lookup = _look_up(config.location, discovery, prices, budget, requests)
    if lookup is None:
        return AreaChoice(None, "budget")
    state.add_calls(lookup.calls)
    located = lookup.located
    if located is not None:
        store.tiling.save_located_area(job_id, campaign_id, located.area, lookup.calls, prices)
        if located.around_point:
            state.notice(
                f'Places gave no area for "{config.location}", only where it is: a square of '
                f"{located.area.height_m / 1000:.0f} km around that point is searched. Give --area "
                f"{AREA_FORMAT} to search exactly the area you mean."
            )
        return AreaChoice(located.area, "located")
    store.calls.add(job_id, lookup.calls, prices)
    if lookup.without_viewport:
        state.notice(
            f'Places knows "{config.location}" but gave no area for it, so it was searched by text '
            f"(one search returns at most {RESULTS_PER_QUERY} places). Give --area to cover the whole area."
        )
        return AreaChoice(None, "text")
    if lookup.problem:
        why = f'"{config.location}" cannot be searched as one area ({lookup.problem}).'
    else:
        why = f'Places found no location called "{config.location}".'
    raise AreaUnknown(discovery.provider, area_hint(config.location, why))


def _look_up(
    location: str, discovery: AreaDiscovery, prices: PriceTable, budget: Budget, requests: RunRequests
) -> LocationLookup | None:
    """The location lookup, sent through the run's requests (written down before it is sent).

    None when the budget cannot hold it. Raises the lookup's ``ProviderError`` (with its calls).
    """
    hold = budget.reserve(prices.price(discovery.locate_sku))
    if hold is None:
        return None
    answers: list[Finished] = []
    requests.on(LOCATE, answers.append)
    requests.submit(LOCATE, location, lambda stop: discovery.locate(location, stop), hold)
    requests.serve(until=lambda: bool(answers))
    outcome = answers[0].outcome
    calls = outcome.calls if isinstance(outcome, LocationLookup | ProviderError) else ()
    RunRequests.settle_bill(answers[0], calls)
    if isinstance(outcome, BudgetReached):
        return None
    if isinstance(outcome, BaseException):
        raise outcome
    assert isinstance(outcome, LocationLookup)
    return outcome
