"""What a run can cost before it starts: a worst case and an expected figure.

Worst case: every discovery page a query can have (one text search returns
at most ``max_results_per_query`` places, ``RESULTS_PER_PAGE`` per page), one paid
email search and one paid verification per lead, no cache hits.

Expected: the pages needed for ``max_results`` at the observed qualification
rate, the share of leads that usually has a company website and an email, the
domains and addresses already in the cache (free) from earlier campaigns for
the same business type and location, and the share of websites that show an
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
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import RESULTS_PER_PAGE, CampaignConfig, HunterMode, PriceTable, Providers

WEBSITE_SHARE = 0.8
"""Typical share of local businesses with a website on their own domain."""
EMAIL_FOUND_SHARE = 0.7
"""Typical share of searched domains for which an email is found."""
WEBSITE_EMAIL_SHARE = 0.5
"""Share of company websites assumed to show an address, until the website cache has observed enough."""
OBSERVED_SITES_MIN = 30
"""Settled website results needed before the observed share replaces :data:`WEBSITE_EMAIL_SHARE`."""


@dataclass(frozen=True, slots=True)
class CostEstimate:
    """The upper bound and the expected cost of a run, in USD."""

    worst_case: float
    expected: float
    pages: int
    leads: int
    cached_domains: int
    expected_saving: float = 0.0
    """USD of email searches the websites are expected to make unnecessary."""
    website_share: float = WEBSITE_EMAIL_SHARE
    """The share of websites expected to show an address."""

    def describe(self) -> str:
        """One sentence for the form and ``leadgen run --estimate``."""
        cached = f"; {self.cached_domains} domain(s) already cached" if self.cached_domains else ""
        saving = (
            f" Reading websites first saves about ${self.expected_saving:.4f} of email searches "
            f"(~{self.website_share:.0%} of sites show an address)."
            if self.expected_saving > 0
            else ""
        )
        return (
            f"At most ${self.worst_case:.4f} (expected about ${self.expected:.4f}) for up to "
            f"{self.leads} leads and {self.pages} discovery page(s){cached}.{saving}"
        )


def estimate_cost(
    config: CampaignConfig,
    providers: Providers,
    prices: PriceTable,
    store: Store | None = None,
    cache_ttl: dt.timedelta = dt.timedelta(days=30),
) -> CostEstimate:
    """Estimate ``config``'s cost with these providers and prices (calls nothing paid)."""
    discovery = providers.discovery
    leads = min(config.max_results, discovery.max_results_per_query)
    max_pages = math.ceil(discovery.max_results_per_query / RESULTS_PER_PAGE)
    worst_pages = max_pages  # closed, duplicate or low-scoring places can make every page necessary
    unit = UnitPrices.of(providers, prices, config.verify, config.hunter)
    worst = worst_pages * unit.page + leads * unit.lead

    cached = _cached_domains(config, store, cache_ttl) if store is not None else 0
    expected_pages = min(worst_pages, max(1, math.ceil(leads / RESULTS_PER_PAGE)))
    domains = max(leads * WEBSITE_SHARE - cached, 0.0)
    share = _website_share(store, cache_ttl) if providers.websites is not None else 0.0
    searches, emails = _searches_and_emails(config.hunter, domains, share)
    expected = expected_pages * unit.page + searches * unit.search + emails * unit.check
    full_price = UnitPrices.of(providers, prices, config.verify, HunterMode.ALWAYS).search
    saving = (domains - searches) * full_price
    return CostEstimate(worst, min(expected, worst), worst_pages, leads, cached, saving, share)


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


def _cached_domains(config: CampaignConfig, store: Store, ttl: dt.timedelta) -> int:
    """Fresh cached domains of earlier campaigns with the same business type and location."""
    domains: set[str] = set()
    for website in store.campaigns.similar_websites(config.business_type, config.location):
        domain = registrable_domain(website)
        if domain and not is_shared_platform(domain):
            domains.add(domain)
    return sum(1 for d in domains if store.lookups.domain(d, ttl) is not None)
