"""An unusable database is a clear sentence, never a traceback; a failed write keeps what was stored.

Open errors (not SQLite, newer schema, read-only) exit 2 from the CLI with a readable message
and leave the file untouched. A write that fails mid-run (a real SQLITE_FULL, produced with
``PRAGMA max_page_count`` on the pipeline's own connection) fails the job with a readable
error, and the file is still a valid database holding the leads stored before.

Read-only for root: we run as root, and root ignores file modes (chmod 0444 still writes).
So the read-only case uses the immutable attribute (``chattr +i``), which stops root too;
for a non-root user plain ``chmod 0444`` is used. If neither is possible on this filesystem,
the case is skipped (an OperationalError simulation would only test the message mapping,
which :func:`describe_sqlite_error` tests below already cover).
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import peewee
import pytest

from leadgen_desktop.cli import main
from leadgen_desktop.core.jobs import Jobs
from leadgen_desktop.core.run.pipeline import Pipeline
from leadgen_desktop.db.database import (
    SCHEMA_VERSION,
    Database,
    StorageError,
    describe_sqlite_error,
    open_database,
)
from leadgen_desktop.db.lead_queries import LeadQueries
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import (
    Business,
    CampaignConfig,
    CancelToken,
    JobStatus,
    LeadStored,
    Metrics,
    PipelineEvent,
    PriceTable,
    Stage,
)
from leadgen_desktop.net.providers.demo import build_demo_providers

DEMO_RUN = ["run", "--demo", "--business-type", "dentist", "--location", "Austin, TX", "--min-score", "0"]


def cli(*args: str) -> tuple[int, str, str]:
    """``leadgen`` as a subprocess (a traceback would show on stderr)."""
    env = {
        **os.environ,
        "LEADGEN_DEMO_LATENCY": "0",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    }
    done = subprocess.run(
        [sys.executable, "-m", "leadgen_desktop.cli", *args],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    return done.returncode, done.stdout, done.stderr


def test_a_file_that_is_not_sqlite(tmp_path: Path) -> None:
    db = tmp_path / "notes.db"
    content = b"These are my notes, not a database.\n" * 200
    db.write_bytes(content)
    for args in (["campaigns", "--db", str(db)], [*DEMO_RUN, "--db", str(db)]):
        code, out, err = cli(*args)
        assert code == 2, (out, err)
        assert "not a leadgen-desktop database" in err
        assert "Traceback" not in err
    assert db.read_bytes() == content  # untouched
    assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0


def test_a_database_from_a_newer_version(tmp_path: Path) -> None:
    db = tmp_path / "future.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE campaigns (id TEXT PRIMARY KEY)")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.commit()
    conn.close()
    before = db.read_bytes()  # a rollback-journal file: switching it to WAL would rewrite its header
    code, out, err = cli("campaigns", "--db", str(db))
    assert code == 2, (out, err)
    assert "newer version" in err
    assert str(SCHEMA_VERSION + 5) in err
    assert "Traceback" not in err
    assert db.read_bytes() == before, "a database from a newer version must be refused untouched"
    with pytest.raises(StorageError, match="newer version"):
        open_database(db)


def test_a_database_path_that_is_a_folder(tmp_path: Path) -> None:
    code, _, err = cli("campaigns", "--db", str(tmp_path))
    assert code == 2
    assert "is a folder" in err
    assert "Traceback" not in err


@pytest.fixture
def read_only_db(tmp_path: Path) -> Iterator[Path]:
    """A valid, up-to-date database that really cannot be written by this process."""
    db = tmp_path / "ro.db"
    code, _, err = cli(*DEMO_RUN, "--max-results", "3", "--db", str(db))
    assert code == 0, err
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA journal_mode = DELETE")  # no -wal/-shm to write beside it
    conn.close()
    if os.geteuid() != 0:
        db.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        undo = [lambda: db.chmod(0o644)]
    else:
        made = subprocess.run(["chattr", "+i", str(db)], capture_output=True, check=False)
        if made.returncode != 0:
            pytest.skip("root cannot make a file read-only here (no chattr +i on this filesystem)")
        undo = [lambda: subprocess.run(["chattr", "-i", str(db)], check=False)]
    try:
        with pytest.raises(PermissionError):
            db.open("ab").close()  # it really is read-only, even for us
        yield db
    finally:
        for step in undo:
            step()


def test_a_read_only_database(read_only_db: Path) -> None:
    before = read_only_db.read_bytes()
    code, out, err = cli(*DEMO_RUN, "--max-results", "3", "--db", str(read_only_db), "--json")
    assert code == 2, (out, err)
    assert "read-only" in err, err
    assert "Traceback" not in err
    assert read_only_db.read_bytes() == before


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ("file is not a database", "not a leadgen-desktop database"),
        ("attempt to write a readonly database", "read-only"),
        ("unable to open database file", "read-only"),
        ("database or disk is full", "is full"),
        ("database is locked", "busy"),
    ],
)
def test_sqlite_messages_become_sentences(error: str, expected: str) -> None:
    text = describe_sqlite_error(Path("/data/leads.db"), sqlite3.OperationalError(error))
    assert expected in text
    assert "/data/leads.db" in text


def _fill_the_disk(database: Database) -> None:
    """From now on the database cannot grow: a real SQLITE_FULL on the next page it needs."""
    (pages,) = database.connection.execute_sql("PRAGMA page_count").fetchone()
    database.connection.execute_sql(f"PRAGMA max_page_count = {pages}")


def test_disk_full_mid_run_fails_the_job_and_keeps_earlier_leads(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    repo = Store.open(db)
    pipeline = Pipeline(repo, build_demo_providers(latency=0.0))
    _, job_id = pipeline.start(CampaignConfig("dentist", "Austin, TX", max_results=200, min_score=0))
    stored: list[str] = []

    def on_event(event: PipelineEvent) -> None:
        if isinstance(event, LeadStored):
            stored.append(event.lead.business.place_id)
            if len(stored) == 5:
                _fill_the_disk(repo.db)

    finished = pipeline.run(job_id, CancelToken(), on_event)
    assert finished.status is JobStatus.FAILED
    assert finished.error
    assert "full" in finished.error
    assert "Traceback" not in finished.error
    assert len(stored) >= 5
    repo.db.close()

    # a fresh connection: the file is a valid database and every lead reported stored is there
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        ids = {r[0] for r in conn.execute("SELECT place_id FROM leads WHERE job_id = ?", (job_id,))}
        assert set(stored) <= ids
        (status,) = conn.execute("SELECT status FROM discovery_jobs WHERE id = ?", (job_id,)).fetchone()
    finally:
        conn.close()
    assert status in ("failed", "processing")  # the final write may itself need a page


def test_disk_full_mid_run_from_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    db = tmp_path / "t.db"
    real_add = LeadQueries.add
    count = {"n": 0}

    def add(self: LeadQueries, *args, **kwargs):  # type: ignore[no-untyped-def]
        count["n"] += 1
        if count["n"] == 6:
            _fill_the_disk(self._db)
        return real_add(self, *args, **kwargs)

    monkeypatch.setattr(LeadQueries, "add", add)
    code = main([*DEMO_RUN, "--max-results", "200", "--db", str(db), "--json"])
    captured = capsys.readouterr()
    assert code == 1, captured.err
    summary = json.loads(captured.out)
    assert summary["status"] == "failed"
    assert "full" in summary["error"]
    assert "Traceback" not in captured.err
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM leads").fetchone()[0] >= 5
    finally:
        conn.close()


# -- a full disk inside a transaction: the cause, never "cannot rollback" -------------------------


def test_a_full_disk_mid_transaction_reports_the_full_disk(tmp_path: Path) -> None:
    """SQLite gives a transaction up by itself on SQLITE_FULL; the ROLLBACK that follows then fails
    with "cannot rollback - no transaction is active", which used to be the only message."""
    store = Store.open(tmp_path / "t.db")
    _, job_id = store.jobs.create(CampaignConfig("dentist", "Austin, TX"))
    _fill_the_disk(store.db)
    page = [Business(place_id=f"p{i}", name="A business " * 20) for i in range(2_000)]
    with pytest.raises(StorageError) as failure:
        store.checkpoints.save_page(
            job_id, page, [], PriceTable(), None, True, (Stage.DISCOVERING, 9, Metrics())
        )
    assert "is full" in str(failure.value)
    assert "rollback" not in str(failure.value)
    assert not failure.value.damaged
    checkpoint = store.checkpoints.load(job_id)
    assert (checkpoint.pages, checkpoint.businesses) == (0, ())  # all or nothing


def test_a_failed_commit_reports_why_it_failed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The write that fails is the COMMIT itself (a real disk fills up as the WAL grows)."""
    store = Store.open(tmp_path / "t.db")
    connection = store.db.connection

    def commit_on_a_full_disk() -> None:
        connection.execute_sql("ROLLBACK")  # what SQLite does by itself when the commit cannot be written
        raise peewee.OperationalError("database or disk is full")

    monkeypatch.setattr(connection, "commit", commit_on_a_full_disk)
    with pytest.raises(StorageError, match="is full") as failure:
        store.jobs.create(CampaignConfig("dentist", "Austin, TX"))
    assert "rollback" not in str(failure.value)
    monkeypatch.undo()
    assert store.campaigns.summaries() == []  # nothing half-written
    store.jobs.create(CampaignConfig("dentist", "Austin, TX"))  # and the connection still works


def test_after_a_full_disk_the_same_process_resumes_the_job(tmp_path: Path) -> None:
    """As in the window: the run fails on a full disk, space comes back, the job is listed as
    interrupted and a resume in the same process finishes it."""
    store = Store.open(tmp_path / "t.db")
    pipeline = Pipeline(store, build_demo_providers(latency=0.0))
    _, job_id = pipeline.start(CampaignConfig("dentist", "Austin, TX", max_results=60, min_score=0))
    stored: list[int] = []

    def on_event(event: PipelineEvent) -> None:
        if isinstance(event, LeadStored):
            stored.append(event.lead_id)
            if len(stored) == 5:
                _fill_the_disk(store.db)

    failed = pipeline.run(job_id, CancelToken(), on_event)
    assert failed.status is JobStatus.FAILED
    assert failed.error is not None
    assert "is full" in failed.error
    assert f"leadgen resume {job_id}" in failed.error
    store.db.connection.execute_sql("PRAGMA max_page_count = 1073741823")  # room again
    jobs = Jobs(store)
    assert jobs.holder(job_id) is None
    assert jobs.can_resume(job_id)
    jobs.reopen(job_id)
    resumed = Pipeline(store, build_demo_providers(latency=0.0)).run(job_id, CancelToken(), lambda _e: None)
    assert resumed.status is JobStatus.COMPLETED, resumed.error
    assert store.leads.count(job_id) == resumed.metrics.qualified_leads == 60
