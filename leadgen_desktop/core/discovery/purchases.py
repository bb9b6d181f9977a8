"""How the places of a tile (or of a packed group of tiles) are bought, and what that costs.

Mapping with the IDs-only mask is free; contact fields are bought per *group*:
one leaf tile, or neighbouring leaf tiles packed into one rectangle whose
search stays under the 60-place cap. A group buys the place ids it claimed
(those not already known from the place cache or an earlier answer) the
cheaper of two ways:

* ``pages``: the group's search again with the contact mask, page by page,
  ``ceil(n / 20)`` pages at most for the ``n`` places the rectangle holds;
  it stops as soon as every claimed id has been answered. Ids still missing
  after the last page (Google does not promise identical lists) fall back to
  Place Details;
* ``details``: one Place Details request per claimed id.

:func:`purchase_cost` is the one place that compares the two.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field

from leadgen_desktop.domain import RESULTS_PER_PAGE, Area, PriceTable


@dataclass(frozen=True, slots=True)
class PurchasePrices:
    """USD of one contact-field page and of one Place Details request."""

    page: float
    details: float

    @classmethod
    def from_table(cls, prices: PriceTable, page_sku: str, details_sku: str) -> PurchasePrices:
        """Prices of a provider's ``buy_sku`` and ``details_sku`` in a price table."""
        return cls(float(prices.prices.get(page_sku, 0.0)), float(prices.prices.get(details_sku, 0.0)))


class Method(enum.StrEnum):
    """How a group buys its places."""

    NONE = "none"  # everything it holds is already known
    PAGES = "pages"
    DETAILS = "details"


def pages_for(place_count: int) -> int:
    """Pages a search returning ``place_count`` places takes."""
    return math.ceil(place_count / RESULTS_PER_PAGE)


def purchase_cost(place_count: int, claimed: int, prices: PurchasePrices) -> tuple[Method, float]:
    """The cheaper way to buy ``claimed`` places of a rectangle holding ``place_count``, and its cost.

    On a tie Place Details wins: it buys exactly the places wanted.
    """
    if claimed <= 0:
        return Method.NONE, 0.0
    by_pages = pages_for(place_count) * prices.page
    by_details = claimed * prices.details
    return (Method.DETAILS, by_details) if by_details <= by_pages else (Method.PAGES, by_pages)


@dataclass(frozen=True, slots=True)
class PagePurchase:
    """Buy one page of ``group``'s search with the contact mask (``page`` counts from 1)."""

    group: str
    rect: Area
    page: int
    page_token: str | None

    def worst_case(self, prices: PurchasePrices) -> float:
        """What this request may cost at most."""
        return prices.page


@dataclass(frozen=True, slots=True)
class DetailsPurchase:
    """Buy one place's contact fields through Place Details."""

    group: str
    place_id: str

    def worst_case(self, prices: PurchasePrices) -> float:
        """What this request may cost at most."""
        return prices.details


Purchase = PagePurchase | DetailsPurchase
"""One paid request the planner hands out."""


@dataclass
class PurchaseGroup:
    """One rectangle's purchase: the leaves it packs, what it claimed and how far it got.

    ``claimed`` are the ids this group must obtain; ``pages_done`` and
    ``next_token`` follow its page chain; ``fallback`` is set once the pages are
    over (or failed) and the ids still missing go to Place Details. The
    requests in flight (``page_out``, ``details_out``) are not saved: after a
    restore they are handed out again.
    """

    key: str
    rect: Area
    leaves: tuple[str, ...]
    method: Method
    place_count: int
    claimed: tuple[str, ...]
    pages_done: int = 0
    next_token: str | None = None
    fallback: bool = False
    page_out: bool = field(default=False, compare=False)
    details_out: set[str] = field(default_factory=set, compare=False)

    @property
    def page_limit(self) -> int:
        """Most pages this group may buy."""
        return pages_for(self.place_count) if self.method is Method.PAGES else 0

    def pages_over(self) -> bool:
        """True once no further page can or should be bought."""
        if self.method is not Method.PAGES or self.fallback:
            return True
        return self.pages_done >= self.page_limit or (self.pages_done > 0 and self.next_token is None)

    def next_purchase(self, outstanding: list[str]) -> Purchase | None:
        """The next request for ids still ``outstanding`` (claimed, not yet known), if any is due."""
        if not outstanding:
            return None
        if not self.pages_over():
            if self.page_out:
                return None  # pages of one search go one after another
            self.page_out = True
            return PagePurchase(self.key, self.rect, self.pages_done + 1, self.next_token)
        if self.page_out:
            return None  # wait for the last page before falling back to details
        for place_id in outstanding:
            if place_id not in self.details_out:
                self.details_out.add(place_id)
                return DetailsPurchase(self.key, place_id)
        return None

    def idle(self) -> bool:
        """True when no request of this group is in flight."""
        return not self.page_out and not self.details_out

    def to_dict(self) -> dict[str, object]:
        """Plain data for a checkpoint (requests in flight are left out)."""
        return {
            "key": self.key,
            "rect": self.rect.to_list(),
            "leaves": list(self.leaves),
            "method": self.method.value,
            "place_count": self.place_count,
            "claimed": list(self.claimed),
            "pages_done": self.pages_done,
            "next_token": self.next_token,
            "fallback": self.fallback,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> PurchaseGroup:
        """Inverse of :meth:`to_dict`; raises ValueError on malformed data."""
        leaves, claimed, token = data["leaves"], data["claimed"], data.get("next_token")
        if not isinstance(leaves, list) or not isinstance(claimed, list):
            raise ValueError("a purchase group needs lists of leaves and claimed ids")
        if token is not None and not isinstance(token, str):
            raise ValueError("a purchase group's page token must be text")
        return cls(
            key=str(data["key"]),
            rect=Area.from_list(data["rect"]),
            leaves=tuple(str(leaf) for leaf in leaves),
            method=Method(str(data["method"])),
            place_count=_count(data["place_count"]),
            claimed=tuple(str(place_id) for place_id in claimed),
            pages_done=_count(data.get("pages_done", 0)),
            next_token=token,
            fallback=bool(data.get("fallback", False)),
        )


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"expected a count, got {value!r}")
    return value
