"""Never lose work: the start-up prompt, Resume / Discard, history resume, budget resume, banners.

Also the live-mode bits that need a run: the estimate label and the "emails skipped" notice.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from pytestqt.qtbot import QtBot

from leadgen_desktop.core.jobs import Jobs
from leadgen_desktop.core.run.pipeline import Pipeline
from leadgen_desktop.db.records import LeadRecord
from leadgen_desktop.db.store import Store
from leadgen_desktop.db.tables import utcnow
from leadgen_desktop.domain import (
    PROVIDERS,
    BudgetStop,
    CampaignConfig,
    JobFinished,
    JobStatus,
    Metrics,
    Providers,
    StopReason,
)
from leadgen_desktop.gui.run.estimate_label import DEMO_ESTIMATE
from leadgen_desktop.gui.shell.main_window import MainWindow
from leadgen_desktop.gui.tables.results_model import COL_SEEN
from leadgen_desktop.net.providers.demo import build_demo_providers
from leadgen_desktop.net.providers.live import build_live_providers
from leadgen_desktop.paths import log_dir
from tests.fakes.api_server import GOOGLE_KEY, HUNTER_KEY, NEVERBOUNCE_KEY, FakeApis
from tests.fakes.offline_web import AlwaysMail, offline_websites

FINISH_TIMEOUT = 15_000
CONFIG = CampaignConfig(business_type="dentist", location="Austin, TX", max_results=8, min_score=0)

_OPEN: list[MainWindow] = []


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Store]:
    repository = Store.open(tmp_path / "t.db")
    yield repository
    while _OPEN:
        _OPEN.pop().close()
    repository.db.close()


def demo() -> Providers:
    return build_demo_providers(latency=0.0)


def live_factory(fake: FakeApis, *providers: str) -> Callable[[], Providers]:
    keys = {"google_places": GOOGLE_KEY, "hunter": HUNTER_KEY, "neverbounce": NEVERBOUNCE_KEY}

    def factory() -> Providers:
        chosen = {p: keys[p] for p in providers}
        return build_live_providers(
            chosen,
            transports={p: fake.transport() for p in PROVIDERS},
            websites=offline_websites(),
            mail_servers=AlwaysMail(),
        )

    return factory


def make_window(qtbot: QtBot, repo: Store, factory: Callable[[], Providers] = demo) -> MainWindow:
    window = MainWindow(repo, providers_factory=factory)
    qtbot.addWidget(window)
    _OPEN.append(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def crashed_job(repo: Store, owner: str | None = None) -> str:
    """A job left ``processing`` by a process that died (no lease, or a dead owner's)."""
    _campaign, job_id = Pipeline(repo, demo()).start(CONFIG)
    if owner is not None:
        jobs = repo.db.tables.jobs
        jobs.update(lease_owner=owner, lease_heartbeat=utcnow()).where(jobs.id == job_id).execute()
    return job_id


@pytest.mark.parametrize("owner", [None, f"{socket.gethostname()}:999999"])
def test_a_crashed_job_is_listed_at_start_up_and_resume_completes_it(
    qtbot: QtBot, repo: Store, owner: str | None
) -> None:
    job_id = crashed_job(repo, owner)
    window = make_window(qtbot, repo)
    resumer = window.resumer
    qtbot.waitUntil(lambda: resumer.dialog is not None and resumer.dialog.isVisible())
    dialog = resumer.dialog
    assert dialog is not None
    assert not dialog.isModal()
    assert dialog.job_ids == [job_id]
    cells = [dialog.table.item(0, c).text() for c in range(dialog.table.columnCount())]
    assert cells[:3] == ["dentist", "Austin, TX", "interrupted (the app quit or crashed)"]
    assert cells[3] == "0"
    with qtbot.waitSignal(window.controller.finished, timeout=FINISH_TIMEOUT) as blocker:
        qtbot.mouseClick(dialog.resume_button, Qt.MouseButton.LeftButton)
    result: JobFinished = blocker.args[0]
    assert result.job_id == job_id
    assert result.status is JobStatus.COMPLETED
    job = repo.jobs.get(job_id)
    assert job is not None
    assert job.status is JobStatus.COMPLETED
    assert window.campaign_page.model.rowCount() == repo.leads.count(job_id) > 0
    assert Jobs(repo).interrupted(only_crashed=True) == []


def test_discard_marks_a_crashed_job_cancelled(qtbot: QtBot, repo: Store) -> None:
    job_id = crashed_job(repo)
    other = crashed_job(repo)
    window = make_window(qtbot, repo)
    resumer = window.resumer
    qtbot.waitUntil(lambda: resumer.dialog is not None and resumer.dialog.isVisible())
    dialog = resumer.dialog
    assert dialog is not None
    assert set(dialog.job_ids) == {job_id, other}
    dialog.select_rows([0, 1])
    assert not dialog.resume_button.isEnabled()  # one run at a time
    assert dialog.discard_button.isEnabled()
    qtbot.mouseClick(dialog.discard_button, Qt.MouseButton.LeftButton)
    for jid in (job_id, other):
        job = repo.jobs.get(jid)
        assert job is not None
        assert job.status is JobStatus.CANCELLED
        assert job.stop_reason == "discarded"
    assert dialog.job_ids == []
    assert Jobs(repo).interrupted() == []


def test_no_prompt_without_crashed_jobs_and_not_for_a_live_lease(qtbot: QtBot, repo: Store) -> None:
    crashed_job(repo, owner=f"{socket.gethostname()}:{os.getppid()}")  # a live process holds it
    window = make_window(qtbot, repo)
    with qtbot.assertNotEmitted(window.resumer.dialog_opened, wait=50):
        pass
    assert window.resumer.dialog is None


def test_file_menu_lists_every_resumable_job(qtbot: QtBot, repo: Store) -> None:
    campaign_id, job_id = Pipeline(repo, demo()).start(CONFIG)
    repo.jobs.finish(
        JobFinished(job_id, campaign_id, JobStatus.CANCELLED, Metrics(), error="Cancelled by the user.")
    )
    window = make_window(qtbot, repo)
    assert window.resumer.dialog is None  # cancelled is not crashed: no prompt
    window.window_actions.resume_jobs.trigger()
    dialog = window.resumer.dialog
    assert dialog is not None
    assert dialog.job_ids == [job_id]
    assert dialog.table.item(0, 2).text() == "cancelled"


def test_resume_a_cancelled_history_campaign(qtbot: QtBot, repo: Store) -> None:
    campaign_id, job_id = Pipeline(repo, demo()).start(CONFIG)
    repo.jobs.finish(JobFinished(job_id, campaign_id, JobStatus.CANCELLED, Metrics()))
    window = make_window(qtbot, repo)
    button = window.campaign_panel.history.resume_button
    assert not button.isVisibleTo(window)
    assert window.campaign_panel.history.select_campaign(campaign_id)
    assert button.isVisibleTo(window)
    assert window.window_actions.resume_selected.isEnabled()
    with qtbot.waitSignal(window.controller.finished, timeout=FINISH_TIMEOUT) as blocker:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].status is JobStatus.COMPLETED
    assert not button.isVisibleTo(window)  # completed: nothing to resume


def test_a_job_held_by_another_live_process_is_reported_in_the_banner(qtbot: QtBot, repo: Store) -> None:
    job_id = crashed_job(repo)
    window = make_window(qtbot, repo)
    qtbot.waitUntil(lambda: window.resumer.dialog is not None)
    # Meanwhile another live process took the job.
    jobs = repo.db.tables.jobs
    jobs.update(lease_owner=f"{socket.gethostname()}:{os.getppid()}", lease_heartbeat=utcnow()).where(
        jobs.id == job_id
    ).execute()
    with qtbot.waitSignal(window.controller.failed, timeout=FINISH_TIMEOUT) as blocker:
        assert window.resumer.resume(job_id)
    assert "another process" in blocker.args[0]
    assert "another process" in window.run_overview.info_banner.label.text()
    job = repo.jobs.get(job_id)
    assert job is not None
    assert job.status is JobStatus.PROCESSING  # untouched


def test_a_live_job_without_keys_is_explained_in_the_banner(qtbot: QtBot, repo: Store) -> None:
    _campaign, job_id = repo.jobs.create(CONFIG)  # demo=False: a live job
    window = make_window(qtbot, repo)  # demo mode
    assert not window.resumer.resume(job_id)
    assert "Google Places API key" in window.run_overview.info_banner.label.text()
    assert not window.controller.is_running


def _fill(qtbot: QtBot, window: MainWindow, budget: str = "") -> None:
    qtbot.keyClicks(window.campaign_panel.form.business_type, "dentist")
    qtbot.keyClicks(window.campaign_panel.form.location, "Austin, TX")
    window.campaign_panel.form.max_results.clear()
    qtbot.keyClicks(window.campaign_panel.form.max_results, "6")
    window.campaign_panel.form.min_score.clear()
    qtbot.keyClicks(window.campaign_panel.form.min_score, "0")
    if budget:
        qtbot.keyClicks(window.campaign_panel.form.budget, budget)


def test_budget_stop_offers_resume_with_a_higher_budget(qtbot: QtBot, repo: Store) -> None:
    fake = FakeApis()
    window = make_window(qtbot, repo, live_factory(fake, *PROVIDERS))
    _fill(qtbot, window, budget="0.05")
    with qtbot.waitSignal(window.controller.finished, timeout=FINISH_TIMEOUT) as blocker:
        window.run_display.start_run()
    first: JobFinished = blocker.args[0]
    assert first.stop_reason == "budget"
    stop = first.budget_stop
    assert stop is not None
    bar = window.resumer.budget_bar
    assert bar.isVisibleTo(window)
    assert "stopped on its budget" in bar.label.text()
    assert f"A budget of ${stop.needed:.2f} would finish it" in bar.label.text()
    asked: list[float] = []

    def ask(suggested: float) -> float:
        asked.append(suggested)
        return 5.0

    window.resumer._ask_budget = ask
    with qtbot.waitSignal(window.controller.finished, timeout=FINISH_TIMEOUT) as blocker:
        qtbot.mouseClick(bar.button, Qt.MouseButton.LeftButton)
    second: JobFinished = blocker.args[0]
    assert asked == [
        max(stop.needed, 0.1)
    ]  # the stored budget stop (or twice the old budget), never a notice
    assert stop.needed > 0.05
    assert second.job_id == first.job_id
    assert second.status is JobStatus.COMPLETED
    assert second.stop_reason is None
    job = repo.jobs.get(first.job_id)
    assert job is not None
    assert job.config.budget == 5.0
    assert not bar.isVisibleTo(window)


def test_a_budget_stopped_job_listed_after_a_restart_asks_for_the_stored_budget(
    qtbot: QtBot, repo: Store
) -> None:
    campaign_id, job_id = Pipeline(repo, demo()).start(replace(CONFIG, budget=0.05))
    stop = BudgetStop(spent=0.049, limit=0.05, remaining=0.31, leads_left=6)
    ending = JobFinished(
        job_id, campaign_id, JobStatus.COMPLETED, Metrics(), StopReason.BUDGET, budget_stop=stop
    )
    repo.jobs.finish(ending)
    window = make_window(qtbot, repo)  # a window opened later: only the database knows how the job stopped
    window.window_actions.resume_jobs.trigger()
    dialog = window.resumer.dialog
    assert dialog is not None
    assert dialog.job_ids == [job_id]
    assert dialog.table.item(0, 2).text() == "stopped by its budget: $0.36 would finish it"
    asked: list[float] = []

    def ask(suggested: float) -> None:
        asked.append(suggested)
        return None  # the user cancels the budget dialog

    window.resumer._ask_budget = ask
    qtbot.mouseClick(dialog.resume_button, Qt.MouseButton.LeftButton)
    assert asked == [stop.needed]  # resuming with the same budget would stop at once
    assert not window.controller.is_running


def test_a_run_without_hunter_and_neverbounce_keys_says_emails_were_skipped(
    qtbot: QtBot, repo: Store
) -> None:
    fake = FakeApis()
    window = make_window(qtbot, repo, live_factory(fake, "google_places"))
    assert window.mode_label.text().startswith("Live — Google Places (no Hunter.io key")
    _fill(qtbot, window)
    with qtbot.waitSignal(window.controller.finished, timeout=FINISH_TIMEOUT):
        window.run_display.start_run()
    assert window.run_overview.info_banner.isVisible()
    assert "Emails were not searched: no Hunter.io API key" in window.run_overview.info_banner.label.text()


def test_estimate_label_shows_dollars_in_live_mode_and_zero_in_demo(qtbot: QtBot, repo: Store) -> None:
    fake = FakeApis()
    window = make_window(qtbot, repo, live_factory(fake, *PROVIDERS))
    label = window.campaign_panel.form.estimate_label
    _fill(qtbot, window)
    qtbot.waitUntil(lambda: "At most $" in label.text())
    assert "expected about $" in label.text()
    assert sum(fake.calls.values()) == 0  # estimating calls nothing
    demo_window = make_window(qtbot, repo)
    qtbot.waitUntil(lambda: DEMO_ESTIMATE in demo_window.campaign_panel.form.estimate_label.text())


def _lead(lead_id: int, seen: bool) -> LeadRecord:
    return LeadRecord(
        lead_id=lead_id,
        job_id="j",
        campaign_id="c",
        rank=lead_id,
        business_name=f"Business {lead_id}",
        address=None,
        phone=None,
        website=None,
        email=None,
        email_status="not_found",
        confidence_score=50,
        rating=None,
        review_count=None,
        place_id=f"p{lead_id}",
        email_reason=None,
        email_source=None,
        business_status="OPERATIONAL",
        maps_url=None,
        cost=0.0,
        error=None,
        score_components="{}",
        candidates="[]",
        provenance="{}",
        seen_before=seen,
    )


def test_only_new_businesses_filter_hides_leads_seen_before(qtbot: QtBot, repo: Store) -> None:
    window = make_window(qtbot, repo)
    window.campaign_page.model.set_rows([_lead(1, False), _lead(2, True), _lead(3, False)])
    assert window.campaign_page.model.index(1, COL_SEEN).data() == "Seen before"
    assert window.campaign_page.model.index(0, COL_SEEN).data() == "New"
    assert window.campaign_page.proxy.rowCount() == 3
    window.campaign_page.only_new_check.setChecked(True)
    assert window.campaign_page.proxy.rowCount() == 2
    assert window.campaign_page.count_label.text() == "2 of 3 leads"
    window.campaign_page.filter_edit.setText("Business 3")
    assert window.campaign_page.proxy.rowCount() == 1
    window.campaign_page.filter_edit.clear()
    window.campaign_page.only_new_check.setChecked(False)
    assert window.campaign_page.proxy.rowCount() == 3


def test_help_opens_the_log_folder(qtbot: QtBot, repo: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[QUrl] = []

    def open_url(url: QUrl) -> bool:
        opened.append(url)
        return True

    monkeypatch.setattr(QDesktopServices, "openUrl", open_url)
    window = make_window(qtbot, repo)
    window.window_actions.open_logs.trigger()
    assert [url.toLocalFile() for url in opened] == [str(log_dir())]
    assert log_dir().is_dir()


def test_run_controller_resume_of_an_unknown_job_fails_with_a_message(qtbot: QtBot, repo: Store) -> None:
    from leadgen_desktop.gui.run.run_controller import RunAlreadyActive, RunController

    controller = RunController(repo)
    try:
        with qtbot.waitSignal(controller.failed, timeout=FINISH_TIMEOUT) as blocker:
            controller.resume("no-such-job", demo())
            with pytest.raises(RunAlreadyActive):
                controller.resume("no-such-job", demo())
        assert "no job" in blocker.args[0].lower()
        assert not controller.is_running
    finally:
        controller.shutdown()


def test_resume_sends_the_leads_already_stored_first(qtbot: QtBot, repo: Store) -> None:
    from leadgen_desktop.domain import CancelToken
    from leadgen_desktop.gui.run.run_controller import RunController

    pipeline = Pipeline(repo, demo())
    campaign_id, job_id = pipeline.start(CONFIG)
    pipeline.run(job_id, CancelToken(), lambda _event: None)
    repo.jobs.finish(
        JobFinished(job_id, campaign_id, JobStatus.CANCELLED, Metrics())
    )  # cancelled at the very end
    stored = repo.leads.count(job_id)
    assert stored > 0
    controller = RunController(repo)
    batches: list[list[LeadRecord]] = []
    controller.rows_ready.connect(batches.append)
    try:
        with qtbot.waitSignal(controller.finished, timeout=FINISH_TIMEOUT) as blocker:
            controller.resume(job_id, demo())
        assert blocker.args[0].status is JobStatus.COMPLETED
        assert sum(len(batch) for batch in batches) == stored
    finally:
        controller.shutdown()


def test_the_resumer_needs_only_what_it_is_given(qtbot: QtBot, repo: Store) -> None:
    """No window: a parent, the job owner, the keys, the controller, a banner, a budget bar, providers."""
    from PySide6.QtWidgets import QWidget

    from leadgen_desktop.gui.run.budget_stop_bar import BudgetStopBar
    from leadgen_desktop.gui.run.resume_prompt import JobResumer
    from leadgen_desktop.gui.run.run_controller import RunController
    from leadgen_desktop.gui.shell.message_banner import MessageBanner
    from leadgen_desktop.keychain import ApiKeyStore

    parent = QWidget()
    qtbot.addWidget(parent)
    banner = MessageBanner()
    controller = RunController(repo, parent)
    providers = demo()
    jobs = Jobs(repo)
    resumer = JobResumer(parent, jobs, ApiKeyStore(), controller, banner, BudgetStopBar(), lambda: providers)
    campaign_id, demo_job = Pipeline(repo, providers).start(CONFIG)
    repo.jobs.finish(JobFinished(demo_job, campaign_id, JobStatus.CANCELLED, Metrics()))
    assert resumer.can_resume(demo_job)
    with qtbot.waitSignal(resumer.resume_requested) as blocker:
        assert resumer.resume(demo_job, budget=2.0)
    assert blocker.args == [demo_job, providers, 2.0]
    _campaign, live_job = repo.jobs.create(CONFIG)  # a live job, and no keys
    with qtbot.assertNotEmitted(resumer.resume_requested):
        assert not resumer.resume(live_job)
    assert "Google Places API key" in banner.label.text()
    with qtbot.waitSignal(resumer.discarded) as discarded:
        assert resumer.discard([demo_job]) == 1
    assert discarded.args == [1]
    assert not resumer.can_resume(demo_job)
