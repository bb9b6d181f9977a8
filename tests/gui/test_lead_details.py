"""LeadDetailsPanel: sources, score breakdown, candidates, cost, why no email, links, dark mode."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from leadgen_desktop.domain import EmailReason
from leadgen_desktop.gui.details import lead_explain
from leadgen_desktop.gui.details.lead_details import EMPTY_TEXT, LeadDetailsPanel
from leadgen_desktop.gui.shell.theme import dark_palette
from tests.gui.ux_support import BASE, lead, no_email


@pytest.fixture
def panel(qtbot: QtBot) -> LeadDetailsPanel:
    widget = LeadDetailsPanel()
    qtbot.addWidget(widget)
    widget.resize(380, 900)
    widget.show()
    return widget


def test_empty_state(panel: LeadDetailsPanel) -> None:
    assert panel.record is None
    assert panel.text() == EMPTY_TEXT
    assert not panel.website_button.isEnabled()
    assert not panel.maps_button.isEnabled()


def test_lead_with_email_shows_sources_score_candidates_and_cost(panel: LeadDetailsPanel) -> None:
    panel.set_record(BASE)
    text = panel.text()
    assert panel.title_label.text() == "Acme Dental"
    assert "info@acme.com — valid" in panel.email_label.text()
    assert panel.reason_label.isHidden()
    # where each field came from
    assert "Google Places · search results" in text
    assert "Hunter.io · live call · 2 addresses" in text
    assert "NeverBounce · live call · valid" in text
    assert "acme.com (from the website address)" in text
    # score, one bar per component with points / max and the detail sentence
    assert panel.score_heading.text() == "Score: 46 / 100"
    assert [bar.fraction for bar in panel.score_bars] == [1.0, 1.0, pytest.approx(0.4)]
    assert panel.score_bars[2].accessibleName() == "Reviews: 6 / 15 points"
    assert "6 / 15" in text
    assert "8 reviews." in text
    # candidates: the chosen one first with its verification and flags, the other with its person
    assert "info@acme.com  ·  91%  ·  generic" in text
    assert "chosen · valid · flags: has_dns, smtp_connectable" in text
    assert "jane@acme.com  ·  72%  ·  personal" in text
    assert "Jane Roe, Office manager — not verified (only the chosen address is checked)" in text
    # cost with four decimals
    assert panel.cost_label.text() == "$0.0325"


def test_cached_lead_costs_nothing_and_says_so(panel: LeadDetailsPanel) -> None:
    provenance = json.loads(BASE.provenance) | {
        "email_search_cache_hit": True,
        "verification_cache_hit": True,
    }
    panel.set_record(lead(2, cost=0.0, provenance=json.dumps(provenance)))
    assert panel.cost_label.text() == "$0 (cache hit)"
    assert "Hunter.io · cache hit (no charge)" in panel.text()
    assert "NeverBounce · cache hit (no charge)" in panel.text()


def test_reused_search_and_paid_lookups(panel: LeadDetailsPanel) -> None:
    provenance = json.loads(BASE.provenance) | {"email_search_reused_in_run": True}
    panel.set_record(lead(3, cost=0.0, provenance=json.dumps(provenance)))
    assert panel.cost_label.text() == "$0 (reused a result from this run)"
    assert "reused from an earlier lead in this run" in panel.text()
    charged = json.loads(BASE.provenance) | {"charged": {"search": "acme.com", "verify": "info@acme.com"}}
    panel.set_record(lead(4, cost=0.0325, provenance=json.dumps(charged)))
    assert panel.cost_label.text() == "$0.0325 (email search, verification)"
    assert "email search of acme.com; verification of info@acme.com" in panel.text()


@pytest.mark.parametrize("reason", list(EmailReason))
def test_every_no_email_reason_is_explained(panel: LeadDetailsPanel, reason: EmailReason) -> None:
    record = no_email(5, reason.value, error="HTTP 500" if reason is EmailReason.PROVIDER_ERROR else None)
    panel.set_record(record)
    assert panel.email_label.text() == "No email"
    assert not panel.reason_label.isHidden()
    explanation = panel.reason_label.text()
    assert explanation.startswith(reason.description)
    assert len(explanation) > len(reason.description)  # plus advice on what to do about it
    if reason is EmailReason.PROVIDER_ERROR:
        assert "The provider said: HTTP 500" in explanation
    if reason is EmailReason.SHARED_PLATFORM:
        assert "(acme.com)" in explanation
    if reason is EmailReason.NO_KEY:
        assert "Settings" in explanation
    if reason is EmailReason.BUDGET:
        assert "budget" in explanation
    assert "The email search returned no addresses." in panel.text()


def test_unknown_reason_and_malformed_json_do_not_break(panel: LeadDetailsPanel) -> None:
    panel.set_record(no_email(6, "something_new", score_components="{oops", provenance="[]", candidates="7"))
    assert panel.reason_label.text() == "No email: something new."
    assert panel.score_bars == []
    assert "Not recorded for this lead." in panel.text()


def test_demo_lead(panel: LeadDetailsPanel) -> None:
    provenance = {"discovery": {"provider": "demo"}, "email_search": {"provider": "demo", "candidates": 1}}
    panel.set_record(lead(7, cost=0.0, place_id="demo-1", provenance=json.dumps(provenance)))
    assert panel.cost_label.text() == "$0 (demo)"
    assert "Demo data (offline) · offline sample (no charge) · 1 address" in panel.text()


def test_links_open_website_and_maps(panel: LeadDetailsPanel, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(QUrl(url).toString()) or True)
    panel.set_record(lead(8, website="acme.com", maps_url=None, address="1 Main St"))
    panel.website_button.click()
    panel.maps_button.click()
    assert opened[0] == "https://acme.com"
    assert opened[1].startswith("https://www.google.com/maps/search/?api=1&query=Acme+Dental%2C+1+Main+St")
    assert "query_place_id=ChIJ-8" in opened[1]
    panel.set_record(no_email(9, "no_website", website=None))
    assert not panel.website_button.isEnabled()
    assert panel.open_website() is False


def test_maps_url_prefers_the_stored_one() -> None:
    assert lead_explain.maps_url(BASE) == "https://maps.google.com/?cid=42"


def test_muted_text_follows_a_dark_palette(qtbot: QtBot, panel: LeadDetailsPanel) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    original = app.palette()
    panel.set_record(BASE)
    try:
        app.setPalette(dark_palette())  # palette change events are posted: wait for them
        label = panel.subtitle_label
        qtbot.waitUntil(lambda: label.palette().color(label.foregroundRole()).lightnessF() > 0.5)
        panel.grab()  # paints the score bars without error
    finally:
        app.setPalette(original)
