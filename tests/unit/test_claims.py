"""Lookups are claimed in the database before they are paid for, so two runs never pay for one.

Every test runs on SQLite and on PostgreSQL (the ``store`` and ``db_url`` fixtures).
The claim queries (portable SQL), the run's rules (a dead or silent owner's claim is taken
over), the claim given up in the same transaction as the cached answer, and a pipeline that
finds a lookup claimed by another live run: it waits for that run's answer and takes it from
the cache at $0. (Two real processes: tests/integration/test_concurrent_runs.py.)
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from dataclasses import dataclass, field

import pytest

from leadgen_desktop.core.owners import process_owner
from leadgen_desktop.core.run.lookup_claims import DOMAIN, LookupClaims
from leadgen_desktop.core.run.pipeline import Pipeline
from leadgen_desktop.db.records import ClaimKey
from leadgen_desktop.db.store import Store
from leadgen_desktop.db.tables import utcnow
from leadgen_desktop.domain import (
    ApiCall,
    CampaignConfig,
    CancelToken,
    DomainSearch,
    EmailCandidate,
    JobStatus,
    PriceTable,
    Providers,
)
from tests.fakes.one_page import OnePage

OTHER_HOST = "other-machine:4242"
"""A teammate's process: only its heartbeat tells whether it lives."""


def job(store: Store) -> str:
    return store.jobs.create(CampaignConfig("shop", "Town"))[1]


def test_the_first_taker_wins_and_others_see_the_holder(store: Store) -> None:
    never = lambda _claim: False  # noqa: E731
    assert store.claims.take("domain", "a.com", "h:1", "j1", never) is None
    assert store.claims.take("domain", "a.com", "h:1", "j1", never) is None  # already ours: renewed
    holder = store.claims.take("domain", "a.com", "h:2", "j2", never)
    assert holder is not None
    assert (holder.owner, holder.job_id) == ("h:1", "j1")
    assert store.claims.take("email", "a.com", "h:2", "j2", never) is None  # another kind, another lookup


def test_a_second_connection_sees_the_claim(db_url: str) -> None:
    first, second = Store.open(db_url), Store.open(db_url)
    assert first.claims.take("domain", "a.com", "h:1", "j1", lambda _c: False) is None
    holder = second.claims.take("domain", "a.com", "h:2", "j2", lambda _c: False)
    first.db.close()
    second.db.close()
    assert holder is not None
    assert holder.owner == "h:1"


def test_takeover_replaces_only_the_holder_that_was_judged(store: Store) -> None:
    store.claims.take("domain", "a.com", "h:1", "j1", lambda _c: False)
    assert store.claims.take("domain", "a.com", "h:2", "j2", lambda _c: True) is None
    holder = store.claims.holder("domain", "a.com")
    assert holder is not None
    assert holder.owner == "h:2"


def test_the_answer_and_the_claim_release_are_one_transaction(store: Store) -> None:
    job_id = job(store)
    claims = LookupClaims(store, "h:1", job_id)
    assert claims.take(DOMAIN, "a.com")
    search = DomainSearch("a.com", (EmailCandidate("info@a.com", 90, "generic"),))
    store.lookups.save_domain(job_id, "hunter", search, (), PriceTable(), claims.key(DOMAIN, "a.com"))
    assert store.claims.holder(DOMAIN, "a.com") is None
    assert store.lookups.domain("a.com", dt.timedelta(days=1)) is not None


def test_a_failed_save_keeps_the_claim(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """If caching the answer fails, the claim stays too: waiting runs never see neither."""
    job_id = job(store)
    claims = LookupClaims(store, "h:1", job_id)
    assert claims.take(DOMAIN, "a.com")
    broken = ApiCall("hunter", "/v2/domain-search", 200, "ok", "hunter_credit", 1.0, 1.0)
    search = DomainSearch("a.com", ())
    monkeypatch.setattr(store.claims, "release", lambda _key: (_ for _ in ()).throw(RuntimeError("disk")))
    with pytest.raises(RuntimeError):
        store.lookups.save_domain(
            job_id, "hunter", search, (broken,), PriceTable(), claims.key(DOMAIN, "a.com")
        )
    assert store.lookups.domain("a.com", dt.timedelta(days=1)) is None  # rolled back with it
    assert store.claims.holder(DOMAIN, "a.com") is not None


def test_a_live_owner_keeps_its_claim_a_silent_one_loses_it(store: Store) -> None:
    now = [utcnow()]
    mine = LookupClaims(store, "h:me", "j1", clock=lambda: now[0])
    store.claims.take(DOMAIN, "a.com", OTHER_HOST, "j2", lambda _c: False)
    assert mine.held_elsewhere(DOMAIN, "a.com")
    assert not mine.take(DOMAIN, "a.com")
    now[0] += dt.timedelta(minutes=5)  # no heartbeat for longer than a lease lives
    assert not mine.held_elsewhere(DOMAIN, "a.com")
    assert mine.take(DOMAIN, "a.com")


def test_a_dead_process_on_this_host_loses_its_claim_at_once(store: Store) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    owner = f"{process_owner().rpartition(':')[0]}:{int(dead.stdout)}"
    store.claims.take(DOMAIN, "a.com", owner, "j2", lambda _c: False)
    mine = LookupClaims(store, process_owner(), "j1")
    assert not mine.held_elsewhere(DOMAIN, "a.com")
    assert mine.take(DOMAIN, "a.com")


def test_release_all_and_renew_touch_only_this_runs_claims(store: Store) -> None:
    now = [utcnow()]
    mine = LookupClaims(store, "h:me", "j1", clock=lambda: now[0])
    assert mine.take(DOMAIN, "a.com")
    assert mine.take("email", "x@a.com")
    store.claims.take(DOMAIN, "b.com", OTHER_HOST, "j2", lambda _c: False)
    assert mine.release_all() == 2
    assert store.claims.holder(DOMAIN, "b.com") is not None
    store.claims.release(ClaimKey(DOMAIN, "b.com", "h:me", "j1"))  # not ours: nothing happens
    assert store.claims.holder(DOMAIN, "b.com") is not None


# -- a pipeline meeting another run's claim ---------------------------------------------------


@dataclass
class OtherRunAnswers:
    """Hunter as seen by this run, while "another run" is paying for shop1.com.

    Searching shop2.com (which this run may pay for) is the moment the other run's answer for
    shop1.com lands: cached, its claim given up, in one transaction, as a real run does it.
    """

    store: Store
    other_job: str
    provider: str = "hunter"
    billing_sku: str = "hunter_credit"
    searched: list[str] = field(default_factory=list)

    def find(self, domain: str, cancel: CancelToken) -> DomainSearch:
        self.searched.append(domain)
        if domain == "shop2.com":
            other = ClaimKey(DOMAIN, "shop1.com", OTHER_HOST, self.other_job)
            answer = DomainSearch("shop1.com", (EmailCandidate("info@shop1.com", 90, "generic"),))
            self.store.lookups.save_domain(self.other_job, "hunter", answer, (), PriceTable(), other)
            self.store.db.close()  # this request thread's connection (a real provider never writes)
        calls = (ApiCall("hunter", "/v2/domain-search", 200, "ok", "hunter_credit", 1.0, 1.0),)
        return DomainSearch(domain, (EmailCandidate(f"info@{domain}", 90, "generic"),), calls)


def test_a_lookup_another_run_pays_for_is_waited_for_and_taken_from_the_cache(store: Store) -> None:
    other_job = job(store)
    store.claims.take(DOMAIN, "shop1.com", OTHER_HOST, other_job, lambda _c: False)  # it is paying now
    finder = OtherRunAnswers(store, other_job)
    pipeline = Pipeline(store, Providers(OnePage(), finder, None))
    _, job_id = pipeline.start(CampaignConfig("shop", "Town", max_results=2, min_score=0, verify=False))
    finished = pipeline.run(job_id, CancelToken(), lambda _e: None)
    assert finished.status is JobStatus.COMPLETED, finished.error
    assert finder.searched == ["shop2.com"]  # shop1.com was never paid for by this run
    leads = {lead.place_id: lead for lead in store.leads.stream(job_id)}
    assert leads["p1"].email == "info@shop1.com"
    assert leads["p1"].cost == 0.0  # taken from the cache at $0
    assert finished.metrics.api_calls["hunter"] == 1
    assert store.claims.holder(DOMAIN, "shop2.com") is None  # given up with its answer


def test_an_answer_landing_between_the_cache_read_and_the_claim_is_not_paid_again(store: Store) -> None:
    """The other run caches and releases just before this run's claim: the claim succeeds, yet
    the answer is in the cache (one transaction with the release), so nothing is paid."""
    other_job = job(store)
    store.claims.take(DOMAIN, "shop1.com", OTHER_HOST, other_job, lambda _c: False)
    finder = OtherRunAnswers(store, other_job)
    real_take = store.claims.take

    def take_after_the_other_run_answered(*args: object, **kwargs: object) -> object:
        if args[:2] == (DOMAIN, "shop1.com") and store.claims.holder(DOMAIN, "shop1.com") is not None:
            other = ClaimKey(DOMAIN, "shop1.com", OTHER_HOST, other_job)
            answer = DomainSearch("shop1.com", (EmailCandidate("info@shop1.com", 90, "generic"),))
            store.lookups.save_domain(other_job, "hunter", answer, (), PriceTable(), other)
        return real_take(*args, **kwargs)  # type: ignore[arg-type]

    store.claims.take = take_after_the_other_run_answered  # type: ignore[method-assign]
    pipeline = Pipeline(store, Providers(OnePage(), finder, None))
    _, job_id = pipeline.start(CampaignConfig("shop", "Town", max_results=2, min_score=0, verify=False))
    finished = pipeline.run(job_id, CancelToken(), lambda _e: None)
    assert finished.status is JobStatus.COMPLETED, finished.error
    assert finder.searched == ["shop2.com"]
    assert store.claims.holder(DOMAIN, "shop1.com") is None
