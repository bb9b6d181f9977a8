"""CSV export contract: BOM, RFC 4180, required columns, formula guard, atomic write; the fast path."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from leadgen_desktop.core.export import (
    COLUMNS,
    REQUIRED_COLUMNS,
    ExportError,
    csv_rows,
    export_job_csv,
    neutralize,
    write_csv,
)
from leadgen_desktop.db.records import LeadRecord
from leadgen_desktop.db.store import Store
from tests.fakes.seed_leads import seed_database


def record(**overrides: object) -> LeadRecord:
    values: dict[str, object] = {
        "lead_id": 1,
        "job_id": "j",
        "campaign_id": "c",
        "rank": 1,
        "business_name": 'Acme, "Best" Dental',
        "address": "1 Main St\nSuite 2, Austin, TX",
        "phone": "+1 512 555 0100",
        "website": "https://acme.com",
        "email": "info@acme.com",
        "email_status": "valid",
        "confidence_score": 87,
        "rating": 4.5,
        "review_count": 120,
        "place_id": "ChIJ1",
        "email_reason": None,
        "email_source": "hunter",
        "business_status": "OPERATIONAL",
        "maps_url": None,
        "cost": 0.0325,
        "error": None,
        "score_components": "[]",
        "candidates": "[]",
        "provenance": "{}",
    }
    values.update(overrides)
    return LeadRecord(**values)  # type: ignore[arg-type]


def read(path: Path) -> tuple[bytes, list[list[str]]]:
    raw = path.read_bytes()
    return raw, list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_header_bom_and_round_trip(tmp_path: Path) -> None:
    out = tmp_path / "leads.csv"
    assert (
        write_csv([record(), record(lead_id=2, place_id="ChIJ2", rating=None, review_count=None)], out) == 2
    )
    raw, rows = read(out)
    assert raw.startswith(b"\xef\xbb\xbf")
    assert tuple(rows[0][: len(REQUIRED_COLUMNS)]) == REQUIRED_COLUMNS
    assert tuple(rows[0]) == COLUMNS
    assert rows[1][0] == 'Acme, "Best" Dental'
    assert rows[1][1] == "1 Main St\nSuite 2, Austin, TX"
    assert rows[1][:10] == [
        'Acme, "Best" Dental',
        "1 Main St\nSuite 2, Austin, TX",
        "'+1 512 555 0100",
        "https://acme.com",
        "info@acme.com",
        "valid",
        "87",
        "4.5",
        "120",
        "ChIJ1",
    ]
    assert rows[2][7:9] == ["", ""]
    assert b"\r\n" in raw  # RFC 4180 line ends
    assert b'"Acme, ""Best"" Dental"' in raw


@pytest.mark.parametrize("cell", ["=SUM(A1)", "+1", "-2", "@cmd", "\tx", "\rx"])
def test_formula_injection_is_neutralized(tmp_path: Path, cell: str) -> None:
    assert neutralize(cell) == "'" + cell
    out = tmp_path / "x.csv"
    write_csv([record(business_name=cell, email=cell)], out)
    _, rows = read(out)
    assert rows[1][0] == "'" + cell
    assert rows[1][4] == "'" + cell


def test_safe_cells_are_untouched() -> None:
    assert neutralize("Acme") == "Acme"
    assert neutralize("") == ""
    assert neutralize("a=b") == "a=b"


def test_failed_export_leaves_previous_file_and_no_temp(tmp_path: Path) -> None:
    out = tmp_path / "leads.csv"
    out.write_text("previous")

    def rows():
        yield record()
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_csv(rows(), out)
    assert out.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["leads.csv"]


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="does not exist"):
        write_csv([record()], tmp_path / "nope" / "x.csv")


def test_the_database_fast_path_writes_the_same_file_as_lead_records(tmp_path: Path) -> None:
    repo = Store.open(tmp_path / "x.db")
    seed_database(repo, leads=2500, campaigns=2)
    repo.db.connection.execute_sql(
        "UPDATE leads SET cost = 0.0325, email_reason = 'no_website' WHERE id % 3 = 0"
    )
    repo.db.connection.execute_sql(
        "UPDATE leads SET business_name = '=cmd()', phone = '-1' WHERE id % 11 = 0"
    )
    progress: list[int] = []
    fast, slow = tmp_path / "fast.csv", tmp_path / "slow.csv"
    assert export_job_csv(repo, "job0001", fast, progress.append) == 1250
    assert write_csv(repo.leads.stream("job0001"), slow) == 1250
    assert fast.read_bytes() == slow.read_bytes()  # same cells, same order (best first)
    assert progress == [1250]  # after each batch (one batch of up to 2,000 here)
    _, rows = read(fast)
    assert any(row[0] == "'=cmd()" and row[2] == "'-1" for row in rows[1:])
    repo.db.close()


def test_numbers_are_written_as_before_and_never_crash() -> None:
    base = ("n", None, None, None, None, "valid", 5, None, None, "p", None, None, "OPERATIONAL", None, 0.0)
    values = [
        (*base[:7], 4.0, 12, *base[9:]),
        (*base[:7], 4.25, 0, *base[9:]),
        (*base[:6], -3, -1.5, -2, *base[9:]),
        (*base[:7], float("inf"), None, *base[9:14], 0.1 + 0.2),
    ]
    rows = csv_rows(values)
    assert [row[6:9] for row in rows] == [
        ("5", "4", "12"),
        ("5", "4.25", "0"),
        ("'-3", "'-1.5", "'-2"),  # a negative number would start with "-": guarded
        ("5", "inf", ""),
    ]
    assert rows[3][14] == "0.3"
