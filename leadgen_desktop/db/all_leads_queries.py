"""The SQL of the All-leads view and of CSV export, built for a million leads.

:class:`AllLeadsQueries` (the store's ``all_leads``) receives its
:class:`~leadgen_desktop.db.database.Database` and reads (and, for the derived
search index, writes) with plain SQL, so the view never holds more than lead
ids in memory:

* **Orders** (:meth:`~AllLeadsQueries.ordered_ids`): every lead id in the order
  of one column, from an index scan (schema step 5 adds one index per sortable
  column). Blank values last in both directions, as in the Campaign tab
  (:func:`~leadgen_desktop.gui.tables.lead_cells.sorted_blanks_last`); ties in
  lead id order in the sort's direction, so both directions are plain index
  scans (keeping ties newest first both ways made SQLite sort each run of
  equal values: twice as slow at a million leads).
* **Search** over ``lead_search``: one normalised key per lead
  (:func:`~leadgen_desktop.domain.search_key` of the shown columns), a derived
  table filled by :meth:`~AllLeadsQueries.update_search_index` from leads not
  indexed yet. A needle of three or more characters is looked up in the trigram
  index ``lead_search_fts`` (:meth:`~AllLeadsQueries.indexed_matches`, fast
  when few leads match); any needle can be scanned for
  (:meth:`~AllLeadsQueries.scan_matches`, one pass in C, cancellable).
  Substring search needs the trigram tokenizer (SQLite 3.34 or newer).
* **Rows by id** (:meth:`~AllLeadsQueries.rows`): the shown columns of a block
  of leads, for the rows on screen.
* **Export** (:meth:`~AllLeadsQueries.csv_batches`): the raw values of chosen
  columns in batches from one cursor.

SQLite-specific (a PostgreSQL variant would replace these): the FTS5 trigram
table queried with ``MATCH`` (pg_trgm would do it there), ``COLLATE NOCASE`` indexes
(``lower()`` expression indexes), ``instr`` (``strpos``), ``printf``/
``group_concat`` to pass a set of ids as one hex string (``array_agg``), and
the progress handler that cancels a scan (a statement timeout or
``pg_cancel_backend``).
"""

from __future__ import annotations

import enum
import sqlite3
import sys
import threading
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from leadgen_desktop.db.database import Database
from leadgen_desktop.db.errors import driver_errors, storage_error
from leadgen_desktop.domain import FIELD_SEPARATOR, campaign_title, email_status_label, search_key

SEARCH_INDEX_BATCH = 5000
"""Leads indexed per transaction (a few tens of milliseconds of write lock)."""
ROWS_CHUNK = 500
"""Ids per ``IN (...)`` list (below SQLite's lowest parameter limit, 999)."""
_DECODE_SLICE = 65_536
"""Ids decoded per step from a scan's hex string."""
_CANCEL_CHECK_STEPS = 10_000
"""SQLite virtual-machine steps between two looks at a scan's cancel flag (about 2,500 leads)."""


class SearchCancelled(Exception):
    """A scan stopped because its cancel flag was set."""


class SortField(enum.StrEnum):
    """A sortable column of the All-leads view (values are column names of ``leads``)."""

    CAMPAIGN = "campaign"
    BUSINESS_NAME = "business_name"
    ADDRESS = "address"
    PHONE = "phone"
    WEBSITE = "website"
    EMAIL = "email"
    EMAIL_STATUS = "email_status"
    SCORE = "confidence_score"
    RATING = "rating"
    REVIEWS = "review_count"


_NUMERIC_FIELDS = frozenset({SortField.SCORE, SortField.RATING, SortField.REVIEWS})


@dataclass(frozen=True, slots=True)
class LeadSort:
    """An order of the All-leads view: a column and a direction; no column is newest first."""

    field: SortField | None = None
    descending: bool = False


class SortedIds(NamedTuple):
    """Every lead id in one order; the last ``blanks`` of them have no value in the sort's column."""

    ids: array[int]
    blanks: int = 0


class LeadRowTuple(NamedTuple):
    """One lead of the All-leads table: the columns it shows, raw."""

    lead_id: int
    business_type: str
    location: str
    business_name: str
    address: str | None
    phone: str | None
    website: str | None
    email: str | None
    email_status: str
    confidence_score: int
    rating: float | None
    review_count: int | None


_ROW_COLUMNS = """l.id, c.business_type, c.location, l.business_name, l.address, l.phone, l.website,
  l.email, l.email_status, l.confidence_score, l.rating, l.review_count"""
_FROM_LEADS = "FROM leads l JOIN campaigns c ON c.id = l.campaign_id"


def lead_search_text(row: Sequence[Any]) -> str:
    """The search key of a lead given as a :class:`LeadRowTuple`: its shown text columns, normalised."""
    return search_keys([row])[0][1]


def search_keys(rows: Sequence[Sequence[Any]]) -> list[tuple[int, str]]:
    """``(lead_id, search key)`` of :class:`LeadRowTuple`-shaped rows, sharing repeated campaign texts."""
    titles: dict[tuple[str, str], str] = {}
    labels: dict[str, str] = {}
    result = []
    for row in rows:
        title = titles.get((row[1], row[2]))
        if title is None:
            title = titles[(row[1], row[2])] = campaign_title(row[1], row[2])
        label = labels.get(row[8])
        if label is None:
            label = labels[row[8]] = email_status_label(row[8])
        fields = (title, row[3], row[4] or "", row[5] or "", row[6] or "", row[7] or "", label)
        result.append((row[0], search_key(FIELD_SEPARATOR.join(fields))))
    return result


def _placeholders(count: int) -> str:
    return ",".join("?" * count)


def _decode_ids(text: str) -> array[int]:
    """Ids written as 16 hex digits each, decoded a slice at a time (other threads get the lock between)."""
    ids: array[int] = array("q")
    step = 16 * _DECODE_SLICE
    for start in range(0, len(text), step):
        part = array("q", bytes.fromhex(text[start : start + step]))
        if sys.byteorder == "little":
            part.byteswap()  # the hex digits are big-endian
        ids.extend(part)
    return ids


class AllLeadsQueries:
    """Read every campaign's leads by id, order and search text; keep the search index current.

    Safe from any thread: peewee gives each thread its own connection (a
    thread that is done should close it: ``database.close()``). Only
    :meth:`update_search_index` writes, and only the derived ``lead_search``
    table. Database failures raise :class:`~leadgen_desktop.db.errors.StorageError`.
    """

    _CONTAINS = "instr(key, ?) > 0"
    """The search key holds the needle (SQL)."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._peewee = database.connection
        self._leads = database.tables.leads

    def _connection(self) -> sqlite3.Connection:
        """This thread's SQLite connection (opened on first use)."""
        with self.database.reading():
            connection: sqlite3.Connection = self._peewee.connection()  # type: ignore[no-untyped-call]
        return connection

    def _cursor(self, sql: str, params: Sequence[Any] = ()) -> Any:
        with self.database.reading():
            return self._peewee.execute_sql(sql, tuple(params))  # type: ignore[no-untyped-call]

    def _scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self._cursor(sql, params).fetchone()
        return None if row is None else row[0]

    def _ids(self, sql: str, params: Sequence[Any] = ()) -> array[int]:
        """The first column of ``sql``'s rows, in their order, as one array.

        The ids cross from SQLite as one hex string (16 digits each) decoded in
        C: faster than one Python tuple per id, and no million int objects.
        ``LIMIT -1`` (no limit) makes the inner ORDER BY part of the result, so
        SQLite never drops it, and ``group_concat`` meets the rows in order.
        """
        text = self._scalar(f"SELECT group_concat(printf('%016x', id), '') FROM ({sql} LIMIT -1)", params)
        return _decode_ids(text or "")

    def _few_ids(self, sql: str, params: Sequence[Any] = ()) -> array[int]:
        """Like :meth:`_ids` for short results (any query: no wrapping)."""
        return array("q", [row[0] for row in self._cursor(sql, params)])

    # -- counts --------------------------------------------------------------------

    def count(self) -> int:
        """How many leads the database holds, over every campaign."""
        return int(self._scalar("SELECT count(*) FROM leads"))

    def unindexed_count(self) -> int:
        """How many leads have no search key yet (new since the last index update)."""
        return max(self.count() - int(self._scalar("SELECT count(*) FROM lead_search")), 0)

    # -- the search index ------------------------------------------------------------

    def update_search_index(
        self,
        on_progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
        batch: int = SEARCH_INDEX_BATCH,
    ) -> int:
        """Give every lead without one its search key; return how many were added.

        Leads are only ever appended, so the new ones are those above the
        highest id indexed; if the counts still differ afterwards (an update
        that failed half-way long ago), the leads without a key are looked for
        from the start. Each batch is one short IMMEDIATE transaction that
        writes the keys and their trigram index together (so another window
        indexing at the same time cannot index a lead twice);
        ``on_progress(done, total)`` follows each batch and ``cancelled()`` is
        asked after each.
        """
        pending = self.unindexed_count()
        added = stored = 0
        after = int(self._scalar("SELECT coalesce(max(lead_id), 0) FROM lead_search"))
        newer = f"SELECT {_ROW_COLUMNS} {_FROM_LEADS} WHERE l.id > ? ORDER BY l.id LIMIT ?"
        missing = (
            f"SELECT {_ROW_COLUMNS} {_FROM_LEADS} WHERE l.id > ? AND NOT EXISTS "
            "(SELECT 1 FROM lead_search s WHERE s.lead_id = l.id) ORDER BY l.id LIMIT ?"
        )
        for sql in (newer, missing):
            while added < pending:
                rows = self._cursor(sql, (after, batch)).fetchall()
                if not rows:
                    break
                keys = search_keys(rows)
                with self.database.transaction():
                    known = {
                        row[0]
                        for row in self._cursor(
                            "SELECT lead_id FROM lead_search WHERE lead_id BETWEEN ? AND ?",
                            (rows[0][0], rows[-1][0]),
                        )
                    }
                    keys = [key for key in keys if key[0] not in known]
                    self._store_keys(keys)
                added += len(rows)
                stored += len(keys)
                after = rows[-1][0]
                if on_progress is not None:
                    on_progress(min(added, pending), pending)
                if cancelled is not None and cancelled():
                    return stored
            if added >= pending or self.unindexed_count() == 0:
                break
            after = 0  # some older leads have no key: look for them
        return stored

    def _store_keys(self, keys: Sequence[tuple[int, str]]) -> None:
        """Write search keys and their trigram index (inside the caller's transaction)."""
        with self.database.reading():
            connection = self._connection()
            connection.executemany("INSERT INTO lead_search (lead_id, key) VALUES (?, ?)", keys)
            connection.executemany("INSERT INTO lead_search_fts (rowid, key) VALUES (?, ?)", keys)

    @staticmethod
    def _nocase(column: str) -> str:
        """``column`` compared ignoring ASCII case (matching the ``COLLATE NOCASE`` indexes)."""
        return f"{column} COLLATE NOCASE"

    # -- orders ----------------------------------------------------------------------

    def ordered_ids(self, sort: LeadSort) -> SortedIds:
        """Every lead id in the order of ``sort``.

        No field: newest first (the newest campaign's newest lead first). A
        field: its values in order (text ignoring ASCII case, numbers as
        numbers), then the leads without a value; ties and blanks in lead id
        order, in the same direction. So the other direction of a field is
        this order with its valued part and its blank part each reversed.
        """
        field = sort.field
        if field is None:
            return SortedIds(self._ids_by_campaign("created_at DESC, id DESC", "DESC"))
        direction = "DESC" if sort.descending else "ASC"
        if field is SortField.CAMPAIGN:
            order = ", ".join(
                f"{column} {direction}"
                for column in (self._nocase("business_type"), self._nocase("location"), "created_at", "id")
            )
            return SortedIds(self._ids_by_campaign(order, direction))
        column = f'"{field.value}"'
        if field in _NUMERIC_FIELDS:
            key, present, blank = column, f"{column} IS NOT NULL", f"{column} IS NULL"
        else:
            key = self._nocase(column)
            present, blank = f"{key} > ''", f"{column} IS NULL OR {key} = ''"
        ids = self._ids(f"SELECT id FROM leads WHERE {present} ORDER BY {key} {direction}, id {direction}")
        blanks = self._ids(f"SELECT id FROM leads WHERE {blank} ORDER BY id {direction}")
        ids.extend(blanks)
        return SortedIds(ids, len(blanks))

    def _ids_by_campaign(self, campaign_order: str, direction: str) -> array[int]:
        """Campaigns in ``campaign_order``, each campaign's leads by id in ``direction``.

        A sort of a million joined rows takes seconds; a few hundred campaigns
        and one range of the narrow campaign index each take a fraction of one
        (reading ids in id order from the table itself reads every row).
        """
        campaigns = self._cursor(f"SELECT id FROM campaigns ORDER BY {campaign_order}").fetchall()
        ids: array[int] = array("q")
        query = f"SELECT id FROM leads WHERE campaign_id = ? ORDER BY id {direction}"
        for (campaign_id,) in campaigns:
            ids.extend(self._ids(query, (campaign_id,)))
        return ids

    # -- search ----------------------------------------------------------------------

    def indexed_matches(self, needle: str, limit: int) -> array[int] | None:
        """Ids (ascending) of the leads whose search key contains ``needle``, found through the trigram index.

        The index gives the leads holding every three-letter piece of
        ``needle`` (no text is read for that), and only those are tested.
        None when the index cannot answer (fewer than three characters) or
        when more than ``limit`` leads are candidates (then one scan of every
        key is cheaper). ``needle`` is a ``search_key``.
        """
        if len(needle) < 3:
            return None
        grams = sorted({needle[i : i + 3] for i in range(len(needle) - 2)})
        query = " AND ".join('"' + gram.replace('"', '""') + '"' for gram in grams)
        candidates = self._few_ids(
            "SELECT rowid FROM lead_search_fts WHERE lead_search_fts MATCH ? LIMIT ?", (query, limit + 1)
        )
        if len(candidates) > limit:
            return None
        found = self.matches_among(candidates, needle)
        return array("q", [lead_id for lead_id in candidates if lead_id in found])

    def scan_matches(self, needle: str, cancel: threading.Event | None = None) -> array[int]:
        """Ids (ascending) of every lead whose search key contains ``needle``, in one pass over the keys.

        Raises:
            SearchCancelled: ``cancel`` was set while the scan ran.
            StorageError: the database could not be read.
        """
        if cancel is not None and cancel.is_set():
            raise SearchCancelled
        connection = self._connection()
        if cancel is not None:
            connection.set_progress_handler(cancel.is_set, _CANCEL_CHECK_STEPS)
        sql = "SELECT group_concat(printf('%016x', lead_id), '') FROM lead_search WHERE instr(key, ?) > 0"
        try:
            text = self._peewee.execute_sql(sql, (needle,)).fetchone()[0]  # type: ignore[no-untyped-call]
        except driver_errors() as exc:
            if cancel is not None and cancel.is_set():
                raise SearchCancelled from None
            raise storage_error(self.database.path, exc) from exc
        finally:
            if cancel is not None:
                connection.set_progress_handler(None, 0)
        return _decode_ids(text or "")

    def matches_among(self, ids: Sequence[int], needle: str) -> set[int]:
        """Those of ``ids`` whose search key contains ``needle``."""
        found: set[int] = set()
        for start in range(0, len(ids), ROWS_CHUNK):
            chunk = list(ids[start : start + ROWS_CHUNK])
            found.update(
                row[0]
                for row in self._cursor(
                    f"SELECT lead_id FROM lead_search WHERE lead_id IN ({_placeholders(len(chunk))}) "
                    f"AND {self._CONTAINS}",
                    (*chunk, needle),
                )
            )
        return found

    # -- rows ------------------------------------------------------------------------

    def rows(self, ids: Sequence[int]) -> list[LeadRowTuple]:
        """The shown columns of the leads ``ids`` (in no particular order; unknown ids are skipped)."""
        result: list[LeadRowTuple] = []
        for start in range(0, len(ids), ROWS_CHUNK):
            chunk = list(ids[start : start + ROWS_CHUNK])
            cursor = self._cursor(
                f"SELECT {_ROW_COLUMNS} {_FROM_LEADS} WHERE l.id IN ({_placeholders(len(chunk))})", chunk
            )
            result.extend(LeadRowTuple._make(row) for row in cursor)
        return result

    # -- export ----------------------------------------------------------------------

    def csv_batches(
        self, columns: Sequence[str], job_id: str | None = None, batch: int = 2000
    ) -> Iterator[list[tuple[Any, ...]]]:
        """The raw values of ``columns`` (column names of ``leads``) for export, ``batch`` rows at a time.

        Every lead of every campaign in storage order, or with ``job_id`` that
        job's leads best first (score, then discovery rank), as the window
        shows them. One query and one cursor: memory stays at one batch.
        """
        known = {field.column_name for field in self._leads._meta.sorted_fields}
        unknown = [name for name in columns if name not in known]
        if unknown:
            raise ValueError(f"Not columns of leads: {', '.join(unknown)}")
        selected = ", ".join(f'"{name}"' for name in columns)
        if job_id is None:
            cursor = self._cursor(f"SELECT {selected} FROM leads ORDER BY id")
        else:
            cursor = self._cursor(
                f"SELECT {selected} FROM leads WHERE job_id = ? ORDER BY confidence_score DESC, rank, id",
                (job_id,),
            )
        try:
            while True:
                with self.database.reading():
                    rows = cursor.fetchmany(batch)
                if not rows:
                    return
                yield rows
        finally:
            cursor.close()
