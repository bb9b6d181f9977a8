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
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from leadgen_desktop.core.jobs import LEASE_STALE_AFTER
from leadgen_desktop.db.database import open_database
from leadgen_desktop.db.tables import utcnow
from tests.fakes.api_server import FakeApis, cli_env
from tests.fakes.backends import BACKENDS, database_for, query
from tests.fakes.cli_support import campaign_args, wait_for
from tests.fakes.cli_support import run_leadgen as leadgen

RUN_ARGS = campaign_args(25)


@pytest.fixture
def fake() -> Iterator[FakeApis]:
    apis = FakeApis(latencies={"google_places": 0.05, "hunter": 0.1, "neverbounce": 0.1})
    yield apis
    apis.release_waiting()


def job_state(db: str) -> tuple[str, str, str | None, int] | None:
    """(job id, status, lease owner, stored leads) read without writing (a file or PostgreSQL)."""
    rows = query(
        db,
        "SELECT j.id, j.status, j.lease_owner, (SELECT count(*) FROM leads l WHERE l.job_id = j.id) "
        "FROM discovery_jobs j",
    )
    return None if not rows else (str(rows[0][0]), str(rows[0][1]), rows[0][2], int(rows[0][3]))


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The database both processes use: a SQLite file, then a PostgreSQL team database."""
    with database_for(request.param, tmp_path) as where:
        yield where


def start_a(base_url: str, tmp_path: Path, db: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "leadgen_desktop.cli", "run", *RUN_ARGS, "--db", db,
         "--output", str(tmp_path / "leads.csv"), "--json"],
        env=cli_env(base_url, tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def leased_with_leads(db: str, minimum: int) -> Callable[[], tuple[str, str, str | None, int] | None]:
    def check() -> tuple[str, str, str | None, int] | None:
        state = job_state(db)
        return state if state and state[2] and state[3] >= minimum else None

    return check


def test_second_process_is_refused_while_the_first_runs(
    fake: FakeApis, base_url: str, tmp_path: Path, db: str
) -> None:
    fake.hold_after("neverbounce", 3)  # A cannot finish before B has been refused (released below)
    a = start_a(base_url, tmp_path, db)
    try:
        job_id, status, owner, _ = wait_for(leased_with_leads(db, 3), a)  # type: ignore[misc]
        assert status == "processing"
        assert owner
        assert owner.endswith(f":{a.pid}")
        b = leadgen("resume", job_id, "--json", "--db", db, env=cli_env(base_url, tmp_path))
        assert a.poll() is None, "A should still be running while B is refused"
        assert b.returncode == 2, (b.stdout, b.stderr)
        assert "another process" in b.stderr
        assert "Traceback" not in b.stderr
        # B changed nothing: A still holds the job and keeps going
        state = job_state(db)
        assert state is not None
        assert state[1] == "processing"
        assert state[2] == owner
        fake.release_waiting()
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


def test_takes_over_at_once_when_the_owner_died(
    fake: FakeApis, base_url: str, tmp_path: Path, db: str
) -> None:
    a = start_a(base_url, tmp_path, db)
    try:
        job_id, _, owner, _ = wait_for(leased_with_leads(db, 5), a)  # type: ignore[misc]
        a.send_signal(signal.SIGKILL)
        a.wait(10)
    finally:
        if a.poll() is None:
            a.kill()
        a.communicate()
    assert fake.wait_client_gone()
    state = job_state(db)
    assert state is not None
    assert state[1] == "processing"
    assert state[2] == owner
    started = time.monotonic()
    b = leadgen("resume", job_id, "--json", "--db", db, env=cli_env(base_url, tmp_path))
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
    age: dt.timedelta, refused: bool, fake: FakeApis, base_url: str, tmp_path: Path, db: str
) -> None:
    """A lease we cannot check by pid (another host) holds until it expires (its heartbeat is old)."""
    a = start_a(base_url, tmp_path, db)
    try:
        job_id, *_ = wait_for(leased_with_leads(db, 3), a)  # type: ignore[misc]
        a.send_signal(signal.SIGKILL)
        a.wait(10)
    finally:
        if a.poll() is None:
            a.kill()
        a.communicate()
    assert fake.wait_client_gone()
    database = open_database(db)
    jobs = database.tables.jobs
    try:
        beat = utcnow() - age
        jobs.update(
            {
                jobs.lease_owner: "some-other-host:4242",
                jobs.lease_heartbeat: beat,
                jobs.lease_expires_at: beat + LEASE_STALE_AFTER,
            }
        ).where(jobs.id == job_id).execute()
    finally:
        database.close()
    b = leadgen("resume", job_id, "--json", "--db", db, env=cli_env(base_url, tmp_path))
    if refused:
        assert b.returncode == 2, b.stdout
        assert "another process" in b.stderr
        assert "some-other-host:4242" in b.stderr
    else:
        assert b.returncode == 0, b.stderr
        assert json.loads(b.stdout)["status"] == "completed"
