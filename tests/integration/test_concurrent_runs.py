"""Two identical runs at the same time, two real processes on one database: every lookup paid once.

Seen (issue 10): two identical runs paid 14 of 14 domains and 11 of 11 emails twice, because
single flight worked inside one process only. Now a lookup is claimed in the database before
it is paid for, and the other run waits for its answer and takes it from the cache at $0.

The fake server makes the race certain instead of likely, synchronising on what it sees, never
on sleeps: it holds the first page until *both* processes have asked for it (so both enrich
the same leads at the same time), then holds every email search until the database shows each
domain of the campaign claimed (or answered), and every verification likewise per address. So
no answer can reach the cache before both processes have met every lookup: without claims both
would pay for all of them (a safety valve releases the holds after a while, so broken code fails
on the counts instead of hanging).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from leadgen_desktop.core.run.pipeline import Pipeline
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import CampaignConfig, CancelToken
from tests.fakes.api_server import FakeApis, Received, cli_env, serve
from tests.fakes.backends import query
from tests.fakes.cli_support import campaign_args
from tests.fakes.live_support import live_providers

LEADS = 20
VALVE = 12.0
"""Seconds after which a hold gives up: only code that never claims gets there. Below the clients'
15 s read timeout, and long enough for a second process to start on a very busy machine (5 s
was not, at a load of 20 on 2 cores)."""


def lookups_of_one_run(tmp_path: Path) -> tuple[set[str], set[str]]:
    """The domains and addresses this campaign pays for, from one run in-process on the same data."""
    fake = FakeApis()
    store = Store.open(tmp_path / "reference.db")
    pipeline = Pipeline(store, live_providers(fake))
    _, job_id = pipeline.start(CampaignConfig("dentist", "Austin, TX", max_results=LEADS, min_score=0))
    pipeline.run(job_id, CancelToken(), lambda _e: None)
    store.db.close()
    return set(fake.domain_requests), {e.casefold() for e in fake.email_requests}


class Holds:
    """The fake's ``before_answer``: holds answers until both runs are bound to meet each lookup.

    One watcher reads the shared database (read-only) while answers are held and wakes them
    when what they wait for is there.
    """

    def __init__(self, db: str, domains: set[str], emails: set[str]) -> None:
        self.db, self.domains, self.emails = db, domains, emails
        self.first_pages = 0
        self.known: dict[str, set[str]] = {"domain": set(), "email": set()}
        self.changed = threading.Condition()
        self.valve_used = False
        self.done = threading.Event()
        self.watcher = threading.Thread(target=self._watch, daemon=True)
        self.watcher.start()

    def __call__(self, received: Received) -> None:
        if received.path == "/v1/places:searchText" and not (received.json() or {}).get("pageToken"):
            with self.changed:
                self.first_pages += 1
                self.changed.notify_all()
                self._hold(lambda: self.first_pages >= 2)
        elif received.path == "/v2/domain-search":
            with self.changed:
                self._hold(lambda: self.domains <= self.known["domain"])
        elif received.path.endswith("/single/check"):
            with self.changed:
                self._hold(lambda: self.emails <= self.known["email"])

    def stop(self) -> None:
        self.done.set()
        self.watcher.join(VALVE)

    def _hold(self, until: Callable[[], bool]) -> None:
        if not self.changed.wait_for(until, VALVE):
            self.valve_used = True

    def _watch(self) -> None:
        while not self.done.wait(0.02):  # the server's view of the database; no verdict depends on it
            known = {"domain": self._read("domain", "domain_cache", "domain"),
                     "email": self._read("email", "email_cache", "email")}  # fmt: skip
            with self.changed:
                self.known = known
                self.changed.notify_all()

    def _read(self, kind: str, cache: str, column: str) -> set[str]:
        """Lookups of ``kind`` claimed or cached in the shared database (none before it exists)."""
        claimed = query(self.db, "SELECT subject FROM lookup_claims WHERE kind = ?", (kind,))
        cached = query(self.db, f"SELECT {column} FROM {cache}")
        return {str(row[0]).casefold() for row in (*claimed, *cached)}


def start_run(base_url: str, db: str, home: Path) -> subprocess.Popen[str]:
    argv = [
        sys.executable,
        "-m",
        "leadgen_desktop.cli",
        "run",
        *campaign_args(LEADS),
        "--db",
        db,
        "--json",
    ]
    return subprocess.Popen(
        argv, env=cli_env(base_url, home), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_two_identical_runs_at_once_pay_for_every_domain_and_email_once(tmp_path: Path, db_url: str) -> None:
    """On one SQLite file, and on one PostgreSQL team database (two desktops at once)."""
    domains, emails = lookups_of_one_run(tmp_path)
    assert len(domains) >= 10
    assert len(emails) >= 8
    db = db_url
    fake = FakeApis()
    holds = Holds(db, domains, emails)
    fake.before_answer = holds
    with serve(fake) as base_url:
        procs = [start_run(base_url, db, tmp_path / f"user{n}") for n in (1, 2)]
        try:
            outputs = [proc.communicate(timeout=120) for proc in procs]
        finally:
            holds.stop()
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
    summaries = [json.loads(out) for out, _err in outputs]
    # every lookup paid for once, by one of the two runs
    assert set(fake.domain_requests) == domains
    assert set(fake.domain_requests.values()) == {1}, fake.domain_requests
    assert {e.casefold() for e in fake.email_requests} == emails
    assert set(fake.email_requests.values()) == {1}, fake.email_requests
    assert not holds.valve_used, "a hold had to give up: some lookup was never claimed"
    # both runs are complete, and together they paid what the providers billed, not twice that
    for summary in summaries:
        assert summary["status"] == "completed"
        assert summary["metrics"]["leads_enriched"] == LEADS
        assert summary["metrics"]["cost_unconfirmed"] == 0.0
    paid = sum(s["metrics"]["total_cost"] for s in summaries)
    assert abs(paid - fake.billed_usd()) < 1e-9
    hunter_calls = sum(s["metrics"]["api_calls"]["hunter"] for s in summaries)
    assert hunter_calls == len(domains)
