"""Whether a SQLite file is ours, and bringing it to the current schema without harming anyone else's.

Rules (README, "The database file"):

* our databases carry ``PRAGMA application_id`` = :data:`APPLICATION_ID`;
* a file that does not exist, or is empty (0 bytes), is initialised;
* a file without our id is refused and left byte-for-byte unchanged, with one
  exception so upgrading users are not locked out: a file whose
  ``user_version`` is in :data:`ADOPTABLE_VERSIONS` (written before the id
  existed) and whose schema is exactly ours at that version is adopted;
* a file from a newer schema is refused, also untouched.

A file is first looked at through a read-only connection (no WAL switch, no
checkpoint: nothing can change it). Only then, and only when something must be
done, the migration runs in one exclusive write transaction that re-reads the
file's state inside it, so several processes opening the same new database at
once all succeed and each step runs exactly once. A new file is initialised
in SQLite's default rollback-journal mode, so it becomes a complete database
in one commit; WAL is switched on afterwards.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from leadgen_desktop.db.errors import StorageError, storage_error, storage_errors
from leadgen_desktop.db.migrations import MIGRATIONS, statements

APPLICATION_ID = 0x4C47454E
"""``PRAGMA application_id`` of a leadgen-desktop database: the ASCII letters "LGEN"."""
SCHEMA_VERSION = len(MIGRATIONS)
ADOPTABLE_VERSIONS = frozenset({1, 2})
"""Schema versions written before databases carried :data:`APPLICATION_ID`."""
BUSY_TIMEOUT_SECONDS = 5.0
"""How long opening waits for another process's lock (a migration, a write)."""
WAL_SWITCH_PATIENCE = BUSY_TIMEOUT_SECONDS
"""How long opening keeps trying to switch a file to WAL while other connections read it."""

SchemaShape = tuple[tuple[object, ...], ...]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FileState:
    """What a SQLite file holds, as far as deciding whether it is ours goes."""

    application_id: int
    version: int
    size: int
    shape: SchemaShape  # empty for our own files: only a stranger needs judging
    wal: bool = False  # already in WAL mode

    @property
    def ours(self) -> bool:
        """Stamped with our application id."""
        return self.application_id == APPLICATION_ID

    @property
    def empty(self) -> bool:
        """A 0-byte file with nothing in it (not even a -wal file's content)."""
        return self.size == 0 and self.application_id == 0 and self.version == 0 and not self.shape

    @property
    def current(self) -> bool:
        """Ours and at the current schema version: nothing to do."""
        return self.ours and self.version == SCHEMA_VERSION


def prepare_file(path: Path) -> None:
    """Make ``path`` a current leadgen-desktop database, or refuse it untouched.

    Raises:
        StorageError: the file is not ours, is damaged, is from a newer
            version, or cannot be created or written; the message says why.
    """
    if path.exists():
        with _read_only(path) as connection:
            # One read transaction: another process's first migration is seen whole or not at
            # all (read statement by statement, its tables could show up after an id read as 0).
            connection.execute("BEGIN")
            try:
                state = read_state(connection, path)
            finally:
                connection.rollback()
        check_file(path, state)
        if state.current and state.wal:
            return
        if not state.current:
            _migrate(path)
    else:
        _migrate(path)
    switch_to_wal(path)


def read_state(connection: sqlite3.Connection, path: Path) -> FileState:
    """Read the id, the schema version, the size and the schema's shape of the open file ``path``.

    The size is taken first: a file whose content then reads as blank was not
    being initialised by another process meanwhile (that would show its schema).
    """
    size = path.stat().st_size

    def pragma(name: str) -> int:
        return int(connection.execute(f"PRAGMA {name}").fetchone()[0])

    # One read transaction for every read below: statement by statement, another process's
    # first migration could commit in between (seen: no id yet, then its tables).
    own_transaction = not connection.in_transaction
    if own_transaction:
        connection.execute("BEGIN")
    try:
        application_id = pragma("application_id")
        described = () if application_id == APPLICATION_ID else shape(connection)  # only strangers are judged
        version = pragma("user_version")
        wal = str(connection.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal"
    finally:
        if own_transaction and connection.in_transaction:
            connection.execute("ROLLBACK")
    return FileState(application_id, version, size, described, wal)


def check_file(path: Path, state: FileState) -> None:
    """Refuse ``path`` (StorageError) unless it is ours, empty or adoptable, and not newer."""
    if state.version > SCHEMA_VERSION and state.application_id in (0, APPLICATION_ID):
        raise StorageError(
            f"The database {path} was written by a newer version of leadgen-desktop "
            f"(schema {state.version}, this version knows {SCHEMA_VERSION}). Update the app, "
            "or choose another database with --db. The file was left untouched."
        )
    if state.ours or state.empty or adoptable(state):
        return
    if state.application_id:
        whose = f"its application id is {state.application_id:#010x}, another program's"
    else:
        tables = sorted(str(entry[1]) for entry in state.shape if entry[0] == "table")
        whose = f"it holds tables of its own ({', '.join(tables)})" if tables else "it is not empty"
    raise StorageError(
        f"{path} is not a leadgen-desktop database: {whose}. It was left untouched; "
        "choose another file with --db or LEADGEN_DB."
    )


def adoptable(state: FileState) -> bool:
    """A file written before the id existed whose schema is exactly ours at its version."""
    return (
        state.application_id == 0
        and state.version in ADOPTABLE_VERSIONS
        and state.shape == reference_shape(state.version)
    )


def reference_shape(version: int) -> SchemaShape:
    """The shape of our schema at ``version``, built by running the migrations in memory."""
    connection = sqlite3.connect(":memory:")
    try:
        for script in MIGRATIONS[:version]:
            for statement in statements(script):
                connection.execute(statement)
        return shape(connection)
    finally:
        connection.close()


def shape(connection: sqlite3.Connection) -> SchemaShape:
    """Every schema object of a file, by structure rather than by SQL text.

    Each table with its columns, foreign keys and indexes; views and triggers by name.
    """
    objects = connection.execute(
        "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view', 'trigger') "
        "AND name NOT LIKE 'sqlite_%' ORDER BY type, name"
    ).fetchall()
    entries: list[tuple[object, ...]] = []
    for kind, name in objects:
        if kind != "table":
            entries.append((kind, name))
            continue
        table = _quoted(name)
        columns = tuple(
            (column, str(declared).upper(), notnull, default, pk)
            for _cid, column, declared, notnull, default, pk in connection.execute(
                f"PRAGMA table_info({table})"
            )
        )
        keys = tuple(
            sorted(tuple(row[2:]) for row in connection.execute(f"PRAGMA foreign_key_list({table})"))
        )
        indexes = tuple(
            sorted(
                (
                    index,
                    unique,
                    tuple(row[2] for row in connection.execute(f"PRAGMA index_info({_quoted(index)})")),
                )
                for _seq, index, unique, *_rest in connection.execute(
                    f"PRAGMA index_list({table})"
                ).fetchall()
            )
        )
        entries.append((kind, name, columns, keys, indexes))
    return tuple(entries)


def _quoted(name: object) -> str:
    return '"' + str(name).replace('"', '""') + '"'


@contextlib.contextmanager
def _read_only(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection that cannot change the file (no WAL switch, no checkpoint on close)."""
    with storage_errors(path):
        connection = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_SECONDS
        )
    try:
        with storage_errors(path):
            yield connection
    finally:
        connection.close()


def _migrate(path: Path) -> None:
    """Stamp, create or upgrade the schema in one exclusive transaction, then switch to WAL."""
    with storage_errors(path):
        connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    try:
        with storage_errors(path):
            connection.execute("BEGIN IMMEDIATE")
            try:
                # Judge again under the write lock: another process may have initialised it meanwhile.
                state = read_state(connection, path)
                check_file(path, state)
                if not state.ours:
                    connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                for script in MIGRATIONS[state.version :]:
                    for statement in statements(script):
                        connection.execute(statement)
                if state.version != SCHEMA_VERSION:
                    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
    finally:
        connection.close()


def switch_to_wal(path: Path, *, patience: float | None = None) -> bool:
    """Put our file ``path`` in WAL mode (it stays so); True once it is, False if others kept it busy.

    Changing the journal mode needs the file to itself, and SQLite answers "database is
    locked" at once, without its busy handler, while any other connection reads it (seen
    when several processes open a new database together: one had just migrated it while
    another was reading its state). So the switch is retried with a short backoff for up
    to ``patience`` seconds. If it still cannot happen, the database works as it is in its
    rollback journal (safe, only less concurrent) and the next open switches it.
    """
    deadline = time.monotonic() + (WAL_SWITCH_PATIENCE if patience is None else patience)
    pause = 0.005
    while True:
        with storage_errors(path):  # a short busy wait per attempt: the loop is the patience
            connection = sqlite3.connect(path, timeout=0.05, isolation_level=None)
        try:
            if str(connection.execute("PRAGMA journal_mode = wal").fetchone()[0]).lower() == "wal":
                return True
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc).lower() and "busy" not in str(exc).lower():
                raise storage_error(path, exc) from exc
        finally:
            connection.close()
        if time.monotonic() + pause > deadline:
            log.info("Database %s stays in its rollback journal for now: others kept it busy", path)
            return False
        time.sleep(pause)  # a backoff between attempts, not a synchronisation: the next try decides
        pause = min(pause * 2, 0.1)
