"""The window and website emails: the Hunter mode in Settings, emails by source, where each was found."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import HunterMode, Metrics
from leadgen_desktop.gui.details.lead_details import LeadDetailsPanel
from leadgen_desktop.gui.run.metrics_panel import MetricsPanel
from leadgen_desktop.gui.settings.settings_dialog import SettingsDialog
from leadgen_desktop.keychain import ApiKeyStore
from leadgen_desktop.settings import load_settings
from tests.gui.ux_support import BASE


def test_settings_choose_the_hunter_mode(qtbot: QtBot, repo: Store) -> None:
    dialog = SettingsDialog(repo, ApiKeyStore())
    qtbot.addWidget(dialog)
    assert [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())][1] == "&Emails"
    combo = dialog.hunter_combo
    assert [combo.itemData(i) for i in range(combo.count())] == ["always", "fallback", "never"]
    assert combo.currentData() == "fallback", "the default: Hunter only where the website shows nothing"
    combo.setCurrentIndex(combo.findData("never"))
    dialog.save()
    assert load_settings().hunter_mode is HunterMode.NEVER
    again = SettingsDialog(repo, ApiKeyStore())
    qtbot.addWidget(again)
    assert again.hunter_combo.currentData() == "never"
    dialog.close()
    again.close()


def test_the_metrics_panel_counts_emails_by_source(qtbot: QtBot) -> None:
    panel = MetricsPanel()
    qtbot.addWidget(panel)
    panel.set_metrics(Metrics(emails_found=9, emails_by_source={"website": 6, "hunter": 3}, mx_rejected=2))
    assert panel.text("emails_by_source") == "6 / 3"
    assert panel.text("mx_rejected") == "2"
    assert "websites" in panel.values["emails_by_source"].toolTip()


def test_the_details_panel_says_where_each_address_was_found(qtbot: QtBot) -> None:
    panel = LeadDetailsPanel()
    qtbot.addWidget(panel)
    candidates = [
        {"email": "info@acme.com", "confidence": 100, "kind": "generic", "source": "website",
         "page_url": "https://acme.com/contact", "found_by": "cfemail"},
        {"email": "jane@acme.com", "confidence": 72, "kind": "personal", "first_name": "Jane",
         "source": "hunter"},
    ]  # fmt: skip
    provenance = {
        "discovery": {"provider": "google_places"},
        "domain": "acme.com",
        "website": {"outcome": "found", "label": "addresses found on the website", "pages": 2,
                    "requests": 3, "cached": False, "addresses": [{"email": "info@acme.com"}]},
        "mail_server": "mx",
        "verification": {"provider": "neverbounce", "result": "valid"},
    }  # fmt: skip
    record = replace(
        BASE,
        email_source="website",
        candidates=json.dumps(candidates),
        provenance=json.dumps(provenance),
    )
    panel.set_record(record)
    text = panel.text()
    assert "on https://acme.com/contact (Cloudflare cfemail)" in text
    assert "from Hunter.io" in text
    assert "addresses found on the website · 2 pages read · 1 address · free" in text
    assert "receives mail (MX records)" in text


@pytest.fixture
def window_repo(tmp_path: Path) -> Iterator[Store]:
    """A database whose windows are closed after the test, whether it passed or not."""
    from tests.gui.ux_support import repo_with_cleanup

    yield from repo_with_cleanup(tmp_path)


def test_a_campaign_started_in_the_window_uses_the_hunter_mode_of_settings(
    qtbot: QtBot, window_repo: Store
) -> None:
    from leadgen_desktop.settings import AppSettings, save_settings
    from tests.gui.ux_support import fill_form, make_window

    save_settings(AppSettings(hunter_mode=HunterMode.NEVER))
    repo = window_repo
    window = make_window(qtbot, repo)
    fill_form(qtbot, window, max_results=20)
    with qtbot.waitSignal(window.controller.finished, timeout=20_000) as finished:
        window.run_display.start_run()
    result = finished.args[0]
    job = repo.jobs.get(result.job_id)
    assert job is not None
    assert job.config.hunter is HunterMode.NEVER
    assert result.metrics.emails_by_source["hunter"] == 0
    assert result.metrics.emails_by_source["website"] > 0
    shown = window.run_overview.metrics_panel.text("emails_by_source")
    assert shown == f"{result.metrics.emails_by_source['website']} / 0"
