"""The page-by-page search's one request: a page fetched on a helper thread while the run goes on.

Used when discovery cannot search by area (a provider without areas, or a
location Places knows without a viewport): :func:`fetch_page` reserves the
page's price in the budget, sends the request on a daemon thread and keeps
handling the enrichment scheduler's answers on the pipeline's thread until it
is back.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from leadgen_desktop.core.emails.domains import registrable_domain
from leadgen_desktop.domain import Cancelled, DiscoveryPage, ProviderError

if TYPE_CHECKING:
    from leadgen_desktop.core.run.pipeline import _Run

SETTLE_TIMEOUT = 20.0
"""After a failure, how long to wait for requests already sent (the longest read timeout)."""


class PageBudgetStop(Exception):
    """Discovery could not afford its next page."""


def fetch_page(run: _Run, token: str | None) -> tuple[DiscoveryPage, int | None, Exception | None]:
    """Fetch one page on a helper thread while the run's thread keeps storing enriched leads.

    Returns the page, its budget ticket and a failure that happened meanwhile: when
    enrichment fails while the page request is out (the network went away, a key was
    rejected), the page is waited for (bounded) so that it and what it cost are stored
    before the job fails, and a resume does not pay for it again. A cancel does not wait.

    Raises:
        PageBudgetStop: the budget cannot take the page.
    """
    discovery = run.providers.discovery
    ticket = run.budget.reserve(float(run.prices.prices.get(discovery.billing_sku, 0.0)))
    if ticket is None:
        raise PageBudgetStop
    box: list[DiscoveryPage | BaseException] = []
    done = threading.Event()

    def fetch() -> None:
        try:
            box.append(discovery.search(run.config, token, run.cancel))
        except BaseException as exc:  # noqa: BLE001 - handed back to the pipeline thread
            box.append(exc)
        finally:
            done.set()

    run._page_out = True  # until its answer is handled (a cancel reports it as still out)
    threading.Thread(target=fetch, name="leadgen-discovery", daemon=True).start()
    registrable_domain("https://example.com")  # load the suffix list while the page loads
    failure: Exception | None = None
    try:
        while not done.is_set():
            run.scheduler.pump(0.005)  # raises Cancelled at once when cancelled
    except Cancelled:
        raise
    except Exception as exc:
        deadline = time.monotonic() + SETTLE_TIMEOUT
        while not done.wait(0.05):  # bounded, and a cancel ends the wait
            if run.cancel.cancelled or time.monotonic() > deadline:
                raise
        failure = exc
    run._page_out = False
    outcome = box[0]
    if isinstance(outcome, ProviderError):
        run.budget.settle(ticket, 0.0)
        if failure is not None:
            run._log_calls_quietly(outcome)
            raise failure
        raise outcome
    if isinstance(outcome, BaseException):
        raise failure or outcome
    return outcome, ticket, failure
