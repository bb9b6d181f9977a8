"""The pipeline's discovery stage by area: choose the area, then run the area search for the run.

:func:`discover_by_area` is what the pipeline calls when its providers can
search an area (the live Google provider and the demo). :class:`RunHost`
lends the area search what it needs of the run: the enrichment scheduler to
keep pumping, the selection of qualified leads, progress and coverage events.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING

from leadgen_desktop.core.run.area_choice import choose_area
from leadgen_desktop.core.run.area_search import AreaSearch
from leadgen_desktop.domain import (
    RESULTS_PER_PAGE,
    Area,
    Business,
    BusinessStatus,
    Coverage,
    CoverageEvent,
    Providers,
    Stage,
    registrable_domain,
)

if TYPE_CHECKING:
    from leadgen_desktop.core.run.pipeline import _Run

log = logging.getLogger(__name__)


ENRICH_SLICE = 8
"""Waiting businesses handed to enrichment before each answer the area search waits for (a few ms each)."""


def discover_by_area(run: _Run) -> bool:
    """Search the run's area; False when discovery goes page by page instead.

    Page by page: a job that already has pages (started before areas existed), or a
    location Places knows without a viewport. A budget too small for the location
    lookup ends discovery (True, the budget is exhausted).

    Raises:
        AreaUnknown: the location cannot be searched as an area (the job fails, saying how to fix it).
    """
    discovery = run.providers.area
    assert discovery is not None
    checkpoint = run.store.checkpoints.load(run.job_id)
    if checkpoint.pages:
        return False
    choice = choose_area(
        store=run.store,
        job_id=run.job_id,
        campaign_id=run.campaign_id,
        config=run.config,
        discovery=discovery,
        prices=run.prices,
        budget=run.budget,
        state=run.state,
        requests=run.requests,
        cache_ttl=run.pipeline.cache_ttl,
    )
    if choice.area is None:
        return choice.source == "budget"
    host = RunHost(run)
    known = list(checkpoint.businesses)
    run.state.businesses_found = len(known)
    host.enrich_later(run._select(known))
    if not known and run.store.tiling.load(run.job_id) is None:
        known = repeat_earlier_search(run, choice.area, host)
    search = AreaSearch(
        store=run.store,
        job_id=run.job_id,
        config=run.config,
        discovery=discovery,
        prices=run.prices,
        budget=run.budget,
        state=run.state,
        cancel=run.cancel,
        requests=run.requests,
        claims=run.claims,
        host=host,
        cache_ttl=run.pipeline.cache_ttl,
        known=known,
    )
    run.area_search = search
    threading.Thread(target=warm_up, args=(run.providers,), name="leadgen-warm-up", daemon=True).start()
    search.run(choice.area)
    host.enrich_waiting()
    note_ignored_rectangles(run, search)
    if not run.budget.exhausted:
        run.discovery.done = True
        run.store.checkpoints.mark_done(run.job_id)
    return True


def warm_up(providers: Providers) -> None:
    """Load what the first bought places need while the area is mapped, on its own thread.

    The public-suffix table (tldextract and its imports), and the website reader and
    mail-server checker where they are built on first use (``prepare``: the website engine,
    dnspython, a CA bundle). Loaded when the first bought places came back, each held up
    the first Hunter search by the time it took (0.1 s and more on a busy machine). A part
    that cannot be built here is left to its first use, which reports it as before.
    """
    registrable_domain("example.com")
    for part in (providers.websites, providers.mail_servers):
        prepare = getattr(part, "prepare", None)
        if callable(prepare):
            try:
                prepare()
            except Exception:  # its first use raises it again, where it is handled
                log.debug("Could not prepare %s ahead of its first use", type(part).__name__, exc_info=True)


def note_ignored_rectangles(run: _Run, search: AreaSearch) -> None:
    """Say so when the provider answered every part of a tile with the tile's own places."""
    ignored = search.planner.rectangles_ignored if search.planner is not None else 0
    if ignored:
        run.state.notice(
            f"Places answered every part of {ignored} full tile(s) with the same places, so it ignores the "
            "search rectangle there: those parts were not searched further, and more businesses may exist "
            "than were found."
        )


def repeat_earlier_search(run: _Run, area: Area, host: RunHost) -> list[Business]:
    """A new search that repeats an earlier one starts from its businesses, in its order, for free.

    The same campaign run again (same query, same area) then keeps the same leads
    in the same order, and pays nothing for what the caches hold. They are selected
    at once and enriched a slice at a time while the area is mapped (``host``).
    """
    config = run.config
    earlier = [
        b
        for b in run.store.tiling.earlier_places(
            run.campaign_id, config.business_query, area, config.demo, run.pipeline.cache_ttl
        )
        if b.business_status is not BusinessStatus.CLOSED_PERMANENTLY
    ]
    if earlier:
        run.store.checkpoints.append_places(run.job_id, earlier)
        run.state.businesses_found = len(earlier)
        host.enrich_later(run._select(earlier))
    return earlier


def found_in(run: _Run, business: Business) -> dict[str, object]:
    """Where a business was found (its tile: key, rectangle, places), for the lead's provenance."""
    planner = run.area_search.planner if run.area_search is not None else None
    key = planner.tile_of(business) if planner is not None else None
    if planner is None or key is None:
        return {}
    tile = planner.tile(key)
    return {"tile": key, "tile_area": tile.rect.to_list(), "tile_places": len(tile.place_ids)}


def capacity_note(run: _Run) -> str:
    """Why fewer leads than asked may exist (for the scoring notice): what the search could hold."""
    search = run.area_search
    if search is None or search.planner is None:
        limit = run.providers.discovery.max_results_per_query
        return f"one search returns at most {limit} places"
    summary = search.planner.summary()
    note = f"the area holds {summary.places_mapped} places of this kind"
    if summary.tiles_saturated:
        note += (
            f"; {summary.tiles_saturated} tile(s) were still full at the smallest size, "
            "where Google shows at most 60 places"
        )
    return note


def discovery_remaining(run: _Run, page_price: float) -> tuple[float, int]:
    """The most finishing discovery could cost, and how many places it could still bring."""
    planner = run.area_search.planner if run.area_search is not None else None
    if planner is not None:
        planned = planner.preview()
        return math.fsum(p.worst_case for p in planned), sum(p.places for p in planned)
    places_left = max(run.providers.discovery.max_results_per_query - run.state.businesses_found, 0)
    return math.ceil(places_left / RESULTS_PER_PAGE) * page_price, places_left


class RunHost:
    """The run as the area search's host (:class:`~leadgen_desktop.core.run.area_search.AreaHost`).

    Businesses selected before the search starts (a resumed job's, a repeated search's) wait
    here and are enriched :data:`ENRICH_SLICE` at a time between the search's answers: storing
    1,500 of them one by one took 13-14 s before the first mapping request went out.
    """

    def __init__(self, run: _Run) -> None:
        self._run = run
        self._waiting: deque[tuple[int, Business]] = deque()

    def enrich_later(self, ranked: Sequence[tuple[int, Business]]) -> None:
        """Enrich these selected businesses between answers (:meth:`between_answers`), in their order."""
        self._waiting.extend(ranked)

    def between_answers(self) -> None:
        """The search waits for an answer: start enriching the next slice of what waits."""
        self._enrich(ENRICH_SLICE)

    def enrich_waiting(self) -> None:
        """The search is done: start enriching all that still waits."""
        self._enrich(len(self._waiting))

    def _enrich(self, count: int) -> None:
        ranked = [self._waiting.popleft() for _ in range(min(count, len(self._waiting)))]
        if ranked:
            self._run._start_enrichment(ranked)

    def leads_wanted(self) -> int:
        """Qualified leads still missing."""
        return max(self._run.config.max_results - len(self._run.selected), 0)

    def leads_selected(self) -> int:
        """Qualified leads selected so far."""
        return len(self._run.selected)

    def take(self, businesses: Sequence[Business]) -> None:
        """Score and select new businesses, and start enriching the selected ones."""
        if businesses:
            self._run._start_enrichment(self._run._select(list(businesses)))

    def progress(self, fraction: float, message: str) -> None:
        """A discovery progress event."""
        run = self._run
        run._emit_progress(Stage.DISCOVERING, fraction, message, len(run.selected), run.config.max_results)

    def coverage(self, coverage: Coverage) -> None:
        """A coverage event."""
        self._run.on_event(CoverageEvent(self._run.job_id, coverage))
