"""One open database: its peewee connections, its own tables, and its transactions.

:func:`open_database` checks and migrates the file (:mod:`~leadgen_desktop.db.opening`)
and returns a :class:`Database`. Nothing is bound globally: each ``Database``
carries a :class:`~leadgen_desktop.db.tables.TableSet` bound to it alone, so
several databases can be used side by side, from any threads (peewee keeps
one connection per thread and database).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from types import TracebackType
from typing import Any, cast

import peewee as pw

from leadgen_desktop.db.errors import (
    DRIVER_ERRORS,
    StorageError,
    describe_sqlite_error,
    first_database_error,
    storage_error,
    storage_errors,
)
from leadgen_desktop.db.opening import BUSY_TIMEOUT_SECONDS, SCHEMA_VERSION, prepare_file
from leadgen_desktop.db.tables import TableSet

__all__ = [
    "SCHEMA_VERSION",
    "Database",
    "StorageError",
    "Transaction",
    "describe_sqlite_error",
    "insert_in_batches",
    "open_database",
]

MAX_VARIABLES = 999
"""Bound values per statement: SQLite's lowest limit ever (newer builds allow 32,766)."""

PRAGMAS = {  # the journal mode is not here: WAL is set once on the file (opening.switch_to_wal)
    "synchronous": "normal",
    "foreign_keys": 1,
    "busy_timeout": int(BUSY_TIMEOUT_SECONDS * 1000),
}


def open_database(path: Path | str) -> Database:
    """Open the leadgen-desktop database at ``path``, creating or migrating it.

    Raises:
        StorageError: the file is not ours, is damaged, is from a newer
            version, cannot be created or written, or the disk is full.
    """
    target = Path(path).expanduser()
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
    """

    def __init__(self, connection: pw.SqliteDatabase, path: str) -> None:
        self.connection = connection
        self.path = path
        self.tables = TableSet(connection)

    def transaction(self) -> Transaction:
        """One write transaction (joined, when this thread is already inside one)."""
        return Transaction(self)

    def reading(self) -> AbstractContextManager[None]:
        """A block of reads whose failures (a damaged page, a lock) raise :class:`StorageError`."""
        return storage_errors(self.path)

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
    """A write transaction (``BEGIN IMMEDIATE``) whose failures raise :class:`StorageError`.

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
        connection = self._database.connection
        if connection.in_transaction():
            return
        atomic = connection.atomic("IMMEDIATE")
        with storage_errors(self._database.path):
            atomic.__enter__()
        self._atomic = atomic

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._atomic is None:  # joined an outer transaction: it decides
            return
        try:
            self._atomic.__exit__(exc_type, exc, tb)
        except DRIVER_ERRORS as error:
            if isinstance(exc, StorageError):
                raise exc from error
            cause = first_database_error(exc, error)
            raise storage_error(self._database.path, cause) from cause
        if isinstance(exc, DRIVER_ERRORS):
            raise storage_error(self._database.path, exc) from exc


def insert_in_batches(
    table: type[pw.Model], rows: Sequence[Mapping[str, object]], *, on_conflict: str | None = None
) -> None:
    """Insert ``rows`` (dicts with the same keys) in statements small enough for any SQLite.

    A page of 200,000 places is many statements inside the caller's
    transaction, never "too many SQL variables". ``on_conflict`` is "ignore"
    or "replace" (or None: a conflict is an error).
    """
    if not rows:
        return
    per_statement = max(1, MAX_VARIABLES // max(1, len(rows[0])))
    for start in range(0, len(rows), per_statement):
        query = table.insert_many(rows[start : start + per_statement])
        if on_conflict is not None:
            query = query.on_conflict(on_conflict)
        query.execute()
