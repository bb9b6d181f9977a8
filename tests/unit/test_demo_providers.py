"""Tests for the offline, deterministic demo providers."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from leadgen_desktop.core.discovery.dedupe import Deduper
from leadgen_desktop.core.emails.domains import is_shared_platform, registrable_domain
from leadgen_desktop.core.emails.email_choice import choose_email
from leadgen_desktop.core.scoring import select_leads
from leadgen_desktop.domain import (
    Business,
    BusinessStatus,
    CampaignConfig,
    Cancelled,
    CancelToken,
    EmailStatus,
    ProviderError,
    Providers,
)
from leadgen_desktop.net.providers import demo
from leadgen_desktop.net.providers.demo import (
    DEFAULT_LATENCY,
    PAGE_SIZE,
    DemoDiscovery,
    DemoEmailFinder,
    DemoEmailVerifier,
    build_demo_providers,
)

CONFIG = CampaignConfig(business_type="dentist", location="Austin, TX")


def all_pages(discovery: DemoDiscovery, config: CampaignConfig = CONFIG) -> list[Business]:
    found: list[Business] = []
    token: str | None = None
    cancel = CancelToken()
    while True:
        page = discovery.search(config, token, cancel)
        assert page.calls == ()
        found.extend(page.businesses)
        token = page.next_page_token
        if token is None:
            return found


@pytest.fixture(scope="module")
def austin() -> list[Business]:
    return all_pages(DemoDiscovery())


@pytest.fixture(scope="module")
def unique(austin: list[Business]) -> list[Business]:
    return Deduper().filter(austin)


def test_build_demo_providers() -> None:
    providers = build_demo_providers()
    assert isinstance(providers, Providers)
    assert providers.demo is True
    assert isinstance(providers.discovery, DemoDiscovery)
    assert isinstance(providers.finder, DemoEmailFinder)
    assert isinstance(providers.verifier, DemoEmailVerifier)
    assert providers.discovery.provider == "demo"
    assert providers.discovery.max_results_per_query == 1000


def test_latency_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    assert build_demo_providers().discovery.latency == 0.0  # type: ignore[attr-defined]
    monkeypatch.setenv("LEADGEN_DEMO_LATENCY", "0.25")
    assert build_demo_providers().finder.latency == 0.25  # type: ignore[union-attr]
    assert build_demo_providers(latency=0.5).verifier.latency == 0.5  # type: ignore[union-attr]
    monkeypatch.setenv("LEADGEN_DEMO_LATENCY", "bogus")
    assert build_demo_providers().discovery.latency == DEFAULT_LATENCY  # type: ignore[attr-defined]
    monkeypatch.delenv("LEADGEN_DEMO_LATENCY")
    assert build_demo_providers().discovery.latency == DEFAULT_LATENCY  # type: ignore[attr-defined]


def test_deterministic(austin: list[Business]) -> None:
    assert all_pages(DemoDiscovery()) == austin
    # Case and spacing of the campaign do not change the results.
    messy = CampaignConfig(business_type="  Dentist ", location="austin,   tx")
    first = DemoDiscovery().search(messy, None, CancelToken()).businesses
    assert [b.place_id for b in first] == [b.place_id for b in austin[: len(first)]]


def test_location_and_type_drive_the_data(austin: list[Business]) -> None:
    other = DemoDiscovery().search(CampaignConfig("dentist", "Portland, OR"), None, CancelToken())
    assert {b.place_id for b in other.businesses}.isdisjoint(b.place_id for b in austin)
    assert all(b.address.endswith(", Portland, OR") for b in other.businesses if b.address)
    assert all(b.address.endswith(", Austin, TX") for b in austin if b.address)
    bakery = DemoDiscovery().search(CampaignConfig("artisan bakery", "Leeds"), None, CancelToken())
    assert any("Artisan Bakery" in b.name for b in bakery.businesses)
    assert all(b.source == "demo" and b.types[0] == "artisan_bakery" for b in bakery.businesses)
    keywords = DemoDiscovery().search(
        CampaignConfig("dentist", "Austin, TX", keywords="emergency"), None, CancelToken()
    )
    assert {b.place_id for b in keywords.businesses}.isdisjoint(b.place_id for b in austin)


def test_phones_and_ratings_are_plausible(unique: list[Business]) -> None:
    for b in unique:
        if b.phone is not None:
            assert len(b.phone) == 14
            assert b.phone[5:] == f" 555-01{b.phone[-2:]}"
        assert b.review_count is not None
        assert 0 <= b.review_count <= 1500
        if b.rating is not None:
            assert 2.8 <= b.rating <= 5.0
    assert 0 < sum(b.phone is None for b in unique) < 0.1 * len(unique)


def test_pagination(austin: list[Business]) -> None:
    discovery = DemoDiscovery()
    page1 = discovery.search(CONFIG, None, CancelToken())
    assert page1.next_page_token == "demo-page-2"
    assert 0 < len(page1.businesses) <= PAGE_SIZE
    last = discovery.search(CONFIG, f"demo-page-{discovery.page_count}", CancelToken())
    assert last.next_page_token is None
    with pytest.raises(ProviderError):
        discovery.search(CONFIG, "page-two", CancelToken())
    with pytest.raises(ProviderError):
        discovery.search(CONFIG, f"demo-page-{discovery.page_count + 1}", CancelToken())


def test_pages_are_generated_lazily() -> None:
    discovery = DemoDiscovery()
    discovery.search(CONFIG, None, CancelToken())
    assert discovery.places_generated <= PAGE_SIZE
    page30 = discovery.search(CONFIG, "demo-page-30", CancelToken())
    assert discovery.places_generated <= 2 * PAGE_SIZE
    assert page30 == DemoDiscovery().search(CONFIG, "demo-page-30", CancelToken())


def test_proportions(austin: list[Business], unique: list[Business]) -> None:
    assert not any(b.business_status is BusinessStatus.CLOSED_PERMANENTLY for b in austin)
    raw = demo.RAW_PLACES
    assert len(austin) == raw - raw * 3 // 100  # permanently closed ones are skipped
    assert len(austin) - len(unique) == raw * 3 // 100  # 3% duplicate place_ids
    assert len({b.place_id for b in unique}) == len(unique)
    n = len(unique)
    no_site = sum(b.website is None for b in unique) / n
    shared = sum(b.website is not None and is_shared_platform(b.website) for b in unique) / n
    closed_temp = sum(b.business_status is BusinessStatus.CLOSED_TEMPORARILY for b in unique) / n
    assert 0.10 < no_site < 0.20
    assert 0.02 < shared < 0.08
    assert 0.02 < closed_temp < 0.08
    assert len({b.name for b in unique}) > 0.8 * n


def test_distinct_registrable_domains(unique: list[Business]) -> None:
    own = [b.website for b in unique if b.website and not is_shared_platform(b.website)]
    domains = [registrable_domain(site) for site in own]
    assert None not in domains
    assert len(set(domains)) == len(domains)
    assert all("-demo-" in d for d in domains if d)


def test_one_thousand_leads_obtainable() -> None:
    for location in ("Austin, TX", "Berlin", "Tōkyō"):
        found = Deduper().filter(all_pages(DemoDiscovery(), CampaignConfig("plumber", location)))
        assert len(found) >= 1000
        assert len(select_leads(found, min_score=0, max_results=1000)) == 1000


class RecordingToken(CancelToken):
    """A cancel token that records every wait asked of it, and tells when one began."""

    def __init__(self) -> None:
        super().__init__()
        self.waits: list[float] = []
        self.waiting = threading.Event()

    def wait(self, seconds: float) -> bool:
        self.waits.append(seconds)
        self.waiting.set()
        return super().wait(seconds)


def test_latency_zero_is_instant() -> None:
    """Zero latency means no pause at all: every wait the providers ask for is 0 s."""
    providers = build_demo_providers(latency=0)
    cancel = RecordingToken()
    for _ in range(20):
        providers.discovery.search(CONFIG, None, cancel)
        assert providers.finder is not None
        assert providers.verifier is not None
        providers.finder.find("acme-demo-zz00.com", cancel)
        providers.verifier.verify("info@acme-demo-zz00.com", cancel)
    assert set(cancel.waits) <= {0.0}


def test_cancel_during_latency_raises() -> None:
    """A cancel ends a 30 s demo pause at once (the bound is generous; the figure is printed)."""
    providers = build_demo_providers(latency=30)
    assert providers.finder is not None
    assert providers.verifier is not None
    cancel = RecordingToken()
    outcome: list[BaseException] = []

    def search() -> None:
        try:
            providers.discovery.search(CONFIG, None, cancel)
        except BaseException as exc:  # noqa: BLE001 - handed back to the test thread
            outcome.append(exc)

    thread = threading.Thread(target=search)
    thread.start()
    assert cancel.waiting.wait(10)  # the search is inside its 30 s pause
    start = time.perf_counter()
    cancel.cancel()
    thread.join(10)
    took = time.perf_counter() - start
    print(f"cancel during a 30 s demo pause: {took * 1000:.1f} ms")
    assert [type(e) for e in outcome] == [Cancelled]
    assert took < 10, f"cancel took {took:.2f}s"  # generous for a busy machine; the pause is 30 s
    assert cancel.waits == [30]
    with pytest.raises(Cancelled):
        providers.finder.find("acme.com", cancel)
    with pytest.raises(Cancelled):
        providers.verifier.verify("info@acme.com", cancel)


def test_finder_and_verifier(unique: list[Business]) -> None:
    finder, verifier = DemoEmailFinder(), DemoEmailVerifier()
    cancel = CancelToken()
    domains = [
        d for b in unique if (d := registrable_domain(b.website)) is not None and not is_shared_platform(d)
    ]
    searches = [finder.find(d, cancel) for d in domains]
    assert searches == [finder.find(d, cancel) for d in domains]  # deterministic
    assert all(s.calls == () for s in searches)
    empty = sum(not s.candidates for s in searches) / len(searches)
    assert 0.08 < empty < 0.22
    candidates = [c for s in searches for c in s.candidates]
    kinds = Counter(c.kind for c in candidates)
    assert kinds["personal"] > 0.3 * len(candidates)
    assert kinds["generic"] > 0.2 * len(candidates)
    assert all(40 <= c.confidence <= 99 for c in candidates)
    assert any(c.position == "Owner" for c in candidates)
    assert any(c.position == "Receptionist" for c in candidates)
    assert all(c.first_name and c.last_name for c in candidates if c.kind == "personal")
    chosen = [choose_email(s.candidates, s.domain)[0] for s in searches]
    emails = [c.email for c in chosen if c is not None]
    assert len(emails) > 0.7 * len(searches)
    statuses = Counter(verifier.verify(e, cancel).status for e in emails)
    assert statuses == Counter(verifier.verify(e, cancel).status for e in emails)
    assert statuses[EmailStatus.VALID] > 0.6 * len(emails)
    for status in (EmailStatus.CATCHALL, EmailStatus.UNKNOWN, EmailStatus.INVALID):
        assert 0 < statuses[status] < 0.2 * len(emails), status
    assert statuses[EmailStatus.DISPOSABLE] < 0.05 * len(emails)
    catchall = {s.domain for s in searches if s.accept_all}
    for email in emails:
        if email.split("@")[1] in catchall:
            assert verifier.verify(email, cancel).status is EmailStatus.CATCHALL


def test_verifier_rejects_malformed() -> None:
    result = DemoEmailVerifier().verify("not-an-email", CancelToken())
    assert result.status is EmailStatus.INVALID
    assert result.calls == ()


def test_resources_dir_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert (demo._resources_dir() / "demo" / "business_names.json").is_file()
    monkeypatch.setenv("LEADGEN_RESOURCES_DIR", str(tmp_path))
    assert demo._resources_dir() == tmp_path
    with pytest.raises(FileNotFoundError, match="LEADGEN_RESOURCES_DIR"):
        demo.load_demo_data()


def test_hash_is_not_salted() -> None:
    # Values pinned so a change of seeding (e.g. Python's salted hash()) is caught.
    first = DemoDiscovery().search(CONFIG, None, CancelToken()).businesses[0]
    again = DemoDiscovery().search(CONFIG, None, CancelToken()).businesses[0]
    assert first == again
    assert first.place_id.startswith("demo-")
    assert first.place_id.endswith("-0000")
