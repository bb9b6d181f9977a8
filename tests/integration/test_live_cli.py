"""Acceptance of "live providers": ``leadgen run`` as a subprocess against the loopback fake APIs.

The fake (tests/fakes/api_server.py) counts every request per provider, per domain and per
email, and what it billed per SKU, so the run's JSON summary can be audited exactly against
what the "providers" saw. Keys come from the environment only (null keychain backend).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import sqlite3
import subprocess
import threading
from pathlib import Path

import pytest

from leadgen_desktop.domain import DEFAULT_PRICES
from tests.fakes.api_server import GOOGLE_KEY, HUNTER_KEY, NEVERBOUNCE_KEY, FakeApis, cli_env
from tests.fakes.cli_support import campaign_args
from tests.fakes.cli_support import run_leadgen as leadgen

BINDING_HEADER = (
    "business_name,address,phone,website,email,email_status,confidence_score,rating,review_count,place_id"
)
PROVIDERS = ("google_places", "hunter", "neverbounce")
SKUS_OF = {
    "google_places": (
        "places_text_search_essentials",
        "places_text_search_pro",
        "places_text_search_enterprise",
    ),
    "hunter": ("hunter_credit",),
    "neverbounce": ("neverbounce_credit",),
}
RUN_ARGS = campaign_args(40)


@pytest.fixture
def fake() -> FakeApis:
    return FakeApis()


def read_csv(path: Path) -> tuple[str, list[dict[str, str]]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "the CSV must start with a UTF-8 BOM"
    text = raw.decode("utf-8-sig")
    header = text.split("\r\n", 1)[0]
    return header, list(csv.DictReader(io.StringIO(text, newline="")))


def log_file(root: Path) -> Path:
    # platformdirs.user_log_dir on Linux: $XDG_STATE_HOME/<app>/log
    return root / "xdg-state" / "leadgen-desktop" / "log" / "leadgen.log"


def assert_no_secret_anywhere(
    secrets: list[str], result: subprocess.CompletedProcess[str], db: Path, others: list[Path]
) -> None:
    """No key value in stdout/stderr, the database files (db, -wal, -shm), the log or the CSV."""
    blobs: dict[str, bytes] = {"stdout": result.stdout.encode(), "stderr": result.stderr.encode()}
    for path in [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm"), *others]:
        if path.exists():
            blobs[str(path)] = path.read_bytes()
    # the database's own text, decoded (in case a page is compressed oddly or the WAL was checkpointed)
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        dump = "\n".join(conn.iterdump())
    conn.close()
    blobs["db dump"] = dump.encode()
    for secret in secrets:
        for variant in {secret, secret.encode().hex(), secret.replace("_", "%5F")}:
            for where, blob in blobs.items():
                assert variant.encode() not in blob, f"key {secret!r} leaked into {where}"


def test_live_run_counts_costs_and_csv_match_the_providers(
    fake: FakeApis, base_url: str, tmp_path: Path
) -> None:
    out, db = tmp_path / "leads.csv", tmp_path / "t.db"
    env = cli_env(base_url, tmp_path)
    result = leadgen("run", *RUN_ARGS, "--output", str(out), "--json", "--db", str(db), env=env)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["status"] == "completed", summary
    assert summary["error"] is None
    assert summary["stop_reason"] is None
    assert summary["output"] == str(out)
    metrics = summary["metrics"]
    assert metrics["qualified_leads"] == 40
    assert metrics["leads_enriched"] == 40
    assert metrics["emails_found"] > 0
    assert metrics["emails_verified"] > 0

    # every HTTP request the fake received is counted, per provider, exactly
    assert metrics["api_calls"] == {p: fake.calls[p] for p in PROVIDERS}
    assert all(fake.calls[p] > 0 for p in PROVIDERS)
    # costs: what the fake billed × the default list prices
    for provider in PROVIDERS:
        expected = math.fsum(fake.billed[sku] * DEFAULT_PRICES[sku] for sku in SKUS_OF[provider])
        assert metrics["cost_by_provider"][provider] == pytest.approx(expected, abs=1e-9), provider
    assert metrics["total_cost"] == pytest.approx(math.fsum(metrics["cost_by_provider"].values()), abs=1e-9)
    # and the database's call log audits to the same total
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        (logged,) = conn.execute("SELECT COALESCE(SUM(cost), 0) FROM api_calls").fetchone()
    conn.close()
    assert logged == pytest.approx(metrics["total_cost"], abs=1e-9)

    # one paid lookup per domain and per address
    assert fake.domain_requests
    assert max(fake.domain_requests.values()) == 1
    assert fake.email_requests
    assert max(fake.email_requests.values()) == 1

    header, rows = read_csv(out)
    assert header.startswith(BINDING_HEADER)
    assert len(rows) == 40
    assert sum(1 for r in rows if r["email"]) == metrics["emails_found"]
    verified = {"valid", "invalid", "catchall", "unknown", "disposable"}
    assert sum(1 for r in rows if r["email_status"] in verified) > 0
    assert {r["email_status"] for r in rows} <= verified | {"unverified", "not_found"}


def test_keys_never_reach_disk_or_output(fake: FakeApis, base_url: str, tmp_path: Path) -> None:
    """Nasty path: transient faults (retried, logged) on every provider, then a full run."""
    fake.inject("google_places", "http_503", retry_after="0")
    fake.inject("hunter", "http_503", "garbage", retry_after="0")
    # NeverBounce sends the key in the query/body: a hang-up and errors must not carry it anywhere
    fake.inject("neverbounce", "connect_error", "http_500", "temp_unavail", retry_after="0")
    out, db = tmp_path / "leads.csv", tmp_path / "t.db"
    env = cli_env(base_url, tmp_path)
    result = leadgen(
        "run", *RUN_ARGS[:-4], "--max-results", "10", "--min-score", "0", "--output", str(out), "--json",
        "--db", str(db), env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["status"] == "completed"
    assert log_file(tmp_path).exists(), "the CLI should write its log file in the user log folder"
    assert_no_secret_anywhere(
        [GOOGLE_KEY, HUNTER_KEY, NEVERBOUNCE_KEY], result, db, [out, log_file(tmp_path)]
    )


@pytest.mark.parametrize(
    ("provider", "name"),
    [("google_places", "Google Places"), ("hunter", "Hunter.io"), ("neverbounce", "NeverBounce")],
)
def test_a_rejected_key_fails_the_run_and_names_the_provider(
    provider: str, name: str, fake: FakeApis, base_url: str, tmp_path: Path
) -> None:
    bad = f"bad-{provider}-key-000111"
    keys = {"google_key": GOOGLE_KEY, "hunter_key": HUNTER_KEY, "neverbounce_key": NEVERBOUNCE_KEY}
    keys[
        {"google_places": "google_key", "hunter": "hunter_key", "neverbounce": "neverbounce_key"}[provider]
    ] = bad
    out, db = tmp_path / "leads.csv", tmp_path / "t.db"
    env = cli_env(base_url, tmp_path, **keys)
    result = leadgen("run", *RUN_ARGS, "--output", str(out), "--json", "--db", str(db), env=env)
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    summary = json.loads(result.stdout)
    assert summary["status"] == "failed"
    assert summary["error"], summary
    assert name in summary["error"], summary["error"]
    assert fake.calls[provider] >= 1
    # even the rejected key (NeverBounce echoes it in its error message) is never shown or stored
    assert_no_secret_anywhere(
        [bad, GOOGLE_KEY, HUNTER_KEY, NEVERBOUNCE_KEY], result, db, [out, log_file(tmp_path)]
    )
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        (status,) = conn.execute("SELECT status FROM discovery_jobs").fetchone()
    conn.close()
    assert status == "failed"


def test_with_only_a_google_key_the_run_completes_without_emails(
    fake: FakeApis, base_url: str, tmp_path: Path
) -> None:
    out, db = tmp_path / "leads.csv", tmp_path / "t.db"
    env = cli_env(base_url, tmp_path, hunter_key=None, neverbounce_key=None)
    result = leadgen("run", *RUN_ARGS, "--output", str(out), "--json", "--db", str(db), env=env)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["status"] == "completed"
    assert fake.calls["hunter"] == 0
    assert fake.calls["neverbounce"] == 0
    expected_calls = {"google_places": fake.calls["google_places"], "hunter": 0, "neverbounce": 0}
    assert summary["metrics"]["api_calls"] == expected_calls
    assert summary["metrics"]["emails_found"] == 0
    notices = " ".join(summary["notices"])
    assert "Hunter.io" in notices, summary["notices"]
    assert "key" in notices, summary["notices"]
    assert "not searched" in notices.lower() or "skipped" in notices.lower()
    assert "note:" in result.stderr  # the human summary says so too
    _, rows = read_csv(out)
    assert len(rows) == 40
    assert all(r["email"] == "" and r["email_status"] == "not_found" for r in rows)
    with_site = [r for r in rows if r["website"] and "facebook.com" not in r["website"]]
    assert with_site
    assert all(r["email_reason"] == "no_key" for r in with_site)
    assert_no_secret_anywhere([GOOGLE_KEY], result, db, [out, log_file(tmp_path)])


def test_env_keys_do_not_need_the_keychain(fake: FakeApis, base_url: str, tmp_path: Path) -> None:
    """``leadgen keys status`` reports the environment as the source, never the value."""
    env = cli_env(base_url, tmp_path)
    result = leadgen("keys", "status", env=env)
    assert result.returncode == 0, result.stderr
    for secret in (GOOGLE_KEY, HUNTER_KEY, NEVERBOUNCE_KEY):
        assert secret not in result.stdout + result.stderr
    assert fake.calls == {}
    assert os.environ.get("LEADGEN_GOOGLE_PLACES_KEY") is None  # the test process itself stays clean


def test_a_failed_run_still_accounts_for_every_request_it_sent(
    fake: FakeApis, base_url: str, tmp_path: Path
) -> None:
    """NeverBounce rejects its key while Hunter searches are in flight: those were sent (and billed).

    DESIGN §4: ``api_calls`` counts every HTTP request attempt sent, and every paid call is
    recorded; a failed run is no exception, or its reported cost is lower than the bill.
    """
    fake.latencies["hunter"] = 0.2  # several domain searches are always in flight
    db = tmp_path / "t.db"
    env = cli_env(base_url, tmp_path, neverbounce_key="bad-neverbounce-key-000111")
    result = leadgen("run", *RUN_ARGS, "--json", "--db", str(db), env=env)
    assert result.returncode == 1, result.stderr
    summary = json.loads(result.stdout)
    assert summary["status"] == "failed"
    assert fake.wait_client_gone()
    sent = {p: fake.calls[p] for p in PROVIDERS}
    billed = math.fsum(n * DEFAULT_PRICES[sku] for sku, n in fake.billed.items())
    assert summary["metrics"]["api_calls"] == sent
    assert summary["metrics"]["total_cost"] == pytest.approx(billed, abs=1e-9)


def test_no_request_is_sent_after_a_run_has_failed(tmp_path: Path) -> None:
    """In the window's process the worker pool outlives the run: queued lookups must not go out.

    NeverBounce rejects its key early; domain searches queued behind it must be dropped, not
    sent (paid, and recorded nowhere) after ``Pipeline.run`` returned ``failed``.
    """
    from leadgen_desktop.core.run.pipeline import Pipeline
    from leadgen_desktop.db.store import Store
    from leadgen_desktop.domain import CampaignConfig, CancelToken, JobStatus
    from leadgen_desktop.net.providers.live import build_live_providers
    from tests.fakes.offline_web import AlwaysMail, offline_websites

    fake = FakeApis(latencies={"hunter": 0.1})
    keys = {"google_places": GOOGLE_KEY, "hunter": HUNTER_KEY, "neverbounce": "bad-neverbounce-key-000111"}
    providers = build_live_providers(
        keys,
        transports=dict.fromkeys(keys, fake.transport()),
        websites=offline_websites(),
        mail_servers=AlwaysMail(),
    )
    repo = Store.open(tmp_path / "t.db")
    pipeline = Pipeline(repo, providers)
    _, job_id = pipeline.start(CampaignConfig("dentist", "Austin, TX", max_results=40, min_score=0))
    threads_before = set(threading.enumerate())
    finished = pipeline.run(job_id, CancelToken(), lambda _e: None)
    sent_by_the_run = len(fake.entered)
    assert finished.status is JobStatus.FAILED
    # The run's worker threads finish the request each may still be in and then exit; a lookup
    # still queued behind them would be sent first. Wait for them to exit, then count.
    workers = [t for t in set(threading.enumerate()) - threads_before if t.name.startswith("leadgen-")]
    for thread in workers:
        thread.join(30)
    assert not [t.name for t in workers if t.is_alive()]
    late = [path for _t, path in fake.entered[sent_by_the_run:]]
    assert late == [], f"{len(late)} request(s) started after the run had failed: {late[:3]}"
    repo.db.close()


def test_a_budget_stop_is_worded_by_the_cli_and_its_suggestion_finishes_the_run(
    fake: FakeApis, base_url: str, tmp_path: Path
) -> None:
    """``stop_reason`` "budget" (the contract), a notice the command line words from the stored
    budget stop, and a suggested budget that covers what was spent and finishes the run."""
    db = tmp_path / "t.db"
    env = cli_env(base_url, tmp_path)
    settings = tmp_path / "xdg-config" / "leadgen-desktop" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text('{"neverbounce_rate": 100}', encoding="utf-8")  # the fake has no rate limit to honour
    first = leadgen("run", *campaign_args(8), "--budget", "0.1", "--db", str(db), "--json", env=env)
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    assert summary["status"] == "completed"
    assert summary["stop_reason"] == "budget"
    (notice,) = [n for n in summary["notices"] if n.startswith("Budget reached:")]
    spent = summary["metrics"]["total_cost"]
    assert f"${spent:.4f} spent of $0.10" in notice
    suggested = float(notice.rsplit("--budget ", 1)[1])
    assert suggested > spent
    assert f"leadgen resume {summary['job_id']} --budget {suggested:.2f}" in notice

    again = leadgen(
        "resume", summary["job_id"], "--budget", f"{suggested:.2f}", "--db", str(db), "--json", env=env
    )
    assert again.returncode == 0, again.stderr
    final = json.loads(again.stdout)
    assert final["status"] == "completed"
    assert final["stop_reason"] is None
    assert not [n for n in final["notices"] if "Budget reached" in n]
    assert final["metrics"]["total_cost"] <= suggested + 1e-9
