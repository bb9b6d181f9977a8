"""The window on a team database (PostgreSQL): everyone's jobs live, Queue, the workers, and a lost
connection shown as a banner while the window stays responsive, then reconnected.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from leadgen_desktop.core.jobs import Jobs
from leadgen_desktop.db.errors import StorageError
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import CampaignConfig, JobFinished, JobStatus
from leadgen_desktop.gui.shell.main_window import MainWindow
from tests.fakes.backends import fresh_pg_database
from tests.gui.ux_support import close_windows, fill_form, make_window

WAIT_MS = 15_000


@pytest.fixture
def repo() -> Iterator[Store]:
    with fresh_pg_database() as url:
        store = Store.open(url)
        yield store
        close_windows()
        store.db.close()


def history_texts(window: MainWindow) -> list[str]:
    history = window.campaign_panel.history
    return [history.item_text(row) for row in range(history.count())]


def test_the_team_window_shows_everyones_jobs_live_with_who_ran_them_and_the_worker(
    qtbot: QtBot, repo: Store
) -> None:
    window = make_window(qtbot, repo)
    assert window.team is not None
    assert window.campaign_panel.queue_button.isVisibleTo(window)
    # a teammate queues a campaign; a worker elsewhere registers and takes it
    other = Jobs(repo, owner="their-host:77", user="bo")
    other.start(CampaignConfig("plumber", "Leeds", demo=True), queued=True)
    qtbot.waitUntil(lambda: any("by bo" in text for text in history_texts(window)), timeout=WAIT_MS)
    now = repo.db.now()
    repo.workers.register("their-host:77", "bo", 1, {}, now, now + other.lease)
    job = other.take_next()
    assert job is not None
    qtbot.waitUntil(
        lambda: any("processing on their-host:77" in text for text in history_texts(window)), timeout=WAIT_MS
    )
    qtbot.waitUntil(lambda: "their-host:77 (bo) on" in window.team.workers_label.text(), timeout=WAIT_MS)
    other.release(job.job_id)


def test_queue_stores_the_form_campaign_for_the_workers(qtbot: QtBot, repo: Store) -> None:
    window = make_window(qtbot, repo)
    assert window.team is not None
    fill_form(qtbot, window)
    with qtbot.waitSignal(window.team.queued, timeout=WAIT_MS) as blocker:
        qtbot.mouseClick(window.campaign_panel.queue_button, Qt.MouseButton.LeftButton)
    job = repo.jobs.get(str(blocker.args[0]))
    assert job is not None
    assert (job.status, job.queued, job.config.business_type) == (JobStatus.PENDING, True, "dentist")
    qtbot.waitUntil(lambda: any("pending" in text for text in history_texts(window)), timeout=WAIT_MS)


def test_a_local_run_on_the_team_database_works_as_on_a_file(qtbot: QtBot, repo: Store) -> None:
    window = make_window(qtbot, repo)
    fill_form(qtbot, window)
    with qtbot.waitSignal(window.controller.finished, timeout=WAIT_MS) as blocker:
        qtbot.mouseClick(window.campaign_panel.start_button, Qt.MouseButton.LeftButton)
    result = blocker.args[0]
    assert isinstance(result, JobFinished)
    assert result.status is JobStatus.COMPLETED, result.error
    qtbot.waitUntil(lambda: not window.controller.is_running)
    assert repo.leads.count(result.job_id) == 5


def test_a_lost_connection_is_a_banner_and_the_window_reconnects(
    qtbot: QtBot, repo: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window(qtbot, repo)
    assert window.team is not None
    monitor = window.team.monitor
    real = repo.campaigns.summaries

    def unreachable(limit: int | None = None) -> list[object]:
        raise StorageError("The connection to postgresql://x@h/db was lost (server closed the connection).")

    with qtbot.waitSignal(monitor.connection_lost, timeout=WAIT_MS):
        monkeypatch.setattr(repo.campaigns, "summaries", unreachable)
        monitor.poll_now()
    assert window.campaign_panel.history.offline
    assert any(
        "Lost the connection to the team database" in m.text
        for m in window.run_overview.info_banner.messages()
    )
    window.campaign_panel.history.refresh()  # the window's own reads wait for nothing while offline
    assert window.isVisible()
    with qtbot.waitSignal(monitor.connection_restored, timeout=WAIT_MS):
        monkeypatch.setattr(repo.campaigns, "summaries", real)
        monitor.poll_now()
    assert not window.campaign_panel.history.offline
    assert not any("Lost the connection" in m.text for m in window.run_overview.info_banner.messages())
