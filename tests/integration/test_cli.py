"""The ``leadgen`` command end to end (subprocess) and its bad-input paths (exit 2)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from leadgen_desktop.cli import main
from tests.fakes.cli_support import campaign_args

EXPECTED_METRICS = {
    "businesses_found",
    "qualified_leads",
    "leads_enriched",
    "emails_found",
    "emails_verified",
    "avg_confidence",
    "total_cost",
    "api_calls",
    "cost_by_provider",
}


def leadgen(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "leadgen_desktop.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_demo_run_json_and_csv_end_to_end(tmp_path: Path, db_url: str) -> None:
    """On a SQLite file and on a PostgreSQL team database alike."""
    out = tmp_path / "leads.csv"
    result = leadgen(
        "run",
        "--demo",
        *campaign_args(25),
        "--output",
        str(out),
        "--json",
        "--db",
        db_url,
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["status"] == "completed"
    assert summary["stop_reason"] is None
    assert summary["error"] is None
    assert summary["output"] == str(out)
    assert set(summary["metrics"]) >= EXPECTED_METRICS
    assert summary["metrics"]["qualified_leads"] == 25
    assert summary["metrics"]["total_cost"] == 0.0
    assert set(summary["metrics"]["api_calls"]) == {"google_places", "hunter", "neverbounce"}
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"), newline="")))
    assert len(rows) == 25
    assert {r["email_status"] for r in rows} <= {
        "valid",
        "invalid",
        "catchall",
        "unknown",
        "disposable",
        "unverified",
        "not_found",
    }
    listed = leadgen("campaigns", "--json", "--db", db_url)
    assert listed.returncode == 0
    campaigns = json.loads(listed.stdout)
    assert campaigns[0]["job_id"] == summary["job_id"]
    assert campaigns[0]["leads"] == 25
    again = tmp_path / "again.csv"
    exported = leadgen("export", summary["campaign_id"], "--output", str(again), "--db", db_url)
    assert exported.returncode == 0, exported.stderr
    assert again.read_bytes() == out.read_bytes()


def test_queue_stores_a_pending_job_and_returns(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["run", "--demo", *campaign_args(5), "--db", db_url]
    assert main([*args, "--queue", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["status"], summary["output"], summary["metrics"]["total_cost"]) == ("pending", None, 0.0)
    assert main(["campaigns", "--json", "--db", db_url]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert (listed["job_id"], listed["status"], listed["worker"]) == (summary["job_id"], "pending", None)
    assert listed["created_by"]  # the OS user name (or LEADGEN_USER)
    assert main(["worker", "--db", db_url, "--once"]) == 0
    assert main(["campaigns", "--json", "--db", db_url]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert (listed["status"], listed["leads"]) == ("completed", 5)


@pytest.mark.parametrize("flag", [["--output", "x.csv"], ["--estimate"]])
def test_queue_with_output_or_estimate_is_a_usage_error(
    flag: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["run", "--demo", *campaign_args(5), "--db", str(tmp_path / "t.db"), "--queue", *flag])
    assert code == 2
    err = capsys.readouterr().err
    assert f"--queue cannot be used with {flag[0]}" in err
    assert "leadgen export" in err
    assert not (tmp_path / "t.db").exists()  # nothing started, nothing created


def test_env_selects_demo_and_db(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LEADGEN_DEMO", "1")
    monkeypatch.setenv("LEADGEN_DB", str(tmp_path / "env.db"))
    code = main(["run", "--business-type", "plumber", "--location", "Leeds", "--max-results", "3", "--json"])
    assert code == 0
    assert json.loads(capsys.readouterr().out)["status"] == "completed"
    assert (tmp_path / "env.db").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--business-type", "", "--location", "Austin"], "--business-type"),
        (["--business-type", "   ", "--location", "Austin"], "--business-type"),
        (["--business-type", "dentist", "--location", ""], "--location"),
        (["--business-type", "dentist", "--location", "Austin", "--max-results", "0"], "--max-results"),
        (["--business-type", "dentist", "--location", "Austin", "--max-results", "10001"], "--max-results"),
        (["--business-type", "dentist", "--location", "Austin", "--max-results", "ten"], "--max-results"),
        (["--business-type", "dentist", "--location", "Austin", "--min-score", "101"], "--min-score"),
        (["--business-type", "dentist", "--location", "Austin", "--budget", "-1"], "--budget"),
        (["--business-type", "dentist", "--location", "Austin", "--budget", "nan"], "--budget"),
    ],
)
def test_bad_input_exits_2_with_one_clear_line(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "t.db"
    try:
        code = main(["run", "--demo", "--db", str(db), *args])
    except SystemExit as exc:  # argparse rejects malformed flags itself
        code = exc.code  # type: ignore[assignment]
    assert code == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert not db.exists()  # nothing started, nothing written


def test_without_keys_and_without_demo_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", "--business-type", "dentist", "--location", "Austin", "--db", str(tmp_path / "t.db")])
    assert code == 2
    err = capsys.readouterr().err
    assert "leadgen keys set google_places" in err
    assert "--demo" in err
    assert not (tmp_path / "t.db").exists()


def test_unwritable_output_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code = main(
        [
            "run",
            "--demo",
            "--business-type",
            "d",
            "--location",
            "A",
            "--db",
            str(tmp_path / "t.db"),
            "--output",
            str(blocker / "leads.csv"),
        ]
    )
    assert code == 2
    assert "--output" in capsys.readouterr().err
    assert not (tmp_path / "t.db").exists()


def test_corrupt_database_exits_2_and_is_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "t.db"
    db.write_bytes(b"garbage" * 1000)
    code = main(["run", "--demo", "--business-type", "d", "--location", "A", "--db", str(db)])
    assert code == 2
    err = capsys.readouterr().err
    assert "not a leadgen-desktop database" in err
    assert "Traceback" not in err
    assert db.read_bytes() == b"garbage" * 1000
    assert main(["campaigns", "--db", str(db)]) == 2


def test_export_unknown_campaign_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["export", "nope", "--output", str(tmp_path / "x.csv"), "--db", str(tmp_path / "t.db")])
    assert code == 2
    assert "no campaign 'nope'" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()


def test_campaigns_empty_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["campaigns", "--json", "--db", str(tmp_path / "t.db")]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_db_password_is_stored_in_the_keychain_and_never_printed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from leadgen_desktop.db.target import parse_postgres_url
    from leadgen_desktop.keychain import database_password

    url = "postgresql://ana@db.example.com:5432/leadgen"
    monkeypatch.setattr("sys.stdin", io.StringIO("pa55-word-xyz\n"))
    assert main(["db-password", "set", url]) == 0
    out = capsys.readouterr()
    assert "pa55-word-xyz" not in out.out + out.err
    assert database_password(parse_postgres_url(url).key) == "pa55-word-xyz"
    assert main(["db-password", "delete", url]) == 0
    assert database_password(parse_postgres_url(url).key) is None
    assert main(["db-password", "set", "/not/a/url.db"]) == 2
    assert "is not a postgresql:// URL" in capsys.readouterr().err
