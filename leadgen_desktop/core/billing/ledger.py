"""A job's ledger: each paid attempt is held against the budget and written down before it is sent.

The run makes one :class:`JobLedger`; every request it starts gets a
:class:`RequestLedger` (the domain's ``Ledger``), which the request pool installs
around the provider call. For each attempt the retry loop then asks
:meth:`RequestLedger.before_send`: the attempt's worst case is held against the
budget (the first attempt takes over the hold the request was started with)
and a ``pending`` row is written to the call log, in a transaction of its own,
on the request's thread. Only then is the attempt sent. Its answer settles the
hold (:meth:`RequestLedger.after_answer`): what it cost, or, when no answer
came, its worst case as unconfirmed. The row itself is completed on the
pipeline thread, in the transaction that stores what the answer was for.

After :meth:`JobLedger.close` no attempt is written down, hence none is sent: the
bill a run ends with can never miss a request sent after it was added up. Nor after
the run's ``stop`` token is cancelled: that is the last look at a cancel before a
paid attempt goes out, later than the retry loop's own (a rate-limit wait may sit between).

A request whose last paid attempt was answered is *in hand* until the run's thread
takes it (:meth:`RequestLedger.delivered`): only work on this machine is left to do
with it, so a cancelled run waits for those answers and stores them
(:attr:`JobLedger.answers_in_hand`) instead of buying them again when it resumes.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence

from leadgen_desktop.core.billing.budget import Budget
from leadgen_desktop.db.call_log import CallLog
from leadgen_desktop.domain import ApiCall, BudgetReached, Cancelled, CancelToken, PaidAttempt, PriceTable


class JobLedger:
    """Writes one job's paid attempts down and holds their worst cases against its budget."""

    def __init__(
        self, calls: CallLog, job_id: str, prices: PriceTable, budget: Budget, stop: CancelToken | None = None
    ) -> None:
        self.calls, self.job_id, self.prices, self.budget = calls, job_id, prices, budget
        self._stop = stop
        self._lock = threading.Lock()  # request threads and the pipeline thread; never a signal handler
        self._closed = False
        self._in_hand = 0

    @property
    def answers_in_hand(self) -> int:
        """Requests whose paid answer came back and that the run's thread has not taken yet."""
        with self._lock:
            return self._in_hand

    def _count_in_hand(self, change: int) -> None:
        with self._lock:
            self._in_hand += change

    def request(self, hold: int | None) -> RequestLedger:
        """The ledger of one request started with ``hold`` (a budget ticket, or None)."""
        return RequestLedger(self, hold)

    def close(self) -> None:
        """Write nothing down from now on, so nothing more is sent (waits for a write in progress)."""
        with self._lock:
            self._closed = True

    def write_down(self, attempt: PaidAttempt, hold: int | None) -> tuple[int, int, float] | None:
        """Hold the attempt's worst case (taking over ``hold``) and write it down before it is sent.

        Returns (entry, ticket, worst case), or None for a free attempt (nothing held or written).

        Raises:
            BudgetReached: the budget cannot hold it (``hold`` is given back).
            Cancelled: the ledger is closed or the run cancelled (``hold`` is given back).
            StorageError: it could not be written down (so it must not be sent).
        """
        worst = self.prices.price(attempt.sku, attempt.worst_units)
        with self._lock:
            if self._closed or (self._stop is not None and self._stop.cancelled):
                self.budget.release(hold)
                raise Cancelled
            if worst <= 0:
                return None
            ticket = self.budget.reserve(worst, replacing=hold)
            if ticket is None:
                raise BudgetReached(
                    attempt.provider, "the budget cannot cover another request; it was not sent"
                )
            try:
                entry = self.calls.record_intent(
                    self.job_id, attempt.provider, attempt.endpoint, attempt.sku, worst
                )
            except BaseException:
                self.budget.release(ticket)
                raise
        return entry, ticket, worst


class RequestLedger:
    """The ``Ledger`` of one request: its attempts, their holds, and how it settles.

    ``before_send`` and ``after_answer`` run on the request's thread; ``finish`` and
    ``abandon`` on the pipeline thread, once the request came back or was dropped.
    """

    def __init__(self, job: JobLedger, hold: int | None) -> None:
        self._job = job
        self._hold = hold  # the budget ticket the request was started with, until an attempt takes it
        self._attempts: dict[int, tuple[int, float]] = {}  # entry -> (ticket, worst case), until answered
        self.written: list[int] = []
        """Entries written down for this request, in order."""
        self._in_hand = False  # its last paid attempt was answered; the run's thread has not taken it

    def _set_in_hand(self, in_hand: bool) -> None:
        if in_hand != self._in_hand:
            self._in_hand = in_hand
            self._job._count_in_hand(1 if in_hand else -1)

    def before_send(self, attempt: PaidAttempt) -> int | None:
        """Hold and write down ``attempt`` (see :class:`~leadgen_desktop.domain.Ledger`)."""
        hold, self._hold = self._hold, None  # the first paid attempt takes the start hold over
        written = self._job.write_down(attempt, hold)
        if written is None:  # free: nothing held, the start hold stays for a paid attempt
            self._hold = hold
            return None
        self._set_in_hand(False)  # a retry is out again: its answer is not in hand
        entry, ticket, worst = written
        self._attempts[entry] = (ticket, worst)
        self.written.append(entry)
        return entry

    def after_answer(self, entry: int | None, call: ApiCall) -> None:
        """Settle the attempt's hold with what it cost, or keep its worst case as unconfirmed."""
        if entry is None or entry not in self._attempts:
            return
        ticket, worst = self._attempts.pop(entry)
        if call.confirmed:
            self._job.budget.settle(ticket, self._job.prices.cost_of(call))
            self._set_in_hand(True)
        else:
            self._job.budget.settle_unknown(ticket, worst)

    def finish(self, calls: Sequence[ApiCall]) -> None:
        """The request came back with ``calls``: settle what the attempts did not.

        A provider that does not go through the ledger (demo, test doubles) settles
        the start hold with what its calls cost; an attempt written down but never
        answered (its send raised) stays unconfirmed.
        """
        budget, prices = self._job.budget, self._job.prices
        unrecorded = math.fsum(prices.cost_of(c) for c in calls if c.attempt is None)
        if self._hold is not None:
            budget.settle(self._hold, unrecorded)
            self._hold = None
        elif unrecorded:
            budget.add_spent(unrecorded)
        for ticket, worst in self._attempts.values():
            budget.settle_unknown(ticket, worst)
        self._attempts.clear()

    def delivered(self) -> None:
        """The run's thread took the request that came back (its answer is no longer only in hand)."""
        self._set_in_hand(False)

    def abandon(self) -> None:
        """The request was dropped before it was sent: give its hold back."""
        self._job.budget.release(self._hold)
        self._hold = None
