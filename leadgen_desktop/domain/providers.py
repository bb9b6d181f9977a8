"""Provider results, errors and protocols (live and demo implementations live in net/providers)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from leadgen_desktop.domain.billing import ApiCall
from leadgen_desktop.domain.cancel import CancelToken
from leadgen_desktop.domain.config import CampaignConfig
from leadgen_desktop.domain.enums import BusinessStatus, EmailStatus
from leadgen_desktop.domain.geo import Area
from leadgen_desktop.domain.leads import Business, EmailCandidate
from leadgen_desktop.domain.mail_server import MailServerCheck
from leadgen_desktop.domain.website import SiteResult


class ProviderError(Exception):
    """A provider call failed for this item; the run goes on without it."""

    def __init__(self, provider: str, message: str, calls: tuple[ApiCall, ...] = ()) -> None:
        super().__init__(f"{provider}: {message}")
        self.provider = provider
        self.message = message
        self.calls = calls


class ProviderAuthError(ProviderError):
    """The provider rejected the key or the account: the job fails at once."""


class QuotaExhausted(ProviderError):
    """The provider's plan is used up: stop calling it for the rest of the run."""


class NetworkUnavailable(ProviderError):
    """The provider could not be reached after every retry: the run stops, resumable."""


class AreaUnknown(ProviderError):
    """The location cannot be searched as an area (Places does not know it, or it is too large).

    ``message`` is one sentence naming the location and how to give the area instead.
    """


RESULTS_PER_QUERY = 60
"""Most places one text search returns over all its pages (Google's documented ceiling)."""

RESULTS_PER_PAGE = 20
"""Most places one page of a text search holds."""


@dataclass(frozen=True, slots=True)
class DiscoveryPage:
    """One page of discovery results, with the calls it took.

    ``businesses`` never holds a permanently closed place; ``closed_place_ids``
    names the ones the page answered for (they were paid for: a caller must not
    buy them again, e.g. through Place Details).
    """

    businesses: tuple[Business, ...]
    next_page_token: str | None
    calls: tuple[ApiCall, ...] = ()
    closed_place_ids: tuple[str, ...] = ()

    @classmethod
    def of(
        cls, answered: Iterable[Business], next_page_token: str | None = None, calls: tuple[ApiCall, ...] = ()
    ) -> DiscoveryPage:
        """A page from the places a provider answered: each id once, closed ones only named."""
        seen: set[str] = set()
        businesses: list[Business] = []
        closed: list[str] = []
        for business in answered:
            if business.place_id in seen:
                continue
            seen.add(business.place_id)
            if business.business_status is BusinessStatus.CLOSED_PERMANENTLY:
                closed.append(business.place_id)
            else:
                businesses.append(business)
        return cls(tuple(businesses), next_page_token, calls, tuple(closed))


@dataclass(frozen=True, slots=True)
class IdsPage:
    """One page of an IDs-only search: place ids in the search's order, no contact fields."""

    place_ids: tuple[str, ...]
    next_page_token: str | None
    calls: tuple[ApiCall, ...] = ()


@dataclass(frozen=True, slots=True)
class LocatedArea:
    """Where a location text is: the place Places found for it and its viewport."""

    name: str
    place_id: str
    area: Area
    around_point: bool = False
    """Places sent no viewport, only where the place is: ``area`` is a square around that point."""


@dataclass(frozen=True, slots=True)
class LocationLookup:
    """The answer to a location lookup: ``located`` is None when Places found nothing usable.

    ``calls`` is there either way: a lookup that finds nothing is billed too.
    ``problem`` says why a place that was found cannot be searched (e.g. its
    viewport is larger than an area may be); empty otherwise.
    """

    located: LocatedArea | None
    calls: tuple[ApiCall, ...] = ()
    problem: str = ""
    without_viewport: bool = False
    """Places found the location but gave no viewport for it (nothing to tile; text search still works)."""


@dataclass(frozen=True, slots=True)
class DomainSearch:
    """What an email finder knows about one registrable domain."""

    domain: str
    candidates: tuple[EmailCandidate, ...]
    calls: tuple[ApiCall, ...] = ()
    accept_all: bool = False


@dataclass(frozen=True, slots=True)
class Verification:
    """The verdict on one email address."""

    email: str
    status: EmailStatus
    flags: tuple[str, ...] = ()
    suggested_correction: str = ""
    calls: tuple[ApiCall, ...] = ()


# ---------------------------------------------------------------------------
# Provider protocols (live and demo implementations live in net/providers)
# ---------------------------------------------------------------------------


class Discovery(Protocol):
    """Finds businesses for a text query, one page at a time."""

    provider: str
    max_results_per_query: int
    billing_sku: str  # SKU of one page request: its price is reserved against a budget

    def search(self, config: CampaignConfig, page_token: str | None, cancel: CancelToken) -> DiscoveryPage:
        """Return one page; ``next_page_token`` is None on the last page."""
        ...


class AreaDiscovery(Protocol):
    """Finds every business of a kind in an area, tile by tile (DESIGN 6.1).

    The SKU attributes name what one request of each kind is billed (a budget
    reserves its price before sending): ``locate_sku`` the location lookup,
    ``map_sku`` an IDs-only page (free), ``buy_sku`` a contact-field page and
    ``details_sku`` one Place Details request. Every method raises
    ``ProviderError`` subclasses on failure and ``Cancelled`` when cancelled.
    """

    provider: str

    @property
    def locate_sku(self) -> str:
        """SKU of one location lookup."""
        ...

    @property
    def map_sku(self) -> str:
        """SKU of one IDs-only page (free)."""
        ...

    @property
    def buy_sku(self) -> str:
        """SKU of one contact-field page."""
        ...

    @property
    def details_sku(self) -> str:
        """SKU of one Place Details request."""
        ...

    def locate(self, location: str, cancel: CancelToken) -> LocationLookup:
        """One text search for the location text itself (its ``located`` is None when nothing is found)."""
        ...

    def map_tile(self, query: str, rect: Area, page_token: str | None, cancel: CancelToken) -> IdsPage:
        """One IDs-only page of ``query`` restricted to ``rect`` (an ordinary rectangle)."""
        ...

    def buy_tile(self, query: str, rect: Area, page_token: str | None, cancel: CancelToken) -> DiscoveryPage:
        """The same search as :meth:`map_tile`, one page with the contact fields."""
        ...

    def details(self, place_id: str, cancel: CancelToken) -> DiscoveryPage:
        """One place's contact fields, as a page of one business with the call it took.

        A permanently closed place comes back in ``closed_place_ids`` (answered and
        paid for, not a lead), never in ``businesses``.
        """
        ...


class EmailFinder(Protocol):
    """Finds email addresses for a registrable domain."""

    provider: str
    billing_sku: str  # SKU of one search at its most expensive (reserved against a budget)

    def find(self, domain: str, cancel: CancelToken) -> DomainSearch:
        """Search one domain; raise ProviderError subclasses on failure."""
        ...


class EmailVerifier(Protocol):
    """Verifies one email address."""

    provider: str
    billing_sku: str  # SKU of one verification (reserved against a budget)

    def verify(self, email: str, cancel: CancelToken) -> Verification:
        """Verify one address; raise ProviderError subclasses on failure."""
        ...


class WebsiteReader(Protocol):
    """Reads a business's own website for the addresses it shows (free; ``net/web``'s crawler).

    Thread-safe: one reader serves every thread of a run. Politeness (robots.txt,
    one request at a time per host) and safety are the reader's.
    """

    def crawl(self, website: str, cancel: CancelToken) -> SiteResult:
        """Crawl the site the listing links to; raise ``Cancelled`` when cancelled, never a half result."""
        ...


class MailServerLookup(Protocol):
    """Says whether an email domain can receive mail (DNS: MX, then A/AAAA). Thread-safe."""

    def check(self, domain: str, cancel: CancelToken | None = None) -> MailServerCheck:
        """The domain's mail-server status; ``ValueError`` for a string that is not a domain name."""
        ...


@dataclass(frozen=True, slots=True)
class Providers:
    """The providers a run uses. A missing finder/verifier means no key.

    ``area`` is the discovery provider's area protocol (the same object as
    ``discovery`` for the live and demo providers); None when discovery can only
    search page by page. ``websites`` reads business websites and ``mail_servers``
    checks email domains before a verification is paid for; None skips that step
    (no website is read, every domain counts as "unknown").
    """

    discovery: Discovery
    finder: EmailFinder | None = None
    verifier: EmailVerifier | None = None
    demo: bool = False
    area: AreaDiscovery | None = None
    websites: WebsiteReader | None = None
    mail_servers: MailServerLookup | None = None
