"""Database failures as one exception with a sentence a user can act on.

Every query and transaction of the store turns driver and peewee errors into
:class:`StorageError` here, so nothing above ``db/`` ever sees a
``sqlite3.DatabaseError`` traceback: a damaged page, a full disk, a read-only
file or a lock held too long each become one clear message.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import peewee as pw

DRIVER_ERRORS: tuple[type[Exception], ...] = (pw.PeeweeException, sqlite3.Error)
"""What a query can raise below the store: peewee's wrappers and the raw driver's own."""


class StorageError(Exception):
    """The database cannot be used; the message says why and what to do.

    ``damaged`` is True when the file itself is broken (not a database, or a
    corrupt page): trying again will not help, unlike a full disk or a lock.
    """

    def __init__(self, message: str, *, damaged: bool = False) -> None:
        super().__init__(message)
        self.damaged = damaged


def storage_error(path: Path | str, exc: BaseException) -> StorageError:
    """The :class:`StorageError` for a database failure on ``path``."""
    text = str(exc).lower()
    damaged = any(word in text for word in ("not a database", "encrypted", "malformed", "corrupt"))
    return StorageError(describe_sqlite_error(path, exc), damaged=damaged)


def describe_sqlite_error(path: Path | str, exc: BaseException) -> str:
    """Turn a SQLite exception into a sentence a user can act on."""
    text = str(exc).lower()
    if "not a database" in text or "encrypted" in text:
        return (
            f"{path} is not a leadgen-desktop database (or it is damaged). "
            "Choose another file with --db or LEADGEN_DB; the file was left untouched."
        )
    if "malformed" in text or "corrupt" in text:
        return (
            f"The database {path} is damaged (SQLite: {exc}). Restore it from a backup, "
            "or choose another file with --db or LEADGEN_DB."
        )
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return f"Cannot write to the database {path}: the file or its folder is read-only. Check permissions."
    if "disk is full" in text or "full" in text:
        return f"The disk holding {path} is full; free some space and try again. Nothing stored was lost."
    if "locked" in text or "busy" in text:
        return f"The database {path} is busy (another program holds a lock). Try again in a moment."
    return f"Database error on {path}: {exc}"


@contextmanager
def storage_errors(path: Path | str) -> Iterator[None]:
    """Raise :class:`StorageError` for any database failure inside the block."""
    try:
        yield
    except DRIVER_ERRORS as exc:
        raise storage_error(path, exc) from exc


def first_database_error(failure: BaseException | None, error: BaseException) -> BaseException:
    """The database error that started it all when ending a transaction failed with ``error``.

    When SQLite has already rolled a transaction back by itself (a full disk
    can do that mid-statement or at COMMIT), the ROLLBACK that follows fails
    with "cannot rollback - no transaction is active": the error worth
    reporting is the one before it, ``failure`` (raised in the block) or the
    failed COMMIT found in ``error``'s context.
    """
    if isinstance(failure, DRIVER_ERRORS):
        return failure
    first: BaseException = error
    cause = error.__context__
    while cause is not None:
        if isinstance(cause, DRIVER_ERRORS):
            first = cause
        cause = cause.__context__
    return first
