"""The history list: its lines, a quiet refresh that keeps the selection, and items Qt owns."""

from __future__ import annotations

import shiboken6
from pytestqt.qtbot import QtBot

from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import CampaignConfig
from leadgen_desktop.gui.run.history_panel import CAMPAIGN_ROLE, HistoryPanel


def test_refresh_lists_newest_first_and_keeps_the_selection_quietly(qtbot: QtBot, repo: Store) -> None:
    first, _job = repo.jobs.create(CampaignConfig("dentist", "Austin, TX", max_results=5))
    panel = HistoryPanel(repo)
    qtbot.addWidget(panel)
    panel.refresh()
    assert panel.select_campaign(first)
    second, _job = repo.jobs.create(CampaignConfig("plumber", "Denver, CO", max_results=5))
    with qtbot.assertNotEmitted(panel.campaign_selected):
        panel.refresh()
    assert panel.count() == 2
    assert panel.item_text(0).startswith("plumber — Denver, CO · ")
    assert panel.current_campaign_id() == first
    panel.refresh(select_campaign_id=second)
    assert panel.current_campaign_id() == second
    panel.set_lead_count(second, 7)
    assert " · 7 leads · " in panel.item_text(0)


def test_items_are_made_and_deleted_by_qt(qtbot: QtBot, repo: Store) -> None:
    """clear() must not run a Shiboken destructor hook for each item: Qt makes the items.

    Items made in Python were, and clear() crashed inside that hook
    (benchmarks/start_latency.py, about one run in two) when the wrapper map
    held a stale entry at an item's address (see test_stale_wrappers.py).
    """
    for place in ("Austin, TX", "Denver, CO", "Portland, OR"):
        repo.jobs.create(CampaignConfig("dentist", place, max_results=5))
    panel = HistoryPanel(repo)
    qtbot.addWidget(panel)
    for _ in range(2):  # the second refresh clears the first one's items
        panel.refresh()
        assert panel.count() == 3
        for row in range(panel.count()):
            item = panel.list_widget.item(row)
            assert item.data(CAMPAIGN_ROLE)
            assert not shiboken6.createdByPython(item)
        del item  # no wrapper may outlive the items clear() deletes
