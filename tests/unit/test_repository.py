"""Store and database: migrations, writes in one transaction, reads, bad files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from leadgen_desktop.db.database import SCHEMA_VERSION, StorageError, open_database
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import (
    ApiCall,
    Business,
    CampaignConfig,
    EmailStatus,
    JobFinished,
    JobStatus,
    Lead,
    Metrics,
    PriceTable,
    ScoreComponent,
    Stage,
)
from tests.fakes.live_support import logged_calls


def make_repo(tmp_path: Path) -> Store:
    return Store.open(tmp_path / "t.db")


@pytest.fixture
def repo(store: Store) -> Store:
    """A fresh store of each engine (SQLite, PostgreSQL)."""
    return store


def a_lead(place_id: str = "p1", rank: int = 1, score: int = 80) -> Lead:
    return Lead(
        business=Business(
            place_id=place_id, name=f"Biz {place_id}", address="1 Main St", website="https://b.com"
        ),
        score=score,
        components=(ScoreComponent("website", 20, 20, "has a website"),),
        email="info@b.com",
        email_status=EmailStatus.VALID,
        rank=rank,
    )


CALL = ApiCall("hunter", "/v2/domain-search", 200, "ok", "hunter_credit", 1, 12.5)


def test_schema_version_pragmas_and_wal(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    conn = sqlite3.connect(tmp_path / "t.db")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"campaigns", "discovery_jobs", "leads", "api_calls"} <= tables
    assert repo.db.connection.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1


def test_reopening_keeps_data(db_url: str) -> None:
    repo = Store.open(db_url)
    campaign_id, job_id = repo.jobs.create(CampaignConfig("dentist", "Austin, TX"))
    repo.db.close()
    again = Store.open(db_url)
    job = again.jobs.get(job_id)
    again.db.close()
    assert job is not None
    assert job.campaign_id == campaign_id
    assert job.status is JobStatus.PROCESSING
    assert job.config.business_type == "dentist"


def test_store_lead_with_calls_and_progress_is_one_transaction(repo: Store) -> None:
    _, job_id = repo.jobs.create(CampaignConfig("dentist", "Austin, TX"))
    metrics = Metrics(leads_enriched=1)
    lead_id = repo.leads.add(job_id, a_lead(), [CALL], PriceTable(), (Stage.ENRICHING, 70, metrics))
    assert lead_id > 0
    job = repo.jobs.get(job_id)
    assert job is not None
    assert (job.stage, job.progress, job.metrics.leads_enriched) == (Stage.ENRICHING, 70, 1)
    calls, costs = logged_calls(repo.path, job_id)
    assert calls["hunter"] == 1
    assert costs["hunter"] == pytest.approx(0.0245)
    # A duplicate place in the same job violates the unique index: nothing of it is kept.
    with pytest.raises(StorageError):
        repo.leads.add(job_id, a_lead(), [CALL], PriceTable(), (Stage.ENRICHING, 90, metrics))
    assert repo.leads.count(job_id) == 1
    assert logged_calls(repo.path, job_id)[0]["hunter"] == 1
    job = repo.jobs.get(job_id)
    assert job is not None
    assert job.progress == 70


def test_iter_leads_streams_in_rank_order(repo: Store) -> None:
    _, job_id = repo.jobs.create(CampaignConfig("dentist", "Austin, TX"))
    for rank in (3, 1, 2, 5, 4):
        repo.leads.add(job_id, a_lead(f"p{rank}", rank))
    ranks = [lead.rank for lead in repo.leads.stream(job_id, batch=2)]
    assert ranks == [1, 2, 3, 4, 5]
    assert [lead.rank for lead in repo.leads.since(job_id, 0)] == [3, 1, 2, 5, 4]


def test_list_campaigns_newest_first_with_counts(repo: Store) -> None:
    first, job1 = repo.jobs.create(CampaignConfig("dentist", "Austin, TX", demo=True))
    second, job2 = repo.jobs.create(CampaignConfig("plumber", "Leeds"))
    repo.leads.add(job1, a_lead("a"))
    repo.leads.add(job1, a_lead("b", 2))
    repo.jobs.finish(JobFinished(job1, first, JobStatus.COMPLETED, Metrics(total_cost=0.5)))
    summaries = repo.campaigns.summaries()
    assert [s.campaign_id for s in summaries] == [second, first]
    by_id = {s.campaign_id: s for s in summaries}
    assert by_id[first].leads == 2
    assert by_id[first].status == "completed"
    assert by_id[first].total_cost == 0.5
    assert by_id[first].demo
    assert by_id[second].job_id == job2
    assert set(summaries[0].to_json()) == {
        "campaign_id",
        "job_id",
        "business_type",
        "location",
        "status",
        "created_at",
        "leads",
        "total_cost",
        "created_by",  # team mode: who ran it
        "worker",  # team mode: which worker holds its job
    }
    assert by_id[first].created_by is None  # created through the store directly: nobody named


def test_finish_job_records_final_state(repo: Store) -> None:
    campaign_id, job_id = repo.jobs.create(CampaignConfig("dentist", "Austin, TX"))
    error = "Google Places rejected the key"
    repo.jobs.finish(
        JobFinished(job_id, campaign_id, JobStatus.FAILED, Metrics(), error=error, notices=("n",))
    )
    job = repo.jobs.get(job_id)
    assert job is not None
    assert job.status is JobStatus.FAILED
    assert job.error == "Google Places rejected the key"
    assert job.notices == ("n",)
    assert job.completed_at is not None


def test_not_a_database_is_refused_untouched(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.db"
    content = b"these are my notes, not a database\n" * 100
    bogus.write_bytes(content)
    with pytest.raises(StorageError, match="not a leadgen-desktop database"):
        open_database(bogus)
    assert bogus.read_bytes() == content


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StorageError, match="newer version"):
        open_database(path)


def test_folder_path_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="is a folder"):
        open_database(tmp_path)


def test_missing_parent_that_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StorageError, match="Cannot create the folder"):
        open_database(blocker / "sub" / "t.db")


def test_a_page_naming_a_place_twice_is_cached_once_with_the_last_data(repo: Store) -> None:
    """PostgreSQL refuses an upsert that touches one row twice; the last copy wins on both engines."""
    first = Business(place_id="dup", name="Old name")
    second = Business(place_id="dup", name="New name")
    repo.lookups.remember_places([first, Business(place_id="other", name="Other"), second])
    assert repo.lookups.stats().places == 2
    rows = repo.db.tuples(repo.db.tables.place_cache.select(repo.db.tables.place_cache.data))
    assert any("New name" in text for (text,) in rows)
    assert not any("Old name" in text for (text,) in rows)
