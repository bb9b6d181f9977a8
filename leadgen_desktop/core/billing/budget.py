"""A hard spending ceiling: every paid attempt holds its worst-case price before it is sent.

The pipeline reserves a request's worst case before starting it (a request the
budget cannot hold is not started: its lead waits, and the run stops with stop
reason ``budget``). The ledger (:mod:`~leadgen_desktop.core.billing.ledger`)
then holds each *attempt* of it (retries are separate billable requests) right
before it is sent and settles it with what the answer says it cost:

* an answer that bills more than its hold (a provider over-billing) exhausts a
  limited budget at once: no further paid request is sent, whatever room the
  arithmetic seems to leave, since the worst cases can no longer be trusted;
* an attempt whose answer never came keeps its worst case, as *unconfirmed*:
  it may have been billed, so it counts against the limit like money spent.

So spent + unconfirmed + held never exceeds the limit unless a provider bills more
than its contract says, and then nothing more is sent. The budget is shared by
the pipeline thread and the request threads (a lock of its own; never taken by a
signal handler).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from leadgen_desktop.domain import HunterMode, PriceTable, Providers

EPSILON = 1e-9


class Budget:
    """Spent, unconfirmed and held dollars against an optional limit (None: no limit)."""

    def __init__(self, limit: float | None) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._spent = 0.0
        self._unconfirmed = 0.0
        self._held: dict[int, float] = {}
        self._next_ticket = 0
        self._exhausted = False
        self._overbilled = False

    @property
    def spent(self) -> float:
        """Dollars the answers said were billed."""
        return self._spent

    @property
    def unconfirmed(self) -> float:
        """The most the attempts without an answer may have been billed."""
        return self._unconfirmed

    @property
    def reserved(self) -> float:
        """Dollars held for requests about to be sent or in flight."""
        with self._lock:
            return math.fsum(self._held.values())

    @property
    def exhausted(self) -> bool:
        """True once a request could not be held, or a provider billed more than its hold."""
        return self._exhausted

    @property
    def overbilled(self) -> bool:
        """True once an answer billed more than the worst case held for it."""
        return self._overbilled

    def can_afford(self, worst_case: float) -> bool:
        """Would a request costing up to ``worst_case`` stay within the limit?"""
        with self._lock:
            return self._fits(worst_case)

    def reserve(self, worst_case: float, replacing: int | None = None) -> int | None:
        """Hold ``worst_case`` dollars; return a ticket, or None (and mark exhausted) if over.

        ``replacing`` is a ticket given back first (the hold a request was started
        with, now taken by its first attempt). After an over-billing nothing paid is
        held any more (free requests still are).
        """
        with self._lock:
            if replacing is not None:
                self._held.pop(replacing, None)
            paid = worst_case > 0
            if (paid and self._overbilled and self.limit is not None) or not self._fits(worst_case):
                self._exhausted = True
                return None
            self._next_ticket += 1
            self._held[self._next_ticket] = max(worst_case, 0.0)
            return self._next_ticket

    def settle(self, ticket: int | None, actual: float) -> None:
        """Release a hold and add what the request really cost (more than held: over-billed)."""
        with self._lock:
            held = self._held.pop(ticket, None) if ticket is not None else None
            self._spent += actual
            if held is not None and actual > held + EPSILON:
                self._overbilled = True
                if self.limit is not None:
                    self._exhausted = True

    def settle_unknown(self, ticket: int | None, worst_case: float) -> None:
        """Release a hold whose attempt got no answer: its ``worst_case`` stays, as unconfirmed."""
        with self._lock:
            if ticket is not None:
                self._held.pop(ticket, None)
            self._unconfirmed += worst_case

    def release(self, ticket: int | None) -> None:
        """Give a hold back unused (its request was never sent)."""
        if ticket is not None:
            with self._lock:
                self._held.pop(ticket, None)

    def add_spent(self, amount: float, unconfirmed: float = 0.0) -> None:
        """Count money spent (and unconfirmed) outside a hold, e.g. rebuilt on resume."""
        with self._lock:
            self._spent += amount
            self._unconfirmed += unconfirmed

    def _fits(self, worst_case: float) -> bool:
        if self.limit is None or worst_case <= 0:
            return True
        committed = self._spent + self._unconfirmed + math.fsum(self._held.values())
        return committed + worst_case <= self.limit + EPSILON


def bill_text(total: float, unconfirmed: float = 0.0) -> str:
    """The bill in words, for the command line and the window alike.

    ``$0.9175``, or ``$0.9175 (+ up to $0.2795 unconfirmed)`` when some answers never
    came back (what the providers billed lies between the two figures).
    """
    text = f"${total:.4f}"
    if unconfirmed > 0:
        text += f" (+ up to ${unconfirmed:.4f} unconfirmed)"
    return text


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
