"""Two databases in one process never share a binding: each sees its own writes and nothing else.

Before, ``db.bind(TABLES)`` bound the peewee tables globally: open a.db, then b.db, and
``Repository(a).create_job`` wrote its row into b.db. Each open database now carries its
own table set, so a.db and b.db side by side (and, next, SQLite beside PostgreSQL in team
mode) stay apart, also when two threads use them at the same time.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from leadgen_desktop.db.store import Store
from leadgen_desktop.db.tables import Campaign
from leadgen_desktop.domain import (
    ApiCall,
    Business,
    CampaignConfig,
    Lead,
    Metrics,
    PriceTable,
    Stage,
)

LEADS_PER_THREAD = 40
CALL = ApiCall("hunter", "/v2/domain-search", 200, "ok", "hunter_credit", 1, 5.0)


def a_lead(place_id: str, rank: int) -> Lead:
    return Lead(business=Business(place_id=place_id, name=f"Biz {place_id}"), score=60, rank=rank)


def file_rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    """Rows of ``sql`` read from the file itself, outside the program."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_writes_go_to_the_database_they_were_made_on(tmp_path: Path) -> None:
    a = Store.open(tmp_path / "a.db")
    b = Store.open(tmp_path / "b.db")  # opened last: the one a global binding would write into
    campaign_a, job_a = a.jobs.create(CampaignConfig("dentist", "Austin, TX"))
    campaign_b, job_b = b.jobs.create(CampaignConfig("plumber", "Leeds"))

    assert a.jobs.get(job_a) is not None
    assert a.jobs.get(job_b) is None
    assert b.jobs.get(job_b) is not None
    assert b.jobs.get(job_a) is None
    assert [s.campaign_id for s in a.campaigns.summaries()] == [campaign_a]
    assert [s.campaign_id for s in b.campaigns.summaries()] == [campaign_b]
    assert file_rows(tmp_path / "a.db", "SELECT id FROM discovery_jobs") == [(job_a,)]
    assert file_rows(tmp_path / "b.db", "SELECT id FROM discovery_jobs") == [(job_b,)]


def test_two_threads_writing_two_databases_at_once_stay_apart(tmp_path: Path) -> None:
    stores = {"a": Store.open(tmp_path / "a.db"), "b": Store.open(tmp_path / "b.db")}
    jobs = {name: store.jobs.create(CampaignConfig(name, "Leeds"))[1] for name, store in stores.items()}
    start = threading.Barrier(len(stores))  # both threads write at the same time, interleaved
    errors: list[BaseException] = []

    def write(name: str) -> None:
        store, job_id = stores[name], jobs[name]
        try:
            start.wait(timeout=10)
            for i in range(LEADS_PER_THREAD):
                progress = (Stage.ENRICHING, 50 + i, Metrics(leads_enriched=i + 1))
                store.leads.add(job_id, a_lead(f"{name}{i}", i + 1), [CALL], PriceTable(), progress)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            errors.append(exc)
        finally:
            store.db.close()  # this thread's connection

    threads = [threading.Thread(target=write, args=(name,)) for name in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    assert not any(thread.is_alive() for thread in threads)

    for name, store in stores.items():
        other = "b" if name == "a" else "a"
        expected = {f"{name}{i}" for i in range(LEADS_PER_THREAD)}
        assert {row[0] for batch in store.all_leads.csv_batches(["place_id"]) for row in batch} == expected
        assert store.leads.count(jobs[other]) == 0
        job = store.jobs.get(jobs[name])
        assert job is not None
        assert job.metrics.leads_enriched == LEADS_PER_THREAD
        path = tmp_path / f"{name}.db"
        assert file_rows(path, "SELECT count(*) FROM leads") == [(LEADS_PER_THREAD,)]
        assert file_rows(path, "SELECT DISTINCT job_id FROM api_calls") == [(jobs[name],)]


def test_the_table_templates_are_bound_to_no_database(tmp_path: Path) -> None:
    Store.open(tmp_path / "a.db")
    with pytest.raises(Exception, match="bound to a database"):
        Campaign.select().count()
