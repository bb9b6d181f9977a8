"""Database files that are not ours are never changed; ours carry ``PRAGMA application_id``.

DESIGN section 4: an existing, non-empty SQLite file without our id is refused (exit 2 from
the CLI) and left byte-for-byte unchanged, with no WAL switch first; an empty (0-byte) file
may be initialised; a file written before the id existed (``user_version`` 1 or 2) whose
schema is exactly ours is adopted and stamped.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from leadgen_desktop.cli import main
from leadgen_desktop.db.database import MAX_VARIABLES, SCHEMA_VERSION, StorageError, open_database
from leadgen_desktop.db.migrations import MIGRATIONS, statements
from leadgen_desktop.db.opening import ADOPTABLE_VERSIONS, APPLICATION_ID
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import Business, CampaignConfig, Metrics, PriceTable, Stage

GEOPACKAGE_ID = 0x47504B47  # another program's registered application id ("GPKG")


def pragma(path: Path, name: str) -> object:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        conn.close()


def snapshot(path: Path) -> dict[str, bytes | None]:
    """The file and its -wal/-journal companions, byte for byte (None: absent).

    Not the -shm file of a WAL database: it is the shared-memory index every reader writes
    its read marks into (any program reading the file changes it), not content.
    """
    files = (path, Path(f"{path}-wal"), Path(f"{path}-journal"))
    return {f.name: f.read_bytes() if f.exists() else None for f in files}


def make_file(path: Path, *sql: str) -> None:
    conn = sqlite3.connect(path)
    try:
        for statement in sql:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


def written_at(path: Path, version: int, *extra: str) -> None:
    """A database as a release before the application id wrote it at schema ``version``."""
    script = [s for step in MIGRATIONS[:version] for s in statements(step)]
    make_file(path, *script, *extra, f"PRAGMA user_version = {version}")


RUN = ("run", "--demo", "--business-type", "dentist", "--location", "Leeds")


def assert_refused_untouched(
    path: Path, match: str, capsys: pytest.CaptureFixture[str], command: tuple[str, ...] = ("campaigns",)
) -> None:
    before = snapshot(path)
    with pytest.raises(StorageError, match=match):
        open_database(path)
    assert snapshot(path) == before
    assert main([*command, "--db", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err  # one clear line
    assert "not a leadgen-desktop database" in err or "newer version" in err
    assert "Traceback" not in err
    assert snapshot(path) == before


# -- ours ---------------------------------------------------------------------------------------


def test_a_new_database_carries_our_id(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    Store.open(path).db.close()
    assert pragma(path, "application_id") == APPLICATION_ID
    assert pragma(path, "user_version") == SCHEMA_VERSION
    assert pragma(path, "journal_mode") == "wal"


def test_an_empty_file_is_initialised(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    store = Store.open(path)
    _, job_id = store.jobs.create(CampaignConfig("dentist", "Leeds"))
    assert store.jobs.get(job_id) is not None
    assert pragma(path, "application_id") == APPLICATION_ID


def test_our_database_from_a_newer_version_is_refused_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "future.db"
    written_at(path, SCHEMA_VERSION, f"PRAGMA application_id = {APPLICATION_ID}")
    make_file(path, f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    assert_refused_untouched(path, "newer version", capsys)


# -- not ours ------------------------------------------------------------------------------------


def test_another_programs_database_is_refused_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "theirs.db"
    make_file(path, "CREATE TABLE foo (a INTEGER)", "INSERT INTO foo VALUES (1)")
    refusal = r"not a leadgen-desktop database: it holds tables of its own \(foo\)"
    assert_refused_untouched(path, refusal, capsys)
    assert_refused_untouched(path, refusal, capsys, command=RUN)
    assert pragma(path, "journal_mode") == "delete"  # never switched to WAL
    assert not Path(f"{path}-shm").exists()
    assert pragma(path, "user_version") == 0


def test_a_database_with_a_table_named_like_ours_is_refused_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "leads.db"
    make_file(path, "CREATE TABLE leads (name TEXT, email TEXT)", "INSERT INTO leads VALUES ('a', 'b')")
    assert_refused_untouched(path, "not a leadgen-desktop database", capsys, command=RUN)
    assert pragma(path, "journal_mode") == "delete"


def test_a_database_with_another_programs_id_is_refused_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "geo.gpkg"
    make_file(path, f"PRAGMA application_id = {GEOPACKAGE_ID}")
    assert_refused_untouched(path, "application id is 0x47504b47", capsys)


def test_a_non_empty_database_with_nothing_in_it_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "blank.db"
    make_file(path, "CREATE TABLE x (a)", "DROP TABLE x")
    assert path.stat().st_size > 0
    assert_refused_untouched(path, "not a leadgen-desktop database: it is not empty", capsys)


@pytest.fixture
def wal_database(tmp_path: Path) -> Iterator[Path]:
    """Another program's WAL database, its last writes still in the -wal file (it is open)."""
    path = tmp_path / "wal.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = wal")
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute("CREATE TABLE notes (text TEXT)")
    conn.execute("INSERT INTO notes VALUES ('keep me')")
    conn.commit()
    yield path
    conn.close()


def test_a_wal_database_of_another_program_is_refused_untouched(
    wal_database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert Path(f"{wal_database}-wal").stat().st_size > 0
    assert_refused_untouched(wal_database, r"tables of its own \(notes\)", capsys)


# -- adopting a database written before the application id ---------------------------------------


@pytest.mark.parametrize("version", sorted(ADOPTABLE_VERSIONS))
def test_our_schema_without_the_id_is_adopted_and_upgraded(tmp_path: Path, version: int) -> None:
    path = tmp_path / "old.db"
    written_at(
        path,
        version,
        "INSERT INTO campaigns VALUES ('c1', 'dentist', 'Leeds', '', 0, '2024-01-01 00:00:00')",
    )
    store = Store.open(path)
    assert [s.campaign_id for s in store.campaigns.summaries()] == ["c1"]  # the user's data is kept
    store.db.close()
    assert pragma(path, "application_id") == APPLICATION_ID
    assert pragma(path, "user_version") == SCHEMA_VERSION


@pytest.mark.parametrize(
    "change",
    [
        'CREATE TABLE "their_notes" ("text" TEXT)',  # a table of their own
        'CREATE INDEX "leads_email" ON "leads" ("email")',  # an index we never made
        'CREATE VIEW "v" AS SELECT 1',
    ],
)
def test_a_schema_that_is_not_exactly_ours_is_refused_untouched(
    tmp_path: Path, change: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "almost.db"
    written_at(path, 2, change)
    assert_refused_untouched(path, "not a leadgen-desktop database", capsys)


def test_our_tables_at_a_version_never_released_without_the_id_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "v0.db"
    written_at(path, 2)
    make_file(path, "PRAGMA user_version = 0")  # our tables, but not a version that existed without the id
    assert_refused_untouched(path, "not a leadgen-desktop database", capsys)


# -- batched writes -----------------------------------------------------------------------------


def test_a_huge_discovery_page_is_stored_in_statements_sqlite_accepts(tmp_path: Path) -> None:
    """More rows than any one INSERT may bind (32,766 variables, 4 per place): never "too many SQL
    variables"; the page is stored whole, in one transaction."""
    store = Store.open(tmp_path / "t.db")
    _, job_id = store.jobs.create(CampaignConfig("dentist", "Leeds"))
    count = 32_766 // 4 + MAX_VARIABLES
    page = [Business(place_id=f"p{i}", name=f"Business {i}") for i in range(count)]
    store.checkpoints.save_page(
        job_id, page, [], PriceTable(), None, True, (Stage.DISCOVERING, 30, Metrics(businesses_found=count))
    )
    checkpoint = store.checkpoints.load(job_id)
    assert [b.place_id for b in checkpoint.businesses] == [b.place_id for b in page]
    assert store.lookups.stats().places == count


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_path_that_is_not_a_regular_file_is_refused_at_once(
    tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    if kind == "fifo":
        path = tmp_path / "pipe.db"
        os.mkfifo(path)  # opening it for reading would wait for a writer forever
    else:
        path = Path(os.devnull)
    assert main(["campaigns", "--db", str(path)]) == 2
    err = capsys.readouterr().err
    assert "is not a regular file" in err
    assert err.count("\n") == 1


def test_a_reader_holding_the_file_never_fails_the_open_and_the_next_open_switches_to_wal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Switching to WAL needs the file to itself and SQLite refuses at once (no busy handler)
    while another connection reads it: seen as "database is locked" when several processes open
    a new database together. The open must succeed anyway, and a later open switches the file."""
    from leadgen_desktop.db import opening

    path = tmp_path / "leads.db"
    Store.open(path).db.close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = DELETE")  # as a file migrated while another process read it
    conn.execute("BEGIN")
    conn.execute("SELECT count(*) FROM campaigns").fetchone()  # holds a shared lock
    monkeypatch.setattr(opening, "WAL_SWITCH_PATIENCE", 0.05)
    try:
        assert opening.switch_to_wal(path) is False
        store = Store.open(path)  # works in the rollback journal meanwhile
        assert store.campaigns.summaries() == []
        store.db.close()
    finally:
        conn.rollback()
        conn.close()
    assert pragma(path, "journal_mode") == "delete"
    Store.open(path).db.close()
    assert pragma(path, "journal_mode") == "wal"


def test_a_file_is_judged_from_one_snapshot(tmp_path: Path) -> None:
    """Another process's first migration may commit between two reads; judged statement by
    statement, a new database once read as "no id" and then "its own tables" and was refused.
    Every read of the judgement happens inside one read transaction."""
    from leadgen_desktop.db.opening import read_state

    path = tmp_path / "leads.db"
    Store.open(path).db.close()
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    statements_seen: list[str] = []
    conn.set_trace_callback(statements_seen.append)
    try:
        state = read_state(conn, path)
    finally:
        conn.close()
    assert state.ours
    assert state.wal
    assert statements_seen[0] == "BEGIN"
    assert statements_seen[-1] == "ROLLBACK"
    assert all(s.startswith(("PRAGMA", "SELECT")) for s in statements_seen[1:-1])
