"""A run that ends (a failure, a cancel) stores what comes back and starts nothing new.

After a failure the run waits (bounded) for requests already sent, so what they cost is
stored; an answer handled then must not start another request (the run has stopped
sending): its lead stays unfinished, resumable, and nothing is paid for it.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from leadgen_desktop.core.run.pipeline import Pipeline
from leadgen_desktop.core.run.run_requests import RunRequests
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import (
    ApiCall,
    CampaignConfig,
    CancelToken,
    DomainSearch,
    EmailCandidate,
    JobStatus,
    ProviderAuthError,
    Providers,
    Verification,
)
from tests.fakes.one_page import OnePage

GUARD = 10.0


@dataclass
class KeyRejectedWhileAnotherSearchIsOut:
    """shop1.com: the key is rejected (the run fails); shop2.com answers once the run stopped sending.

    shop1's rejection waits until shop2's search is out: the website step before the
    searches finishes in any order, and a search not sent by the time of the failure is
    (rightly) never sent, which is not what this test is about.
    """

    stopped: threading.Event
    provider: str = "hunter"
    billing_sku: str = "hunter_credit"
    other_out: threading.Event = field(default_factory=threading.Event)

    def find(self, domain: str, cancel: CancelToken) -> DomainSearch:
        call = ApiCall("hunter", "/v2/domain-search", 200, "ok", "hunter_credit", 1.0, 1.0)
        if domain == "shop1.com":
            assert self.other_out.wait(GUARD), "shop2.com's search was never sent"
            raise ProviderAuthError("hunter", "Hunter.io rejected the API key (401).", ())
        self.other_out.set()
        assert self.stopped.wait(GUARD), "the run never stopped sending"
        return DomainSearch(domain, (EmailCandidate(f"info@{domain}", 90, "generic"),), (call,))


@dataclass
class Verifier:
    provider: str = "neverbounce"
    billing_sku: str = "neverbounce_credit"
    verified: list[str] = field(default_factory=list)

    def verify(self, email: str, cancel: CancelToken) -> Verification:
        raise AssertionError(f"{email} was sent for verification after the run stopped sending")


def test_an_answer_settled_after_a_failure_starts_no_new_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    stopped = threading.Event()
    real_stop = RunRequests.stop_sending

    def stop_and_tell(self: RunRequests) -> object:
        dropped = real_stop(self)
        stopped.set()
        return dropped

    monkeypatch.setattr(RunRequests, "stop_sending", stop_and_tell)
    store = Store.open(tmp_path / "t.db")
    providers = Providers(OnePage(), KeyRejectedWhileAnotherSearchIsOut(stopped), Verifier())
    pipeline = Pipeline(store, providers)
    _, job_id = pipeline.start(CampaignConfig("shop", "Town", max_results=2, min_score=0))
    with caplog.at_level(logging.DEBUG, logger="leadgen_desktop"):
        finished = pipeline.run(job_id, CancelToken(), lambda _e: None)
    assert finished.status is JobStatus.FAILED
    assert "rejected the API key" in (finished.error or "")
    # shop2.com's answer came back while the run settled: paid for, so stored in the cache ...
    assert store.lookups.domain("shop2.com", dt.timedelta(days=1)) is not None
    # ... but its verification was never started, and nothing failed on the way
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records]
    assert store.leads.count(job_id) == 0  # both leads stay unfinished: a resume completes them
