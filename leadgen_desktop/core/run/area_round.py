"""Rounds of the area search: which requests go out together, and what a round's request is.

A round is planned from what was recorded before it and what is still out,
nothing else (no timing): purchases first, centre first, no more than the leads
still wanted (at the share that qualified so far), then the tiles to map (only
those in the way while nothing can be bought). Its answers are recorded in the
round's order, and before each one the round is topped up the same way
(:class:`InFlight`); the requests not recorded yet are stored with each step, so
a stopped run's resumption sends exactly those first (:func:`reissue`). A run
and its resumption therefore make the same requests in the same order, whatever
the network's timing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from leadgen_desktop.core.discovery.purchases import DetailsPurchase, PagePurchase, Purchase
from leadgen_desktop.core.discovery.quadtree import MapTask
from leadgen_desktop.core.discovery.tile_search import TileMapping, map_task_ids, run_purchase
from leadgen_desktop.core.discovery.tiling import TilePlanner
from leadgen_desktop.core.run.run_requests import RunRequests
from leadgen_desktop.core.run.worker_pool import Finished
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import (
    AreaDiscovery,
    Business,
    CancelToken,
    Coverage,
    DiscoveryPage,
    ProviderError,
)

log = logging.getLogger(__name__)

TILE = "tile"
"""Request kind of a tile's IDs-only mapping (free)."""
PLACE = "place"
"""Request kind of a purchase (a contact-field page or one Place Details request)."""
LOCATE = "locate"
"""Request kind of the location lookup."""
AREA_REQUESTS = {TILE: 8, PLACE: 8, LOCATE: 1}
"""How many requests of each kind of the area search run at once (Google's rate limiter spaces them)."""
PLACE_CLAIM = "place"
"""Claim kind of a place's Place Details purchase (subject: the place id)."""
GROUP_CLAIM = "place_group"
"""Claim kind of a group's contact-field pages (subject: the search and its rectangle), held from its
first page until its last: pages follow each other's tokens, so only one run can buy them."""

ROUND_TILES = 24
"""Most tiles mapped in one round (each a chain of up to three IDs-only pages)."""
ROUND_PURCHASES = 24
"""Most purchases (pages of different groups, Place Details) in one round."""
BLOCKING_TILES = 8
"""Most tiles mapped in a round while nothing can be bought yet (those nearest the centre)."""
BUYING_TILES = 4
"""Most tiles out at once while buying (one rate limit serves both: the pages wait less behind them)."""
LOOKAHEAD_PLACES = 120
"""Mapped places waiting to be bought (beyond twice the leads wanted) at which mapping pauses."""
MIN_QUALIFIED_SHARE = 0.05
"""The least share of found places assumed to qualify when deciding how much to buy in a round."""


class AreaHost(Protocol):
    """What the area search needs from the run that drives it."""

    def leads_wanted(self) -> int:
        """How many more qualified leads the run wants (0: enough)."""
        ...

    def leads_selected(self) -> int:
        """How many qualified leads the run has selected so far."""
        ...

    def take(self, businesses: Sequence[Business]) -> None:
        """Businesses new to the job, in discovery order: score, select, enrich."""
        ...

    def between_answers(self) -> None:
        """The search sent what it could and waits for its next answer: a moment for deferred work."""
        ...

    def progress(self, fraction: float, message: str) -> None:
        """Report the discovery stage's progress (``fraction`` of the stage, 0..1)."""
        ...

    def coverage(self, coverage: Coverage) -> None:
        """Report what the search covered so far."""
        ...


@dataclass(frozen=True, slots=True)
class ParkedAnswer:
    """A purchase answered after its run stopped, kept to be recorded in its turn (never bought again).

    Its businesses are in the place cache and its calls in the bill already.
    """

    place_ids: tuple[str, ...]
    closed_place_ids: tuple[str, ...]
    next_page_token: str | None

    def to_dict(self) -> dict[str, object]:
        """Plain data for the stored round."""
        ids, closed = list(self.place_ids), list(self.closed_place_ids)
        return {"ids": ids, "closed": closed, "next": self.next_page_token}

    @classmethod
    def from_dict(cls, data: object) -> ParkedAnswer:
        """Inverse of :meth:`to_dict`; ValueError when it does not read as one."""
        if not isinstance(data, dict):
            raise ValueError("a parked answer is an object")
        ids, closed, token = data.get("ids"), data.get("closed"), data.get("next")
        if not isinstance(ids, list) or not isinstance(closed, list) or not isinstance(token, str | None):
            raise ValueError("a parked answer needs its place ids, closed ids and next page token")
        return cls(tuple(str(i) for i in ids), tuple(str(i) for i in closed), token)


@dataclass(frozen=True, slots=True)
class RoundItem:
    """One request of a round: a tile's mapping or a purchase, with its budget ticket once sent.

    ``parked`` is the answer of a purchase that came back after its run stopped:
    a resumed run records it in its turn instead of buying it again.
    """

    subject: MapTask | Purchase
    ticket: int | None = None
    parked: ParkedAnswer | None = None

    @property
    def is_purchase(self) -> bool:
        """True for a paid request."""
        return not isinstance(self.subject, MapTask)

    def to_dict(self) -> dict[str, object]:
        """Plain data for the stored round (what a resumed run sends, or records, first)."""
        subject = self.subject
        if isinstance(subject, MapTask):
            return {"map": subject.key}
        data: dict[str, object] = (
            {"group": subject.group, "page": subject.page}
            if isinstance(subject, PagePurchase)
            else {"group": subject.group, "place_id": subject.place_id}
        )
        if self.parked is not None:
            data["answer"] = self.parked.to_dict()
        return data


@dataclass(frozen=True, slots=True)
class InFlight:
    """What a round has sent and not recorded yet: a top-up plans around it."""

    tiles: int = 0
    purchases: int = 0
    places: int = 0  # the places those purchases should bring

    @classmethod
    def of(cls, planner: TilePlanner, items: Iterable[RoundItem]) -> InFlight:
        """Count ``items`` (sent, not recorded)."""
        tiles = purchases = places = 0
        for item in items:
            if isinstance(item.subject, MapTask):
                tiles += 1
            else:
                purchases += 1
                places += planner.expected_places(item.subject)
        return cls(tiles, purchases, places)


def plan_round(
    planner: TilePlanner, wanted: int, share: float, out: InFlight = InFlight()
) -> list[RoundItem]:
    """The next requests for ``wanted`` more leads at ``share`` qualifying (empty: nothing left to do).

    ``out`` is what is in flight already (a top-up of a running round): its
    purchases count towards the leads wanted and its requests towards the limits.
    """
    if wanted <= 0:
        return []
    share = max(share, MIN_QUALIFIED_SHARE)
    purchases: list[Purchase] = []
    coming = out.places
    blocked = False
    while out.purchases + len(purchases) < ROUND_PURCHASES and share * coming < wanted:
        purchase = planner.next_purchase()
        if purchase is None:
            blocked = not planner.done
            break
        purchases.append(purchase)
        coming += planner.expected_places(purchase)
    waiting = planner.places_mapped - planner.summary().places_known
    tiles: list[MapTask] = []
    if blocked and not (purchases or out.purchases):  # nothing to buy yet: only the tiles in the way
        tiles = planner.next_blocking_tiles(BLOCKING_TILES - out.tiles)
        if tiles or out.tiles:
            return [RoundItem(t) for t in tiles]
    ahead = waiting < LOOKAHEAD_PLACES + 2 * wanted / share  # few places mapped ahead of buying
    buying = purchases or out.purchases
    if ahead or not (buying or tiles or out.tiles):
        enough = waiting >= wanted / share  # mapped ahead: enough to buy for the leads still wanted
        limit = BUYING_TILES if buying and enough else ROUND_TILES
        tiles += planner.next_tiles(limit - out.tiles - len(tiles))
    return [RoundItem(p) for p in purchases] + [RoundItem(t) for t in tiles]


def reissue(planner: TilePlanner, stored: Sequence[Mapping[str, object]]) -> list[RoundItem]:
    """The requests a stopped run's round had not recorded, handed out again in their order."""
    items: list[RoundItem] = []
    for data in stored:
        try:
            parked = ParkedAnswer.from_dict(data["answer"]) if "answer" in data else None
            if "map" in data:
                items.append(RoundItem(planner.take_tile(str(data["map"]))))
            elif "page" in data:
                page = data["page"]
                if not isinstance(page, int):
                    raise ValueError(f"page {page!r} is not a number")
                items.append(RoundItem(planner.reissue(str(data.get("group")), page=page), parked=parked))
            else:
                place_id = str(data.get("place_id"))
                purchase = planner.reissue(str(data.get("group")), place_id=place_id)
                items.append(RoundItem(purchase, parked=parked))
        except ValueError as exc:  # the plan moved on meanwhile: nothing to send
            log.info("Not sending a stored request again: %s", exc)
    return items


def claim_of(item: RoundItem, query: str) -> tuple[str, str]:
    """The claim (kind, subject) a purchase takes before it is sent, so no other run makes it at once.

    Place Details: the place; a page: its group's search (the text and the rectangle).
    """
    subject = item.subject
    if isinstance(subject, PagePurchase):
        rect = ",".join(repr(value) for value in subject.rect.to_list())
        return GROUP_CLAIM, f"{' '.join(query.split()).casefold()}|{rect}"
    if isinstance(subject, MapTask):
        raise ValueError("mapping a tile is free: nothing to claim")
    return PLACE_CLAIM, subject.place_id


def due_ids(plan: TilePlanner, item: RoundItem) -> tuple[str, ...]:
    """The place ids a purchase would still buy."""
    subject = item.subject
    if isinstance(subject, DetailsPurchase):
        return () if plan.is_resolved(subject.place_id) else (subject.place_id,)
    assert isinstance(subject, PagePurchase)
    return plan.outstanding(subject.group)


GONE_STATUSES = frozenset({200, 404})
"""A Place Details failure with one of these answers will fail again: Places does not know the
id (404), or it answered about something unusable (200, billed). Others (5xx, timeouts) may pass."""


def gone_place(item: RoundItem, error: ProviderError) -> tuple[str, ...]:
    """The place a failed Place Details says is gone: remembered in the place cache, never bought again."""
    subject = item.subject
    answered = {call.http_status for call in error.calls}
    if isinstance(subject, DetailsPurchase) and answered & GONE_STATUSES:
        return (subject.place_id,)
    return ()


def request_call(item: RoundItem, discovery: AreaDiscovery, query: str) -> Callable[[CancelToken], object]:
    """What sending ``item`` does on the run's request pool (given the pool's stop token)."""
    subject = item.subject
    if isinstance(subject, MapTask):
        return lambda stop: map_task_ids(discovery, query, subject, stop)
    return lambda stop: run_purchase(discovery, query, subject, stop)


def fraction_done(planner: TilePlanner) -> float:
    """How far the search of the area is (half mapping, half buying), 0..1."""
    summary = planner.summary()
    tiles = summary.tiles_searched + summary.tiles_failed
    mapped = tiles / max(tiles + summary.tiles_left, 1)
    bought = summary.places_known / max(summary.places_mapped, 1)
    return min(1.0, 0.5 * mapped + 0.5 * bought)


FOREVER = dt.timedelta(days=365 * 100)
"""Age limit for reading back places a job itself bought (a parked answer's)."""


def parked_page(store: Store, parked: ParkedAnswer) -> DiscoveryPage:
    """A parked answer as the page it was (its places from the cache; its calls are billed already)."""
    cached = store.lookups.places(parked.place_ids, FOREVER)
    businesses = tuple(cached[i] for i in parked.place_ids if i in cached)
    return DiscoveryPage(businesses, parked.next_page_token, (), parked.closed_place_ids)


def settled(finished: Finished) -> object:
    """The outcome of a request that came back, once its ledger settled what it cost."""
    outcome = finished.outcome
    calls = outcome.calls if isinstance(outcome, TileMapping | DiscoveryPage | ProviderError) else ()
    RunRequests.settle_bill(finished, calls)
    return outcome
