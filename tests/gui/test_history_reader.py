"""The history read off the window's thread: the same rows, and an older answer never wins."""

from __future__ import annotations

import logging
import threading

import pytest
from pytestqt.qtbot import QtBot

from leadgen_desktop.db.records import CampaignSummary
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import CampaignConfig, JobFinished, JobStatus, Metrics
from leadgen_desktop.gui.run.history_panel import HistoryPanel

WAIT = 10.0
"""Seconds a test waits for a read it released (a bound for a wedged thread, not a timing verdict)."""


class HeldFirstRead:
    """Wraps ``summaries``: the first call reads, says so, and answers only once released."""

    def __init__(self, repo: Store) -> None:
        self._read = repo.campaigns.summaries
        self.first_read = threading.Event()
        self.release = threading.Event()
        self.calls = 0

    def __call__(self, limit: int | None = None) -> list[CampaignSummary]:
        self.calls += 1
        summaries = self._read(limit)
        if self.calls == 1:
            self.first_read.set()
            assert self.release.wait(WAIT)
        return summaries


def texts(panel: HistoryPanel) -> list[str]:
    return [panel.item_text(row) for row in range(panel.count())]


def panel_with_a_held_read(
    qtbot: QtBot, repo: Store, monkeypatch: pytest.MonkeyPatch
) -> tuple[HistoryPanel, HeldFirstRead]:
    """A panel over one campaign whose first read off the thread has its (soon outdated) list, held."""
    repo.jobs.create(CampaignConfig("dentist", "Austin, TX", max_results=5))
    held = HeldFirstRead(repo)
    monkeypatch.setattr(repo.campaigns, "summaries", held)
    panel = HistoryPanel(repo)
    qtbot.addWidget(panel)
    panel.refresh_later()
    assert held.first_read.wait(WAIT)
    return panel, held


def test_read_off_the_thread_shows_the_same_rows_and_selection(qtbot: QtBot, repo: Store) -> None:
    campaign, job = repo.jobs.create(CampaignConfig("dentist", "Austin, TX", max_results=5))
    repo.jobs.finish(JobFinished(job, campaign, JobStatus.COMPLETED, Metrics()))
    newest, _job = repo.jobs.create(CampaignConfig("plumber", "Denver, CO", max_results=5))
    here, there = HistoryPanel(repo), HistoryPanel(repo)
    qtbot.addWidget(here)
    qtbot.addWidget(there)
    here.refresh(select_campaign_id=campaign)
    with qtbot.assertNotEmitted(there.campaign_selected), qtbot.waitSignal(there.refreshed):
        there.refresh_later(select_campaign_id=campaign)
        assert there.refreshing
    assert not there.refreshing
    assert there.summaries == here.summaries
    assert texts(there) == texts(here)
    assert len(texts(there)) == 2
    assert texts(there)[0].startswith("plumber — Denver, CO · ")
    assert there.current_campaign_id() == campaign != newest


def test_an_older_answer_arriving_last_is_dropped(
    qtbot: QtBot, repo: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    panel, held = panel_with_a_held_read(qtbot, repo, monkeypatch)
    newer, _job = repo.jobs.create(CampaignConfig("plumber", "Denver, CO", max_results=5))
    with qtbot.waitSignal(panel.refreshed):
        panel.refresh_later(select_campaign_id=newer)
    assert panel.count() == 2
    with qtbot.assertNotEmitted(panel.refreshed):
        held.release.set()
        qtbot.waitUntil(lambda: panel.reader.in_flight == 0)  # the old answer came back, and went
    assert panel.count() == 2
    assert panel.current_campaign_id() == newer


def test_a_read_on_the_window_thread_wins_over_one_still_on_its_way(
    qtbot: QtBot, repo: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    panel, held = panel_with_a_held_read(qtbot, repo, monkeypatch)
    repo.jobs.create(CampaignConfig("plumber", "Denver, CO", max_results=5))
    panel.refresh()
    assert panel.count() == 2
    with qtbot.assertNotEmitted(panel.refreshed):
        held.release.set()
        qtbot.waitUntil(lambda: panel.reader.in_flight == 0)
    assert panel.count() == 2


def test_a_failed_read_keeps_the_list_and_is_logged(
    qtbot: QtBot, repo: Store, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    repo.jobs.create(CampaignConfig("dentist", "Austin, TX", max_results=5))
    panel = HistoryPanel(repo)
    qtbot.addWidget(panel)
    panel.refresh()
    before = texts(panel)

    def broken(limit: int | None = None) -> list[CampaignSummary]:
        raise OSError("disk I/O error")

    monkeypatch.setattr(repo.campaigns, "summaries", broken)
    with caplog.at_level(logging.WARNING), qtbot.assertNotEmitted(panel.refreshed):
        panel.refresh_later()
        qtbot.waitUntil(lambda: panel.reader.in_flight == 0)
    assert texts(panel) == before
    assert "Could not read the campaign history" in caplog.text


def test_offline_reads_nothing(qtbot: QtBot, repo: Store) -> None:
    panel = HistoryPanel(repo)
    qtbot.addWidget(panel)
    panel.offline = True  # the team database is unreachable: no thread waits on it either
    panel.refresh_later()
    assert panel.reader.in_flight == 0


def test_a_started_job_is_listed_at_once_as_the_database_will_say(qtbot: QtBot, repo: Store) -> None:
    done, done_job = repo.jobs.create(CampaignConfig("dentist", "Austin, TX", max_results=5))
    repo.jobs.finish(JobFinished(done_job, done, JobStatus.COMPLETED, Metrics()))
    panel = HistoryPanel(repo)
    qtbot.addWidget(panel)
    panel.refresh()
    config = CampaignConfig("plumber", "Denver, CO", max_results=5, demo=True)
    campaign, job = repo.jobs.create(config)
    with qtbot.assertNotEmitted(panel.campaign_selected):
        panel.show_started(campaign, job, config, demo=True)
    shown = texts(panel)
    assert shown[0] == "plumber — Denver, CO · processing · 0 leads · $0.00 · demo"
    assert panel.current_campaign_id() == campaign
    panel.refresh()
    assert texts(panel) == shown


def test_a_resumed_job_turns_its_line_to_processing(qtbot: QtBot, repo: Store) -> None:
    campaign, job = repo.jobs.create(CampaignConfig("dentist", "Austin, TX", max_results=5))
    repo.jobs.finish(JobFinished(job, campaign, JobStatus.CANCELLED, Metrics()))
    panel = HistoryPanel(repo)
    qtbot.addWidget(panel)
    panel.refresh()
    assert " · cancelled · " in panel.item_text(0)
    panel.show_started(campaign, job, None, demo=False)
    assert " · processing · " in panel.item_text(0)
    assert panel.current_campaign_id() == campaign
    panel.show_started("unknown-campaign", "unknown-job", None, demo=False)  # nothing to show it from
    assert panel.count() == 1
