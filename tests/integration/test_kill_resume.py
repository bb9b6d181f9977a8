"""SIGKILL a live ``leadgen run`` mid-flight, then ``leadgen resume`` it: same CSV, nothing paid twice.

Each test runs on a SQLite file and on a PostgreSQL team database.
Each runs the CLI as a subprocess against the loopback fake APIs (with latency, so there
is time to kill it), watches the SQLite file read-only to pick the moment, kills it with
SIGKILL (no clean-up of any kind runs), and resumes the job in a new process. The resumed
job's CSV must be byte-equal to an uninterrupted run's on a fresh fake and database, and the
fake's per-domain / per-email counters may show a repeat only for a lookup that was lost at
the kill: requested before it, but not in the database's cache after it (in flight, or
answered and not yet committed). The bill stays honest through the kill: what the fake billed
lies between the database's confirmed total and that total plus what is unconfirmed (requests
written down before they were sent, whose answers the dead process never read), and so does the
resumed run's summary.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from leadgen_desktop.core.run.area_round import ROUND_PURCHASES
from leadgen_desktop.domain import DEFAULT_PRICES
from leadgen_desktop.wiring import LIVE_REQUESTS_IN_FLIGHT
from tests.fakes.api_server import FakeApis, cli_env, serve
from tests.fakes.backends import BACKENDS, database_for
from tests.fakes.backends import query as backend_query
from tests.fakes.cli_support import campaign_args, wait_for
from tests.fakes.cli_support import run_leadgen as leadgen

RUN_ARGS = campaign_args(40)
WORKERS = 2 * LIVE_REQUESTS_IN_FLIGHT  # the paid lookups the command can have out: searches and checks
LATENCIES = {"google_places": 0.3, "hunter": 0.05, "neverbounce": 0.05}

# ``leadgen`` with the CSV export held open (so a kill can land in the storing stage); the hold
# announces itself by creating the file named by LEADGEN_TEST_STORING_MARKER.
_HOLD_EXPORT = textwrap.dedent(
    """
    import os, sys, time
    import leadgen_desktop.core.run.pipeline as pipeline
    from leadgen_desktop import cli
    real = pipeline.export_job_csv
    def held(*args, **kwargs):
        open(os.environ["LEADGEN_TEST_STORING_MARKER"], "w").close()
        time.sleep(60)
        return real(*args, **kwargs)
    pipeline.export_job_csv = held
    sys.exit(cli.main(sys.argv[1:]))
    """
)


def query(db: str, sql: str) -> list[tuple[object, ...]]:
    """Read the live database without taking part in its writes (a SQLite file read-only, or PostgreSQL)."""
    return backend_query(db, sql)


def bill_in_db(db: str) -> tuple[float, float]:
    """(confirmed total, unconfirmed worst case) of every call the database holds."""
    [(total, unconfirmed)] = query(
        db,
        "SELECT COALESCE(SUM(cost), 0), COALESCE(SUM(CASE WHEN confirmed = 0 THEN worst_cost END), 0) "
        "FROM api_calls",
    )
    return float(total), float(unconfirmed)  # type: ignore[arg-type]


def job_row(db: str) -> dict[str, object] | None:
    rows = query(
        db,
        "SELECT j.id, j.status, j.current_stage, j.discovery_pages, j.discovery_done, "
        "(SELECT count(*) FROM leads l WHERE l.job_id = j.id) FROM discovery_jobs j",
    )
    if not rows:
        return None
    keys = ("id", "status", "stage", "pages", "discovery_done", "leads")
    return dict(zip(keys, rows[0], strict=True))


@pytest.fixture(scope="module")
def reference_csv(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The CSV of an uninterrupted run with the same inputs on a fresh fake and database."""
    root = tmp_path_factory.mktemp("reference")
    with serve(FakeApis()) as url:
        out = root / "leads.csv"
        result = leadgen("run", *RUN_ARGS, "--output", str(out), "--db", str(root / "t.db"), "--json",
                         env=cli_env(url, root))  # fmt: skip
    assert result.returncode == 0, result.stderr
    return out.read_bytes()


@pytest.fixture
def fake() -> FakeApis:
    return FakeApis(latencies=LATENCIES)


def kill_and_resume(
    fake: FakeApis,
    base_url: str,
    tmp_path: Path,
    kill_point: Callable[[str], object],
    *,
    db: str,
    hold_export: bool = False,
) -> tuple[dict[str, object], dict[str, object], Path, dict[str, float]]:
    """Run, SIGKILL at ``kill_point``, check what was at risk, resume (``db``: a file or a team database).

    Returns the job row at the kill, the resume's JSON summary, the CSV path and timings.
    """
    out = tmp_path / "leads.csv"
    env = cli_env(base_url, tmp_path)
    argv = [sys.executable, "-m", "leadgen_desktop.cli"]
    if hold_export:
        env["LEADGEN_TEST_STORING_MARKER"] = str(tmp_path / "storing")
        argv = [sys.executable, "-c", _HOLD_EXPORT]
    timings: dict[str, float] = {}
    started = time.monotonic()
    proc = subprocess.Popen(
        [*argv, "run", *RUN_ARGS, "--output", str(out), "--db", db, "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(lambda: kill_point(db), proc, what="the kill point")
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    timings["killed_after"] = time.monotonic() - started
    timings["paid_lookups_before_resume"] = -1.0
    assert proc.returncode == -signal.SIGKILL
    assert fake.wait_client_gone(), "the fake still answers requests of the dead process"
    at_kill = job_row(db)
    assert at_kill is not None
    assert at_kill["status"] == "processing"
    total, unconfirmed = bill_in_db(db)
    assert total <= fake.billed_usd() + 1e-9 <= total + unconfirmed + 2e-9, "the bill after kill -9"

    # what the dead process paid for but the database does not hold: the only lookups allowed again
    before_domains, before_emails = Counter(fake.domain_requests), Counter(fake.email_requests)
    lost_places = paid_places(fake) - logged_places(db)  # purchases answered, not stored at the kill
    cached_domains = {d for (d,) in query(db, "SELECT domain FROM domain_cache")}
    cached_emails = {e for (e,) in query(db, "SELECT email FROM email_cache")}
    timings["paid_lookups_before_resume"] = sum(before_domains.values()) + sum(before_emails.values())
    lost_domains = set(before_domains) - cached_domains
    lost_emails = {e for e in before_emails if e.casefold() not in cached_emails}
    assert len(lost_domains) + len(lost_emails) <= WORKERS, (lost_domains, lost_emails)
    timings["lookups_lost_at_kill"] = len(lost_domains) + len(lost_emails)

    started = time.monotonic()
    resumed = leadgen("resume", str(at_kill["id"]), "--json", "--db", db, env=cli_env(base_url, tmp_path))
    timings["resume"] = time.monotonic() - started
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads(resumed.stdout)
    assert summary["status"] == "completed", summary
    assert summary["job_id"] == at_kill["id"]
    assert summary["output"] == str(out)
    metrics = summary["metrics"]
    assert (
        metrics["total_cost"]
        <= fake.billed_usd() + 1e-9
        <= (metrics["total_cost"] + metrics["cost_unconfirmed"] + 2e-9)
    ), "the resumed run's bill"
    assert (metrics["total_cost"], metrics["cost_unconfirmed"]) == pytest.approx(bill_in_db(db))

    repeated_domains = {d: n for d, n in fake.domain_requests.items() if n > 1}
    repeated_emails = {e: n for e, n in fake.email_requests.items() if n > 1}
    assert set(repeated_domains) <= lost_domains, "a domain search the database held was paid again"
    assert set(repeated_emails) <= lost_emails, "a verification the database held was paid again"
    assert all(n == 2 for n in [*repeated_domains.values(), *repeated_emails.values()])
    # only the place purchases in flight at the kill are bought again, nothing the database held
    assert 0 <= lost_places <= ROUND_PURCHASES
    assert paid_places(fake) - logged_places(db) == lost_places
    timings["place_purchases_lost_at_kill"] = lost_places
    return at_kill, summary, out, timings


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The run's database: a SQLite file, then a PostgreSQL team database (same CSV expected)."""
    with database_for(request.param, tmp_path) as where:
        yield where


def paid_places(fake: FakeApis) -> int:
    """Place purchases the fake billed (contact pages and Place Details)."""
    return sum(n for sku, n in fake.billed.items() if sku.startswith("places_") and DEFAULT_PRICES[sku] > 0)


def logged_places(db: Path | str) -> int:
    """Place purchases whose answer the database holds (the location lookup, a Pro search, apart)."""
    sql = (
        "SELECT count(*) FROM api_calls WHERE provider = 'google_places' AND cost > 0 AND cached = 0 "
        "AND confirmed = 1 AND sku != 'places_text_search_pro'"
    )
    return int(query(db, sql)[0][0])  # type: ignore[call-overload]


def test_kill_during_discovery_then_resume(
    fake: FakeApis, base_url: str, tmp_path: Path, reference_csv: bytes, db: str
) -> None:
    def some_places_bought(db: str) -> bool:
        row = job_row(db)
        bought = query(db, "SELECT count(*) FROM job_place_marks WHERE marks >= 2")
        return bool(row and row["stage"] == "discovering" and bought and bought[0][0])

    at_kill, _summary, out, timings = kill_and_resume(fake, base_url, tmp_path, some_places_bought, db=db)
    assert at_kill["stage"] == "discovering"
    assert out.read_bytes() == reference_csv
    print(f"discovery kill: {timings}")


def test_kill_during_enrichment_then_resume(
    fake: FakeApis, base_url: str, tmp_path: Path, reference_csv: bytes, db: str
) -> None:
    def some_leads_stored(db: str) -> bool:
        row = job_row(db)
        return bool(row and row["stage"] == "enriching" and 10 <= int(row["leads"]) < 40)  # type: ignore[call-overload]

    at_kill, summary, out, timings = kill_and_resume(fake, base_url, tmp_path, some_leads_stored, db=db)
    assert at_kill["stage"] == "enriching"
    assert 10 <= int(at_kill["leads"]) < 40
    assert summary["metrics"]["qualified_leads"] == 40
    assert summary["metrics"]["leads_enriched"] == 40
    print(f"enrichment kill: {timings}")

    # a second resume of the completed job calls nothing and prints the same summary
    requests, first_csv = len(fake.requests), out.read_bytes()
    again = leadgen("resume", str(at_kill["id"]), "--json", "--db", db, env=cli_env(base_url, tmp_path))
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == summary
    assert len(fake.requests) == requests
    assert out.read_bytes() == first_csv

    # the job paid for every lookup of its leads: a lookup it cached before the kill is not
    # "free" for its own lead after the resume (lead_cost_usd must match the uninterrupted run)
    assert out.read_bytes() == reference_csv


def test_kill_during_storing_then_resume(
    fake: FakeApis, base_url: str, tmp_path: Path, reference_csv: bytes, db: str
) -> None:
    marker = tmp_path / "storing"
    at_kill, _summary, out, timings = kill_and_resume(
        fake, base_url, tmp_path, lambda _db: marker.exists(), db=db, hold_export=True
    )
    assert at_kill["stage"] == "storing" or at_kill["leads"] == 40
    assert at_kill["leads"] == 40
    assert out.read_bytes() == reference_csv
    # everything was paid for before the kill: the resume only re-exports
    paid = sum(fake.domain_requests.values()) + sum(fake.email_requests.values())
    assert paid == timings["paid_lookups_before_resume"]
    assert max(fake.domain_requests.values()) == 1
    assert max(fake.email_requests.values()) == 1
    print(f"storing kill: {timings}")
