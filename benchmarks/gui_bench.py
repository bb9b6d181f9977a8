"""GUI speed benchmark: event-loop stalls, the All-leads view at 100k and 1M leads, CSV export, start-up.

Command (from the repository root; offscreen, nothing is written outside a temp folder)::

    .venv/bin/python benchmarks/gui_bench.py [--leads 100000,1000000] [--stall-runs 3] [--skip-stall]
                                             [--stall-all-leads 100000] [--startup-runs 7]
                                             [--busy] [--seeded-dir DIR]

It prints numbers next to the issue's targets; it asserts nothing. ``--busy`` keeps one
core busy (a plain Python loop in another process) during every part: run it once
without and once with it.

a) Stall probe (``benchmarks/stall_probe.py``): the real app started as a new user
   would (fresh folders, ``LEADGEN_DEMO=1``, ``LEADGEN_DEMO_LATENCY=0``), driven by its
   labels: types "Business type", "Location", "Max results", "Minimum score", clicks
   "Start"; a 1 ms PreciseTimer records the gaps between its ticks until the status bar
   says the 1,000-lead campaign completed. Once with the Campaign tab on screen, once
   with the "All leads" tab on screen over ``--stall-all-leads`` seeded leads.
b) All leads, for each size in ``--leads``, in a fresh process: ``benchmarks/all_leads_bench.py``
   (open, repaint cost, sort per column kind, filter keystrokes to repaint and to the
   complete result, VmRSS, CSV export of every lead in the background) on a database
   seeded with synthetic leads (``--seeded-dir`` keeps it for the next run).
c) Start-up, fresh user folders, median of ``--startup-runs``: wall and CPU time of
   ``python -m leadgen_desktop --smoke`` (process start, window painted, what the app leaves
   for after the first paint, exit; CPU time is hardly inflated by the machine's other load),
   and the time from process start to the window's first paint (< 700 ms).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from bench_env import busy_core, isolate_user_dirs, load_text, ms  # noqa: E402


def stall(runs: int, busy: bool, all_leads: int) -> None:
    """Section a): the stall probe, Campaign tab and All-leads tab on screen."""
    command = [sys.executable, str(HERE / "stall_probe.py"), "--runs", str(runs)]
    command += ["--busy"] if busy else []
    subprocess.run(command, check=True, cwd=ROOT)
    if all_leads:
        subprocess.run([*command, "--all-leads", str(all_leads)], check=True, cwd=ROOT)


_FIRST_PAINT = """
import os, sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
from leadgen_desktop import app as desktop_app

class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.UpdateRequest and isinstance(watched, QMainWindow):
            QTimer.singleShot(0, lambda: (print(time.time(), flush=True), os._exit(0)))
        return False

qt_app = QApplication([sys.argv[0]])
watcher = FirstPaint()
qt_app.installEventFilter(watcher)
desktop_app.main(["--db", sys.argv[1]])
"""
"""The app started as ``leadgen-desktop`` starts it, printing the time just after the window's
first paint (the event filter sees every event until then: it slows the measurement, not the app)."""


def first_paint(folder: Path, runs: int, busy: bool, env: dict[str, str]) -> None:
    """Section c): process start to the window's first paint, median of ``runs``."""
    command = [sys.executable, "-c", _FIRST_PAINT, str(folder / "startup.db")]
    times, cpus = [], []
    with busy_core(busy):
        for _ in range(runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.time()
            done = subprocess.run(command, env=env, check=True, capture_output=True, text=True, cwd=ROOT)
            times.append(float(done.stdout.split()[-1]) - started)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        load = load_text()
    print(
        f"  process start -> window painted: median {ms(statistics.median(times))}, "
        f"min {ms(min(times))}, max {ms(max(times))}   target < 700 ms; "
        f"CPU median {ms(statistics.median(cpus))}   (load average {load})"
    )


def startup(folder: Path, runs: int, busy: bool) -> None:
    """Section c): ``--smoke`` start-ups, wall and CPU time, median of ``runs``; then the first paint."""
    env = {
        **os.environ,
        **isolate_user_dirs(folder),
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    }
    command = [sys.executable, "-m", "leadgen_desktop", "--smoke", "--db", str(folder / "startup.db")]
    subprocess.run(command, env=env, check=True, capture_output=True, cwd=ROOT)  # creates the database
    walls, cpus = [], []
    with busy_core(busy):
        for _ in range(runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            subprocess.run(command, env=env, check=True, capture_output=True, cwd=ROOT)
            walls.append(time.perf_counter() - started)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        load = load_text()
    print(
        f"  --smoke (start, paint, the work left for after the paint, exit): median "
        f"{ms(statistics.median(walls))}, min {ms(min(walls))}, max {ms(max(walls))}; "
        f"CPU median {ms(statistics.median(cpus))}   (load average {load})"
    )
    first_paint(folder, runs, busy, env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", default="100000,1000000", help="comma-separated All-leads sizes")
    parser.add_argument("--stall-runs", type=int, default=3)
    parser.add_argument("--skip-stall", action="store_true")
    parser.add_argument(
        "--stall-all-leads",
        type=int,
        default=100_000,
        metavar="N",
        help="leads behind the All-leads tab (0: skip)",
    )
    parser.add_argument("--startup-runs", type=int, default=7)
    parser.add_argument("--busy", action="store_true", help="keep one core busy during every part")
    parser.add_argument("--seeded-dir", help="keep (and reuse) the seeded All-leads databases in this folder")
    args = parser.parse_args()
    print(
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
        f"{'one core kept busy' if args.busy else 'no extra load'}, load average {load_text()}"
    )
    with tempfile.TemporaryDirectory(prefix="leadgen-gui-bench-") as tmp:
        if not args.skip_stall:
            print("a) event-loop stall, 1,000-lead demo run at zero latency, the app driven by its labels")
            sys.stdout.flush()
            stall(args.stall_runs, args.busy, args.stall_all_leads)
        all_leads = [sys.executable, str(HERE / "all_leads_bench.py")]
        all_leads += ["--busy"] if args.busy else []
        all_leads += ["--seeded-dir", args.seeded_dir] if args.seeded_dir else []
        for size in (int(text) for text in args.leads.split(",") if text.strip()):
            print(f"b) All leads with {size:,} leads, CSV export (fresh process)")
            sys.stdout.flush()
            subprocess.run([*all_leads, "--leads", str(size)], check=True)  # RSS of this size alone
        print("c) start-up (subprocess, offscreen, fresh user folders)")
        startup(Path(tmp), args.startup_runs, args.busy)


if __name__ == "__main__":
    main()
