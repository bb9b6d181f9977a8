"""What a run can cost before it starts: a worst case and an expected figure.

By area (the live Google provider and the demo, DESIGN 6.1). With the area
mapped first (free, :func:`~leadgen_desktop.core.run.area_mapping.map_area`), the
worst case is buying every place the area holds that the cache does not, the
cheaper way per group, plus one paid email search and one paid verification
per lead; the expected figure buys places centre first only until
``max_results`` are found. Without a map (the area of a location not looked up
yet: the lookup itself is paid), the figure assumes every business found
qualifies when the minimum score is 0, and at least a quarter otherwise, each
place bought at the dearest way (Place Details); the description says so.

Page by page (a provider without areas): every discovery page a query can have
(one text search returns at most ``max_results_per_query`` places, 20 per
page), one paid email search and one paid verification per lead, no cache hits.

Expected (both): the share of leads that usually has a company website and an
email, the domains already in the cache (free) from earlier campaigns for the
same business type and location, and the share of websites that show an
address themselves (their domains need no paid search with the Hunter mode
``fallback``; observed in the website cache once it holds enough sites). The
expected saving is what those searches would have cost.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from leadgen_desktop.core.billing.budget import UnitPrices
from leadgen_desktop.core.emails.domains import is_shared_platform, registrable_domain
from leadgen_desktop.core.run.area_mapping import AreaPreview
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import RESULTS_PER_PAGE, Area, CampaignConfig, HunterMode, PriceTable, Providers

WEBSITE_SHARE = 0.8
"""Typical share of local businesses with a website on their own domain."""
EMAIL_FOUND_SHARE = 0.7
"""Typical share of searched domains for which an email is found."""
UNMAPPED_QUALIFIED_SHARE = 0.25
"""Least share of businesses assumed to reach a minimum score above 0 when the area is not mapped."""
PAGE_PACKING = 1.3
"""Expected pages bought per 20 places (packed tiles are not all full pages): the benchmark's figure."""
WEBSITE_EMAIL_SHARE = 0.5
"""Share of company websites assumed to show an address, until the website cache has observed enough."""
OBSERVED_SITES_MIN = 30
"""Settled website results needed before the observed share replaces :data:`WEBSITE_EMAIL_SHARE`."""


@dataclass(frozen=True, slots=True)
class CostEstimate:
    """The upper bound and the expected cost of a run, in USD, and what the area holds when mapped."""

    worst_case: float
    expected: float
    pages: int
    leads: int
    cached_domains: int
    area: Area | None = None
    places: int | None = None
    """Places the mapped area holds (None: not mapped)."""
    places_cached: int = 0
    tiles_searched: int = 0
    tiles_saturated: int = 0
    buying: float = 0.0
    """The most buying the places costs (USD), within ``worst_case``."""
    expected_saving: float = 0.0
    """USD of email searches the websites are expected to make unnecessary."""
    website_share: float = WEBSITE_EMAIL_SHARE
    """The share of websites expected to show an address."""

    def describe(self) -> str:
        """Sentences for the form and ``leadgen run --estimate``."""
        return self._describe() + (
            f" Reading websites first saves about ${self.expected_saving:.4f} of email searches "
            f"(~{self.website_share:.0%} of sites show an address)."
            if self.expected_saving > 0
            else ""
        )

    def _describe(self) -> str:
        cached = f"; {self.cached_domains} domain(s) already cached" if self.cached_domains else ""
        head = (
            f"At most ${self.worst_case:.4f} (expected about ${self.expected:.4f}) "
            f"for up to {self.leads} leads"
        )
        if self.places is not None:
            saturated = (
                f", {self.tiles_saturated} still full at the smallest size" if self.tiles_saturated else ""
            )
            return (
                f"{head}{cached}. The area holds {self.places} places of this kind "
                f"({self.places_cached} already in the cache; {self.tiles_searched} tiles searched for free"
                f"{saturated}): buying the rest costs at most ${self.buying:.4f}, finding and verifying "
                f"the emails at most ${self.worst_case - self.buying:.4f}."
            )
        if self.area is None and self.buying:
            return (
                f"{head}{cached}. The area is not mapped yet: give --area SOUTH,WEST,NORTH,EAST to map it "
                "for free first (a Google key is needed); until then this assumes every place found "
                "qualifies (at least a quarter with a minimum score), each bought at the dearest price."
            )
        return f"{head} and {self.pages} discovery page(s){cached}."

    def to_json(self) -> dict[str, object]:
        """The ``leadgen run --estimate --json`` object."""
        return {
            "worst_case": self.worst_case,
            "expected": self.expected,
            "leads": self.leads,
            "area": None if self.area is None else self.area.to_list(),
            "businesses_in_area": self.places,
            "places_cached": self.places_cached,
            "tiles_searched": self.tiles_searched,
            "tiles_saturated": self.tiles_saturated,
        }


def estimate_cost(
    config: CampaignConfig,
    providers: Providers,
    prices: PriceTable,
    store: Store | None = None,
    cache_ttl: dt.timedelta = dt.timedelta(days=30),
    preview: AreaPreview | None = None,
) -> CostEstimate:
    """Estimate ``config``'s cost with these providers and prices (calls nothing).

    ``preview`` is the area mapped for free beforehand, when it could be.
    """
    unit = UnitPrices.of(providers, prices, config.verify, config.hunter)
    cached = _cached_domains(config, store, cache_ttl) if store is not None else 0
    emails = _EmailOutlook.of(config, providers, prices, store, cache_ttl, cached)
    if providers.area is None:
        return _by_pages(config, providers, unit, cached, emails)
    table = prices.prices
    if preview is not None:
        leads = min(config.max_results, preview.places)
        worst = preview.buying + leads * unit.lead
        needed = config.max_results / (1.0 if config.min_score == 0 else 0.8)
        expected = _buying_until(preview, needed - preview.cached) + emails.cost(leads)
        return CostEstimate(
            worst_case=worst,
            expected=min(expected, worst),
            pages=len(preview.buys),
            leads=leads,
            cached_domains=cached,
            area=preview.area,
            places=preview.places,
            places_cached=preview.cached,
            tiles_searched=preview.tiles_searched,
            tiles_saturated=preview.tiles_saturated,
            buying=preview.buying,
            expected_saving=emails.saving(leads),
            website_share=emails.share,
        )
    area = providers.area
    locate = float(table.get(area.locate_sku, 0.0)) if config.area is None else 0.0
    share = 1.0 if config.min_score == 0 else UNMAPPED_QUALIFIED_SHARE
    places = math.ceil(config.max_results / share) + RESULTS_PER_PAGE
    per_place = min(float(table.get(area.details_sku, 0.0)), float(table.get(area.buy_sku, 0.0)))
    page = float(table.get(area.buy_sku, 0.0))
    buying = locate + places * per_place
    leads = config.max_results
    worst = buying + leads * unit.lead
    expected_buying = locate + math.ceil(config.max_results / RESULTS_PER_PAGE * PAGE_PACKING) * page
    return CostEstimate(
        worst_case=worst,
        expected=min(expected_buying + emails.cost(leads), worst),
        pages=places,
        leads=leads,
        cached_domains=cached,
        area=config.area,
        buying=buying,
        expected_saving=emails.saving(leads),
        website_share=emails.share,
    )


def _by_pages(
    config: CampaignConfig, providers: Providers, unit: UnitPrices, cached: int, emails: _EmailOutlook
) -> CostEstimate:
    discovery = providers.discovery
    leads = min(config.max_results, discovery.max_results_per_query)
    worst_pages = math.ceil(discovery.max_results_per_query / RESULTS_PER_PAGE)
    worst = worst_pages * unit.page + leads * unit.lead
    expected_pages = min(worst_pages, max(1, math.ceil(leads / RESULTS_PER_PAGE)))
    expected = expected_pages * unit.page + emails.cost(leads)
    saving = emails.saving(leads)
    return CostEstimate(worst, min(expected, worst), worst_pages, leads, cached, expected_saving=saving,
                        website_share=emails.share)  # fmt: skip


@dataclass(frozen=True, slots=True)
class _EmailOutlook:
    """What finding the leads' emails is expected to cost, websites read first."""

    cached_domains: int
    share: float  # of websites showing an address
    mode: HunterMode
    search: float  # a paid search in this Hunter mode
    full_search: float  # a paid search when every domain is searched
    check: float

    @classmethod
    def of(
        cls,
        config: CampaignConfig,
        providers: Providers,
        prices: PriceTable,
        store: Store | None,
        ttl: dt.timedelta,
        cached: int,
    ) -> _EmailOutlook:
        unit = UnitPrices.of(providers, prices, config.verify, config.hunter)
        full = UnitPrices.of(providers, prices, config.verify, HunterMode.ALWAYS).search
        share = _website_share(store, ttl) if providers.websites is not None else 0.0
        return cls(cached, share, config.hunter, unit.search, full, unit.check)

    def _domains(self, leads: int) -> float:
        return max(leads * WEBSITE_SHARE - self.cached_domains, 0.0)

    def cost(self, leads: int) -> float:
        """Expected USD of the email searches and verifications of ``leads`` leads."""
        searches, emails = _searches_and_emails(self.mode, self._domains(leads), self.share)
        return searches * self.search + emails * self.check

    def saving(self, leads: int) -> float:
        """USD of email searches the websites are expected to make unnecessary."""
        domains = self._domains(leads)
        searches, _ = _searches_and_emails(self.mode, domains, self.share)
        return (domains - searches) * self.full_search


def _searches_and_emails(mode: HunterMode, domains: float, share: float) -> tuple[float, float]:
    """Expected paid searches and emails found among ``domains`` whose sites show an address at ``share``."""
    from_sites = domains * share
    if mode is HunterMode.NEVER:
        return 0.0, from_sites
    if mode is HunterMode.ALWAYS:
        return domains, from_sites + (domains - from_sites) * EMAIL_FOUND_SHARE
    searches = domains - from_sites
    return searches, from_sites + searches * EMAIL_FOUND_SHARE


def _website_share(store: Store | None, ttl: dt.timedelta) -> float:
    """The observed share of websites showing an address (the default until enough were read)."""
    if store is None:
        return WEBSITE_EMAIL_SHARE
    found, settled = store.sites.found_share(ttl)
    return found / settled if settled >= OBSERVED_SITES_MIN else WEBSITE_EMAIL_SHARE


def _buying_until(preview: AreaPreview, places: float) -> float:
    """What buying the first ``places`` places costs, groups in purchase order (the last one in part)."""
    total = 0.0
    for buy in preview.buys:
        if places <= 0:
            break
        share = min(1.0, places / buy.places) if buy.places else 1.0
        total += buy.worst_case * share
        places -= buy.places
    return total


def _cached_domains(config: CampaignConfig, store: Store, ttl: dt.timedelta) -> int:
    """Fresh cached domains of earlier campaigns with the same business type and location."""
    domains: set[str] = set()
    for website in store.campaigns.similar_websites(config.business_type, config.location):
        domain = registrable_domain(website)
        if domain and not is_shared_platform(domain):
            domains.add(domain)
    return sum(1 for d in domains if store.lookups.domain(d, ttl) is not None)
