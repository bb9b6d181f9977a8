"""Two processes, one job: the lease lets exactly one of them run it.

Process A runs a slow live job against the loopback fake; process B tries ``leadgen resume``
on the same job: it must refuse (exit 2, "another process") while A lives, leave A alone, and
take over at once once A is dead (SIGKILL: the lease's owner pid no longer exists) or when the
lease's heartbeat is older than the stale limit.
"""

from __future__ import annotations

import datetime as dt
import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from leadgen_desktop.core.jobs import LEASE_STALE_AFTER
from leadgen_desktop.db.database import open_database
from leadgen_desktop.db.tables import utcnow
from tests.fakes.api_server import FakeApis, cli_env
from tests.fakes.cli_support import campaign_args, wait_for
from tests.fakes.cli_support import run_leadgen as leadgen

RUN_ARGS = campaign_args(25)


@pytest.fixture
def fake() -> FakeApis:
    return FakeApis(latencies={"google_places": 0.05, "hunter": 0.1, "neverbounce": 0.1})


def job_state(db: Path) -> tuple[str, str, str | None, int] | None:
    """(job id, status, lease owner, stored leads) read without writing."""
    if not db.exists():
        return None
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        row = conn.execute(
            "SELECT j.id, j.status, j.lease_owner, (SELECT count(*) FROM leads l WHERE l.job_id = j.id) "
            "FROM discovery_jobs j"
        ).fetchone()
    except sqlite3.OperationalError:
        return None
    finally:
        conn.close()
    return None if row is None else (row[0], row[1], row[2], row[3])


def start_a(base_url: str, tmp_path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "leadgen_desktop.cli", "run", *RUN_ARGS, "--db", str(tmp_path / "t.db"),
         "--output", str(tmp_path / "leads.csv"), "--json"],
        env=cli_env(base_url, tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def leased_with_leads(db: Path, minimum: int) -> Callable[[], tuple[str, str, str | None, int] | None]:
    def check() -> tuple[str, str, str | None, int] | None:
        state = job_state(db)
        return state if state and state[2] and state[3] >= minimum else None

    return check


def test_second_process_is_refused_while_the_first_runs(
    fake: FakeApis, base_url: str, tmp_path: Path
) -> None:
    db = tmp_path / "t.db"
    fake.hold_after("neverbounce", 3)  # A cannot finish before B has been refused (released below)
    a = start_a(base_url, tmp_path)
    try:
        job_id, status, owner, _ = wait_for(leased_with_leads(db, 3), a)  # type: ignore[misc]
        assert status == "processing"
        assert owner
        assert owner.endswith(f":{a.pid}")
        b = leadgen("resume", job_id, "--json", "--db", str(db), env=cli_env(base_url, tmp_path))
        assert a.poll() is None, "A should still be running while B is refused"
        fake.release_waiting()
        assert b.returncode == 2, (b.stdout, b.stderr)
        assert "another process" in b.stderr
        assert "Traceback" not in b.stderr
        # B changed nothing: A still holds the job and keeps going
        state = job_state(db)
        assert state is not None
        assert state[1] == "processing"
        assert state[2] == owner
        out, err = a.communicate(timeout=60)
    finally:
        if a.poll() is None:
            a.kill()
            a.communicate()
    assert a.returncode == 0, err
    summary = json.loads(out)
    assert summary["status"] == "completed"
    assert summary["job_id"] == job_id
    assert summary["metrics"]["leads_enriched"] == 25
    assert max(fake.domain_requests.values()) == 1
    assert max(fake.email_requests.values()) == 1
    final = job_state(db)
    assert final is not None
    assert final[1] == "completed"
    assert final[2] is None


def test_takes_over_at_once_when_the_owner_died(fake: FakeApis, base_url: str, tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    a = start_a(base_url, tmp_path)
    try:
        job_id, _, owner, _ = wait_for(leased_with_leads(db, 5), a)  # type: ignore[misc]
        a.send_signal(signal.SIGKILL)
        a.wait(10)
    finally:
        if a.poll() is None:
            a.kill()
        a.communicate()
    assert fake.wait_idle()
    state = job_state(db)
    assert state is not None
    assert state[1] == "processing"
    assert state[2] == owner
    started = time.monotonic()
    b = leadgen("resume", job_id, "--json", "--db", str(db), env=cli_env(base_url, tmp_path))
    took = time.monotonic() - started
    assert b.returncode == 0, b.stderr
    summary = json.loads(b.stdout)
    assert summary["status"] == "completed"
    assert summary["job_id"] == job_id
    assert summary["metrics"]["leads_enriched"] == 25
    assert took < LEASE_STALE_AFTER.total_seconds() / 2  # no waiting for the lease to go stale
    final = job_state(db)
    assert final is not None
    assert final[1] == "completed"
    assert final[2] is None
    print(f"takeover resume took {took:.2f}s")


@pytest.mark.parametrize(
    ("age", "refused"), [(dt.timedelta(seconds=5), True), (dt.timedelta(minutes=5), False)]
)
def test_a_lease_of_another_host_counts_until_it_is_stale(
    age: dt.timedelta, refused: bool, fake: FakeApis, base_url: str, tmp_path: Path
) -> None:
    """A lease we cannot check by pid (another host) holds until its heartbeat is older than the limit."""
    db = tmp_path / "t.db"
    a = start_a(base_url, tmp_path)
    try:
        job_id, *_ = wait_for(leased_with_leads(db, 3), a)  # type: ignore[misc]
        a.send_signal(signal.SIGKILL)
        a.wait(10)
    finally:
        if a.poll() is None:
            a.kill()
        a.communicate()
    assert fake.wait_idle()
    database = open_database(db)
    jobs = database.tables.jobs
    try:
        jobs.update({jobs.lease_owner: "some-other-host:4242", jobs.lease_heartbeat: utcnow() - age}).where(
            jobs.id == job_id
        ).execute()
    finally:
        database.close()
    b = leadgen("resume", job_id, "--json", "--db", str(db), env=cli_env(base_url, tmp_path))
    if refused:
        assert b.returncode == 2, b.stdout
        assert "another process" in b.stderr
        assert "some-other-host:4242" in b.stderr
    else:
        assert b.returncode == 0, b.stderr
        assert json.loads(b.stdout)["status"] == "completed"
