"""GUI speed benchmark: event-loop stalls, the All-leads view at 100k and 1M leads, CSV export, start-up.

Command (from the repository root; offscreen, nothing is written outside a temp folder)::

    .venv/bin/python benchmarks/gui_bench.py [--leads 100000,1000000] [--stall-runs 3] [--skip-stall]
                                             [--busy] [--seeded-dir DIR]

It prints numbers next to the issue's targets; it asserts nothing.

a) Stall probe: a 1 ms PreciseTimer in the real MainWindow records the gaps
   between its ticks while a 1,000-lead demo run at LEADGEN_DEMO_LATENCY=0
   goes through the run controller (the worst case: events as fast as the
   worker makes them), until the row feeder has put the last row in the
   table. Longest gap, p99 and p50 per run.
b) All leads, for each size in ``--leads``, in a fresh process (closed
   stall-probe windows would count in its RSS): ``benchmarks/all_leads_bench.py``
   (open, repaint cost, sort per column kind, filter keystrokes to repaint and
   to the complete result, VmRSS) on a database seeded with synthetic leads
   (tests/fakes/seed_leads.py; ``--seeded-dir`` keeps it for the next run).
   ``--busy`` keeps one core busy meanwhile.
c) CSV export of every lead through the window's background ExportJob (same process).
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
from PySide6.QtWidgets import QApplication  # noqa: E402

from leadgen_desktop.db.store import Store  # noqa: E402
from leadgen_desktop.domain import CampaignConfig  # noqa: E402
from leadgen_desktop.gui.shell.main_window import MainWindow  # noqa: E402
from leadgen_desktop.net.providers.demo import build_demo_providers  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_env import isolate_user_dirs, ms, wait  # noqa: E402

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
    parser.add_argument("--leads", default="100000,1000000", help="comma-separated All-leads sizes")
    parser.add_argument("--stall-runs", type=int, default=3)
    parser.add_argument("--skip-stall", action="store_true")
    parser.add_argument("--busy", action="store_true", help="keep one core busy during the All-leads runs")
    parser.add_argument("--seeded-dir", help="keep (and reuse) the seeded All-leads databases in this folder")
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
        all_leads = [sys.executable, str(Path(__file__).with_name("all_leads_bench.py"))]
        all_leads += ["--busy"] if args.busy else []
        all_leads += ["--seeded-dir", args.seeded_dir] if args.seeded_dir else []
        for size in (int(text) for text in args.leads.split(",") if text.strip()):
            print(f"b+c) All leads with {size:,} leads, CSV export (fresh process)")
            sys.stdout.flush()
            subprocess.run([*all_leads, "--leads", str(size)], check=True)  # RSS of this size alone
        print("d) start-up (subprocess, offscreen)")
        startup_bench(folder)


if __name__ == "__main__":
    main()
