"""One run's background requests: its pool, the inbox its thread waits on, the ledger they pay through.

Every stage of a run submits here (discovery pages, email searches,
verifications; later tiles, Place Details and website fetches): a request is
a kind, a key, a call and the budget hold it was started with. It runs on the
:class:`~leadgen_desktop.core.run.worker_pool.RequestPool` inside its own
:class:`~leadgen_desktop.core.billing.ledger.RequestLedger`, and comes back to
the handler of its kind through the :class:`~leadgen_desktop.core.run.run_loop.RunLoop`,
on the run's thread. :meth:`RunRequests.stop_sending` is the one way a run
stops paying: nothing more is written down (so nothing more is sent) and what
was queued is dropped, its holds given back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from leadgen_desktop.core.billing.budget import Budget
from leadgen_desktop.core.billing.ledger import JobLedger, RequestLedger
from leadgen_desktop.core.run.run_loop import Handler, RunLoop
from leadgen_desktop.core.run.worker_pool import Finished, Inbox, Request, RequestPool
from leadgen_desktop.db.call_log import CallLog
from leadgen_desktop.domain import ApiCall, CancelToken, PriceTable

SETTLE_TIMEOUT = 20.0
"""After a failure, how long a run waits for requests already sent (the longest read timeout)."""
IN_HAND_TIMEOUT = 0.5
"""After a cancel, the longest a run waits for paid answers already read (Ctrl-C exits within 1 s)."""


class RunRequests:
    """The pool, the inbox, the loop and the ledger of one run, used from the run's thread."""

    def __init__(
        self,
        calls: CallLog,
        job_id: str,
        prices: PriceTable,
        budget: Budget,
        cancel: CancelToken,
        limits: Mapping[str, int],
        thread_done: Callable[[], None] | None = None,
    ) -> None:
        inbox = Inbox()
        stop = cancel.child()
        self.pool = RequestPool(limits, inbox, stop, thread_done=thread_done)
        self.ledger = JobLedger(calls, job_id, prices, budget, stop)
        self.loop = RunLoop(inbox, cancel)
        self._sending = True

    @property
    def sending(self) -> bool:
        """False once :meth:`stop_sending` was called: nothing new may be started."""
        return self._sending

    def submit(
        self,
        kind: str,
        key: object,
        call: Callable[[CancelToken], object],
        hold: int | None,
        lane: str | None = None,
    ) -> None:
        """Send ``call`` in the background, paying through a ledger started with ``hold``."""
        self.pool.submit(Request(kind, key, call, ledger=self.ledger.request(hold), lane=lane))

    def on(self, kind: str, handler: Handler) -> None:
        """Hand requests of ``kind`` that came back to ``handler`` (on the run's thread)."""

        def taken(finished: Finished) -> None:
            if isinstance(finished.request.ledger, RequestLedger):
                finished.request.ledger.delivered()
            handler(finished)

        self.loop.on(kind, taken)

    def every(
        self, seconds: float, action: Callable[[], None], when: Callable[[], bool] = lambda: True
    ) -> None:
        """Run ``action`` every ``seconds`` while ``when()`` (see :meth:`RunLoop.every`)."""
        self.loop.every(seconds, action, when)

    def serve(self, until: Callable[[], bool]) -> None:
        """Handle what comes back until ``until()``; raises ``Cancelled`` at once on a cancel."""
        self.loop.serve(until)

    def settle(self, pending: Callable[[], bool], timeout: float) -> None:
        """The run is ending: handle what comes back within ``timeout`` (see :meth:`RunLoop.settle`)."""
        self.loop.settle(pending, timeout)

    def settle_cancelled(self, pending: Callable[[], bool]) -> None:
        """The run was cancelled: handle what is back and the paid answers already in hand.

        Those only need this machine's work to come back (see :class:`JobLedger`), so the
        wait is short (at most :data:`IN_HAND_TIMEOUT`); requests still waiting for an
        answer are not waited for (they stay in the bill as unconfirmed).
        """
        self.loop.settle(pending, IN_HAND_TIMEOUT, wait_while=lambda: self.ledger.answers_in_hand > 0)

    @staticmethod
    def settle_bill(finished: Finished, calls: Sequence[ApiCall]) -> None:
        """A request came back with ``calls``: settle on the budget what its attempts did not."""
        ledger = finished.request.ledger
        if isinstance(ledger, RequestLedger):
            ledger.finish(calls)

    def stop_sending(self) -> list[Request]:
        """Send nothing more (idempotent); return the queued requests dropped, their holds given back.

        Requests already out end by their own deadline; if they come back while the run
        settles they are stored, else they stay in the bill as unconfirmed.
        """
        if not self._sending:
            return []
        self._sending = False
        self.ledger.close()
        dropped = self.pool.close()
        for request in dropped:
            if isinstance(request.ledger, RequestLedger):
                request.ledger.abandon()
        return dropped

    def close(self) -> None:
        """Stop sending and stop being woken by the run's cancel token."""
        self.stop_sending()
        self.loop.close()
