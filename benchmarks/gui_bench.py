"""GUI speed benchmark: event-loop stalls, the 100k-lead All-leads view, CSV export, start-up.

Command (from the repository root; offscreen, nothing is written outside a temp folder)::

    .venv/bin/python benchmarks/gui_bench.py [--leads 100000] [--stall-runs 3] [--skip-stall]

It prints numbers next to the issue's targets; it asserts nothing.

a) Stall probe: a 1 ms PreciseTimer in the real MainWindow records the gaps
   between its ticks while a 1,000-lead demo run at LEADGEN_DEMO_LATENCY=0
   goes through the run controller (the worst case: events as fast as the
   worker makes them), until the row feeder has put the last row in the
   table. Longest gap, p99 and p50 per run.
b) All leads, in a fresh process (closed stall-probe windows would count in
   its RSS): a temp database seeded with ``--leads`` synthetic leads (bulk
   insert, tests/fakes/seed_leads.py), then in a MainWindow that shows the
   newest campaign's leads in the Campaign tab: time from selecting the
   All-leads tab to rows painted, sort per column type (first sort
   computes the keys; a repeat uses them) plus one repaint, each filter
   keystroke (QTest.keyClick, then the viewport repainted), VmRSS.
c) CSV export of every lead through the window's background ExportJob.
d) Start-up: wall time of ``python -m leadgen_desktop --smoke`` (process start,
   window shown and painted once, exit), median of 5.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["LEADGEN_DEMO_LATENCY"] = "0"

from PySide6.QtCore import QElapsedTimer, QEventLoop, Qt, QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from leadgen_desktop.db.store import Store  # noqa: E402
from leadgen_desktop.domain import CampaignConfig  # noqa: E402
from leadgen_desktop.gui.shell.main_window import MainWindow  # noqa: E402
from leadgen_desktop.gui.tables.all_leads_model import COL_BUSINESS, COL_RATING, COL_SCORE  # noqa: E402
from leadgen_desktop.net.providers.demo import build_demo_providers  # noqa: E402
from tests.fakes.seed_leads import seed_database  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_env import isolate_user_dirs  # noqa: E402


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def wait(signal: object, timeout_ms: int = 120_000) -> None:
    loop = QEventLoop()
    signal.connect(loop.quit)  # type: ignore[attr-defined]
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()


_KEEP: list[MainWindow] = []  # closed windows stay referenced until exit (as the GUI tests do)


def make_window(repo: Store) -> MainWindow:
    window = MainWindow(repo, providers_factory=lambda: build_demo_providers(latency=0.0))
    _KEEP.append(window)
    window.show()
    QApplication.processEvents()
    gc.freeze()  # as leadgen_desktop.app.main does once the window is up
    return window


def stall_probe(folder: Path, run: int) -> tuple[float, float, float]:
    repo = Store.open(folder / f"stall{run}.db")
    window = make_window(repo)
    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = clock.nsecsElapsed()

    def tick() -> None:
        nonlocal last
        now = clock.nsecsElapsed()
        gaps.append((now - last) / 1e6)
        last = now

    probe = QTimer()
    probe.setTimerType(Qt.TimerType.PreciseTimer)
    probe.setInterval(1)
    probe.timeout.connect(tick)
    config = CampaignConfig("dentist", "Austin, TX", max_results=1000, min_score=0, demo=True)
    started = time.perf_counter()
    probe.start()
    last = clock.nsecsElapsed()
    window.controller.start(config, window.providers)
    wait(window.controller.finished)
    while window.campaign_page.row_feeder.pending:  # the last rows reach the table in timed slices
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
    probe.stop()
    elapsed = time.perf_counter() - started
    leads = window.campaign_page.model.rowCount()
    window.close()
    repo.db.close()
    gaps.sort()
    longest, p99, p50 = gaps[-1], gaps[int(len(gaps) * 0.99)], gaps[len(gaps) // 2]
    print(
        f"  run {run}: {leads} leads in {elapsed:.2f} s, {len(gaps)} ticks: "
        f"longest {longest:6.1f} ms  p99 {p99:5.1f} ms  p50 {p50:4.1f} ms"
    )
    return longest, p99, p50


def all_leads_bench(folder: Path, leads: int) -> Path:
    db_path = folder / "big.db"
    repo = Store.open(db_path)
    started = time.perf_counter()
    seed_database(repo, leads=leads, campaigns=50)
    print(f"  seeded {leads:,} leads in {time.perf_counter() - started:.1f} s (not a target)")
    window = make_window(repo)
    history = window.campaign_panel.history
    history.list_widget.setCurrentRow(0)  # a campaign's leads in the Campaign tab, as in real use
    QApplication.processEvents()
    shown = window.campaign_page.model.rowCount()
    print(f"  Campaign tab showing {shown:,} leads of the newest campaign (counted in RSS)")
    view = window.all_leads
    viewport = view.table_view.viewport()

    started = time.perf_counter()
    window.results_tabs.setCurrentWidget(view)  # first show starts the background load
    wait(view.loaded)
    QApplication.processEvents()
    viewport.repaint()
    opened = time.perf_counter() - started
    print(f"  open (tab selected -> {view.model.rowCount():,} rows painted) {ms(opened)}   target < 1000 ms")
    print(f"  RSS after loading                 {rss_mb():8.0f} MB   target < 400 MB (whole app)")

    header = view.table_view.horizontalHeader()
    for label, col in (
        ("text (Business)", COL_BUSINESS),
        ("number (Score)", COL_SCORE),
        ("float+empty (Rating)", COL_RATING),
    ):
        for attempt in ("first", "again"):
            started = time.perf_counter()
            header.setSortIndicator(
                col, Qt.SortOrder.AscendingOrder if attempt == "first" else Qt.SortOrder.DescendingOrder
            )
            viewport.repaint()
            print(f"  sort {label:22s} {attempt}: {ms(time.perf_counter() - started)}   target < 500 ms")

    timings = []
    view.filter_edit.setFocus()
    for char in "business a1":
        started = time.perf_counter()
        QTest.keyClick(view.filter_edit, char)
        QApplication.processEvents()
        viewport.repaint()
        timings.append(time.perf_counter() - started)
    for _ in range(4):
        started = time.perf_counter()
        QTest.keyClick(view.filter_edit, Qt.Key.Key_Backspace)
        QApplication.processEvents()
        viewport.repaint()
        timings.append(time.perf_counter() - started)
    print(
        f"  filter keystroke -> repaint: max {ms(max(timings))}, median {ms(statistics.median(timings))}"
        f"   target < 100 ms   ({len(timings)} keys, {view.model.rowCount():,} rows left)"
    )

    target = folder / "all.csv"
    started = time.perf_counter()
    window.export_job.export_all(target)
    wait(window.export_job.finished)
    elapsed = time.perf_counter() - started
    lines = sum(1 for _ in target.open(encoding="utf-8-sig")) - 1
    print(f"  CSV export of {lines:,} leads (background, with progress) {ms(elapsed)}   target < 3000 ms")
    print(f"  RSS at the end                    {rss_mb():8.0f} MB")
    window.close()
    repo.db.close()
    return db_path


def startup_bench(folder: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}  # with the temporary XDG folders
    command = [sys.executable, "-m", "leadgen_desktop", "--smoke", "--db", str(folder / "startup.db")]
    subprocess.run(command, env=env, check=True, capture_output=True, cwd=ROOT)  # creates the database
    times = []
    for _ in range(5):
        started = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True, cwd=ROOT)
        times.append(time.perf_counter() - started)
    print(
        f"  process start -> window painted -> exit: median {ms(statistics.median(times))}, "
        f"min {ms(min(times))}   target < 1000 ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--stall-runs", type=int, default=3)
    parser.add_argument("--skip-stall", action="store_true")
    parser.add_argument("--no-header", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    if not args.no_header:
        print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, Qt platform {app.platformName()}")
    with tempfile.TemporaryDirectory(prefix="leadgen-gui-bench-") as tmp:
        folder = Path(tmp)
        isolate_user_dirs(folder)  # no remembered window size in, none saved out
        if not args.skip_stall:
            print("a) event-loop stall, 1,000-lead demo run at zero latency (1 ms probe)")
            results = [stall_probe(folder, run) for run in range(1, args.stall_runs + 1)]
            longest, p99, p50 = (max(r[i] for r in results) for i in range(3))
            print(
                f"  worst of {len(results)}: longest {longest:.1f} ms (target < 50), "
                f"p99 {p99:.1f} ms (target < 20), p50 {p50:.1f} ms"
            )
        if args.skip_stall:
            print(f"b+c) All leads with {args.leads:,} leads, CSV export")
            all_leads_bench(folder, args.leads)
            print("d) start-up (subprocess, offscreen)")
            startup_bench(folder)
        else:  # a fresh process: the stall runs' closed windows must not count in its RSS
            sys.stdout.flush()
            command = [sys.executable, __file__, "--skip-stall", "--no-header", "--leads", str(args.leads)]
            subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
