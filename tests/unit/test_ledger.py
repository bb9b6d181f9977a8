"""Each paid attempt is held against the budget and written down before it is sent (issue 10, Money).

The live providers run against the fake APIs (MockTransport), inside a job's ledger the way the
request pool runs them. The fake checks the database as each request arrives, so "written down
before it was sent" is observed by the receiver, not inferred.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import replace

import pytest

from leadgen_desktop.core.billing.budget import Budget
from leadgen_desktop.core.billing.ledger import JobLedger
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import (
    DEFAULT_PRICES,
    BudgetReached,
    CampaignConfig,
    Cancelled,
    CancelToken,
    PriceTable,
    ProviderError,
    paying_into,
)
from leadgen_desktop.net.providers.hunter import HunterEmailFinder
from leadgen_desktop.net.providers.neverbounce import NeverBounceVerifier
from leadgen_desktop.net.retry import RetryPolicy
from tests.fakes.api_server import FakeApis, Received
from tests.fakes.backends import query
from tests.fakes.live_support import live_providers

CREDIT = DEFAULT_PRICES["hunter_credit"]
CHECK = DEFAULT_PRICES["neverbounce_credit"]
DOMAIN = "acme-dental.com"


def emails(count: int) -> list[dict[str, object]]:
    return [{"value": f"info{i}@{DOMAIN}", "type": "generic", "confidence": 90} for i in range(count)]


_BENCHES: list[Bench] = []


@pytest.fixture(autouse=True)
def close_benches() -> Iterator[None]:
    """Close every bench's database connection once its test is over."""
    yield
    while _BENCHES:
        _BENCHES.pop().store.db.close()


class Bench:
    """A store with one job, its budget and ledger, and live Hunter/NeverBounce over the fake."""

    def __init__(self, db: str, fake: FakeApis, budget: float | None = None) -> None:
        self.db = db  # a SQLite file or a team database (each test runs on both)
        self.store = Store.open(self.db)
        _BENCHES.append(self)
        _, self.job_id = self.store.jobs.create(CampaignConfig("dentist", "Austin, TX"))
        self.prices = PriceTable()
        self.budget = Budget(budget)
        self.ledger = JobLedger(self.store.calls, self.job_id, self.prices, self.budget)
        providers = live_providers(fake)
        assert isinstance(providers.finder, HunterEmailFinder)
        assert isinstance(providers.verifier, NeverBounceVerifier)
        self.finder, self.verifier = providers.finder, providers.verifier
        for provider in (self.finder, self.verifier):
            provider._retry = RetryPolicy(rand=lambda: 0.0)  # retries without a pause

    def rows(self) -> list[tuple[str, int, float, float]]:
        """(outcome, confirmed, cost, worst_cost) of the job's calls, in the order written."""
        rows = query(
            self.db,
            "SELECT outcome, confirmed, cost, worst_cost FROM api_calls WHERE job_id = ? ORDER BY id",
            (self.job_id,),
        )
        return [(str(o), int(c), float(cost), float(w)) for o, c, cost, w in rows]

    def pending_now(self) -> int:
        ((count,),) = query(self.db, "SELECT count(*) FROM api_calls WHERE outcome = 'pending'")
        return int(count)


def test_every_attempt_is_written_down_before_it_reaches_the_provider(db_url: str) -> None:
    fake = FakeApis()
    fake.hunter_domains[DOMAIN] = emails(3)
    fake.inject("hunter", "http_503", "http_503")
    bench = Bench(db_url, fake)
    seen_pending: list[int] = []
    fake.before_answer = lambda received: seen_pending.append(bench.pending_now())
    request = bench.ledger.request(bench.budget.reserve(CREDIT))
    with paying_into(request):
        search = bench.finder.find(DOMAIN, CancelToken())
    assert seen_pending == [1, 2, 3]  # each attempt's row existed when it arrived (retries too)
    bench.store.calls.add(bench.job_id, search.calls, bench.prices)  # the pipeline completes them
    request.finish(search.calls)
    assert [(o, c) for o, c, _, _ in bench.rows()] == [
        ("retry:server_error", 1),
        ("retry:server_error", 1),
        ("ok", 1),
    ]
    assert [worst for *_, worst in bench.rows()] == [CREDIT] * 3  # what each may have cost at most
    assert bench.budget.spent == pytest.approx(CREDIT)
    assert bench.budget.reserved == 0.0


def test_a_billed_answer_that_never_arrives_stays_unconfirmed_at_its_worst_case(db_url: str) -> None:
    fake = FakeApis()
    fake.hunter_domains[DOMAIN] = emails(3)
    fake.inject("hunter", "billed_timeout", "billed_drop")  # billed, and the answer is lost
    bench = Bench(db_url, fake)
    request = bench.ledger.request(bench.budget.reserve(CREDIT))
    with paying_into(request):
        search = bench.finder.find(DOMAIN, CancelToken())
    calls = search.calls
    assert [c.confirmed for c in calls] == [False, False, True]
    bench.store.calls.add(bench.job_id, calls, bench.prices)
    total = math.fsum(bench.prices.cost_of(c) for c in calls)
    unconfirmed = bench.store.calls.unconfirmed_cost(bench.job_id)
    billed = fake.billed_usd()
    assert billed == pytest.approx(3 * CREDIT)  # the provider billed all three
    assert total == pytest.approx(CREDIT)
    assert unconfirmed == pytest.approx(2 * CREDIT)
    assert total <= billed + 1e-12 <= total + unconfirmed + 2e-12  # the honest bill
    assert bench.budget.unconfirmed == pytest.approx(2 * CREDIT)  # counted against the limit too


def test_a_neverbounce_read_timeout_is_unknown_not_free(db_url: str) -> None:
    fake = FakeApis()
    fake.inject("neverbounce", "billed_timeout")
    bench = Bench(db_url, fake)
    request = bench.ledger.request(bench.budget.reserve(CHECK))
    with paying_into(request):
        verdict = bench.verifier.verify(f"info@{DOMAIN}", CancelToken())
    [call] = verdict.calls
    assert verdict.status.value == "unknown"  # NeverBounce's advice: a timeout is "unknown"
    assert not call.confirmed
    bench.store.calls.add(bench.job_id, verdict.calls, bench.prices)
    assert bench.store.calls.unconfirmed_cost(bench.job_id) == pytest.approx(CHECK)
    assert fake.billed_usd() == pytest.approx(CHECK)


def test_a_refused_connection_sent_nothing_and_costs_nothing(db_url: str) -> None:
    fake = FakeApis()
    fake.hunter_domains[DOMAIN] = emails(1)
    fake.inject("hunter", "connect_error")
    bench = Bench(db_url, fake)
    request = bench.ledger.request(bench.budget.reserve(CREDIT))
    with paying_into(request):
        search = bench.finder.find(DOMAIN, CancelToken())
    assert [c.confirmed for c in search.calls] == [True, True]
    bench.store.calls.add(bench.job_id, search.calls, bench.prices)
    assert bench.store.calls.unconfirmed_cost(bench.job_id) == 0.0


def test_a_retry_the_budget_cannot_hold_is_not_sent(db_url: str) -> None:
    """One credit of budget: the first attempt's answer is lost (maybe billed), so no second attempt."""
    fake = FakeApis()
    fake.hunter_domains[DOMAIN] = emails(1)
    fake.inject("hunter", "billed_timeout")
    bench = Bench(db_url, fake, budget=CREDIT)
    request = bench.ledger.request(bench.budget.reserve(CREDIT))
    with paying_into(request), pytest.raises(BudgetReached) as refused:
        bench.finder.find(DOMAIN, CancelToken())
    assert fake.calls["hunter"] == 1
    assert [c.confirmed for c in refused.value.calls] == [False]  # the lost attempt travels with it
    assert bench.budget.exhausted
    assert len(bench.rows()) == 1  # nothing written for the attempt that was not sent


def test_nothing_is_written_down_or_sent_once_the_ledger_is_closed(db_url: str) -> None:
    fake = FakeApis()
    bench = Bench(db_url, fake)
    request = bench.ledger.request(bench.budget.reserve(CREDIT))
    bench.ledger.close()
    with paying_into(request), pytest.raises(Cancelled):
        bench.finder.find(DOMAIN, CancelToken())
    assert fake.calls["hunter"] == 0
    assert bench.rows() == []
    assert bench.budget.reserved == 0.0  # the start hold went back


def test_nothing_paid_is_written_down_or_sent_once_the_run_is_cancelled(db_url: str) -> None:
    """The ledger looks at the run's cancel last, after the retry loop's own look (and its waits)."""
    fake = FakeApis()
    bench = Bench(db_url, fake)
    stop = CancelToken()
    ledger = JobLedger(bench.store.calls, bench.job_id, bench.prices, bench.budget, stop)
    request = ledger.request(bench.budget.reserve(CREDIT))
    stop.cancel()
    with paying_into(request), pytest.raises(Cancelled):
        bench.finder.find(DOMAIN, CancelToken())  # the provider's own token is not cancelled
    assert fake.calls["hunter"] == 0
    assert bench.rows() == []
    assert bench.budget.reserved == 0.0


def test_free_requests_are_neither_held_nor_written(db_url: str) -> None:
    fake = FakeApis()
    bench = Bench(db_url, fake, budget=0.0)
    free = PriceTable({**DEFAULT_PRICES, "hunter_credit": 0.0})
    ledger = JobLedger(bench.store.calls, bench.job_id, free, bench.budget)
    request = ledger.request(None)
    with paying_into(request):
        bench.finder.find(DOMAIN, CancelToken())
    assert bench.rows() == []
    assert not bench.budget.exhausted


# -- the budget itself -----------------------------------------------------------------------------


def test_an_answer_billing_more_than_its_hold_exhausts_a_limited_budget() -> None:
    budget = Budget(10.0)
    ticket = budget.reserve(CREDIT)
    budget.settle(ticket, 10 * CREDIT)  # a Hunter that returned 100 emails to a limit=10 search
    assert budget.overbilled
    assert budget.exhausted
    assert budget.reserve(CHECK) is None  # no further paid request, whatever room seems left
    assert budget.reserve(0.0) is not None  # free requests still go


def test_without_a_limit_over_billing_is_noted_and_the_run_goes_on() -> None:
    budget = Budget(None)
    budget.settle(budget.reserve(CREDIT), 10 * CREDIT)
    assert budget.overbilled
    assert not budget.exhausted
    assert budget.reserve(CHECK) is not None


def test_unconfirmed_money_counts_against_the_limit() -> None:
    budget = Budget(2 * CREDIT)
    budget.settle_unknown(budget.reserve(CREDIT), CREDIT)
    assert budget.reserve(CREDIT) is not None
    assert budget.reserve(CREDIT) is None
    assert budget.unconfirmed == pytest.approx(CREDIT)


def test_the_request_ledger_settles_a_provider_that_bypasses_it() -> None:
    """Demo providers and test doubles never call the ledger: their calls settle the start hold."""
    from leadgen_desktop.domain import ApiCall

    budget = Budget(1.0)
    hold = budget.reserve(CREDIT)
    ledger = JobLedger(None, "job", PriceTable(), budget)  # type: ignore[arg-type]
    request = ledger.request(hold)
    call = ApiCall("hunter", "/v2/domain-search", 200, "ok", "hunter_credit", 1.0, 1.0)
    request.finish((call, replace(call, cached=True)))
    assert budget.reserved == 0.0
    assert budget.spent == pytest.approx(CREDIT)


def test_fake_sees_the_same_attempts_as_the_log(db_url: str) -> None:
    """Every request the fake received has a row: nothing was sent unrecorded."""
    fake = FakeApis()
    fake.hunter_domains[DOMAIN] = emails(2)
    fake.inject("hunter", "rate_limit", "billed_drop")
    bench = Bench(db_url, fake)
    received: list[Received] = []
    fake.before_answer = received.append
    request = bench.ledger.request(bench.budget.reserve(CREDIT))
    with paying_into(request):
        search = bench.finder.find(DOMAIN, CancelToken())
    bench.store.calls.add(bench.job_id, search.calls, bench.prices)
    assert len(received) == len(bench.rows()) == 3


def test_an_answer_is_in_hand_from_when_it_is_read_until_the_run_takes_it(db_url: str) -> None:
    """A cancelled run waits for these (they only need this machine's work), not for answers on the wire."""
    fake = FakeApis()
    fake.hunter_domains[DOMAIN] = emails(3)
    fake.inject("hunter", "http_503", "billed_drop")  # answered, retried; billed, the answer lost
    bench = Bench(db_url, fake)
    in_hand_at_arrival: list[int] = []
    fake.before_answer = lambda _received: in_hand_at_arrival.append(bench.ledger.answers_in_hand)
    request = bench.ledger.request(bench.budget.reserve(CREDIT))
    with paying_into(request):
        bench.finder.find(DOMAIN, CancelToken())
    assert in_hand_at_arrival == [0, 0, 0]  # a retry on its way is not in hand, nor a lost answer
    assert bench.ledger.answers_in_hand == 1  # the last answer was read
    request.delivered()
    assert bench.ledger.answers_in_hand == 0
    lost = bench.ledger.request(bench.budget.reserve(CREDIT))
    fake.inject("hunter", "billed_timeout")
    bench.finder._retry = RetryPolicy(max_attempts=1)  # the timeout is not tried again
    with paying_into(lost), pytest.raises(ProviderError):
        bench.finder.find(DOMAIN, CancelToken())
    assert bench.ledger.answers_in_hand == 0  # no answer was read: nothing to wait for
