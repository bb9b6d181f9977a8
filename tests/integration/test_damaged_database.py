"""A damaged page or a full disk: one clear message from ``leadgen``, never a traceback, and the
job left resumable.

The corrupt page is real: garbage written over one page in the middle of the leads table of
a copy of a database. The full disk is real too when this machine lets the test mount a
small tmpfs (root); the in-process variants in ``tests/unit/test_database_errors.py``
simulate it with ``PRAGMA max_page_count`` everywhere.
"""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from leadgen_desktop.core.run.pipeline import Pipeline
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import CampaignConfig, CancelToken, JobStatus
from leadgen_desktop.net.providers.demo import build_demo_providers
from tests.fakes.api_loopback import new_user_env

pytestmark = pytest.mark.slow

DEMO = ["--demo", "--business-type", "dentist", "--location", "Austin, TX", "--min-score", "0"]


def leadgen(*args: str, root: Path) -> subprocess.CompletedProcess[str]:
    env = {**new_user_env(root), "LEADGEN_DEMO_LATENCY": "0"}
    return subprocess.run(
        [sys.executable, "-m", "leadgen_desktop.cli", *args],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip


def one_clear_line(stderr: str, *words: str) -> None:
    assert "Traceback" not in stderr, stderr
    assert "DatabaseError" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.startswith("leadgen: error:")]
    assert len(lines) == 1, stderr
    for word in words:
        assert word in lines[0], stderr


# -- a corrupt page ---------------------------------------------------------------------------


def a_page_of_the_leads_table(db: Path) -> int:
    """A leaf page in the middle of the leads table (its root page when dbstat is missing)."""
    conn = sqlite3.connect(db)
    try:
        pages = [
            p for (p,) in conn.execute("SELECT pageno FROM dbstat WHERE name = 'leads' AND pagetype = 'leaf'")
        ]
        return sorted(pages)[len(pages) // 2]
    except sqlite3.OperationalError:  # SQLite built without dbstat
        (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'leads'").fetchone()
        return int(root)
    finally:
        conn.close()


@pytest.fixture
def damaged(tmp_path: Path) -> tuple[Path, str]:
    """A copy of a database of 200 demo leads with garbage over one page of its leads; its campaign."""
    good = tmp_path / "good.db"
    store = Store.open(good)
    pipeline = Pipeline(store, build_demo_providers(latency=0.0))
    campaign_id, job_id = pipeline.start(
        CampaignConfig("dentist", "Austin, TX", max_results=200, min_score=0)
    )
    assert pipeline.run(job_id, CancelToken(), lambda _e: None).status is JobStatus.COMPLETED
    store.db.close()
    conn = sqlite3.connect(good)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    (page_size,) = conn.execute("PRAGMA page_size").fetchone()
    conn.close()
    bad = tmp_path / "damaged.db"
    shutil.copyfile(good, bad)
    page = a_page_of_the_leads_table(bad)
    with bad.open("r+b") as handle:
        handle.seek((page - 1) * page_size)
        handle.write(random.Random(page).randbytes(page_size))
    return bad, campaign_id


def test_export_of_a_damaged_database_says_so_in_one_line(damaged: tuple[Path, str], tmp_path: Path) -> None:
    db, campaign_id = damaged
    before = db.read_bytes()
    out = tmp_path / "leads.csv"
    done = leadgen("export", campaign_id, "--output", str(out), "--db", str(db), root=tmp_path)
    assert done.returncode == 2, done.stderr
    one_clear_line(done.stderr, "is damaged", str(db))
    assert not out.exists()
    assert not list(tmp_path.glob(".leads.csv.*"))  # no temporary file left behind
    assert db.read_bytes() == before  # reading it changed nothing


def test_campaigns_and_run_on_a_damaged_database_never_show_a_traceback(
    damaged: tuple[Path, str], tmp_path: Path
) -> None:
    db, _campaign_id = damaged
    listed = leadgen("campaigns", "--json", "--db", str(db), root=tmp_path)
    if listed.returncode == 0:  # the listing may not need the damaged page
        assert json.loads(listed.stdout)
    else:
        assert listed.returncode == 2
        one_clear_line(listed.stderr, "is damaged")
    ran = leadgen("run", *DEMO, "--max-results", "200", "--json", "--db", str(db), root=tmp_path)
    assert "Traceback" not in ran.stderr, ran.stderr
    if ran.returncode == 2:  # refused before the job started
        one_clear_line(ran.stderr, "is damaged")
    else:
        assert ran.returncode == 1, ran.stderr
        summary = json.loads(ran.stdout)
        assert summary["status"] == "failed"
        assert "is damaged" in summary["error"]


# -- a full disk ---------------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 400 kB filesystem (tmpfs), grown later by :func:`grow`; skipped where it cannot be mounted."""
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(mount)], capture_output=True, check=False
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small filesystem here: {made.stderr.decode(errors='replace').strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True, check=False)


def grow(mount: Path) -> None:
    subprocess.run(["mount", "-o", "remount,size=50m", str(mount)], check=True, capture_output=True)


def test_a_full_disk_fails_the_run_clearly_and_a_resume_finishes_it_once_there_is_room(
    small_disk: Path, tmp_path: Path
) -> None:
    db = small_disk / "t.db"
    ran = leadgen("run", *DEMO, "--max-results", "1000", "--json", "--db", str(db), root=tmp_path)
    assert ran.returncode == 1, ran.stderr
    assert "Traceback" not in ran.stderr, ran.stderr
    summary = json.loads(ran.stdout)
    assert summary["status"] == "failed"
    error = summary["error"]
    assert "is full" in error, error
    assert "cannot rollback" not in error
    assert f"leadgen resume {summary['job_id']}" in error

    grow(small_disk)
    resumed = leadgen("resume", summary["job_id"], "--json", "--db", str(db), root=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    final = json.loads(resumed.stdout)
    assert final["status"] == "completed"
    assert final["metrics"]["leads_enriched"] == final["metrics"]["qualified_leads"] > 0
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        (leads,) = conn.execute("SELECT count(*) FROM leads").fetchone()
    finally:
        conn.close()
    assert leads == final["metrics"]["leads_enriched"]
