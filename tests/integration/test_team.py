"""Team mode end to end: real ``leadgen`` processes on one database (PostgreSQL, and SQLite where
the property is not PostgreSQL's own) against the loopback fake APIs.

* two "desktops" running the same campaign one after the other pay for each lookup once;
* six queued jobs, three workers, one SIGKILLed mid-job (its email searches begun): every job
  completes exactly once, the killed job resumes (what it stored is kept), no lookup is paid
  twice beyond those in flight at the kill, and the database's total stays within what the
  providers billed. "In flight at the kill" is read without timing: the victim is stopped while
  the database is read, and its own server of the fake is fenced after the kill;
* SIGTERM: the worker exits 0 within 5 s, its job back to ``pending`` with no lease;
* a worker whose database connections are cut mid-job hands the job back and finishes it;
* no API key in a ``pg_dump`` of the team database.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from leadgen_desktop.core.jobs import Jobs
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import CampaignConfig
from tests.fakes.api_server import FAKE_KEYS, FakeApis, cli_env, serve
from tests.fakes.backends import database_for, execute, fresh_pg_database, pg_bin, query
from tests.fakes.cli_support import campaign_args, wait_for
from tests.fakes.cli_support import run_leadgen as leadgen

LEADS = 12
LATENCIES = {"google_places": 0.05, "hunter": 0.08, "neverbounce": 0.05}
LEASE_SECONDS = "3"


@pytest.fixture
def fake() -> Iterator[FakeApis]:
    apis = FakeApis(latencies=LATENCIES)
    yield apis
    apis.release_waiting()


@pytest.fixture
def pg_url() -> Iterator[str]:
    with fresh_pg_database() as url:
        yield url


def logged_total(db: str) -> float:
    ((total,),) = query(db, "SELECT COALESCE(SUM(cost), 0) FROM api_calls")
    return float(total)


def jobs_state(db: str) -> dict[str, tuple[str, str | None, int]]:
    """job id -> (status, lease owner, stored leads)."""
    rows = query(
        db,
        "SELECT j.id, j.status, j.lease_owner, (SELECT count(*) FROM leads l WHERE l.job_id = j.id) "
        "FROM discovery_jobs j",
    )
    return {str(r[0]): (str(r[1]), r[2], int(r[3])) for r in rows}


KINDS = ("dentist", "dentist", "plumber", "plumber", "bakery", "bakery")
"""Pairs of identical campaigns: two workers run the same lookups at once (claims decide who pays)."""


def queue_jobs(db: str, count: int) -> list[str]:
    """Queue ``count`` campaigns, two of each business type (their lookups overlap pairwise)."""
    store = Store.open(db)
    try:
        jobs = Jobs(store, user="alice")
        return [
            jobs.start(CampaignConfig(KINDS[i], "Austin, TX", max_results=LEADS, min_score=0), queued=True)[1]
            for i in range(count)
        ]
    finally:
        store.db.close()


def start_worker(db: str, base_url: str, root: Path, *extra: str) -> subprocess.Popen[str]:
    env = cli_env(base_url, root)
    env["LEADGEN_LEASE_SECONDS"] = LEASE_SECONDS
    return subprocess.Popen(
        [sys.executable, "-m", "leadgen_desktop.cli", "worker", "--db", db, *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen[str], timeout: float = 120) -> tuple[int, str]:
    try:
        _out, err = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return proc.returncode, err


def email_searches_logged(db: str, job_id: str) -> int:
    """Email searches the job has logged (each is logged before it is sent)."""
    ((count,),) = query(
        db, "SELECT count(*) FROM api_calls WHERE job_id = ? AND provider = 'hunter'", (job_id,)
    )
    return int(count)


def cached_lookups(db: str) -> tuple[set[str], set[str]]:
    """The domains and (case-folded) addresses whose answers the database holds."""
    cached_domains = {d for (d,) in query(db, "SELECT domain FROM domain_cache")}
    cached_emails = {e for (e,) in query(db, "SELECT email FROM email_cache")}
    return cached_domains, cached_emails


def lost_lookups(fake: FakeApis, cached: tuple[set[str], set[str]]) -> tuple[set[str], set[str]]:
    """Lookups the fake answered (or was asked) that the database did not hold: in flight at a kill.

    ``cached`` (:func:`cached_lookups`) must be read before anyone could pay for a dead worker's
    lookups again, and the fake's counts after the dead worker's requests are all counted.
    """
    cached_domains, cached_emails = cached
    lost_domains = set(fake.domain_requests) - cached_domains
    lost_emails = {e for e in fake.email_requests if e.casefold() not in cached_emails}
    return lost_domains, lost_emails


def requests_via(fake: FakeApis, base_url: str) -> int:
    """How many requests the fake has answered through its server at ``base_url`` (by their Host header)."""
    host = base_url.removeprefix("http://")
    return sum(1 for received in list(fake.requests) if received.headers.get("host") == host)


def stop(worker: subprocess.Popen[str]) -> None:
    """SIGSTOP ``worker`` and return once all its threads are stopped (no timing: the kernel reports it)."""
    worker.send_signal(signal.SIGSTOP)
    _pid, status = os.waitpid(worker.pid, os.WUNTRACED)
    assert os.WIFSTOPPED(status), f"the worker ended (status {status}) instead of stopping"


def assert_no_key_in_pg_dump(db: str, tmp_path: Path) -> None:
    dump = subprocess.run(
        [pg_bin("pg_dump"), "--no-owner", db], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert "api_calls" in dump  # the dump is real
    for key in FAKE_KEYS.values():
        assert key not in dump
    (tmp_path / "dump.sql").write_text(dump)


@pytest.mark.slow
def test_two_desktops_running_the_same_campaign_one_after_the_other_pay_once(
    fake: FakeApis, base_url: str, tmp_path: Path
) -> None:
    with database_for("postgresql", tmp_path) as db:
        summaries = []
        for desk in ("desk-a", "desk-b"):
            root = tmp_path / desk
            env = cli_env(base_url, root)
            env["LEADGEN_USER"] = desk
            result = leadgen("run", *campaign_args(LEADS), "--db", db, "--json", env=env)
            assert result.returncode == 0, result.stderr
            summaries.append(json.loads(result.stdout))
        assert max(fake.domain_requests.values()) == 1
        assert max(fake.email_requests.values()) == 1
        second = summaries[1]["metrics"]
        assert second["cost_by_provider"]["hunter"] == 0.0
        assert second["cost_by_provider"]["neverbounce"] == 0.0
        assert second["leads_enriched"] == LEADS
        assert logged_total(db) == pytest.approx(fake.billed_usd())
        listed = json.loads(
            leadgen("campaigns", "--db", db, "--json", env=cli_env(base_url, tmp_path)).stdout
        )
        assert sorted(c["created_by"] for c in listed) == ["desk-a", "desk-b"]
        assert_no_key_in_pg_dump(db, tmp_path)


@pytest.mark.slow
def test_six_queued_jobs_three_workers_one_killed(fake: FakeApis, pg_url: str, tmp_path: Path) -> None:
    job_ids = queue_jobs(pg_url, 6)
    with ExitStack() as servers:
        # a server of the fake per worker: what the killed one wrote can be awaited while the others work
        urls = [servers.enter_context(serve(fake)) for _ in range(3)]
        workers = [start_worker(pg_url, url, tmp_path / f"w{i}", "--once") for i, url in enumerate(urls)]
        by_pid = {worker.pid: i for i, worker in enumerate(workers)}
        try:

            def a_worker_enriching() -> tuple[str, int] | None:
                """(job, worker pid) of the first job some worker holds with three leads stored and its
                email searches begun: the kill then lands with lookups in flight, not while searching."""
                for job_id, (_status, owner, leads) in jobs_state(pg_url).items():
                    pid = int(owner.rsplit(":", 1)[1]) if owner else 0
                    if pid in by_pid and leads >= 3 and email_searches_logged(pg_url, job_id):
                        return job_id, pid
                return None

            found = wait_for(a_worker_enriching, workers[0], what="a worker enriching leads")
            killed_job, pid = found  # type: ignore[misc]
            victim, victim_url = workers[by_pid[pid]], urls[by_pid[pid]]
            # stopped, it stores nothing more and (alive) keeps its claims: nobody pays again for its
            # lookups before what the database held at the kill is read
            stop(victim)
            answered_at_stop = requests_via(fake, victim_url)
            kept = {
                lead_id
                for (lead_id,) in query(pg_url, "SELECT id FROM leads WHERE job_id = ?", (killed_job,))
            }
            held_at_kill = cached_lookups(pg_url)
            victim.send_signal(signal.SIGKILL)
            victim.wait(10)
            # every request it wrote before it died is answered and counted (some sat in the backlog)
            assert fake.wait_client_gone(base_url=victim_url)
            late = requests_via(fake, victim_url) - answered_at_stop
            print(f"the killed worker's requests answered after it was stopped: {late}")
            at_kill_domains, at_kill_emails = lost_lookups(fake, held_at_kill)
            results = [finish(worker) for worker in workers if worker is not victim]
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.kill()
                worker.communicate()
    for code, err in results:
        assert code == 0, err
    state = jobs_state(pg_url)
    assert sorted(state) == sorted(job_ids)
    assert all(
        status == "completed" and owner is None and leads == LEADS for status, owner, leads in state.values()
    ), state
    after = {lead_id for (lead_id,) in query(pg_url, "SELECT id FROM leads WHERE job_id = ?", (killed_job,))}
    assert kept <= after  # resumed, not restarted: the leads stored before the kill are the same rows
    # exactly once: one row per lead and place per job (the unique index would refuse more)
    assert query(pg_url, "SELECT count(*) FROM leads") == [(6 * LEADS,)]
    repeated = {d for d, n in fake.domain_requests.items() if n > 1} | {
        e for e, n in fake.email_requests.items() if n > 1
    }
    assert repeated <= at_kill_domains | at_kill_emails, "a lookup the database held was paid again"
    assert all(n <= 2 for n in Counter({**fake.domain_requests, **fake.email_requests}).values())
    # the honest bill across workers and a kill: total <= what the providers billed <= total + unconfirmed
    ((total, unconfirmed),) = query(
        pg_url,
        "SELECT COALESCE(SUM(cost), 0), COALESCE(SUM(CASE WHEN confirmed = 0 THEN worst_cost ELSE 0 END), 0) "
        "FROM api_calls",
    )
    assert float(total) <= fake.billed_usd() + 1e-9
    assert fake.billed_usd() <= float(total) + float(unconfirmed) + 1e-9
    assert_no_key_in_pg_dump(pg_url, tmp_path)


@pytest.mark.slow
def test_sigterm_hands_the_job_back_and_exits_0_without_waiting_for_its_requests(
    fake: FakeApis, base_url: str, tmp_path: Path
) -> None:
    fake.hold_after("neverbounce", 4)  # the job cannot finish before the stop lands
    with database_for("postgresql", tmp_path) as db:
        (job_id,) = queue_jobs(db, 1)
        worker = start_worker(db, base_url, tmp_path / "w")
        try:
            wait_for(lambda: jobs_state(db).get(job_id, ("", None, 0))[2] >= 2, worker, what="two leads")
            started = time.monotonic()
            worker.send_signal(signal.SIGTERM)
            # its NeverBounce requests are held until released: a worker waiting for them never exits
            code, err = finish(worker, timeout=60)
            took = time.monotonic() - started
            fake.release_waiting()
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.communicate()
        print(f"SIGTERM to exit 0: {took * 1000:.0f} ms")
        assert code == 0, err
        status, owner, leads = jobs_state(db)[job_id]
        assert (status, owner) == ("pending", None), err
        assert "handed back" in err
        stored = leads
        assert fake.wait_client_gone()
        before_domains, before_emails = Counter(fake.domain_requests), Counter(fake.email_requests)
        lost_domains, lost_emails = lost_lookups(fake, cached_lookups(db))
        again = start_worker(db, base_url, tmp_path / "w2", "--once")
        code, err = finish(again)
        assert code == 0, err
        status, owner, leads = jobs_state(db)[job_id]
        assert (status, owner, leads) == ("completed", None, LEADS)
        assert leads >= stored
        paid_again = {
            d
            for d, n in fake.domain_requests.items()
            if n > before_domains.get(d, 0) and before_domains.get(d)
        }
        paid_again |= {
            e for e, n in fake.email_requests.items() if n > before_emails.get(e, 0) and before_emails.get(e)
        }
        assert paid_again <= lost_domains | lost_emails


@pytest.mark.slow
def test_a_worker_losing_its_connection_mid_job_hands_it_back_and_finishes_it(
    fake: FakeApis, base_url: str, pg_url: str, tmp_path: Path
) -> None:
    fake.hold_after("neverbounce", 5)  # the job is still running when its connections are cut
    (job_id,) = queue_jobs(pg_url, 1)
    worker = start_worker(pg_url, base_url, tmp_path / "w", "--once")
    try:
        wait_for(lambda: jobs_state(pg_url).get(job_id, ("", None, 0))[2] >= 3, worker, what="three leads")
        dbname = pg_url.rsplit("/", 1)[1]
        execute(
            pg_url,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ? "
            "AND application_name = 'leadgen-desktop' AND pid <> pg_backend_pid()",
            (dbname,),
        )
        fake.release_waiting()
        code, err = finish(worker)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
    assert code == 0, err
    status, owner, leads = jobs_state(pg_url)[job_id]
    assert (status, owner, leads) == ("completed", None, LEADS), err
    assert max(fake.domain_requests.values()) <= 2
    assert max(fake.email_requests.values()) <= 2
