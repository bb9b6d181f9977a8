"""Both database engines for tests: a fresh SQLite file or a fresh PostgreSQL database per test.

``LEADGEN_TEST_PG_URL`` names a PostgreSQL server the tests may create and
drop databases on (``scripts/with_postgres.sh`` starts a throwaway one; ``make
test`` and ``.ci/run`` use it). Without it the PostgreSQL half is skipped,
loudly (CI never runs without it: see ``.ci/run``).

``query`` reads any of them from outside the program, so a test checks what
was really stored, whatever the engine.
"""

from __future__ import annotations

import os
import re
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from leadgen_desktop.db.target import is_postgres_url

PG_URL_ENV = "LEADGEN_TEST_PG_URL"
BACKENDS = ("sqlite", "postgresql")


def pg_server_url() -> str | None:
    """The PostgreSQL server the tests may use, or None."""
    return os.environ.get(PG_URL_ENV) or None


def require_pg() -> str:
    """The server URL, or skip the test (loudly) when there is none."""
    url = pg_server_url()
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{PG_URL_ENV} is not set: CI runs the PostgreSQL half, always (see .ci/run)")
        pytest.skip(f"PostgreSQL half skipped: {PG_URL_ENV} is not set (run the suite via make test)")
    return url


def url_for(server: str, dbname: str) -> str:
    """``server``'s URL with another database name."""
    head, _, tail = server.rpartition("/")
    query = tail.partition("?")[2]
    return f"{head}/{dbname}" + (f"?{query}" if query else "")


def pg_bin(tool: str) -> str:
    """The path of a PostgreSQL client tool (``pg_dump``) of the test server's version."""
    import glob
    import shutil

    folder = os.environ.get("LEADGEN_TEST_PG_BIN")
    candidates = [os.path.join(folder, tool)] if folder else []
    candidates += sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{tool}"), reverse=True)
    found = next((c for c in candidates if os.access(c, os.X_OK)), None) or shutil.which(tool)
    if found is None:
        pytest.skip(f"{tool} is not installed")
    return found


def _admin(server: str) -> Any:
    import psycopg

    return psycopg.connect(server, autocommit=True)


@contextmanager
def fresh_pg_database(prefix: str = "t") -> Iterator[str]:
    """A new, empty PostgreSQL database (dropped afterwards, connections and all); yields its URL."""
    server = require_pg()
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with _admin(server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url_for(server, name)
    finally:
        with _admin(server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def database_for(backend: str, tmp_path: Path) -> Iterator[str]:
    """Where a test's database is: a file in ``tmp_path``, or a fresh PostgreSQL database's URL."""
    if backend == "sqlite":
        yield str(tmp_path / "t.db")
        return
    with fresh_pg_database() as url:
        yield url


def query(where: str | Path, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` (``?`` placeholders) read straight from the database, outside the program.

    A SQLite file is opened read-only (it takes no part in the program's
    writes); a missing file or table reads as no rows.
    """
    if is_postgres_url(str(where)):
        import psycopg

        with psycopg.connect(str(where), autocommit=True) as conn:
            try:
                return list(conn.execute(re.sub(r"\?", "%s", sql), params).fetchall())  # type: ignore[arg-type]
            except psycopg.errors.UndefinedTable:
                return []
    path = Path(where)
    if not path.exists():
        return []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        return conn.execute(sql, tuple(params)).fetchall()
    except sqlite3.OperationalError:  # tables not created yet
        return []
    finally:
        conn.close()


def execute(where: str | Path, sql: str, params: Sequence[object] = ()) -> None:
    """Run one write statement (``?`` placeholders) on the database, outside the program."""
    if is_postgres_url(str(where)):
        import psycopg

        with psycopg.connect(str(where), autocommit=True) as conn:
            conn.execute(re.sub(r"\?", "%s", sql), params)  # type: ignore[arg-type]
        return
    conn = sqlite3.connect(str(where), timeout=5)
    try:
        with conn:
            conn.execute(sql, tuple(params))
    finally:
        conn.close()
