"""A discovery provider that answers one page of two shops, for pipeline tests that are about what follows."""

from __future__ import annotations

from dataclasses import dataclass

from leadgen_desktop.domain import Business, CampaignConfig, CancelToken, DiscoveryPage


def shop(i: int) -> Business:
    """Shop ``i``, with its own website ``shop{i}.com``."""
    return Business(f"p{i}", f"Shop {i}", f"{i} Main St", "555", f"https://shop{i}.com", 4.5, 100)


@dataclass
class OnePage:
    """Google Places answering shop 1 and shop 2 on a single page."""

    provider: str = "google_places"
    max_results_per_query: int = 60
    billing_sku: str = "places_text_search_pro"

    def search(self, config: CampaignConfig, page_token: str | None, cancel: CancelToken) -> DiscoveryPage:
        return DiscoveryPage((shop(1), shop(2)), None, ())
