"""The pipeline end to end on demo and scripted providers: events, bands, metrics, failures."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from leadgen_desktop.core.run.pipeline import Pipeline
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import (
    ApiCall,
    Business,
    CampaignConfig,
    CancelToken,
    DiscoveryPage,
    DomainSearch,
    EmailCandidate,
    EmailReason,
    EmailStatus,
    JobFinished,
    JobStatus,
    LeadStored,
    PipelineEvent,
    PriceTable,
    ProgressEvent,
    ProviderAuthError,
    ProviderError,
    Providers,
    QuotaExhausted,
    Stage,
    Verification,
)
from leadgen_desktop.net.providers.demo import build_demo_providers
from tests.fakes.live_support import logged_calls


@pytest.fixture
def repo(store: Store) -> Store:
    """A fresh store of each engine (SQLite, PostgreSQL)."""
    return store


def run(repo: Store, providers: Providers, config: CampaignConfig, cancel: CancelToken | None = None):
    events: list[PipelineEvent] = []
    pipeline = Pipeline(repo, providers)
    _, job_id = pipeline.start(config)
    finished = pipeline.run(job_id, cancel or CancelToken(), events.append)
    return finished, events


def test_demo_run_events_bands_and_metrics(repo: Store, tmp_path: Path) -> None:
    out = tmp_path / "leads.csv"
    config = CampaignConfig("dentist", "Austin, TX", max_results=25, min_score=0, output=str(out))
    finished, events = run(repo, build_demo_providers(latency=0.0), config)
    assert finished.status is JobStatus.COMPLETED, finished.error
    assert isinstance(events[-1], JobFinished)
    progress = [e for e in events if isinstance(e, ProgressEvent)]
    # stages appear in order, progress never goes down, each event within its stage's band
    order = [Stage.DISCOVERING, Stage.SCORING, Stage.ENRICHING, Stage.STORING]
    seen = [s for i, s in enumerate(e.stage for e in progress) if i == 0 or s != progress[i - 1].stage]
    assert seen == order
    values = [e.progress for e in progress]
    assert values == sorted(values)
    assert values[-1] == 100
    for e in progress:
        low, high = e.stage.band
        assert low <= e.progress <= high
    stored = [e for e in events if isinstance(e, LeadStored)]
    m = finished.metrics
    assert len(stored) == m.qualified_leads == m.leads_enriched == 25
    assert m.businesses_found >= 25
    assert m.emails_found == sum(1 for e in stored if e.lead.email)
    assert m.emails_verified == sum(1 for e in stored if e.lead.email_status is EmailStatus.VALID)
    assert m.avg_confidence == pytest.approx(sum(e.lead.score for e in stored) / 25, abs=0.01)
    assert m.total_cost == 0.0
    assert finished.output == str(out)
    assert len(out.read_text(encoding="utf-8-sig").strip().splitlines()) == 26
    job = repo.jobs.get(finished.job_id)
    assert job is not None
    assert (job.status, job.progress) == (JobStatus.COMPLETED, 100)
    assert job.metrics == m
    assert repo.leads.count(finished.job_id) == 25
    # leads are sorted by score and respect the filter
    scores = [lead.confidence_score for lead in repo.leads.stream(finished.job_id)]
    assert scores == sorted(scores, reverse=True)
    assert repo.campaigns.summaries()[0].demo


def test_each_lead_is_stored_before_the_next_is_enriched(repo: Store) -> None:
    counts: list[int] = []
    pipeline = Pipeline(repo, build_demo_providers(latency=0.0))
    _, job_id = pipeline.start(CampaignConfig("bakery", "Leeds", max_results=10, min_score=0))

    def on_event(event: PipelineEvent) -> None:
        if isinstance(event, LeadStored):
            counts.append(repo.leads.count(job_id))
            job = repo.jobs.get(job_id)
            assert job is not None
            assert job.stage in (Stage.DISCOVERING, Stage.ENRICHING)  # enrichment overlaps discovery
            assert job.status is JobStatus.PROCESSING

    pipeline.run(job_id, CancelToken(), on_event)
    assert counts == list(range(1, 11))


def test_min_score_filters_and_notice_when_too_few(repo: Store) -> None:
    finished, events = run(
        repo,
        build_demo_providers(latency=0.0),
        CampaignConfig("dentist", "Austin", max_results=50, min_score=95),
    )
    assert finished.status is JobStatus.COMPLETED
    stored = [e.lead for e in events if isinstance(e, LeadStored)]
    assert all(lead.score >= 95 for lead in stored)
    if len(stored) < 50:
        assert any("reached the minimum score" in n for n in finished.notices)


def test_cancel_between_items_marks_job_cancelled(repo: Store) -> None:
    token = CancelToken()
    pipeline = Pipeline(repo, build_demo_providers(latency=0.0))
    _, job_id = pipeline.start(CampaignConfig("dentist", "Austin", max_results=30, min_score=0))
    stored = 0

    def on_event(event: PipelineEvent) -> None:
        nonlocal stored
        if isinstance(event, LeadStored):
            stored += 1
            if stored == 5:
                token.cancel()

    finished = pipeline.run(job_id, token, on_event)
    assert finished.status is JobStatus.CANCELLED
    # Answers already back when the cancel came are stored too (paid for: never thrown away);
    # nothing new is requested, so a few at most, and every stored lead was announced.
    assert 5 <= repo.leads.count(job_id) == stored < 30
    job = repo.jobs.get(job_id)
    assert job is not None
    assert job.status is JobStatus.CANCELLED


# -- scripted providers for the failure paths ---------------------------------------------


def call(provider: str, sku: str, units: float = 1, status: int = 200, outcome: str = "ok") -> ApiCall:
    return ApiCall(provider, "/x", status, outcome, sku, units, 1.0)


def biz(i: int, website: str | None = "auto") -> Business:
    site = f"https://shop{i}.com" if website == "auto" else website
    return Business(
        place_id=f"p{i}",
        name=f"Shop {i}",
        address=f"{i} Main St",
        phone="555",
        website=site,
        rating=4.5,
        review_count=100,
    )


@dataclass
class ScriptedDiscovery:
    pages: list[list[Business]]
    provider: str = "google_places"
    max_results_per_query: int = 60
    billing_sku: str = "places_text_search_pro"
    fail_with: Exception | None = None

    def search(self, config: CampaignConfig, page_token: str | None, cancel: CancelToken) -> DiscoveryPage:
        if self.fail_with is not None:
            raise self.fail_with
        index = int(page_token or 0)
        nxt = str(index + 1) if index + 1 < len(self.pages) else None
        return DiscoveryPage(
            tuple(self.pages[index]), nxt, (call("google_places", "places_text_search_pro"),)
        )


@dataclass
class ScriptedFinder:
    provider: str = "hunter"
    billing_sku: str = "hunter_credit"
    searched: list[str] = field(default_factory=list)
    quota_after: int | None = None
    error_domains: frozenset[str] = frozenset()
    auth_fail_after: int | None = None

    def find(self, domain: str, cancel: CancelToken) -> DomainSearch:
        if self.auth_fail_after is not None and len(self.searched) >= self.auth_fail_after:
            raise ProviderAuthError(
                "hunter",
                "Hunter.io rejected the API key (401).",
                (call("hunter", "hunter_credit", 0, 401, "auth_failure"),),
            )
        if self.quota_after is not None and len(self.searched) >= self.quota_after:
            raise QuotaExhausted(
                "hunter", "usage exhausted", (call("hunter", "hunter_credit", 0, 429, "quota"),)
            )
        self.searched.append(domain)
        if domain in self.error_domains:
            raise ProviderError("hunter", "bad response", (call("hunter", "hunter_credit", 0, 500, "error"),))
        candidates = (EmailCandidate(f"info@{domain}", 90, "generic"),)
        return DomainSearch(domain, candidates, (call("hunter", "hunter_credit", 1),))


@dataclass
class ScriptedVerifier:
    provider: str = "neverbounce"
    billing_sku: str = "neverbounce_credit"
    verified: list[str] = field(default_factory=list)

    def verify(self, email: str, cancel: CancelToken) -> Verification:
        self.verified.append(email)
        return Verification(
            email, EmailStatus.VALID, ("has_dns",), calls=(call("neverbounce", "neverbounce_credit"),)
        )


def test_costs_and_call_counts_add_up_to_the_call_log(repo: Store) -> None:
    pages = [
        [biz(1), biz(2), biz(3, "https://www.shop1.com/about")],
        [biz(4, None), biz(5, "https://facebook.com/shop5")],
    ]
    finder, verifier = ScriptedFinder(), ScriptedVerifier()
    providers = Providers(ScriptedDiscovery(pages), finder, verifier)
    finished, events = run(repo, providers, CampaignConfig("shop", "Town", max_results=10, min_score=0))
    assert finished.status is JobStatus.COMPLETED, finished.error
    # shop1.com searched once for two leads; no website and facebook never searched
    assert sorted(finder.searched) == ["shop1.com", "shop2.com"]
    assert sorted(verifier.verified) == ["info@shop1.com", "info@shop2.com"]
    reasons = {e.lead.business.place_id: e.lead.email_reason for e in events if isinstance(e, LeadStored)}
    assert reasons["p4"] is EmailReason.NO_WEBSITE
    assert reasons["p5"] is EmailReason.SHARED_PLATFORM
    m = finished.metrics
    prices = PriceTable()
    assert m.api_calls == {"google_places": 2, "hunter": 2, "neverbounce": 2}
    assert m.cost_by_provider["google_places"] == pytest.approx(2 * prices.prices["places_text_search_pro"])
    calls, costs = logged_calls(repo.path, finished.job_id)
    assert calls == dict(m.api_calls)
    for provider, cost in costs.items():
        assert math.isclose(cost, m.cost_by_provider[provider], abs_tol=1e-12)
    assert math.isclose(m.total_cost, sum(costs.values()), abs_tol=1e-12)
    lead_costs = sum(lead.cost for lead in repo.leads.stream(finished.job_id))
    assert math.isclose(lead_costs + m.cost_by_provider["google_places"], m.total_cost, abs_tol=1e-12)


def test_auth_failure_fails_job_but_keeps_stored_leads(repo: Store) -> None:
    finder = ScriptedFinder(auth_fail_after=1)
    providers = Providers(ScriptedDiscovery([[biz(1), biz(2)]]), finder, ScriptedVerifier())
    finished, _ = run(repo, providers, CampaignConfig("shop", "Town", max_results=10, min_score=0))
    assert finished.status is JobStatus.FAILED
    assert finished.error is not None
    assert "Hunter.io" in finished.error
    # the search that succeeded before the rejection was paid for: it is kept in the cache
    assert len(finder.searched) == 1
    assert repo.lookups.domain(finder.searched[0], dt.timedelta(days=1)) is not None
    assert logged_calls(repo.path, finished.job_id)[0]["hunter"] == 2  # the rejected attempt is logged too
    job = repo.jobs.get(finished.job_id)
    assert job is not None
    assert job.error == finished.error


def test_discovery_auth_failure_fails_with_readable_error(repo: Store) -> None:
    err = ProviderAuthError("google_places", "Google Places rejected the API key (API_KEY_INVALID).")
    providers = Providers(ScriptedDiscovery([], fail_with=err))
    finished, events = run(repo, providers, CampaignConfig("shop", "Town"))
    assert finished.status is JobStatus.FAILED
    assert finished.error == "Google Places rejected the API key (API_KEY_INVALID)."
    assert isinstance(events[-1], JobFinished)


def test_quota_exhausted_finishes_without_emails(repo: Store) -> None:
    pages = [[biz(i) for i in range(1, 6)]]
    finder = ScriptedFinder(quota_after=2)
    finished, events = run(
        repo,
        Providers(ScriptedDiscovery(pages), finder, ScriptedVerifier()),
        CampaignConfig("shop", "Town", max_results=5, min_score=0),
    )
    assert finished.status is JobStatus.COMPLETED
    reasons = [e.lead.email_reason for e in events if isinstance(e, LeadStored)]
    assert reasons.count(EmailReason.QUOTA_EXHAUSTED) == 3
    assert len(finder.searched) == 2  # never called again after the 429
    assert any("quota is exhausted" in n for n in finished.notices)


def test_provider_error_marks_lead_and_run_goes_on(repo: Store) -> None:
    pages = [[biz(1), biz(2)]]
    finder = ScriptedFinder(error_domains=frozenset({"shop1.com"}))
    finished, events = run(
        repo,
        Providers(ScriptedDiscovery(pages), finder, ScriptedVerifier()),
        CampaignConfig("shop", "Town", max_results=5, min_score=0),
    )
    assert finished.status is JobStatus.COMPLETED
    leads = {e.lead.business.place_id: e.lead for e in events if isinstance(e, LeadStored)}
    assert leads["p1"].email_reason is EmailReason.PROVIDER_ERROR
    assert leads["p1"].error == "bad response"
    assert leads["p2"].email == "info@shop2.com"


def test_without_finder_and_verifier_keys(repo: Store) -> None:
    finished, events = run(
        repo, Providers(ScriptedDiscovery([[biz(1)]])), CampaignConfig("shop", "Town", min_score=0)
    )
    assert finished.status is JobStatus.COMPLETED
    lead = next(e.lead for e in events if isinstance(e, LeadStored))
    assert lead.email_reason is EmailReason.NO_KEY
    assert any("no Hunter.io API key" in n for n in finished.notices)


def test_no_verify_leaves_emails_unverified(repo: Store) -> None:
    verifier = ScriptedVerifier()
    finished, events = run(
        repo,
        Providers(ScriptedDiscovery([[biz(1)]]), ScriptedFinder(), verifier),
        CampaignConfig("shop", "Town", min_score=0, verify=False),
    )
    lead = next(e.lead for e in events if isinstance(e, LeadStored))
    assert lead.email_status is EmailStatus.UNVERIFIED
    assert verifier.verified == []
    assert finished.metrics.api_calls["neverbounce"] == 0


def test_unexpected_exception_becomes_failed_job(repo: Store) -> None:
    providers = Providers(ScriptedDiscovery([], fail_with=ZeroDivisionError("boom")))
    finished, _ = run(repo, providers, CampaignConfig("shop", "Town"))
    assert finished.status is JobStatus.FAILED
    assert finished.error == "Unexpected error: ZeroDivisionError: boom"


def test_dedupe_across_pages(repo: Store) -> None:
    dup = Business(place_id="other", name="SHOP 1", address="1 Main St.", website="https://shop1.com")
    pages = [[biz(1), biz(2)], [biz(2), dup, biz(3)]]
    finished, _ = run(
        repo, Providers(ScriptedDiscovery(pages)), CampaignConfig("shop", "Town", max_results=10, min_score=0)
    )
    assert finished.metrics.businesses_found == 3
