"""Issue 12 part B contracts: Hunter modes, email sources and reasons, metrics, the CLI flag, the estimate."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from leadgen_desktop.cli import main
from leadgen_desktop.core.billing.estimate import estimate_cost
from leadgen_desktop.core.emails.email_choice import choose_email
from leadgen_desktop.core.emails.email_sources import merge_candidates, search_wanted, website_candidates
from leadgen_desktop.domain import (
    CampaignConfig,
    EmailCandidate,
    EmailMethod,
    EmailReason,
    EmailSource,
    FoundAddress,
    HunterMode,
    Metrics,
    PriceTable,
    SiteOutcome,
    SiteResult,
    email_source_key,
)
from leadgen_desktop.net.providers.demo import build_demo_providers
from leadgen_desktop.settings import AppSettings
from tests.fakes.api_server import FAKE_KEYS, FakeApis
from tests.fakes.live_support import live_providers

SITE = SiteResult(
    "joes-pizza.com",
    "https://joes-pizza.com/",
    (
        FoundAddress("joespizza.catering@gmail.com", "https://joes-pizza.com/", EmailMethod.TEXT),
        FoundAddress("joe@joes-pizza.com", "https://joes-pizza.com/about", EmailMethod.OBFUSCATED),
    ),
    2,
    3,
    SiteOutcome.FOUND,
)


def test_the_binding_values() -> None:
    assert {mode.value for mode in HunterMode} == {"always", "fallback", "never"}
    assert EmailReason.NO_MAIL_SERVER.value == "no_mail_server"
    assert {s.value for s in EmailSource} == {"website", "hunter", "demo"}
    assert [email_source_key(s) for s in ("website", "hunter", "demo", None, "")] == [
        "website",
        "hunter",
        "hunter",
        None,
        None,
    ]
    shape = Metrics().to_dict()
    assert shape["emails_by_source"] == {"website": 0, "hunter": 0}
    assert shape["mx_rejected"] == 0
    back = Metrics.from_dict({**shape, "emails_by_source": {"website": 3, "hunter": 2}, "mx_rejected": 1})
    assert (dict(back.emails_by_source), back.mx_rejected) == ({"website": 3, "hunter": 2}, 1)
    assert Metrics.from_dict({}).emails_by_source == {"website": 0, "hunter": 0}


@pytest.mark.parametrize(
    ("mode", "found", "search"),
    [
        (HunterMode.FALLBACK, False, True),
        (HunterMode.FALLBACK, True, False),
        (HunterMode.ALWAYS, True, True),
        (HunterMode.ALWAYS, False, True),
        (HunterMode.NEVER, False, False),
        (HunterMode.NEVER, True, False),
    ],
)
def test_when_the_paid_search_runs(mode: HunterMode, found: bool, search: bool) -> None:
    assert search_wanted(mode, found) is search


def test_website_addresses_count_even_as_free_mail_and_the_own_domain_comes_first() -> None:
    candidates = website_candidates(SITE)
    assert [(c.source, c.page_url, c.found_by) for c in candidates] == [
        ("website", "https://joes-pizza.com/", "text"),
        ("website", "https://joes-pizza.com/about", "obfuscated"),
    ]
    chosen, alternatives = choose_email(candidates, "joes-pizza.com")
    assert chosen is not None
    assert chosen.email == "joe@joes-pizza.com"
    assert [c.email for c in alternatives] == ["joespizza.catering@gmail.com"]
    finder_gmail = EmailCandidate("someone@gmail.com", 99, source="hunter")
    assert choose_email([finder_gmail], "joes-pizza.com") == (None, ()), "a finder's free mail never counts"


def test_a_finder_lends_its_person_to_an_address_the_website_shows() -> None:
    shown = website_candidates(SITE)
    owner = EmailCandidate(
        "joe@joes-pizza.com", 70, "personal", "Joe", "Russo", "Owner", "executive", source="hunter"
    )
    other = EmailCandidate("info@joes-pizza.com", 60, source="hunter")
    merged = merge_candidates(shown, (owner, other))
    assert [c.email for c in merged] == [
        "joespizza.catering@gmail.com",
        "joe@joes-pizza.com",
        "info@joes-pizza.com",
    ]
    joe = merged[1]
    assert (joe.source, joe.page_url, joe.position, joe.confidence) == (
        "website",
        "https://joes-pizza.com/about",
        "Owner",
        100,
    )
    chosen, _ = choose_email(merged, "joes-pizza.com")
    assert chosen is not None
    assert chosen.email == "joe@joes-pizza.com", "the decision maker first"


def test_the_mode_is_kept_with_the_job_and_in_settings(tmp_path: Path) -> None:
    config = CampaignConfig("dentist", "Austin", hunter=HunterMode.NEVER)
    assert CampaignConfig.from_dict(config.to_dict()).hunter is HunterMode.NEVER
    assert CampaignConfig("dentist", "Austin").hunter is HunterMode.FALLBACK
    old = {k: v for k, v in config.to_dict().items() if k != "hunter"}
    assert CampaignConfig.from_dict(old).hunter is HunterMode.ALWAYS, "jobs from before searched every domain"
    settings = AppSettings(hunter_mode=HunterMode.ALWAYS)
    assert AppSettings.from_json(settings.to_json()).hunter_mode is HunterMode.ALWAYS
    assert AppSettings.from_json({"hunter_mode": "sometimes"}).hunter_mode is HunterMode.FALLBACK


def test_the_demo_finds_website_emails_for_many_and_hunter_for_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "t.db")
    args = ["run", "--demo", "--business-type", "dentist", "--location", "Austin, TX", "--min-score", "0"]
    assert main([*args, "--max-results", "60", "--json", "--db", db]) == 0
    metrics = json.loads(capsys.readouterr().out)["metrics"]
    by_source = metrics["emails_by_source"]
    assert by_source["website"] >= 20
    assert by_source["hunter"] >= 5
    assert by_source["website"] + by_source["hunter"] == metrics["emails_found"]
    assert main([*args, "--max-results", "60", "--json", "--db", db, "--hunter", "never"]) == 0
    never = json.loads(capsys.readouterr().out)["metrics"]["emails_by_source"]
    assert never["hunter"] == 0
    assert never["website"] == by_source["website"], "the second run reads the same sites, from the cache"


def test_a_bad_hunter_mode_or_dns_variable_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "t.db"
    base = ["run", "--business-type", "dentist", "--location", "Austin", "--db", str(db)]
    with pytest.raises(SystemExit) as exited:
        main([*base, "--demo", "--hunter", "sometimes"])
    assert exited.value.code == 2
    assert "--hunter" in capsys.readouterr().err
    for name, key in FAKE_KEYS.items():
        monkeypatch.setenv(f"LEADGEN_{name.upper()}_KEY", key)
    monkeypatch.setenv("LEADGEN_DNS_SERVER", "dns.example.com")
    assert main(base) == 2
    err = capsys.readouterr().err
    assert "LEADGEN_DNS_SERVER" in err
    assert "HOST:PORT" in err
    assert not db.exists(), "nothing started, nothing written"


def test_the_estimate_shows_the_expected_saving() -> None:
    providers = live_providers(FakeApis())
    config = CampaignConfig("dentist", "Austin, TX", max_results=40, min_score=0)
    fallback = estimate_cost(config, providers, PriceTable())
    always = estimate_cost(replace(config, hunter=HunterMode.ALWAYS), providers, PriceTable())
    never = estimate_cost(replace(config, hunter=HunterMode.NEVER), providers, PriceTable())
    assert always.expected_saving == 0
    assert 0 < fallback.expected_saving < never.expected_saving
    assert never.expected < fallback.expected < always.expected
    assert "saves about $" in fallback.describe()
    assert never.worst_case < fallback.worst_case == always.worst_case
    demo = estimate_cost(config, build_demo_providers(0), PriceTable())
    assert demo.expected_saving == 0, "the demo costs nothing, so it saves nothing"
