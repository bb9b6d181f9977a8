"""Opening the SQLite database: pragmas, sanity checks and forward migrations.

The schema version lives in ``PRAGMA user_version``. Each migration moves the
file forward by one version inside one transaction, so a crash mid-migration
leaves the previous version intact. A file written by a newer release is
refused rather than touched.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import peewee as pw

from leadgen_desktop.db.migrations import MIGRATIONS, statements
from leadgen_desktop.db.tables import TABLES


class StorageError(Exception):
    """The database cannot be used; the message says why and what to do."""


SCHEMA_VERSION = len(MIGRATIONS)

PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "normal",
    "foreign_keys": 1,
    "busy_timeout": 5000,
}


def open_database(path: Path | str, *, create: bool = True) -> pw.SqliteDatabase:
    """Open (and create or migrate) the database at ``path``, binding the tables.

    Raises:
        StorageError: the file is not SQLite, is from a newer version, cannot
            be created or written, or the disk is full.
    """
    target = Path(path).expanduser()
    if target.is_dir():
        raise StorageError(f"Database path {target} is a folder; give a file path such as {target}/leads.db.")
    if not target.exists():
        if not create:
            raise StorageError(f"No database at {target}.")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(
                f"Cannot create the folder for the database {target}: {exc.strerror or exc}. "
                "Choose another path with --db or LEADGEN_DB."
            ) from None
    elif target.stat().st_size:
        _refuse_foreign_or_newer(target)
    db = pw.SqliteDatabase(str(target), pragmas=PRAGMAS, timeout=5, check_same_thread=False)
    try:
        db.connect(reuse_if_open=True)
        version = int(str(_scalar(db, "PRAGMA user_version") or 0))
        if version > SCHEMA_VERSION:
            raise StorageError(_newer_message(target, version))
        _check_tables_readable(db, version)
        for index in range(version, SCHEMA_VERSION):
            with db.atomic("IMMEDIATE"):
                for statement in statements(MIGRATIONS[index]):
                    _scalar(db, statement)
                _scalar(db, f"PRAGMA user_version = {index + 1}")
    except StorageError:
        db.close()
        raise
    except (pw.DatabaseError, sqlite3.DatabaseError, pw.OperationalError) as exc:
        db.close()
        raise StorageError(describe_sqlite_error(target, exc)) from None
    db.bind(TABLES)
    return db


def _refuse_foreign_or_newer(target: Path) -> None:
    """Look at an existing file read-only, so a file we refuse is never modified (not even to WAL)."""
    try:
        conn = sqlite3.connect(f"{target.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise StorageError(describe_sqlite_error(target, exc)) from None
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as exc:
        raise StorageError(describe_sqlite_error(target, exc)) from None
    finally:
        conn.close()
    if version > SCHEMA_VERSION:
        raise StorageError(_newer_message(target, version))


def _newer_message(target: Path, version: int) -> str:
    return (
        f"The database {target} was written by a newer version of leadgen-desktop "
        f"(schema {version}, this version knows {SCHEMA_VERSION}). Update the app, "
        "or choose another database with --db."
    )


def _check_tables_readable(db: pw.SqliteDatabase, version: int) -> None:
    """Touch the schema so that a corrupt or non-SQLite file fails here."""
    _scalar(db, "SELECT count(*) FROM sqlite_master")


def _scalar(db: pw.SqliteDatabase, sql: str) -> object:
    """Run one statement and return the first column of its first row (or None)."""
    row = db.execute_sql(sql).fetchone()  # type: ignore[no-untyped-call]
    return None if row is None else row[0]


def describe_sqlite_error(path: Path, exc: BaseException) -> str:
    """Turn a SQLite exception into a sentence a user can act on."""
    text = str(exc).lower()
    if "not a database" in text or "malformed" in text or "encrypted" in text:
        return (
            f"{path} is not a leadgen-desktop database (or it is damaged). "
            "Choose another file with --db or LEADGEN_DB; the file was left untouched."
        )
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return f"Cannot write to the database {path}: the file or its folder is read-only. Check permissions."
    if "disk is full" in text or "full" in text:
        return f"The disk holding {path} is full; free some space and try again. Nothing stored was lost."
    if "locked" in text or "busy" in text:
        return f"The database {path} is busy (another program holds a lock). Try again in a moment."
    return f"Database error on {path}: {exc}"
