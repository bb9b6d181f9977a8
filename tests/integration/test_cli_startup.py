"""``leadgen``'s start-up and exit (issue 15): what it imports before its first request, and what
it leaves behind when it ends.

Each check runs in a fresh interpreter (a subprocess) and reads ``sys.modules``: no timing verdict.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.api_loopback import new_user_env
from tests.fakes.cli_support import campaign_args

SERVED_ELSEWHERE = {
    "psycopg": "the PostgreSQL driver (a team database imports it)",
    "httpx._main": "httpx's command-line client (click, rich, pygments)",
    "rich": "httpx's command-line client",
    "click": "httpx's command-line client",
}
"""Modules no SQLite command ever needs."""

NOT_BEFORE_FIRST_USE = {
    "dns.resolver": "dnspython, for the first mail-server check",
    "leadgen_desktop.net.web": "the website reader, for the first website",
    "leadgen_desktop.net.mail_dns": "the mail-server checker",
    "leadgen_desktop.core.billing.estimate": "run --estimate only",
    "leadgen_desktop.cli_team": "the team commands",
    "leadgen_desktop.core.queue_worker": "leadgen worker only",
}
"""Modules a live run imports later, if at all, rather than before its first request."""

NOT_FOR_HELP = {
    "peewee": "the database",
    "httpx": "the network",
    "keyring": "the keychain",
    "leadgen_desktop.db.store": "the store",
    "leadgen_desktop.core.run.pipeline": "the pipeline",
    "leadgen_desktop.cli_run": "the run command",
}
"""What ``leadgen run --help`` does without."""

_UP_TO_THE_FIRST_REQUEST = """
import json, sys
from leadgen_desktop.cli_run import cmd_run  # what 'leadgen run' imports, then what it builds
from leadgen_desktop.domain import CampaignConfig
from leadgen_desktop.settings import load_settings
from leadgen_desktop.wiring import build_pipeline, build_providers, open_store

settings = load_settings()
keys = {"google_places": "g-key", "hunter": "h-key", "neverbounce": "n-key"}
providers = build_providers(False, keys, settings)
pipeline = build_pipeline(open_store(sys.argv[1]), providers, settings)
pipeline.start(CampaignConfig("dentist", "Austin, TX", max_results=5, min_score=0))
print(json.dumps(sorted(name for name in sys.argv[2:] if sys.modules.get(name) is not None)))
"""

_AFTER_HELP = """
import contextlib, json, sys
from leadgen_desktop import cli
with contextlib.redirect_stdout(None), contextlib.suppress(SystemExit):
    cli.main(["run", "--help"])
print(json.dumps(sorted(name for name in sys.argv[1:] if sys.modules.get(name) is not None)))
"""


def _user_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A new user's environment (no proxy or CA bundle variables: the website parts stay lazy)."""
    return {**new_user_env(tmp_path), **extra}


def _loaded(script: str, args: list[str], env: dict[str, str]) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.slow
def test_a_live_run_starts_without_the_modules_it_needs_later_or_never(tmp_path: Path) -> None:
    # LEADGEN_DNS_SERVER set (and checked) still leaves dnspython for the first mail-server check
    env = _user_env(
        tmp_path, LEADGEN_DNS_SERVER="127.0.0.1:5353", LEADGEN_GOOGLE_PLACES_URL="http://127.0.0.1:9"
    )
    watched = sorted({**SERVED_ELSEWHERE, **NOT_BEFORE_FIRST_USE})
    assert _loaded(_UP_TO_THE_FIRST_REQUEST, [str(tmp_path / "t.db"), *watched], env) == []


@pytest.mark.slow
def test_run_help_imports_no_database_network_or_pipeline_code(tmp_path: Path) -> None:
    watched = sorted({**SERVED_ELSEWHERE, **NOT_FOR_HELP})
    assert _loaded(_AFTER_HELP, watched, _user_env(tmp_path)) == []


@pytest.mark.slow
def test_a_finished_run_leaves_every_row_committed_and_the_database_closed(tmp_path: Path) -> None:
    """Every connection is closed before the exit, by the thread that opened it (not by the
    interpreter's teardown), so the last close checkpoints the WAL into the file and removes it."""
    db = tmp_path / "t.db"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "leadgen_desktop.cli",
            "run",
            "--demo",
            *campaign_args(5),
            "--json",
            "--db",
            str(db),
        ],
        env=_user_env(tmp_path, LEADGEN_DEMO_LATENCY="0"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert not Path(f"{db}-wal").exists(), "a connection was left open at exit (the WAL was not checkpointed)"
    assert not Path(f"{db}-shm").exists()
    with sqlite3.connect(db) as connection:
        leads = connection.execute("SELECT COUNT(*) FROM leads").fetchone()[0]
        status, cost = connection.execute("SELECT status, metrics FROM discovery_jobs").fetchone()
    assert leads == summary["metrics"]["qualified_leads"] == 5
    assert status == "completed"
    assert json.loads(cost)["total_cost"] == summary["metrics"]["total_cost"]
