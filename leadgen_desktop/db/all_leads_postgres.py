"""The All-leads queries on a PostgreSQL team database: the same answers without SQLite's pieces.

:class:`~leadgen_desktop.db.all_leads_queries.AllLeadsQueries` is built for
SQLite (an FTS5 trigram table, ``COLLATE NOCASE``, ids handed over as one hex
string, a progress handler to cancel a scan). Here, on PostgreSQL:

* the search keys live in the same ``lead_search`` table, indexed by a
  ``pg_trgm`` GIN index (created by the migration where the extension may be),
  which answers ``key LIKE '%needle%'`` from trigrams; without the extension
  the same query scans the keys;
* text is compared through ``lower()`` (the migration's ``lower()`` indexes);
* ids come back as rows (PostgreSQL sends them in binary anyway);
* a scan is cancelled between the statement and its result only: the caller's
  thread waits at most for one pass over the keys.
"""

from __future__ import annotations

import threading
from array import array
from collections.abc import Sequence
from typing import Any

from leadgen_desktop.db.all_leads_queries import AllLeadsQueries, SearchCancelled


def _like_pattern(needle: str) -> str:
    """``%needle%`` with LIKE's wildcards in ``needle`` taken literally."""
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class PostgresAllLeadsQueries(AllLeadsQueries):
    """:class:`AllLeadsQueries` for a PostgreSQL team database (see the module docstring)."""

    _CONTAINS = "strpos(key, ?) > 0"

    def _cursor(self, sql: str, params: Sequence[Any] = ()) -> Any:
        # psycopg's placeholders are %s; the shared SQL writes ? and never a literal %
        return super()._cursor(sql.replace("?", "%s"), params)

    def _ids(self, sql: str, params: Sequence[Any] = ()) -> array[int]:
        return array("q", [row[0] for row in self._cursor(sql, params)])

    def _store_keys(self, keys: Sequence[tuple[int, str]]) -> None:
        if not keys:
            return
        with self.database.reading():
            cursor = self._peewee.cursor()  # type: ignore[no-untyped-call]
            cursor.executemany("INSERT INTO lead_search (lead_id, key) VALUES (%s, %s)", list(keys))

    @staticmethod
    def _nocase(column: str) -> str:
        return f"lower({column})"

    def indexed_matches(self, needle: str, limit: int) -> array[int] | None:
        """Ids (ascending) of the leads whose key contains ``needle``, through the trigram index.

        None when the index cannot answer (fewer than three characters) or more
        than ``limit`` leads match (then the caller scans).
        """
        if len(needle) < 3:
            return None
        found = self._few_ids(
            "SELECT lead_id FROM lead_search WHERE key LIKE ? ORDER BY lead_id LIMIT ?",
            (_like_pattern(needle), limit + 1),
        )
        return None if len(found) > limit else found

    def scan_matches(self, needle: str, cancel: threading.Event | None = None) -> array[int]:
        """Ids (ascending) of every lead whose search key contains ``needle``.

        Raises:
            SearchCancelled: ``cancel`` was set before the scan or while it ran.
            StorageError: the database could not be read.
        """
        if cancel is not None and cancel.is_set():
            raise SearchCancelled
        ids = self._ids(
            "SELECT lead_id FROM lead_search WHERE strpos(key, ?) > 0 ORDER BY lead_id", (needle,)
        )
        if cancel is not None and cancel.is_set():
            raise SearchCancelled
        return ids
