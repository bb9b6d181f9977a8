"""A hard spending ceiling: reserve a call's worst-case price before making it.

The pipeline asks :meth:`Budget.reserve` before every paid call. The reservation
holds the call's worst-case price until :meth:`Budget.settle` replaces it with
what the call really cost. A call whose reservation would take spent plus
reserved over the limit is not made, so the spend can never exceed the budget.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from leadgen_desktop.domain import HunterMode, PriceTable, Providers

EPSILON = 1e-9


@dataclass
class Budget:
    """Spent and reserved dollars against an optional limit (None: no limit)."""

    limit: float | None
    spent: float = 0.0
    _reserved: dict[int, float] = field(default_factory=dict)
    _next_ticket: int = 0
    exhausted: bool = False

    @property
    def reserved(self) -> float:
        """Dollars held for calls in flight."""
        return math.fsum(self._reserved.values())

    def can_afford(self, worst_case: float) -> bool:
        """Would a call costing up to ``worst_case`` stay within the limit?"""
        if self.limit is None or worst_case <= 0:
            return True
        return self.spent + self.reserved + worst_case <= self.limit + EPSILON

    def reserve(self, worst_case: float) -> int | None:
        """Hold ``worst_case`` dollars; return a ticket, or None (and mark exhausted) if over."""
        if not self.can_afford(worst_case):
            self.exhausted = True
            return None
        self._next_ticket += 1
        self._reserved[self._next_ticket] = max(worst_case, 0.0)
        return self._next_ticket

    def settle(self, ticket: int | None, actual: float) -> None:
        """Release a reservation and add what the call really cost."""
        if ticket is not None:
            self._reserved.pop(ticket, None)
        self.spent += actual

    def add_spent(self, amount: float) -> None:
        """Count money spent outside a reservation (e.g. rebuilt on resume)."""
        self.spent += amount


@dataclass(frozen=True, slots=True)
class UnitPrices:
    """The most one discovery page, one email search and one verification can cost."""

    page: float
    search: float
    check: float

    @property
    def lead(self) -> float:
        """A lead's worst case: one search and one verification."""
        return self.search + self.check

    def requests_out_notice(self, pages: int, searches: int, checks: int) -> str | None:
        """What a cancelled run says of requests still out (None when they can cost nothing)."""
        worst = pages * self.page + searches * self.search + checks * self.check
        if worst <= 0:
            return None
        parts = [
            f"{n} {one if n == 1 else many}"
            for n, one, many in (
                (pages, "search page", "search pages"),
                (searches, "email search", "email searches"),
                (checks, "verification", "verifications"),
            )
            if n
        ]
        return (
            f"Cancelled with {', '.join(parts)} still waiting for an answer: if the providers "
            f"answer them they may bill up to ${worst:.4f} more than this total."
        )

    @classmethod
    def of(
        cls, providers: Providers, prices: PriceTable, verify: bool, hunter: HunterMode = HunterMode.FALLBACK
    ) -> UnitPrices:
        """Worst-case prices of these providers (a missing provider, no search or no verification costs 0).

        With the Hunter mode ``fallback`` every website may show nothing, so a search stays in the worst case.
        """
        table = prices.prices
        finder, verifier = providers.finder, providers.verifier
        searching = finder is not None and hunter is not HunterMode.NEVER
        return cls(
            page=float(table.get(providers.discovery.billing_sku, 0.0)),
            search=float(table.get(finder.billing_sku, 0.0)) if finder is not None and searching else 0.0,
            check=float(table.get(verifier.billing_sku, 0.0)) if verifier and verify else 0.0,
        )
