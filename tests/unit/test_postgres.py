"""A team database on PostgreSQL: the same schema as SQLite, migrations once under an advisory
lock, databases that are not ours left untouched, passwords never shown, TLS honoured.

Runs against the throwaway server of ``scripts/with_postgres.sh`` (``make test``); skipped,
loudly, without one (never in CI). That server has a role ``leadgen_pw`` whose password is
``leadgen-test-pw`` (scram) and TLS on with a self-signed certificate.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from leadgen_desktop.db.database import SCHEMA_VERSION, StorageError, open_database
from leadgen_desktop.db.postgres import postgres_statements
from leadgen_desktop.db.store import Store
from leadgen_desktop.db.target import parse_postgres_url, redact_urls
from leadgen_desktop.keychain import database_password, set_database_password
from leadgen_desktop.wiring import open_store
from tests.fakes.backends import execute, fresh_pg_database, query, require_pg

PW_USER, PW_PASSWORD = "leadgen_pw", "leadgen-test-pw"
WRONG = "not-the-password-4711"


def with_user(url: str, user: str, password: str | None = None) -> str:
    """``url`` connecting as ``user`` (with ``password`` in it when given)."""
    scheme, rest = url.split("://", 1)
    host = rest.split("@", 1)[-1]
    secret = f":{password}" if password else ""
    return f"{scheme}://{user}{secret}@{host}"


@pytest.fixture
def pg_url() -> str:
    with fresh_pg_database() as url:
        yield url  # type: ignore[misc]


def columns_sqlite(path: Path) -> dict[str, list[str]]:
    conn = sqlite3.connect(path)
    try:
        tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: sorted(row[1] for row in conn.execute(f'PRAGMA table_info("{t}")')) for t in tables}
    finally:
        conn.close()


def test_the_same_tables_and_columns_as_sqlite_and_the_version_in_the_database(
    pg_url: str, tmp_path: Path
) -> None:
    Store.open(tmp_path / "t.db").db.close()
    Store.open(pg_url).db.close()
    rows = query(
        pg_url,
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'",
    )
    pg: dict[str, list[str]] = {}
    for table, column in rows:
        pg.setdefault(table, []).append(column)
    sqlite_only = {t for t in columns_sqlite(tmp_path / "t.db") if t.startswith("lead_search_fts")}  # FTS5
    expected = {t: c for t, c in columns_sqlite(tmp_path / "t.db").items() if t not in sqlite_only}
    assert {t: sorted(c) for t, c in pg.items() if t != "leadgen_schema"} == expected
    indexes = {
        name for (name,) in query(pg_url, "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
    }
    assert {
        "lead_search_fts_trgm",
        "leads_business_name_nocase",
    } <= indexes  # FTS5 and NOCASE, as PostgreSQL has them
    assert query(pg_url, "SELECT application, version FROM leadgen_schema") == [
        ("leadgen-desktop", SCHEMA_VERSION)
    ]
    types = dict(query(pg_url, "SELECT column_name, data_type FROM information_schema.columns "
                       "WHERE table_name = 'api_calls'"))  # fmt: skip
    assert types["cost"] == "double precision"  # never PostgreSQL's 4-byte REAL: money stays exact
    assert types["id"] == "bigint"
    assert types["created_at"] == "timestamp without time zone"


def test_translation_of_the_frozen_steps() -> None:
    (statement,) = postgres_statements(
        'CREATE TABLE "x" ("id" INTEGER NOT NULL PRIMARY KEY, "n" INTEGER NOT NULL, "c" REAL, "t" DATETIME)'
    )
    assert statement == (
        'CREATE TABLE "x" ("id" BIGSERIAL PRIMARY KEY, "n" BIGINT NOT NULL, '
        '"c" DOUBLE PRECISION, "t" TIMESTAMP)'
    )


def test_processes_starting_together_migrate_once(pg_url: str) -> None:
    """Six processes open a new database at the same moment: all succeed, each step ran once."""
    code = "import sys; from leadgen_desktop.db.store import Store; Store.open(sys.argv[1]).db.close()"
    procs = [
        subprocess.Popen([sys.executable, "-c", code, pg_url], stderr=subprocess.PIPE, text=True)
        for _ in range(6)
    ]
    results = [(proc.wait(60), proc.stderr.read() if proc.stderr else "") for proc in procs]
    for proc in procs:
        if proc.stderr:
            proc.stderr.close()
    assert [rc for rc, _ in results] == [0] * 6, results
    assert query(pg_url, "SELECT count(*), max(version) FROM leadgen_schema") == [(1, SCHEMA_VERSION)]


def test_threads_opening_together_all_succeed(pg_url: str) -> None:
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            start.wait(10)
            Store.open(pg_url).db.close()
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors


def test_a_database_of_another_program_is_refused_and_left_untouched(pg_url: str) -> None:
    execute(pg_url, "CREATE TABLE invoices (id integer primary key, total numeric)")
    execute(pg_url, "INSERT INTO invoices VALUES (1, 99.5)")
    with pytest.raises(
        StorageError, match=r"not a leadgen-desktop database: it holds tables of its own \(invoices\)"
    ):
        open_database(pg_url)
    tables = query(pg_url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    assert tables == [("invoices",)]
    assert query(pg_url, "SELECT id, total FROM invoices")[0][0] == 1


def test_a_database_from_a_newer_version_is_refused(pg_url: str) -> None:
    Store.open(pg_url).db.close()
    execute(pg_url, "UPDATE leadgen_schema SET version = ?", (SCHEMA_VERSION + 1,))
    with pytest.raises(StorageError, match="newer version"):
        open_database(pg_url)


def test_a_wrong_password_is_one_clear_line_without_the_password(pg_url: str, tmp_path: Path) -> None:
    url = with_user(pg_url, PW_USER, WRONG)
    with pytest.raises(StorageError) as caught:
        open_database(url)
    message = str(caught.value)
    assert "refused the password" in message
    assert WRONG not in message
    assert WRONG not in repr(caught.value.__cause__) if caught.value.__cause__ else True
    result = _leadgen(tmp_path, "campaigns", "--db", url)
    assert result.returncode == 2
    assert WRONG not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "refused the password" in lines[0]
    assert "Traceback" not in result.stderr


def test_an_unreachable_server_is_exit_2_with_one_line(tmp_path: Path) -> None:
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    result = _leadgen(tmp_path, "campaigns", "--db", f"postgresql://someone:{WRONG}@127.0.0.1:{port}/leadgen")
    assert result.returncode == 2
    assert "Cannot reach the PostgreSQL server" in result.stderr
    assert WRONG not in result.stderr + result.stdout
    assert len([line for line in result.stderr.splitlines() if line.strip()]) == 1, result.stderr


def test_the_password_comes_from_the_keychain_or_pgpassfile(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    execute(pg_url, f"GRANT ALL ON SCHEMA public TO {PW_USER}")  # PostgreSQL 15: public is the owner's
    url = with_user(pg_url, PW_USER)  # no password in the URL
    target = parse_postgres_url(url)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "none"))
    with pytest.raises(StorageError, match=r"asks for a password|refused the password"):
        open_store(url)
    set_database_password(target.key, PW_PASSWORD)
    assert database_password(target.key) == PW_PASSWORD
    store = open_store(url)
    assert store.path == target.display
    assert PW_PASSWORD not in store.path
    store.db.close()
    # PGPASSFILE alone (libpq reads it): no keychain entry needed
    from leadgen_desktop.keychain import delete_database_password

    assert delete_database_password(target.key)
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"*:*:*:{PW_USER}:{PW_PASSWORD}\n")
    passfile.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(passfile))
    store = open_store(url)
    store.db.close()


def test_sslmode_is_honoured(pg_url: str) -> None:
    ssl = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
    for mode, expected in (("require", True), ("disable", False)):
        store = Store.open(f"{pg_url}?sslmode={mode}")
        try:
            assert store.db.sql(ssl).fetchone()[0] is expected
            assert f"sslmode={mode}" in store.path
        finally:
            store.db.close()


def test_urls_in_messages_lose_their_password() -> None:
    text = "failed for postgresql://bob:s3cret@db.example.com:5432/leads and postgres://x:y@h/d"
    assert (
        redact_urls(text)
        == "failed for postgresql://bob:***@db.example.com:5432/leads and postgres://x:***@h/d"
    )
    target = parse_postgres_url("postgresql://bob:s3cret@db.example.com/leads?sslmode=verify-full")
    assert "s3cret" not in target.display + repr(target)
    assert target.display == "postgresql://bob@db.example.com/leads?sslmode=verify-full"
    with pytest.raises(StorageError, match="names no database"):
        parse_postgres_url("postgresql://bob:s3cret@db.example.com")
    with pytest.raises(StorageError, match="cannot be read") as caught:
        parse_postgres_url("postgresql://bob:s3cret@db.example.com/x?bogus=1")
    assert "s3cret" not in str(caught.value)


def _leadgen(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    import os

    require_pg()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEADGEN_", "PG"))}
    env.update(
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        HOME=str(tmp_path / "home"),
        XDG_DATA_HOME=str(tmp_path / "xdg"),
        PGPASSFILE=str(tmp_path / "no-pgpass"),
    )
    return subprocess.run(
        [sys.executable, "-m", "leadgen_desktop.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
