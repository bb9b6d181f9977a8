"""The ledger hook: every paid request attempt is written down before it is sent.

An honest bill must survive a timeout, a lost connection, a cancel or a kill -9,
so what a request *may* cost is on record before the request leaves. The network
layer cannot see the database, so the run hands it a :class:`Ledger`: the retry
loop (``net/retry.py``) calls :meth:`Ledger.before_send` before each attempt
(retries are separate billable requests) and :meth:`Ledger.after_answer` once it
knows what the attempt cost, or that nobody can know (``ApiCall.confirmed``).

The ledger travels with the call in a context variable (:func:`paying_into`, set
by the core's request pool around each provider call), so the provider protocols,
the demo providers and test doubles stay as they are; a request sent outside a
ledger (a Settings key check) is simply not written down first.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol

from leadgen_desktop.domain.billing import ApiCall
from leadgen_desktop.domain.providers import ProviderError


@dataclass(frozen=True, slots=True)
class PaidAttempt:
    """One request attempt about to be sent, and the most it may be billed under its contract."""

    provider: str
    endpoint: str
    sku: str
    worst_units: float
    """Units of ``sku`` the provider may bill at most (a Hunter search with limit=10: 1 credit)."""


class BudgetReached(ProviderError):
    """The budget cannot hold the next attempt's worst case, so it was not sent."""


class Ledger(Protocol):
    """Where paid attempts are written down before they are sent, and settled after."""

    def before_send(self, attempt: PaidAttempt) -> int | None:
        """Write ``attempt`` down durably before it is sent; return its entry (None: free, not recorded).

        Raises:
            BudgetReached: the budget cannot hold its worst case (it must not be sent).
            Cancelled: the run is ending (nothing more is sent).
        """
        ...

    def after_answer(self, entry: int | None, call: ApiCall) -> None:
        """What the attempt written as ``entry`` turned out to cost (``call.confirmed`` False: unknown)."""
        ...


_CURRENT: ContextVar[Ledger | None] = ContextVar("leadgen_ledger", default=None)


def current_ledger() -> Ledger | None:
    """The ledger of the provider call running on this thread, if any."""
    return _CURRENT.get()


@contextmanager
def paying_into(ledger: Ledger | None) -> Iterator[None]:
    """Make ``ledger`` the one paid attempts are written into, for the calls made inside."""
    token = _CURRENT.set(ledger)
    try:
        yield
    finally:
        _CURRENT.reset(token)
