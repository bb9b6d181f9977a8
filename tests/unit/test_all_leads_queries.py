"""AllLeadsQueries: the search index, orders per column, search by index and by scan, rows, export batches."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from leadgen_desktop.db.all_leads_queries import (
    AllLeadsQueries,
    LeadSort,
    SearchCancelled,
    SortField,
    lead_search_text,
)
from leadgen_desktop.db.database import open_database
from leadgen_desktop.db.migrations import MIGRATIONS, statements
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import Business, CampaignConfig, EmailStatus, Lead, search_key
from leadgen_desktop.gui.tables.all_leads_order import LeadOrder
from tests.fakes.seed_leads import seed_database, synthetic_rows


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Store]:
    repository = Store.open(tmp_path / "all.db")
    yield repository
    repository.db.close()


def store(
    repo: Store,
    job_id: str,
    name: str,
    rank: int,
    *,
    address: str | None = None,
    rating: float | None = None,
    score: int = 50,
) -> int:
    business = Business(place_id=f"p-{job_id}-{rank}", name=name, address=address, rating=rating)
    lead = Lead(business=business, score=score, email_status=EmailStatus.NOT_FOUND, rank=rank)
    return repo.leads.add(job_id, lead)


def test_new_leads_get_a_search_key_and_only_once(repo: Store) -> None:
    queries = repo.all_leads
    _, job_id = repo.jobs.create(CampaignConfig("café", "İstanbul"))
    first = store(repo, job_id, "Çiğ Köfte Evi", 1, address="İstiklal Caddesi 5")
    assert queries.unindexed_count() == 1
    progress: list[tuple[int, int]] = []
    assert queries.update_search_index(lambda done, total: progress.append((done, total))) == 1
    assert progress == [(1, 1)]
    assert queries.update_search_index() == 0  # nothing new
    second = store(repo, job_id, "Kahve Dünyası", 2)
    assert queries.update_search_index() == 1
    for typed in ("cig kofte", "ISTIKLAL"):
        assert list(queries.scan_matches(search_key(typed))) == [first], typed
    for typed in ("cafe — istanbul", "İSTANBUL", "not found"):  # the campaign, the email status
        assert set(queries.scan_matches(search_key(typed))) == {first, second}, typed
    key = repo.db.connection.execute_sql(
        "SELECT key FROM lead_search WHERE lead_id = ?", (first,)
    ).fetchone()[0]
    assert key == lead_search_text(queries.rows([first])[0])


def test_gaps_in_the_index_are_filled_in_batches_and_a_cancel_stops_between_batches(repo: Store) -> None:
    seed_database(repo, leads=250, campaigns=3)
    queries = repo.all_leads
    repo.db.connection.execute_sql("DELETE FROM lead_search WHERE lead_id % 7 = 0 OR lead_id > 240")
    assert queries.unindexed_count() == 35 + 10 - 1  # ids 7..245 step 7, and 241..250 (245 once)
    assert queries.update_search_index(cancelled=lambda: True, batch=4) == 4
    assert queries.update_search_index(batch=4) == 40
    assert queries.unindexed_count() == 0
    for needle in ("business a", "main st", "b77.", "boston", "catch-all"):
        assert sorted(queries.scan_matches(needle)) == sorted(
            row[0] for row in synthetic_rows(250, campaigns=3) if needle in lead_search_text(row)
        )
        assert queries.indexed_matches(needle, 1000) == queries.scan_matches(needle)
    repo.db.connection.execute_sql("INSERT INTO lead_search_fts (lead_search_fts) VALUES ('integrity-check')")


def test_the_trigram_index_answers_only_when_it_should(repo: Store) -> None:
    seed_database(repo, leads=300, campaigns=3)
    queries = repo.all_leads
    assert queries.indexed_matches("bu", 1000) is None  # two characters: no trigram
    assert list(queries.indexed_matches('"a1', 1000) or []) == []  # quotes are plain text
    assert queries.indexed_matches("business", 100) is None  # more than the limit
    found = queries.indexed_matches("business b12", 100)
    assert found is not None
    assert list(found) == list(queries.scan_matches("business b12"))
    assert queries.indexed_matches("zzz", 100) == queries.scan_matches("zzz") == queries.scan_matches("zz")


class CancelDuringScan(threading.Event):
    """Reads as set from its second look on: the first look is before the scan, the rest during it."""

    def __init__(self) -> None:
        super().__init__()
        self.looks = 0

    def is_set(self) -> bool:
        self.looks += 1
        return self.looks > 1


def test_a_scan_stops_when_cancelled_before_or_during_it(repo: Store) -> None:
    seed_database(repo, leads=6000, campaigns=3)
    queries = repo.all_leads
    cancelled = threading.Event()
    cancelled.set()
    with pytest.raises(SearchCancelled):
        queries.scan_matches("b", cancelled)
    during = CancelDuringScan()
    with pytest.raises(SearchCancelled):
        queries.scan_matches("zzz", during)
    assert during.looks > 1  # SQLite asked while scanning
    assert len(queries.scan_matches("b", threading.Event())) == 6000  # the handler is gone again


def test_a_deleted_lead_leaves_the_search_index(repo: Store) -> None:
    seed_database(repo, leads=50, campaigns=2)
    repo.db.connection.execute_sql("DELETE FROM campaigns WHERE id = 'camp0000'")  # cascades to its leads
    queries = repo.all_leads
    assert queries.count() == 25
    assert set(queries.scan_matches("business")) == set(range(26, 51))
    assert set(queries.indexed_matches("business", 100) or []) == set(range(26, 51))
    assert queries.unindexed_count() == 0


ROW_COLUMN = {
    SortField.BUSINESS_NAME: 3,
    SortField.ADDRESS: 4,
    SortField.PHONE: 5,
    SortField.WEBSITE: 6,
    SortField.EMAIL: 7,
    SortField.EMAIL_STATUS: 8,
    SortField.SCORE: 9,
    SortField.RATING: 10,
    SortField.REVIEWS: 11,
}
"""Where each sortable field is in a LeadRowTuple."""


def reference_order(rows: list[tuple], field: SortField, descending: bool) -> list[int]:
    """The documented rule in Python: values in order, blanks last, ties by id in the same direction."""
    column = ROW_COLUMN[field]

    def key(row: tuple) -> object:
        value = row[column]
        return value.lower() if isinstance(value, str) else value

    present = sorted((r for r in rows if r[column] not in (None, "")), key=lambda r: (key(r), r[0]))
    blank = sorted((r for r in rows if r[column] in (None, "")), key=lambda r: r[0])
    if descending:
        present.reverse()
        blank.reverse()
    return [r[0] for r in present + blank]


@pytest.mark.parametrize("descending", [False, True])
def test_every_column_sorts_with_blanks_last_and_ties_by_id(repo: Store, descending: bool) -> None:
    seed_database(repo, leads=400, campaigns=4)
    rows = synthetic_rows(400, campaigns=4)
    queries = repo.all_leads
    for field in SortField:
        if field is SortField.CAMPAIGN:
            continue
        got = queries.ordered_ids(LeadSort(field, descending))
        expected = reference_order(rows, field, descending)
        assert list(got.ids) == expected, field
        assert got.blanks == sum(1 for row in rows if row[ROW_COLUMN[field]] in (None, "")), field
        other = LeadOrder.of(queries.ordered_ids(LeadSort(field, not descending))).reversed()
        assert list(other.ids) == expected, field  # the other direction, reversed, is this one
    assert list(queries.ordered_ids(LeadSort()).ids) == list(range(400, 0, -1))  # newest first


def test_the_campaign_column_sorts_by_title_then_campaign_then_lead(repo: Store) -> None:
    seed_database(repo, leads=82, campaigns=41)  # two leads each; camp0000 and camp0040: dentist — Austin
    queries = repo.all_leads
    rows = {row.lead_id: row for row in queries.rows(list(range(1, 83)))}
    ascending = list(queries.ordered_ids(LeadSort(SortField.CAMPAIGN)).ids)
    titles = [(rows[i].business_type, rows[i].location) for i in ascending]
    assert titles == sorted(titles)
    assert ascending[:2] == [21, 22]  # bakery — Austin, TX (camp0010)
    assert [i for i in ascending if titles[ascending.index(i)] == ("dentist", "Austin, TX")] == [1, 2, 81, 82]
    assert list(queries.ordered_ids(LeadSort(SortField.CAMPAIGN, descending=True)).ids) == ascending[::-1]


def test_rows_by_id_and_unknown_ids(repo: Store) -> None:
    seed_database(repo, leads=1200, campaigns=2)
    rows = repo.all_leads.rows([1200, 3, 99999, *range(10, 700)])
    assert len(rows) == 2 + 690  # more ids than one IN list holds; unknown ids skipped
    by_id = {row.lead_id: row for row in rows}
    assert tuple(by_id[3]) == synthetic_rows(1200, campaigns=2)[2]


def test_export_batches_name_their_columns(repo: Store) -> None:
    seed_database(repo, leads=30, campaigns=3)
    queries = repo.all_leads
    with pytest.raises(ValueError, match="maps_link"):
        next(queries.csv_batches(["business_name", "maps_link"]))
    batches = list(queries.csv_batches(["business_name", "confidence_score"], batch=7))
    assert [len(batch) for batch in batches] == [7, 7, 7, 7, 2]
    batches = list(queries.csv_batches(["confidence_score", "rank"], job_id="job0001"))
    job = [row for batch in batches for row in batch]
    assert len(job) == 10
    assert job == sorted(job, key=lambda row: (-row[0], row[1]))  # best first, then rank


def test_a_version_2_database_is_upgraded_and_its_leads_become_searchable(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    connection = sqlite3.connect(path)
    for script in MIGRATIONS[:2]:
        for statement in statements(script):
            connection.execute(statement)
    connection.execute("PRAGMA user_version = 2")
    connection.execute("INSERT INTO campaigns VALUES ('c1', 'café', 'Zürich', '', 1, '2026-01-01')")
    connection.execute(
        "INSERT INTO discovery_jobs (id, campaign_id, status, progress, config, metrics, notices, "
        "created_at, updated_at) VALUES ('j1', 'c1', 'completed', 100, '{}', '{}', '[]', '2026', '2026')"
    )
    connection.execute(
        "INSERT INTO leads (job_id, campaign_id, rank, place_id, business_name, email_status, "
        "confidence_score, score_components, candidates, verification_flags, provenance, cost, "
        "created_at, types, business_status) VALUES ('j1', 'c1', 1, 'p1', 'Sprüngli', 'valid', 90, "
        "'[]', '[]', '[]', '{}', 0, '2026-01-01', '[]', 'OK')"
    )
    connection.commit()
    connection.close()
    db = open_database(path)
    queries = AllLeadsQueries(db)
    assert queries.unindexed_count() == 1
    queries.update_search_index()
    assert list(queries.indexed_matches("sprungli", 10) or []) == [1]
    assert list(queries.scan_matches("zurich")) == [1]
    db.close()


def test_two_databases_side_by_side_do_not_see_each_other(tmp_path: Path) -> None:
    first = Store.open(tmp_path / "a.db")
    second = Store.open(tmp_path / "b.db")
    seed_database(first, leads=20, campaigns=2)
    seed_database(second, leads=5, campaigns=1)
    assert first.all_leads.count() == 20
    assert second.all_leads.count() == 5
    assert len(second.all_leads.ordered_ids(LeadSort(SortField.SCORE)).ids) == 5
    assert len(first.all_leads.scan_matches("business")) == 20
    first.db.close()
    second.db.close()
