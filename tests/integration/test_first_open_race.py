"""Several processes opening the same new database at once all succeed, and migrate it exactly once.

Seen before: 2 of 30 first opens by three processes failed ("duplicate column name", "table
campaigns already exists"). Three real processes (spawned, so each has its own SQLite
connections and locks) meet at a barrier before each round and then open the same new file
at the same moment; ten rounds, each on a fresh path.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
from multiprocessing.synchronize import Barrier
from pathlib import Path

from leadgen_desktop.db.database import SCHEMA_VERSION
from leadgen_desktop.db.opening import APPLICATION_ID

PROCESSES = 3
ROUNDS = 10


def open_in_rounds(folder: str, barrier: Barrier, results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """One process: for each round, wait for the others, then open the round's new database."""
    from leadgen_desktop.db.store import Store
    from leadgen_desktop.domain import CampaignConfig

    for index in range(ROUNDS):
        barrier.wait(timeout=60)
        try:
            store = Store.open(Path(folder) / f"round{index}.db")
            store.jobs.create(CampaignConfig("dentist", f"round {index}"))
            store.db.close()
            results.put((index, "ok"))
        except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
            results.put((index, f"{type(exc).__name__}: {exc}"))


def test_processes_creating_the_same_database_at_once_all_succeed(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    results = context.Queue()
    workers = [
        context.Process(target=open_in_rounds, args=(str(tmp_path), barrier, results))
        for _ in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in range(PROCESSES * ROUNDS)]
    for worker in workers:
        worker.join(timeout=60)
    assert [worker.exitcode for worker in workers] == [0] * PROCESSES
    failures = [outcome for outcome in outcomes if outcome[1] != "ok"]
    assert failures == []
    for index in range(ROUNDS):
        conn = sqlite3.connect(tmp_path / f"round{index}.db")
        try:
            assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
            assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert conn.execute("SELECT count(*) FROM discovery_jobs").fetchone() == (PROCESSES,)
        finally:
            conn.close()
