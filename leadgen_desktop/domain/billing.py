"""API calls, prices, the run's metrics and its budget stop: everything the bill is made of."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from leadgen_desktop.domain.enums import EMAIL_SOURCE_KEYS, PROVIDERS


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One HTTP request attempt that reached (or tried to reach) a provider.

    ``units`` is what the provider bills for it (requests or credits) under
    ``sku``; the price table turns that into dollars. When the answer never came
    back (a timeout, a lost connection, a deadline, a body too large) nobody knows
    what the provider billed: ``confirmed`` is False and the attempt may have cost
    up to ``worst_units`` (its contract's worst case), which the bill shows as
    unconfirmed rather than leave out.
    """

    provider: str
    endpoint: str
    http_status: int | None
    outcome: str
    sku: str
    units: float
    duration_ms: float
    cached: bool = False
    confirmed: bool = True
    """False when the outcome is unknown: the request may have been billed, up to ``worst_units``."""
    worst_units: float = 0.0
    """The most the provider may bill for it under its contract (0 when nothing was paid for)."""
    attempt: int | None = None
    """The ledger entry written before it was sent (None: it was not written down first)."""


@dataclass(frozen=True, slots=True)
class PriceTable:
    """USD per billed unit, keyed by SKU. Editable in Settings."""

    prices: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_PRICES),
    )

    def cost_of(self, call: ApiCall) -> float:
        """What ``call`` costs in USD (cache hits and free SKUs cost 0)."""
        if call.cached or not call.confirmed:
            return 0.0
        return self.prices.get(call.sku, 0.0) * call.units

    def unconfirmed_of(self, call: ApiCall) -> float:
        """The most ``call`` may have cost when its outcome is unknown (0 when it is known)."""
        if call.cached or call.confirmed:
            return 0.0
        return self.prices.get(call.sku, 0.0) * call.worst_units

    def price(self, sku: str, units: float = 1.0) -> float:
        """USD for ``units`` of ``sku`` (0 for a SKU without a price)."""
        return float(self.prices.get(sku, 0.0)) * units


DEFAULT_PRICES: Mapping[str, float] = {
    "places_text_search_essentials": 0.0,
    "places_text_search_pro": 0.032,
    "places_text_search_enterprise": 0.035,
    "places_details_essentials": 0.005,
    "places_details_pro": 0.017,
    "places_details_enterprise": 0.020,
    "hunter_credit": 0.0245,
    "neverbounce_credit": 0.008,
    "free": 0.0,
}


def _zero_by_provider() -> dict[str, float]:
    return dict.fromkeys(PROVIDERS, 0.0)


def _zero_calls() -> dict[str, int]:
    return dict.fromkeys(PROVIDERS, 0)


def _zero_sources() -> dict[str, int]:
    return dict.fromkeys(EMAIL_SOURCE_KEYS, 0)


@dataclass(frozen=True, slots=True)
class Metrics:
    """Run counters (keys of the JSON summary's ``metrics`` object)."""

    businesses_found: int = 0
    qualified_leads: int = 0
    leads_enriched: int = 0
    emails_found: int = 0
    emails_verified: int = 0
    avg_confidence: float = 0.0
    total_cost: float = 0.0
    api_calls: Mapping[str, int] = field(default_factory=_zero_calls)
    cost_by_provider: Mapping[str, float] = field(default_factory=_zero_by_provider)
    cost_unconfirmed: float = 0.0
    """The most the requests whose answer never came back may have cost (USD, 0 when all came back).

    The bill's invariant: ``total_cost`` <= what the providers billed <= ``total_cost + cost_unconfirmed``.
    """
    tiles_searched: int = 0
    tiles_saturated: int = 0
    area: tuple[float, float, float, float] | None = None
    """The area searched, ``(south, west, north, east)``; None before it is known."""
    emails_by_source: Mapping[str, int] = field(default_factory=_zero_sources)
    """Leads whose email came from each source (``website``, ``hunter``; the demo finder counts as Hunter)."""
    mx_rejected: int = 0
    """Leads whose email domain has no mail server (``email_reason`` ``no_mail_server``): nothing paid."""

    def to_dict(self) -> dict[str, object]:
        """The binding JSON shape."""
        return {
            "businesses_found": self.businesses_found,
            "qualified_leads": self.qualified_leads,
            "leads_enriched": self.leads_enriched,
            "emails_found": self.emails_found,
            "emails_verified": self.emails_verified,
            "avg_confidence": self.avg_confidence,
            "total_cost": self.total_cost,
            "api_calls": {p: int(self.api_calls.get(p, 0)) for p in PROVIDERS},
            "cost_by_provider": {p: float(self.cost_by_provider.get(p, 0.0)) for p in PROVIDERS},
            "cost_unconfirmed": float(self.cost_unconfirmed),
            "tiles_searched": self.tiles_searched,
            "tiles_saturated": self.tiles_saturated,
            "area": None if self.area is None else list(self.area),
            "emails_by_source": {k: int(self.emails_by_source.get(k, 0)) for k in EMAIL_SOURCE_KEYS},
            "mx_rejected": self.mx_rejected,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Metrics:
        """Inverse of :meth:`to_dict`, tolerant of missing keys."""

        def num(key: str) -> float:
            value = data.get(key, 0)
            return float(value) if isinstance(value, int | float) else 0.0

        calls = data.get("api_calls")
        costs = data.get("cost_by_provider")
        area = data.get("area")
        sources = data.get("emails_by_source")
        return cls(
            businesses_found=int(num("businesses_found")),
            qualified_leads=int(num("qualified_leads")),
            leads_enriched=int(num("leads_enriched")),
            emails_found=int(num("emails_found")),
            emails_verified=int(num("emails_verified")),
            avg_confidence=num("avg_confidence"),
            total_cost=num("total_cost"),
            api_calls={p: int(calls.get(p, 0)) for p in PROVIDERS}
            if isinstance(calls, Mapping)
            else _zero_calls(),
            cost_by_provider={p: float(costs.get(p, 0.0)) for p in PROVIDERS}
            if isinstance(costs, Mapping)
            else _zero_by_provider(),
            cost_unconfirmed=num("cost_unconfirmed"),
            tiles_searched=int(num("tiles_searched")),
            tiles_saturated=int(num("tiles_saturated")),
            area=_four_numbers(area),
            emails_by_source={k: int(sources.get(k, 0)) for k in EMAIL_SOURCE_KEYS}
            if isinstance(sources, Mapping)
            else _zero_sources(),
            mx_rejected=int(num("mx_rejected")),
        )


def _four_numbers(value: object) -> tuple[float, float, float, float] | None:
    """``[south, west, north, east]`` read back, or None when it is not four numbers."""
    if not isinstance(value, list | tuple) or len(value) != 4:
        return None
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
        return None
    south, west, north, east = (float(v) for v in value)
    return south, west, north, east


@dataclass(frozen=True, slots=True)
class BudgetStop:
    """How a run stopped on its budget: what it spent, what the rest may cost, what would finish it.

    Carried by :class:`~leadgen_desktop.domain.events.JobFinished` and stored
    with the job; the command line and the window word it themselves.
    """

    spent: float
    """USD the job has spent so far (all its attempts)."""
    limit: float
    """The budget it ran with (USD)."""
    remaining: float
    """The most the rest of the run could cost (every call left at its worst-case price)."""
    leads_left: int
    """Leads the budget left unfinished (waiting for a lookup, or not discovered yet)."""
    unconfirmed: float = 0.0
    """The most requests without an answer may have cost on top of ``spent`` (USD)."""

    @property
    def needed(self) -> float:
        """The budget to resume with (USD, rounded up to the cent): enough to finish the run.

        It covers what was spent (even when a provider billed more than its
        reservation), what the requests without an answer may have cost, and the
        most the rest could cost, so it is always above what was spent.
        """
        committed = max(self.limit, self.spent + self.unconfirmed)
        return math.ceil((committed + self.remaining) * 100 - 1e-6) / 100
