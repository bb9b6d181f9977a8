"""One open database: its peewee connections, its own tables, and its transactions.

:func:`open_database` takes a SQLite file path or a ``postgresql://`` URL (a
team database, :mod:`~leadgen_desktop.db.postgres`), checks and migrates it
and returns a :class:`Database`. Nothing is bound globally: each ``Database``
carries a :class:`~leadgen_desktop.db.tables.TableSet` bound to it alone, so
several databases can be used side by side, from any threads (peewee keeps
one connection per thread and database).

What differs between the two engines lives here, once: how a write
transaction begins (SQLite ``BEGIN IMMEDIATE`` takes the write lock at once;
PostgreSQL locks the rows a read-then-write names with ``FOR UPDATE``), whose
clock a lease uses (the server's, on PostgreSQL), waking workers
(``NOTIFY``), and reconnecting after a team database's connection was lost.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar, cast

import peewee as pw

from leadgen_desktop.db.errors import (
    StorageError,
    connection_lost,
    describe_sqlite_error,
    driver_errors,
    first_database_error,
    storage_error,
    storage_errors,
)
from leadgen_desktop.db.opening import BUSY_TIMEOUT_SECONDS, SCHEMA_VERSION, prepare_file
from leadgen_desktop.db.tables import TableSet, utcnow
from leadgen_desktop.db.target import PostgresTarget, parse_target

__all__ = [
    "SCHEMA_VERSION",
    "Database",
    "StorageError",
    "Transaction",
    "describe_sqlite_error",
    "insert_in_batches",
    "open_database",
]

SQLITE, POSTGRESQL = "sqlite", "postgresql"
JOBS_CHANNEL = "leadgen_jobs"
"""The PostgreSQL ``NOTIFY`` channel on which a queued or handed-back job wakes the workers."""
_Query = TypeVar("_Query", bound=pw.Select)

MAX_VARIABLES = 999
"""Bound values per statement: SQLite's lowest limit ever (newer builds allow 32,766)."""

PRAGMAS = {  # the journal mode is not here: WAL is set once on the file (opening.switch_to_wal)
    "synchronous": "normal",
    "foreign_keys": 1,
    "busy_timeout": int(BUSY_TIMEOUT_SECONDS * 1000),
}


def open_database(where: Path | str | os.PathLike[str] | PostgresTarget) -> Database:
    """Open the leadgen-desktop database ``where`` (a file, or a team database), creating or migrating it.

    Raises:
        StorageError: the file is not ours, is damaged, is from a newer
            version, cannot be created or written, or the disk is full; the
            server cannot be reached or refused the password (the message
            never holds the password).
    """
    target = where if isinstance(where, PostgresTarget) else parse_target(where)
    if isinstance(target, PostgresTarget):
        from leadgen_desktop.db.postgres import open_postgres

        return open_postgres(target)
    return _open_sqlite(target)


def _open_sqlite(target: Path) -> Database:
    if target.is_dir():
        raise StorageError(f"Database path {target} is a folder; give a file path such as {target}/leads.db.")
    if target.exists() and not target.is_file():  # a FIFO would even block the open
        raise StorageError(
            f"Database path {target} is not a regular file (a device or a pipe?); it was left untouched. "
            "Choose another path with --db or LEADGEN_DB."
        )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(
            f"Cannot create the folder for the database {target}: {exc.strerror or exc}. "
            "Choose another path with --db or LEADGEN_DB."
        ) from None
    prepare_file(target)
    connection = pw.SqliteDatabase(
        str(target), pragmas=PRAGMAS, timeout=BUSY_TIMEOUT_SECONDS, check_same_thread=False
    )
    with storage_errors(target):
        connection.connect(reuse_if_open=True)
    return Database(connection, str(target))


class Database:
    """An open database: peewee's per-thread connections and the tables bound to them alone.

    Every write goes through :meth:`transaction`, every read through
    :meth:`reading`; both turn database failures into :class:`StorageError`.
    ``path`` is the file, or the team database's URL without its password.
    """

    def __init__(self, connection: pw.Database, path: str, dialect: str = SQLITE) -> None:
        self.connection = connection
        self.path = path
        self.dialect = dialect
        self.tables = TableSet(connection)

    @property
    def is_postgres(self) -> bool:
        """True for a team database on PostgreSQL."""
        return self.dialect == POSTGRESQL

    def transaction(self) -> Transaction:
        """One write transaction (joined, when this thread is already inside one)."""
        return Transaction(self)

    @contextmanager
    def reading(self) -> Iterator[None]:
        """A block of reads whose failures (a damaged page, a lock, a lost server) raise StorageError."""
        with storage_errors(self.path):
            self.revive()
            yield

    def revive(self, *, force: bool = False) -> None:
        """Drop this thread's connection to a team database when it was lost, so the next query reconnects.

        A no-op on SQLite, inside a transaction, or when the connection is fine (unless ``force``).
        """
        if not self.is_postgres or self.connection.is_closed():
            return
        if self.connection.in_transaction() and not force:
            return
        raw = self.connection.connection()  # type: ignore[no-untyped-call]
        if not (force or getattr(raw, "closed", False) or getattr(raw, "broken", False)):
            return
        try:
            self.connection.close()
        except driver_errors():
            self.connection._state.reset()  # type: ignore[attr-defined]

    def now(self) -> dt.datetime:
        """The current UTC time (naive) by the database's clock: the server's for a team database.

        Leases of several machines are judged by one clock, whatever their own say.
        """
        if not self.is_postgres:
            return utcnow()
        with self.reading():
            value = self.sql("SELECT LOCALTIMESTAMP").fetchone()[0]
        return cast(dt.datetime, value)

    def locked(self, query: _Query, *, skip_locked: bool = False) -> _Query:
        """``query`` that locks the rows it reads until the transaction ends (PostgreSQL ``FOR UPDATE``).

        SQLite needs no row locks: its write transaction (``BEGIN IMMEDIATE``)
        already excludes every other writer. ``skip_locked`` passes over rows
        another transaction holds (a worker's claim).
        """
        if not self.is_postgres:
            return query
        return query.for_update(skip_locked=skip_locked or None)

    def notify_jobs(self, payload: str) -> None:
        """Wake the workers (and windows) of a team database: a job queued or handed back, a worker
        come or gone (sent when the transaction commits)."""
        if self.is_postgres:
            self.sql("SELECT pg_notify(%s, %s)", (JOBS_CHANNEL, payload))

    def sql(self, statement: str, params: Sequence[object] = ()) -> Any:
        """Run one plain SQL ``statement`` (the engine's placeholders) and return its cursor."""
        return self.connection.execute_sql(statement, params)  # type: ignore[no-untyped-call]

    def tuples(self, query: pw.BaseQuery) -> list[tuple[Any, ...]]:
        """Run a read ``query`` and return its rows as plain tuples."""
        with self.reading():
            return list(cast(Iterable[tuple[Any, ...]], query.tuples()))

    def cursor_batches(self, query: pw.Query, batch: int) -> Iterator[list[tuple[Any, ...]]]:
        """Run ``query`` once and hand its rows over in lists of ``batch`` (plain tuples)."""
        with self.reading():
            cursor = self.connection.execute(query)  # type: ignore[no-untyped-call]
        while True:
            with self.reading():
                rows = cursor.fetchmany(batch)
            if not rows:
                return
            yield rows

    def is_closed(self) -> bool:
        """True when the calling thread holds no open connection."""
        return bool(self.connection.is_closed())

    def close(self) -> None:
        """Close the calling thread's connection (peewee keeps one per thread)."""
        if not self.connection.is_closed():
            self.connection.close()


class Transaction:
    """A write transaction (SQLite ``BEGIN IMMEDIATE``) whose failures raise :class:`StorageError`.

    Inside another transaction of the same thread it simply joins it: the
    store's composed writes (a lead with its calls and the job's progress)
    commit or roll back as one. When SQLite has already rolled a failed
    transaction back by itself (a full disk does that), peewee's ROLLBACK then
    fails with "cannot rollback - no transaction is active"; the message
    reported is the first failure's (:func:`first_database_error`).
    """

    def __init__(self, database: Database) -> None:
        self._database = database
        self._atomic: pw._atomic | None = None

    def __enter__(self) -> None:
        database = self._database
        connection = database.connection
        if connection.in_transaction():
            return
        with storage_errors(database.path):
            database.revive()
            atomic = connection.atomic() if database.is_postgres else connection.atomic("IMMEDIATE")
            try:
                atomic.__enter__()
            except driver_errors() as exc:
                if not (database.is_postgres and connection_lost(exc)):
                    raise
                database.revive(force=True)  # the server dropped us while idle: nothing was done, again
                atomic = connection.atomic()
                atomic.__enter__()
        self._atomic = atomic

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._atomic is None:  # joined an outer transaction: it decides
            return
        try:
            self._atomic.__exit__(exc_type, exc, tb)
        except driver_errors() as error:
            if isinstance(exc, StorageError):
                raise exc from error
            cause = first_database_error(exc, error)
            raise storage_error(self._database.path, cause) from cause
        if isinstance(exc, driver_errors()):
            raise storage_error(self._database.path, exc) from exc


def insert_in_batches(
    table: type[pw.Model], rows: Sequence[Mapping[str, object]], *, on_conflict: str | None = None
) -> None:
    """Insert ``rows`` (dicts with the same keys) in statements small enough for any SQLite.

    A page of 200,000 places is many statements inside the caller's
    transaction, never "too many SQL variables". ``on_conflict`` is "ignore"
    (keep the stored row), "replace" (the new row's columns win; written as
    ``ON CONFLICT (key) DO UPDATE``, which SQLite and PostgreSQL both speak) or
    None (a conflict is an error).
    """
    if not rows:
        return
    if on_conflict == "replace":  # one row per key: PostgreSQL refuses to update a row twice in a statement
        names = [field.name for field in key_fields(table)]
        rows = list({tuple(row[name] for name in names): row for row in rows}.values())
    per_statement = max(1, MAX_VARIABLES // max(1, len(rows[0])))
    for start in range(0, len(rows), per_statement):
        query = table.insert_many(rows[start : start + per_statement])
        if on_conflict == "replace":
            query = upsert(table, query, rows[0].keys())
        elif on_conflict == "ignore":
            query = query.on_conflict_ignore()
        elif on_conflict is not None:
            raise ValueError(f"on_conflict must be 'ignore', 'replace' or None, not {on_conflict!r}")
        query.execute()


def key_fields(table: type[pw.Model]) -> list[pw.Field]:
    """The columns of ``table``'s primary key (one, or several for a composite key)."""
    key = table._meta.primary_key
    if isinstance(key, pw.CompositeKey):
        return [table._meta.fields[name] for name in key.field_names]
    return [cast(pw.Field, key)]


def upsert(table: type[pw.Model], query: pw.ModelInsert, columns: Iterable[str]) -> pw.ModelInsert:
    """``query`` whose conflict on the primary key replaces the stored row's ``columns`` with the new ones."""
    keys = key_fields(table)
    names = {field.name for field in keys}
    preserve = [table._meta.fields[name] for name in columns if name not in names]
    if not preserve:  # nothing but the key: keep the stored row
        return query.on_conflict(conflict_target=keys, action="NOTHING")
    return query.on_conflict(conflict_target=keys, preserve=preserve)
