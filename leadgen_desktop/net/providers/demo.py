"""Offline, deterministic demo providers: discovery, email finding and verification.

Everything is generated from a SHA-256 hash of the request (never Python's
salted ``hash()``), so the same campaign always yields the same businesses,
emails and verdicts, on every machine, with no network and no cost: demo
providers record no :class:`~leadgen_desktop.domain.ApiCall`.

Discovery works both ways the live Google provider does:

* page by page (``search``): :data:`RAW_PLACES` places per campaign in pages of
  :data:`PAGE_SIZE`, generated lazily (only the requested page is built). Per
  block of 100 raw places exactly 3 are permanently closed (skipped, as the live
  Google provider does, so such pages hold fewer than 20) and exactly 3 repeat an
  earlier place (same ``place_id``), so at least 1,000 distinct places remain;
* by area (``locate``, ``map_tile``, ``buy_tile``, ``details``): the towns of the
  demo world (:mod:`demo_city`), 60 places per search at most, so tiling behaves
  as it does live.

What a business looks like is :mod:`demo_places`. The email finder returns
nothing for about 15% of domains; the verifier says mostly valid, ~10%
catch-all (whole domains), and a few unknown, invalid or disposable.
"""

from __future__ import annotations

import hashlib
import math
import random
import re

from leadgen_desktop.domain import (
    RESULTS_PER_PAGE,
    Area,
    Business,
    BusinessStatus,
    CampaignConfig,
    CancelToken,
    DiscoveryPage,
    DomainSearch,
    EmailCandidate,
    EmailStatus,
    IdsPage,
    LocatedArea,
    LocationLookup,
    ProviderError,
    Providers,
    Verification,
)
from leadgen_desktop.net.providers.demo_city import (
    TownPlace,
    TownQuery,
    place_by_id,
    places_in,
    town,
    town_for,
)
from leadgen_desktop.net.providers.demo_data import (
    DEFAULT_LATENCY,
    DemoData,
    _base36,
    _latency_from_env,
    _pause,
    _resources_dir,
    _rng,
    _seed,
    _slug,
    load_demo_data,
)
from leadgen_desktop.net.providers.demo_places import PROVIDER, DemoQuery, make_business
from leadgen_desktop.net.providers.demo_websites import DemoMailServers, DemoWebsites

__all__ = [
    "DEFAULT_LATENCY",
    "PAGE_SIZE",
    "RAW_PLACES",
    "DemoDiscovery",
    "DemoEmailFinder",
    "DemoEmailVerifier",
    "_resources_dir",
    "build_demo_providers",
    "load_demo_data",
]

FREE = "free"
PAGE_SIZE = RESULTS_PER_PAGE
RAW_PLACES = 1100
"""Raw places per query; 1,034 distinct, not permanently closed places remain."""
_BLOCK = 100
_CLOSED_PER_BLOCK = 3
_DUPLICATES_PER_BLOCK = 3
_TOKEN_RE = re.compile(r"^demo-page-(\d{1,4})$")
_TILE_TOKEN_RE = re.compile(r"^demo-tile-([0-9a-f]{12})-([23])$")


class DemoDiscovery:
    """Deterministic discovery of invented businesses for any type and place, by page or by area."""

    provider: str = PROVIDER
    billing_sku: str = FREE
    max_results_per_query: int = 1000
    locate_sku: str = FREE
    map_sku: str = FREE
    buy_sku: str = FREE
    details_sku: str = FREE

    def __init__(self, latency: float = 0.0, data: DemoData | None = None) -> None:
        self.latency = latency
        self.data = data if data is not None else load_demo_data()
        self.places_generated = 0  # places built so far: pages are generated lazily

    # -- page by page ---------------------------------------------------------------

    def search(self, config: CampaignConfig, page_token: str | None, cancel: CancelToken) -> DiscoveryPage:
        """Return the page ``page_token`` ("demo-page-N"; None for the first page)."""
        page = 1
        if page_token is not None:
            match = _TOKEN_RE.match(page_token)
            if match is None or not 1 <= int(match.group(1)) <= self.page_count:
                raise ProviderError(PROVIDER, f"Unknown page token {page_token!r}.")
            page = int(match.group(1))
        _pause(self.latency, cancel)
        query = DemoQuery.of(config)
        start = (page - 1) * PAGE_SIZE
        end = min(start + PAGE_SIZE, RAW_PLACES)
        found = (self._raw_place(query, index) for index in range(start, end))
        businesses = tuple(b for b in found if b.business_status is not BusinessStatus.CLOSED_PERMANENTLY)
        token = f"demo-page-{page + 1}" if end < RAW_PLACES else None
        return DiscoveryPage(businesses=businesses, next_page_token=token, calls=())

    @property
    def page_count(self) -> int:
        """Number of pages per query."""
        return -(-RAW_PLACES // PAGE_SIZE)

    @staticmethod
    def _layout(key: str, block: int) -> tuple[frozenset[int], frozenset[int]]:
        """Offsets (1..99) of the closed and of the duplicate slots in ``block``."""
        picks = _rng(key, "layout", block).sample(range(1, _BLOCK), _CLOSED_PER_BLOCK + _DUPLICATES_PER_BLOCK)
        return frozenset(picks[:_CLOSED_PER_BLOCK]), frozenset(picks[_CLOSED_PER_BLOCK:])

    def _raw_place(self, query: DemoQuery, index: int) -> Business:
        """The business in raw slot ``index`` (a duplicate slot repeats an earlier place)."""
        block, offset = divmod(index, _BLOCK)
        closed, duplicates = self._layout(query.key, block)
        if offset in duplicates:  # repeat an earlier ordinary place of the same block
            target = index - 1 - _rng(query.key, "dup", index).randrange(min(offset, 12))
            while target % _BLOCK in duplicates or target % _BLOCK in closed:
                target -= 1  # offset 0 of a block is never special, so this stops.
            return self._make_place(query, target, closed=False)
        return self._make_place(query, index, closed=offset in closed)

    def _make_place(self, query: DemoQuery, index: int, closed: bool) -> Business:
        self.places_generated += 1
        code = _base36(int(query.key[:8], 16), 2) + _base36(index, 2)
        place_id = f"demo-{query.key[:12]}-{index:04d}"
        return make_business(self.data, query, index, closed=closed, place_id=place_id, code=code)

    # -- by area -----------------------------------------------------------------------

    def locate(self, location: str, cancel: CancelToken) -> LocationLookup:
        """The demo town a location names (every location names one)."""
        if not location.strip():
            raise ValueError("enter a location to look up")
        _pause(self.latency, cancel)
        found = town_for(location, self.data)
        return LocationLookup(LocatedArea(found.name, found.place_id, found.viewport))

    def map_tile(self, query: str, rect: Area, page_token: str | None, cancel: CancelToken) -> IdsPage:
        """One page of the ids inside ``rect``."""
        _pause(self.latency, cancel)
        places, token = self._tile_page(TownQuery.of(query), rect, page_token)
        return IdsPage(tuple(p.place_id for p in places), token)

    def buy_tile(self, query: str, rect: Area, page_token: str | None, cancel: CancelToken) -> DiscoveryPage:
        """The same page with every field."""
        _pause(self.latency, cancel)
        town_query = TownQuery.of(query)
        places, token = self._tile_page(town_query, rect, page_token)
        return DiscoveryPage.of((self._town_business(town_query, p) for p in places), token)

    def details(self, place_id: str, cancel: CancelToken) -> DiscoveryPage:
        """One place by its id (a closed one only named)."""
        _pause(self.latency, cancel)
        known = place_by_id(place_id)
        if known is None:
            raise ProviderError(PROVIDER, f"No demo place has the id {place_id!r}.")
        return DiscoveryPage.of((self._town_business(*known),))

    @staticmethod
    def _tile_page(
        query: TownQuery, rect: Area, page_token: str | None
    ) -> tuple[list[TownPlace], str | None]:
        """Page ``page_token`` of a rectangle's search; a token only works for the same search."""
        search = hashlib.sha256(f"{query.key}|{rect}".encode()).hexdigest()[:12]
        page = 1
        if page_token is not None:
            match = _TILE_TOKEN_RE.match(page_token)
            if match is None or match.group(1) != search:
                raise ProviderError(PROVIDER, f"The page token {page_token!r} belongs to another search.")
            page = int(match.group(2))
        found = places_in(query, rect)
        start = (page - 1) * PAGE_SIZE
        more = start + PAGE_SIZE < len(found)
        return found[start : start + PAGE_SIZE], f"demo-tile-{search}-{page + 1}" if more else None

    def _town_business(self, query: TownQuery, place: TownPlace) -> Business:
        self.places_generated += 1
        row, col = math.floor(place.lat), math.floor(place.lng)
        where = DemoQuery(query.title, "", town(row, col, self.data).name, f"{query.key}:{row}:{col}")
        code = _base36(_seed(place.place_id) % 36**4, 4)
        return make_business(
            self.data, where, place.index, closed=place.closed, place_id=place.place_id, code=code,
            position=(place.lat, place.lng),
        )  # fmt: skip


def _catchall(domain: str) -> bool:
    """About 10% of demo domains accept every address."""
    return _rng("catchall", domain).random() < 0.10


class DemoEmailFinder:
    """Deterministic email finder: invented contacts on the requested domain."""

    provider: str = PROVIDER
    billing_sku: str = "free"

    def __init__(self, latency: float = 0.0, data: DemoData | None = None) -> None:
        self.latency = latency
        self.data = data if data is not None else load_demo_data()

    def find(self, domain: str, cancel: CancelToken) -> DomainSearch:
        """Return 0-5 candidates for ``domain`` (none for about 15% of domains)."""
        _pause(self.latency, cancel)
        domain = domain.strip().lower()
        r = _rng("finder", domain)
        if not domain or r.random() < 0.15:
            return DomainSearch(domain=domain, candidates=(), calls=(), accept_all=_catchall(domain))
        candidates: list[EmailCandidate] = []
        seen: set[str] = set()
        for _ in range(r.choice((1, 1, 2, 2, 3, 3, 4, 5))):
            candidate = self._personal(r, domain) if r.random() < 0.55 else self._generic(r, domain)
            if candidate.email not in seen:
                seen.add(candidate.email)
                candidates.append(candidate)
        if r.random() < 0.03:
            candidates.append(self._personal(r, r.choice(self.data["free_mail_domains"])))
        return DomainSearch(
            domain=domain, candidates=tuple(candidates), calls=(), accept_all=_catchall(domain)
        )

    def _personal(self, r: random.Random, domain: str) -> EmailCandidate:
        data = self.data
        first, last = r.choice(data["first_names"]), r.choice(data["last_names"])
        title, seniority, department = r.choices(data.positions, weights=data.position_weights)[0]
        local = r.choice(data["personal_formats"]).format(
            first=_slug(first, 20).replace("-", ""),
            last=_slug(last, 20).replace("-", ""),
            f=_slug(first, 1),
        )
        return EmailCandidate(
            email=f"{local}@{domain}",
            confidence=r.randint(40, 99),
            kind="personal",
            first_name=first,
            last_name=last,
            position=title,
            seniority=seniority,
            department=department,
        )

    def _generic(self, r: random.Random, domain: str) -> EmailCandidate:
        return EmailCandidate(
            email=f"{r.choice(self.data['generic_locals'])}@{domain}",
            confidence=r.randint(40, 99),
            kind="generic",
        )


class DemoEmailVerifier:
    """Deterministic verifier: mostly valid, some catch-all/unknown, few invalid/disposable."""

    provider: str = PROVIDER
    billing_sku: str = "free"

    def __init__(self, latency: float = 0.0, data: DemoData | None = None) -> None:
        self.latency = latency
        self.data = data if data is not None else load_demo_data()

    def verify(self, email: str, cancel: CancelToken) -> Verification:
        """Return a verdict for ``email`` that depends only on the address."""
        _pause(self.latency, cancel)
        address = email.strip().lower()
        local, at, domain = address.rpartition("@")
        if not at or not local or "." not in domain:
            return Verification(email=email, status=EmailStatus.INVALID, flags=("bad_syntax",))
        flags = ["has_dns", "has_dns_mx"]
        if domain in self.data["free_mail_domains"]:
            flags.append("free_email_host")
        if re.sub(r"[._-]", "", local) in self.data["generic_locals"]:
            flags.append("role_account")
        if _catchall(domain):
            return Verification(email=email, status=EmailStatus.CATCHALL, flags=(*flags, "accepts_all"))
        roll = _rng("verify", address).random()
        if roll < 0.05:
            return Verification(email=email, status=EmailStatus.INVALID, flags=tuple(flags))
        if roll < 0.12:
            return Verification(email=email, status=EmailStatus.UNKNOWN, flags=("has_dns",))
        if roll < 0.13:
            return Verification(
                email=email, status=EmailStatus.DISPOSABLE, flags=(*flags, "disposable_email")
            )
        return Verification(email=email, status=EmailStatus.VALID, flags=(*flags, "smtp_connectable"))


def build_demo_providers(latency: float | None = None) -> Providers:
    """Demo discovery, websites, mail servers, finder and verifier sharing one latency and data set.

    ``latency`` is seconds per call; None reads ``LEADGEN_DEMO_LATENCY`` and
    falls back to :data:`DEFAULT_LATENCY`; 0 makes every call instant.
    """
    seconds = _latency_from_env() if latency is None else max(latency, 0.0)
    data = load_demo_data()
    discovery = DemoDiscovery(seconds, data)
    return Providers(
        discovery=discovery,
        finder=DemoEmailFinder(seconds, data),
        verifier=DemoEmailVerifier(seconds, data),
        demo=True,
        area=discovery,
        websites=DemoWebsites(data, seconds).crawler(),
        mail_servers=DemoMailServers(data, seconds),
    )
