"""Enrichment with websites and mail servers: website first, Hunter by mode, nothing paid without mail.

Scripted providers (discovery, finder, verifier from ``test_pipeline``, plus a
scripted website reader and mail-server checker) run through the real pipeline
and store, so the order of steps, what is paid, the caches and the metrics are
checked together.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from leadgen_desktop.core.run.pipeline import Pipeline
from leadgen_desktop.core.run.run_state import RunState
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import (
    Business,
    CampaignConfig,
    CancelToken,
    EmailMethod,
    EmailReason,
    EmailStatus,
    FoundAddress,
    HunterMode,
    JobStatus,
    LeadStored,
    MailServerCheck,
    MailServerStatus,
    PipelineEvent,
    Providers,
    SiteOutcome,
    SiteResult,
)
from tests.unit.test_pipeline import ScriptedDiscovery, ScriptedFinder, ScriptedVerifier, biz


def site(domain: str, *emails: str, outcome: SiteOutcome | None = None) -> SiteResult:
    found = tuple(FoundAddress(e, f"https://{domain}/contact", EmailMethod.MAILTO) for e in emails)
    result = outcome or (SiteOutcome.FOUND if emails else SiteOutcome.NONE_FOUND)
    return SiteResult(domain, f"https://{domain}/", found, 2, 3, result, "read 2 pages")


@dataclass
class ScriptedSites:
    """A website reader answering from a table (domain -> result); records every crawl."""

    results: dict[str, SiteResult] = field(default_factory=dict)
    crawled: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def crawl(self, website: str, cancel: CancelToken) -> SiteResult:
        domain = website.split("://")[-1].split("/")[0].removeprefix("www.")
        with self.lock:
            self.crawled.append(domain)
        return self.results.get(domain) or site(domain)


@dataclass
class ScriptedMail:
    """A mail-server checker: MX for every domain but those listed."""

    statuses: dict[str, MailServerStatus] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, domain: str, cancel: CancelToken | None = None) -> MailServerCheck:
        with self.lock:
            self.asked.append(domain)
        return MailServerCheck(domain, self.statuses.get(domain, MailServerStatus.MX))


@pytest.fixture
def repo(tmp_path: Path) -> Store:
    return Store.open(tmp_path / "t.db")


@dataclass
class Setup:
    sites: ScriptedSites = field(default_factory=ScriptedSites)
    mail: ScriptedMail = field(default_factory=ScriptedMail)
    finder: ScriptedFinder = field(default_factory=ScriptedFinder)
    verifier: ScriptedVerifier = field(default_factory=ScriptedVerifier)

    def providers(self, pages: list[list[Business]]) -> Providers:
        return Providers(
            ScriptedDiscovery(pages),
            self.finder,
            self.verifier,
            websites=self.sites,
            mail_servers=self.mail,
        )


def run(repo: Store, providers: Providers, hunter: HunterMode = HunterMode.FALLBACK, n: int = 10):
    events: list[PipelineEvent] = []
    pipeline = Pipeline(repo, providers)
    _, job_id = pipeline.start(CampaignConfig("shop", "Town", max_results=n, min_score=0, hunter=hunter))
    finished = pipeline.run(job_id, CancelToken(), events.append)
    assert finished.status is JobStatus.COMPLETED, finished.error
    leads = {e.lead.business.place_id: e.lead for e in events if isinstance(e, LeadStored)}
    return finished, leads


def test_fallback_searches_only_domains_whose_website_showed_nothing(repo: Store) -> None:
    setup = Setup()
    setup.sites.results = {"shop1.com": site("shop1.com", "hello@shop1.com", "owner.jo@gmail.com")}
    finished, leads = run(repo, setup.providers([[biz(1), biz(2)]]))
    assert setup.finder.searched == ["shop2.com"]
    assert sorted(setup.sites.crawled) == ["shop1.com", "shop2.com"]
    first, second = leads["p1"], leads["p2"]
    assert (first.email, first.email_source, first.email_status) == (
        "hello@shop1.com",
        "website",
        EmailStatus.VALID,
    )
    assert first.candidates[0].page_url == "https://shop1.com/contact"
    assert first.candidates[0].found_by == "mailto"
    assert {c.email for c in first.candidates} == {"hello@shop1.com", "owner.jo@gmail.com"}
    assert first.provenance["website"]["outcome"] == "found"  # type: ignore[index]
    assert (second.email, second.email_source) == ("info@shop2.com", "hunter")
    assert finished.metrics.emails_by_source == {"website": 1, "hunter": 1}
    assert finished.metrics.mx_rejected == 0
    assert finished.metrics.api_calls["hunter"] == 1


def test_no_mail_server_shows_the_email_as_invalid_and_pays_nothing(repo: Store) -> None:
    setup = Setup()
    setup.sites.results = {"shop1.com": site("shop1.com", "info@shop1.com")}
    setup.mail.statuses = {"shop1.com": MailServerStatus.NULL_MX, "shop2.com": MailServerStatus.NXDOMAIN}
    finished, leads = run(repo, setup.providers([[biz(1), biz(2), biz(3)]]))
    shown, unknown_domain, fine = leads["p1"], leads["p2"], leads["p3"]
    assert (shown.email, shown.email_status, shown.email_reason) == (
        "info@shop1.com",
        EmailStatus.INVALID,
        EmailReason.NO_MAIL_SERVER,
    )
    assert (unknown_domain.email, unknown_domain.email_reason) == (None, EmailReason.NO_MAIL_SERVER)
    assert setup.finder.searched == ["shop3.com"], "a domain known to receive no mail needs no search"
    assert setup.verifier.verified == [fine.email]
    assert finished.metrics.mx_rejected == 2
    assert Counter(setup.mail.asked) == {"shop1.com": 1, "shop2.com": 1, "shop3.com": 1}


@pytest.mark.parametrize("status", [MailServerStatus.TIMEOUT, MailServerStatus.SERVER_FAILURE])
def test_a_dns_failure_never_marks_an_address_invalid(repo: Store, status: MailServerStatus) -> None:
    setup = Setup()
    setup.mail.statuses = {"shop1.com": status}
    _, leads = run(repo, setup.providers([[biz(1)]]))
    assert leads["p1"].email_status is EmailStatus.VALID
    assert setup.verifier.verified == ["info@shop1.com"]


def test_always_merges_website_and_hunter_addresses(repo: Store) -> None:
    setup = Setup()
    setup.sites.results = {"shop1.com": site("shop1.com", "sales@shop1.com")}
    _, leads = run(repo, setup.providers([[biz(1)]]), HunterMode.ALWAYS)
    lead = leads["p1"]
    assert setup.finder.searched == ["shop1.com"]
    assert lead.email == "info@shop1.com"  # the generic-inbox order decides: info before sales
    assert lead.email_source == "hunter"
    assert {(c.email, c.source) for c in lead.candidates} == {
        ("info@shop1.com", "hunter"),
        ("sales@shop1.com", "website"),
    }


def test_never_uses_website_addresses_only(repo: Store) -> None:
    setup = Setup()
    setup.sites.results = {"shop1.com": site("shop1.com", "info@shop1.com")}
    finished, leads = run(repo, setup.providers([[biz(1), biz(2)]]), HunterMode.NEVER)
    assert setup.finder.searched == []
    assert leads["p1"].email == "info@shop1.com"
    assert leads["p2"].email_reason is EmailReason.WEBSITE_FOUND_NONE
    assert finished.metrics.api_calls["hunter"] == 0


def test_a_site_shared_by_leads_is_read_once_and_a_later_run_reads_none(repo: Store) -> None:
    setup = Setup()
    pages = [[biz(1), biz(2, "https://www.shop1.com/other"), biz(3)]]
    run(repo, setup.providers(pages))
    assert Counter(setup.sites.crawled) == {"shop1.com": 1, "shop3.com": 1}
    again = Setup()
    _, leads = run(repo, again.providers(pages))
    assert again.sites.crawled == [], "the website cache answers a later campaign"
    assert again.mail.asked == [], "and so does the mail-server cache"
    assert leads["p1"].provenance["website"]["cached"] is True  # type: ignore[index]


def test_a_transient_site_result_is_kept_only_for_the_job_that_read_it(repo: Store) -> None:
    setup = Setup()
    setup.sites.results = {"shop1.com": site("shop1.com", outcome=SiteOutcome.TIMEOUT)}
    run(repo, setup.providers([[biz(1)]]))
    cached = repo.sites.site("shop1.com", max_age=_days(30), transient_max_age=_days(0))
    assert cached is None, "a timed-out site is asked again by another job once the short lifetime passed"
    entry = repo.db.tables.site_cache.get()
    own = repo.sites.site("shop1.com", _days(30), _days(0), job_id=entry.job_id)
    assert own is not None, "its own job always gets it back"
    assert own.result.outcome is SiteOutcome.TIMEOUT


def test_metrics_are_rebuilt_from_the_stored_leads(repo: Store) -> None:
    setup = Setup()
    setup.sites.results = {"shop1.com": site("shop1.com", "info@shop1.com")}
    setup.mail.statuses = {"shop3.com": MailServerStatus.NULL_MX}
    finished, _ = run(repo, setup.providers([[biz(1), biz(2), biz(3)]]))
    rebuilt = RunState.rebuild(Pipeline(repo, setup.providers([])).prices, repo, finished.job_id).snapshot()
    assert rebuilt.emails_by_source == finished.metrics.emails_by_source == {"website": 1, "hunter": 1}
    assert rebuilt.mx_rejected == finished.metrics.mx_rejected == 1


def test_without_a_finder_the_website_still_gives_emails(repo: Store) -> None:
    setup = Setup()
    setup.sites.results = {"shop1.com": site("shop1.com", "info@shop1.com")}
    providers = Providers(
        ScriptedDiscovery([[biz(1), biz(2)]]),
        None,
        setup.verifier,
        websites=setup.sites,
        mail_servers=setup.mail,
    )
    finished, leads = run(repo, providers)
    assert leads["p1"].email == "info@shop1.com"
    assert leads["p2"].email_reason is EmailReason.NO_KEY
    assert any("no Hunter.io API key" in n for n in finished.notices)


def test_the_stored_candidates_keep_where_each_address_was_found(repo: Store) -> None:
    setup = Setup()
    setup.sites.results = {"shop1.com": site("shop1.com", "info@shop1.com")}
    finished, _ = run(repo, setup.providers([[biz(1)]]))
    (record,) = repo.leads.for_job(finished.job_id)
    (candidate,) = json.loads(record.candidates)
    assert candidate["source"] == "website"
    assert candidate["page_url"] == "https://shop1.com/contact"
    assert candidate["found_by"] == "mailto"
    assert record.email_source == "website"


def _days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)
