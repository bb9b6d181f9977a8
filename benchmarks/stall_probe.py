"""Stall probe as a new user sees it: the real app, driven by its labels, during a 1,000-lead demo run.

Command (from the repository root; offscreen; nothing is written outside a temp folder)::

    .venv/bin/python benchmarks/stall_probe.py [--runs 5] [--busy] [--all-leads N]
                                               [--profile]

Each run is a fresh process with fresh user folders (no settings, no remembered
window, the welcome shown: a new user). It starts the app through
``leadgen_desktop.app.main`` with ``LEADGEN_DEMO=1`` and ``LEADGEN_DEMO_LATENCY=0``,
then, like a user, finds the form's fields by their labels ("Business type",
"Location", "Max results", "Minimum score"), types into them, and clicks the
button labelled "Start". A 1 ms ``PreciseTimer`` records the gaps between its
ticks from the click until the status bar says the campaign completed (the last
row is then in the table). It prints the longest gap, p99 and p50 per run and
the worst of the runs; it asserts nothing. For the three longest gaps of each run it
splits the gap (from the window thread's own counters, so hardly changed by other load):
the thread's own CPU time, the time it was ready but the OS ran something else
(``/proc/thread-self/schedstat``), and the rest, when it slept: waiting for the
interpreter lock (the probe's tick is Python) or idle.

``--busy`` keeps one core busy (``python -c 'while True: pass'``) during the runs.
``--all-leads N`` seeds the database with N synthetic leads first and clicks the
"All leads" tab before Start, so that table is on screen during the run.
``--profile`` prints the slowest gaps with the Python functions running on the
window's thread at that moment, and, for gaps in the run's first 0.5 s, how much CPU
each thread of the process used in them (who held the interpreter lock).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_env import busy_core, isolate_user_dirs, load_text  # noqa: E402

LEADS = 1000
EARLY_MS = 500
"""With ``--profile``: for how long after the click every thread's CPU time is sampled too."""


def _child(db_path: Path, all_leads: bool, profile: bool) -> None:
    """Run the app in this process, drive it like a user, print one JSON line of gaps."""
    from PySide6.QtCore import QElapsedTimer, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import (
        QAbstractSpinBox,
        QApplication,
        QLabel,
        QLineEdit,
        QMainWindow,
        QPushButton,
        QStatusBar,
        QTabBar,
        QTableView,
    )

    from leadgen_desktop import app as desktop_app

    qt_app = QApplication([sys.argv[0]])
    gaps: list[float] = []
    cpu: list[float] = []  # the window thread's own CPU time (ms) within each gap
    queued: list[float] = []  # time (ms) it was ready to run but the OS ran something else
    schedstat = os.open("/proc/thread-self/schedstat", os.O_RDONLY)  # the main thread's

    def waited() -> float:
        return int(os.pread(schedstat, 100, 0).split()[1]) / 1e6

    where: list[str] = []
    clock = QElapsedTimer()
    probe = QTimer()
    probe.setTimerType(Qt.TimerType.PreciseTimer)
    probe.setInterval(1)
    state = {"last": 0, "done": False, "cpu": 0.0, "queued": 0.0}

    ticks: list[int] = []

    def tick() -> None:
        now = clock.nsecsElapsed()
        gaps.append((now - state["last"]) / 1e6)
        state["last"] = now
        used = time.thread_time()
        cpu.append((used - state["cpu"]) * 1e3)
        state["cpu"] = used
        now_queued = waited()
        queued.append(now_queued - state["queued"])
        state["queued"] = now_queued
        if profile:
            ticks.append(time.perf_counter_ns())

    probe.timeout.connect(tick)

    def window() -> QMainWindow:
        return next(w for w in QApplication.topLevelWidgets() if isinstance(w, QMainWindow) and w.isVisible())

    def field(main: QMainWindow, label_text: str) -> QLineEdit:
        for label in main.findChildren(QLabel):
            if label.text().replace("&", "") == label_text and label.buddy() is not None:
                buddy = label.buddy()
                if isinstance(buddy, QAbstractSpinBox):
                    return buddy.findChild(QLineEdit)
                assert isinstance(buddy, QLineEdit)
                return buddy
        raise LookupError(f"no field labelled {label_text!r}")

    def type_into(main: QMainWindow, label_text: str, text: str) -> None:
        edit = field(main, label_text)
        edit.setFocus()
        edit.selectAll()
        QTest.keyClick(edit, Qt.Key.Key_Backspace)
        QTest.keyClicks(edit, text)

    def button(main: QMainWindow, text: str) -> QPushButton:
        return next(b for b in main.findChildren(QPushButton) if b.text().replace("&", "") == text)

    def drive() -> None:
        main = window()
        type_into(main, "Business type", "dentist")
        type_into(main, "Location", "Austin, TX")
        type_into(main, "Max results", str(LEADS))
        type_into(main, "Minimum score", "0")
        if all_leads:
            tabs = next(t for t in main.findChildren(QTabBar) if t.count() and t.tabText(1) == "All leads")
            tabs.setCurrentIndex(1)
            loaded = main.findChild(QLabel, "allLeadsCount")
            while "leads" not in loaded.text() or "Loading" in loaded.text():
                QApplication.processEvents()
        status = main.findChild(QStatusBar)

        def on_message(text: str) -> None:
            if text.startswith(("Completed", "Failed", "Cancelled")) and not state["done"]:
                state["done"] = True
                probe.stop()
                tables = [t for t in main.findChildren(QTableView) if t.objectName() == "leadTable"]
                rows = tables[0].model().rowCount() if tables else -1
                print(
                    json.dumps(
                        {
                            "gaps": gaps,
                            "cpu": cpu,
                            "queued": queued,
                            "status": text,
                            "rows": rows,
                            "where": _explain(ticks, where),
                        }
                    ),
                    flush=True,
                )
                QTimer.singleShot(0, main.close)

        status.messageChanged.connect(on_message)
        start = button(main, "Start")
        QApplication.processEvents()
        clock.start()
        state["last"] = clock.nsecsElapsed()
        state["cpu"] = time.thread_time()
        state["queued"] = waited()
        probe.start()
        QTest.mouseClick(start, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, drive)
    if profile:
        _profile_gaps(where, clock, state)
    code = desktop_app.main(["--db", str(db_path)])
    del qt_app
    os._exit(code)  # as fast as a user closing the window; no teardown measured


def _profile_gaps(where: list, clock: object, state: dict[str, object]) -> None:
    """Sample the GUI thread's Python stack from a helper thread, and the collector (diagnosis only)."""
    import gc
    import threading
    import traceback

    main_id = threading.get_ident()

    def on_gc(phase: str, info: dict) -> None:
        where.append(
            (time.perf_counter_ns(), f"gc {phase} gen{info['generation']} {threading.current_thread().name}")
        )

    gc.callbacks.append(on_gc)

    def thread_cpu() -> dict[str, int]:
        """CPU time (ns) of every thread of this process so far, by name (Python's, else the OS's)."""
        names = {t.native_id: t.name for t in threading.enumerate()}
        used: dict[str, int] = {}
        for tid in os.listdir("/proc/self/task"):
            try:
                with (
                    open(f"/proc/self/task/{tid}/schedstat") as stat,
                    open(f"/proc/self/task/{tid}/comm") as comm,
                ):
                    os_name = comm.read().strip()  # a QThread's object name; "python…" for a Python thread
                    name = names.get(int(tid), os_name) if os_name.startswith("python") else os_name
                    used[name] = used.get(name, 0) + int(stat.read().split()[0])
            except OSError:  # the thread ended meanwhile
                continue
        return used

    def sample() -> None:
        while not state["done"]:
            time.sleep(0.001)
            frame = sys._current_frames().get(main_id)
            if frame is not None:
                stack = traceback.extract_stack(frame)[-5:]
                text = " < ".join(f"{f.name}:{Path(f.filename).name}:{f.lineno}" for f in reversed(stack))
                where.append((time.perf_counter_ns(), text))
            if clock.isValid() and clock.elapsed() < EARLY_MS:  # the run's start: who uses the CPU
                where.append((time.perf_counter_ns(), thread_cpu()))

    threading.Thread(target=sample, daemon=True).start()


def _explain(ticks: list[int], where: list) -> list[str]:
    """For each gap over 15 ms: its length and what was sampled during it."""
    from collections import Counter

    out = []
    for before, after in itertools.pairwise(ticks):
        if after - before > 15_000_000:
            inside = Counter(text for t, text in where if before <= t <= after and isinstance(text, str))
            out.append(
                f"gap {(after - before) / 1e6:.1f} ms at {(before - ticks[0]) / 1e9:.2f} s: "
                + " | ".join(f"{n}x {t}" for t, n in inside.most_common(6))
            )
            used = [
                (t, cpu) for t, cpu in where if isinstance(cpu, dict) and before - 2_000_000 <= t <= after
            ]
            if len(used) >= 2:  # CPU each thread used in the gap (samples 1 ms apart, so roughly)
                first, last = used[0][1], used[-1][1]
                spent = {name: (ns - first.get(name, 0)) / 1e6 for name, ns in last.items()}
                out.append(
                    "    threads' CPU in it: "
                    + ", ".join(
                        f"{name} {v:.1f}" for name, v in sorted(spent.items(), key=lambda x: -x[1]) if v >= 1
                    )
                )
    return out


def seeded_template(folder: Path, leads: int) -> Path:
    """A database of ``leads`` synthetic leads (tests/fakes/seed_leads.py), copied for each run."""
    from leadgen_desktop.db.store import Store
    from tests.fakes.seed_leads import seed_database

    path = folder / "seeded.db"
    repo = Store.open(path)
    seed_database(repo, leads=leads, campaigns=20)
    repo.db.close()
    return path


def one_run(folder: Path, run: int, seeded: Path | None, profile: bool) -> dict:
    """One fresh process, fresh user folders: returns the child's JSON result."""
    run_dir = folder / f"run{run}"
    run_dir.mkdir()
    env = {**os.environ, **isolate_user_dirs(run_dir)}
    env.update(
        QT_QPA_PLATFORM="offscreen",
        LEADGEN_DEMO="1",
        LEADGEN_DEMO_LATENCY="0",
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
    )
    db_path = run_dir / "leadgen.db"
    if seeded is not None:
        shutil.copyfile(seeded, db_path)
    command = [sys.executable, __file__, "--child", str(db_path)]
    command += ["--all-leads-tab"] if seeded is not None else []
    command += ["--profile"] if profile else []
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False, cwd=ROOT)
    for line in done.stdout.splitlines():
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"run {run} printed no result (exit {done.returncode}):\n{done.stderr[-3000:]}")


def summary(gaps: list[float]) -> tuple[float, float, float]:
    """(longest, p99, p50) of ``gaps``."""
    ordered = sorted(gaps)
    return ordered[-1], ordered[int(len(ordered) * 0.99)], ordered[len(ordered) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--busy", action="store_true", help="keep one core busy during the runs")
    parser.add_argument(
        "--all-leads", type=int, default=0, metavar="N", help="seed N leads, All-leads tab shown"
    )
    parser.add_argument(
        "--profile", action="store_true", help="print the slowest gaps with the GUI thread's stack"
    )
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--all-leads-tab", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        _child(args.child, args.all_leads_tab, args.profile)
        return
    load = os.getloadavg()
    variant = "one core busy" if args.busy else "no extra load"
    on_screen = (
        f"All leads ({args.all_leads:,} leads) on screen" if args.all_leads else "Campaign tab on screen"
    )
    print(
        f"stall probe: {args.runs} runs of a {LEADS:,}-lead demo at zero latency, {on_screen}, {variant}; "
        f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    with tempfile.TemporaryDirectory(prefix="leadgen-stall-probe-") as tmp:
        seeded = seeded_template(Path(tmp), args.all_leads) if args.all_leads else None
        with busy_core(args.busy):
            results = [_report_run(Path(tmp), run, seeded, args.profile) for run in range(1, args.runs + 1)]
    worst = [max(r[i] for r in results) for i in range(3)]
    medians = [statistics.median(r[i] for r in results) for i in range(3)]
    print(
        f"  worst of {len(results)}: longest {worst[0]:.1f} ms (target < 50), "
        f"p99 {worst[1]:.1f} ms (target < 20), p50 {worst[2]:.1f} ms; "
        f"median of runs: longest {medians[0]:.1f} ms, p99 {medians[1]:.1f} ms"
    )


def _report_run(folder: Path, run: int, seeded: Path | None, profile: bool) -> tuple[float, float, float]:
    """One run, printed: (longest, p99, p50) of its gaps."""
    result = one_run(folder, run, seeded, profile)
    longest, p99, p50 = summary(result["gaps"])
    print(
        f"  run {run}: {result['rows']} rows, '{result['status']}', {len(result['gaps'])} ticks: "
        f"longest {longest:6.1f} ms  p99 {p99:5.1f} ms  p50 {p50:4.1f} ms  (load {load_text()})",
        flush=True,
    )
    gaps, cpu, queued = result["gaps"], result["cpu"], result["queued"]
    print(f"         window thread's own CPU: at most {max(cpu):.1f} ms in one gap, {sum(cpu):.0f} ms in all")
    for at in sorted(range(len(gaps)), key=gaps.__getitem__)[-3:]:
        print(
            f"         gap {gaps[at]:6.1f} ms: own CPU {cpu[at]:5.1f} ms, ready but not run "
            f"{queued[at]:6.1f} ms, waiting (GIL or idle) {gaps[at] - cpu[at] - queued[at]:6.1f} ms"
        )
    if profile:
        for line in result["where"]:
            print(f"      {line}")
    return longest, p99, p50


if __name__ == "__main__":
    main()
