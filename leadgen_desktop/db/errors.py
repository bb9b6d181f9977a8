"""Database failures as one exception with a sentence a user can act on.

Every query and transaction of the store turns driver and peewee errors into
:class:`StorageError` here, so nothing above ``db/`` ever sees a
``sqlite3.DatabaseError`` traceback: a damaged page, a full disk, a read-only
file or a lock held too long each become one clear message.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import peewee as pw

_SQLITE_ERRORS: tuple[type[Exception], ...] = (pw.PeeweeException, sqlite3.Error)


def driver_errors() -> tuple[type[Exception], ...]:
    """What a query can raise below the store: peewee's wrappers and the raw drivers' own.

    psycopg's errors are among them once psycopg is imported: it is imported only when a team
    database is opened (:mod:`.peewee_drivers`), and before that none of its errors can exist.
    """
    psycopg = sys.modules.get("psycopg")
    return _SQLITE_ERRORS if psycopg is None else (*_SQLITE_ERRORS, psycopg.Error)


CONNECTION_LOST_WORDS = (
    "server closed the connection",
    "terminating connection",
    "connection is closed",
    "connection already closed",
    "consuming input failed",
    "the connection is lost",
    "connection is lost",
    "sending query failed",
    "ssl syscall error",
    "ssl connection has been closed",
    "eof detected",
    "connection timed out",
    "could not receive data",
    "could not send data",
    "no connection to the server",
    "server conn crashed",
)
"""Words of a driver error that mean the connection to the server went away."""


class StorageError(Exception):
    """The database cannot be used; the message says why and what to do.

    ``damaged`` is True when the file itself is broken (not a database, or a
    corrupt page): trying again will not help, unlike a full disk or a lock.
    """

    def __init__(self, message: str, *, damaged: bool = False, disconnected: bool = False) -> None:
        super().__init__(message)
        self.damaged = damaged
        self.disconnected = disconnected


def storage_error(path: Path | str, exc: BaseException) -> StorageError:
    """The :class:`StorageError` for a database failure on ``path`` (a file, or a team database URL)."""
    if str(path).startswith("postgresql://"):
        return StorageError(describe_postgres_error(str(path), exc), disconnected=connection_lost(exc))
    text = str(exc).lower()
    damaged = any(word in text for word in ("not a database", "encrypted", "malformed", "corrupt"))
    return StorageError(describe_sqlite_error(path, exc), damaged=damaged)


def connection_lost(exc: BaseException) -> bool:
    """True when ``exc`` says the connection to a database server went away (or never came)."""
    text = str(exc).lower()
    return any(word in text for word in CONNECTION_LOST_WORDS) or _unreachable(text)


def _unreachable(text: str) -> bool:
    return any(
        word in text
        for word in (
            "connection refused",
            "could not connect",
            "timeout expired",
            "could not translate host name",
            "name or service not known",
            "no route to host",
            "network is unreachable",
            "connection to server at",
            "is the server running",
        )
    ) and not any(word in text for word in ("password", "does not exist", "ssl", "pg_hba"))


LOST_CONNECTION_TEXT = "The connection to {where} was lost"
UNREACHABLE_TEXT = "Cannot reach the PostgreSQL server of {where}"


def is_disconnection_text(message: str) -> bool:
    """True when ``message`` (a failed job's error) says the team database was lost or unreachable."""
    return any(
        message.startswith(text.split("{where}")[0]) for text in (LOST_CONNECTION_TEXT, UNREACHABLE_TEXT)
    )


def describe_postgres_error(where: str, exc: BaseException) -> str:
    """Turn a PostgreSQL failure on the database ``where`` (a URL without password) into a sentence.

    libpq never puts a password in its messages; URLs in them are redacted all the same.
    """
    from leadgen_desktop.db.target import redact_urls

    first = redact_urls(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
    text = str(exc).lower()
    if "password authentication failed" in text or "authentication failed" in text:
        return (
            f"The PostgreSQL server refused the password for {where}. Store the right one with "
            f"'leadgen db-password set {where}', in PGPASSFILE (~/.pgpass) or in PGPASSWORD."
        )
    if "no password supplied" in text or "password is required" in text:
        return (
            f"The PostgreSQL server at {where} asks for a password and none was found. Store it with "
            f"'leadgen db-password set {where}' or in PGPASSFILE (~/.pgpass)."
        )
    if "does not exist" in text and "database" in text:
        return (
            f"The database in {where} does not exist on that server. Create it first (createdb), "
            "or fix the URL."
        )
    if "ssl" in text and any(
        word in text for word in ("not support", "required", "certificate", "handshake")
    ):
        return f"TLS to {where} failed: {first}. Check sslmode and the server's TLS set-up."
    if "pg_hba" in text or "no pg_hba.conf entry" in text:
        return (
            f"The PostgreSQL server does not let this machine in ({first}). "
            "Ask its admin to allow it in pg_hba.conf."
        )
    if _unreachable(text):
        return UNREACHABLE_TEXT.format(where=where) + f": {first}. Check the host and port, and that it runs."
    if connection_lost(exc):
        return (
            LOST_CONNECTION_TEXT.format(where=where) + f" ({first}). Nothing stored was lost; "
            "it reconnects by itself when the server is back."
        )
    if "could not extend file" in text or "no space left" in text or "disk full" in text:
        return (
            f"The disk of the PostgreSQL server of {where} is full; ask its admin to free space. "
            "Nothing stored was lost."
        )
    if "permission denied" in text:
        return (
            f"The database user of {where} may not do this ({first}). Ask the database's admin, e.g. "
            "GRANT ALL ON SCHEMA public TO that user (README, Team mode)."
        )
    if "deadlock" in text or "could not serialize" in text or "lock timeout" in text:
        return f"The database {where} is busy (another program holds a lock). Try again in a moment."
    return f"Database error on {where}: {first}"


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
    except driver_errors() as exc:
        raise storage_error(path, exc) from exc


def first_database_error(failure: BaseException | None, error: BaseException) -> BaseException:
    """The database error that started it all when ending a transaction failed with ``error``.

    When SQLite has already rolled a transaction back by itself (a full disk
    can do that mid-statement or at COMMIT), the ROLLBACK that follows fails
    with "cannot rollback - no transaction is active": the error worth
    reporting is the one before it, ``failure`` (raised in the block) or the
    failed COMMIT found in ``error``'s context.
    """
    if isinstance(failure, driver_errors()):
        return failure
    first: BaseException = error
    cause = error.__context__
    while cause is not None:
        if isinstance(cause, driver_errors()):
            first = cause
        cause = cause.__context__
    return first
