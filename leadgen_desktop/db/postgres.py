"""A team database on PostgreSQL: connecting, judging whether it is ours, migrating it once.

The same rules as a SQLite file (:mod:`~leadgen_desktop.db.opening`), in
PostgreSQL's terms:

* our schema carries the table ``leadgen_schema`` (one row: the application
  name and the schema version), the counterpart of SQLite's
  ``application_id`` and ``user_version``;
* a database (its current schema, usually ``public``) with no tables is
  initialised; one with tables of its own and no ``leadgen_schema`` is
  refused and left untouched; one from a newer version is refused too;
* the frozen steps of :mod:`~leadgen_desktop.db.migrations` run in one
  transaction under an advisory lock (``pg_advisory_xact_lock``), after the
  version is read again inside it, so several processes starting together
  each see the schema complete and every step runs exactly once. PostgreSQL's
  DDL is transactional: a failed migration leaves nothing half-done.

Every session runs in UTC (``TimeZone=UTC``), so timestamps mean the same as
in a SQLite file, and TCP keepalives notice a server that vanished.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import peewee as pw

from leadgen_desktop.db.database import POSTGRESQL, Database
from leadgen_desktop.db.errors import StorageError, storage_errors
from leadgen_desktop.db.migrations import MIGRATIONS, statements
from leadgen_desktop.db.opening import APPLICATION_ID, SCHEMA_VERSION
from leadgen_desktop.db.peewee_drivers import give_peewee_psycopg
from leadgen_desktop.db.target import PostgresTarget

APPLICATION = "leadgen-desktop"
"""The application named in ``leadgen_schema``."""
MIGRATION_LOCK_TIMEOUT = "60s"
"""How long a process waits for another one's migration before giving up."""

_TYPES = (
    (re.compile(r"\bINTEGER NOT NULL PRIMARY KEY\b"), "BIGSERIAL PRIMARY KEY"),
    (re.compile(r"\bINTEGER\b"), "BIGINT"),
    (re.compile(r"\bREAL\b"), "DOUBLE PRECISION"),
    (re.compile(r"\bDATETIME\b"), "TIMESTAMP"),
)


_NOCASE = re.compile(r'\("(\w+)" COLLATE NOCASE\)')
_FTS5 = re.compile(r'CREATE VIRTUAL TABLE "(\w+)" USING fts5\("(\w+)", content=\'(\w+)\'')
TRIGRAM_INDEX = """DO $$
BEGIN
  BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
  EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'pg_trgm is not available: the All-leads search scans the keys instead';
  END;
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
    EXECUTE 'CREATE INDEX "{name}" ON "{table}" USING gin ("{column}" gin_trgm_ops)';
  END IF;
END $$"""
"""SQLite's FTS5 trigram table, as PostgreSQL has it: a ``pg_trgm`` GIN index on the same column
(created when the extension may be, as a database owner may for this trusted one)."""


def postgres_statements(script: str) -> list[str]:
    """The statements of a frozen migration step as PostgreSQL's.

    SQLite's types become PostgreSQL's; the SQLite-only pieces of the All-leads
    search index get their counterparts: an FTS5 trigram table becomes a
    ``pg_trgm`` GIN index on its content table's column (kept current by
    PostgreSQL itself, so the trigger that maintained FTS5 is dropped), and
    ``COLLATE NOCASE`` index columns become ``lower()`` expressions.
    """
    translated = []
    for statement in statements(script):
        if statement.startswith("CREATE TRIGGER"):
            continue  # only ever kept an FTS5 table current
        fts5 = _FTS5.match(statement)
        if fts5 is not None:
            name, column, table = fts5.groups()
            translated.append(TRIGRAM_INDEX.format(name=f"{name}_trgm", table=table, column=column))
            continue
        for pattern, replacement in _TYPES:
            statement = pattern.sub(replacement, statement)
        translated.append(_NOCASE.sub(r'(lower("\1"))', statement))
    return translated


def open_postgres(target: PostgresTarget) -> Database:
    """Connect to the team database ``target``, check it is ours (or empty) and migrate it.

    Raises:
        StorageError: the server cannot be reached, refused the password (never
            shown), the database holds tables of another program, or is from a
            newer version.
    """
    display = target.display
    give_peewee_psycopg()
    connection = pw.PostgresqlDatabase(target.dbname, prefer_psycopg3=True, **target.connect_parameters())
    try:
        with storage_errors(display):
            connection.connect(reuse_if_open=True)
            version = _version(connection)
            if version != SCHEMA_VERSION:
                _migrate(connection, display)
    except StorageError as exc:
        connection.close()
        raise StorageError(target.redact(str(exc)), disconnected=exc.disconnected) from None
    return Database(connection, display, POSTGRESQL)


def _sql(connection: pw.PostgresqlDatabase, sql: str, params: Sequence[object] = ()) -> Any:
    """Run one statement on ``connection`` and return its cursor."""
    return connection.execute_sql(sql, params)  # type: ignore[no-untyped-call]


def _version(connection: pw.PostgresqlDatabase) -> int | None:
    """Our schema version, or None when the database has no ``leadgen_schema`` table."""
    # A scan of pg_tables, not to_regclass(): that one reads the relation cache, which may still
    # hold "no such table" after waiting for another process's migration to commit.
    exists = _sql(
        connection,
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_tables "
        "WHERE schemaname = current_schema() AND tablename = 'leadgen_schema')",
    ).fetchone()[0]
    if not exists:
        return None
    row = _sql(connection, "SELECT application, version FROM leadgen_schema").fetchone()
    if row is None or row[0] != APPLICATION:
        return -1
    return int(row[1])


def _check(connection: pw.PostgresqlDatabase, display: str, version: int | None) -> None:
    """Refuse (StorageError) a database that is another program's, or newer than this version."""
    if version is not None and version > SCHEMA_VERSION:
        raise StorageError(
            f"The database {display} was written by a newer version of leadgen-desktop "
            f"(schema {version}, this version knows {SCHEMA_VERSION}). Update the app, "
            "or choose another database with --db. It was left untouched."
        )
    if version == -1:
        raise StorageError(
            f"{display} is not a leadgen-desktop database: its leadgen_schema table is another "
            "program's. It was left untouched; choose another database with --db or LEADGEN_DB."
        )
    if version is None:
        tables = [
            str(name)
            for (name,) in _sql(
                connection,
                "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema() "
                "ORDER BY tablename",
            ).fetchall()
        ]
        if tables:
            raise StorageError(
                f"{display} is not a leadgen-desktop database: it holds tables of its own "
                f"({', '.join(tables[:8])}{', ...' if len(tables) > 8 else ''}). It was left untouched; "
                "create an empty database for the team (createdb leadgen) and point --db at it."
            )


def _migrate(connection: pw.PostgresqlDatabase, display: str) -> None:
    """Create or upgrade the schema in one transaction, under the migration's advisory lock."""
    with connection.atomic():
        _sql(connection, f"SET LOCAL lock_timeout = '{MIGRATION_LOCK_TIMEOUT}'")
        _sql(connection, "SELECT pg_advisory_xact_lock(%s)", (APPLICATION_ID,))
        version = _version(connection)  # again, under the lock: another process may have done it
        _check(connection, display, version)
        if version == SCHEMA_VERSION:
            return
        if version is None:
            _sql(
                connection,
                'CREATE TABLE "leadgen_schema" ("application" TEXT NOT NULL, "version" BIGINT NOT NULL)',
            )
            _sql(
                connection, "INSERT INTO leadgen_schema (application, version) VALUES (%s, 0)", (APPLICATION,)
            )
        for script in MIGRATIONS[version or 0 :]:
            for statement in postgres_statements(script):
                _sql(connection, statement)
        _sql(connection, "UPDATE leadgen_schema SET version = %s", (SCHEMA_VERSION,))
