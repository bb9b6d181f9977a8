"""The money and Ctrl-C promises, measured: SIGINT to exit, the ledger's cost, two runs at once.

```
.venv/bin/python benchmarks/money_bench.py [--sigints 30] [--ledger 2000]
```

1. ``leadgen run`` against the loopback fake (a slow first page: Google 0.4 s,
   Hunter/NeverBounce 0.05 s), one SIGINT at a random moment of the run (from the
   job's creation to 1.2 s later); prints how many exited 130, how many hung (no exit
   within 10 s), and the SIGINT-to-exit times (median, 90th percentile, max).
2. The ledger: writing a paid attempt down before it is sent and completing it after,
   on a real database file (WAL): milliseconds per attempt.
3. Two identical ``leadgen run`` at once on one database: how many domain searches and
   verifications were paid, against one run's.

Numbers depend on the machine and its load; the script prints the load average.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import ApiCall, CampaignConfig, PriceTable
from tests.fakes.api_server import FakeApis, cli_env, serve
from tests.fakes.cli_support import campaign_args

HANG = 10.0
SEARCH = "/v2/domain-search"


def job_exists(db: Path) -> bool:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            return bool(conn.execute("SELECT count(*) FROM discovery_jobs").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return False


def sigint_to_exit(runs: int) -> None:
    rng = random.Random(42)
    times: list[float] = []
    codes: dict[int, int] = {}
    hung = 0
    fake = FakeApis(latencies={"google_places": 0.4, "hunter": 0.05, "neverbounce": 0.05})
    with serve(fake) as url:
        for _ in range(runs):
            root = Path(tempfile.mkdtemp())
            db = root / "t.db"
            proc = subprocess.Popen(
                [sys.executable, "-m", "leadgen_desktop.cli", "run", *campaign_args(40), "--db", str(db)],
                env=cli_env(url, root), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            while not job_exists(db) and proc.poll() is None:
                time.sleep(0.005)
            time.sleep(rng.uniform(0.0, 1.2))
            sent = time.monotonic()
            proc.send_signal(signal.SIGINT)
            try:
                code = proc.wait(HANG)
            except subprocess.TimeoutExpired:
                hung += 1
                proc.kill()
                proc.wait()
                continue
            times.append(time.monotonic() - sent)
            codes[code] = codes.get(code, 0) + 1
    times.sort()
    p90 = times[int(len(times) * 0.9) - 1] if times else 0.0
    print(f"SIGINT to exit, {runs} runs: exit codes {codes}, hung {hung}")
    print(
        f"  median {statistics.median(times) * 1000:.0f} ms, p90 {p90 * 1000:.0f} ms, "
        f"max {max(times) * 1000:.0f} ms"
    )


def ledger_cost(attempts: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(Path(folder) / "t.db")
        _, job_id = store.jobs.create(CampaignConfig("dentist", "Austin, TX"))
        prices = PriceTable()
        started = time.perf_counter()
        for _ in range(attempts):
            entry = store.calls.record_intent(job_id, "hunter", SEARCH, "hunter_credit", 0.0245)
            call = ApiCall("hunter", SEARCH, 200, "ok", "hunter_credit", 1.0, 5.0, attempt=entry)
            store.calls.add(job_id, (call,), prices)
        took = time.perf_counter() - started
        store.db.close()
    print(
        f"ledger: {attempts} paid attempts written down and completed: {took / attempts * 1000:.2f} ms each"
    )


def two_runs_at_once() -> None:
    one, two = FakeApis(), FakeApis()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)

        def start(url: str, db: str, home: str) -> subprocess.Popen[bytes]:
            argv = [sys.executable, "-m", "leadgen_desktop.cli", "run", *campaign_args(20), "--db", db]
            quiet = subprocess.DEVNULL
            return subprocess.Popen(argv, env=cli_env(url, root / home), stdout=quiet, stderr=quiet)

        with serve(one) as url:
            start(url, str(root / "a.db"), "a").wait(120)
        with serve(two) as url:
            procs = [start(url, str(root / "b.db"), f"b{n}") for n in (1, 2)]
            for proc in procs:
                proc.wait(120)
    print(
        f"two runs at once: {sum(two.domain_requests.values())} searches and "
        f"{sum(two.email_requests.values())} verifications paid; one run alone pays "
        f"{sum(one.domain_requests.values())} and {sum(one.email_requests.values())}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sigints", type=int, default=30)
    parser.add_argument("--ledger", type=int, default=2000)
    args = parser.parse_args()
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    ledger_cost(args.ledger)
    two_runs_at_once()
    sigint_to_exit(args.sigints)


if __name__ == "__main__":
    main()
