"""Timestamps of the run thread's steps in a ``leadgen`` run, for ``run_benchmark.py --trace FILE``.

Run as ``python benchmarks/run_trace.py FILE <leadgen arguments>``: it wraps a few methods of
the run (an area answer recorded and stored, businesses taken, a website read, a mail-server
check, a request submitted, a checks answer handled, the database calls behind them), runs
``leadgen`` in the same process, and appends to FILE one line per call start and end
(``monotonic thread >|< name subject``), when ``leadgen`` returned and when the exit handlers
ran (after the interpreter joined the threads), and each method's count and total time.
Nothing in the application changes; the wrappers cost a few microseconds a call.

:func:`print_chain` prints what the run thread did between two moments of the simulation's
timeline (``CLOCK_MONOTONIC`` is shared by the processes): from the first bought page's
answer to the first Hunter search's arrival, say.
"""

from __future__ import annotations

import atexit
import functools
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repo root

STEPS = (
    ("leadgen_desktop.core.run.area_search", "AreaSearch", "_record"),
    ("leadgen_desktop.core.run.area_steps", "AreaSteps", "save"),
    ("leadgen_desktop.core.run.area_stage", "RunHost", "take"),
    ("leadgen_desktop.core.run.run_requests", "RunRequests", "submit"),
    ("leadgen_desktop.core.run.website_checks", "WebsiteChecks", "read_site"),
    ("leadgen_desktop.core.run.website_checks", "WebsiteChecks", "check_mail"),
    ("leadgen_desktop.core.run.website_checks", "WebsiteChecks", "handle"),
    ("leadgen_desktop.core.run.lookup_claims", "LookupClaims", "take"),
    ("leadgen_desktop.db.site_cache", "SiteCache", "site"),
    ("leadgen_desktop.db.site_cache", "SiteCache", "save_site"),
    ("leadgen_desktop.db.site_cache", "SiteCache", "mail_server"),
    ("leadgen_desktop.db.site_cache", "SiteCache", "save_mail_server"),
    ("leadgen_desktop.db.lookup_cache", "LookupCache", "domain"),
    ("leadgen_desktop.db.lookup_cache", "LookupCache", "save_domain"),
)
"""(module, class, method) of every traced call."""


def install(path: str) -> None:
    """Wrap :data:`STEPS` so that each call is written to ``path``."""
    import importlib

    out = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed at exit
    lock = threading.Lock()
    totals: defaultdict[str, list[float]] = defaultdict(lambda: [0, 0.0])

    def note(text: str) -> None:
        line = f"{time.monotonic():.4f} {threading.current_thread().name[:16]:16} {text}\n"
        with lock:
            out.write(line)

    for module, owner, name in STEPS:
        cls = getattr(importlib.import_module(module), owner)
        label = f"{owner}.{name}"

        def wrapped(original: Any, label: str = label) -> Any:
            @functools.wraps(original)
            def call(*args: Any, **kwargs: Any) -> Any:
                subject = " ".join(str(a)[:40] for a in args[1:3] if isinstance(a, (str, int)))
                note(f"> {label} {subject}")
                started = time.perf_counter()
                try:
                    return original(*args, **kwargs)
                finally:
                    took = time.perf_counter() - started
                    note(f"< {label}")
                    with lock:
                        totals[label][0] += 1
                        totals[label][1] += took

            return call

        setattr(cls, name, wrapped(getattr(cls, name)))

    @atexit.register
    def dump() -> None:
        note("= exit handlers (threads joined)")
        with lock:
            for label, (count, seconds) in sorted(totals.items(), key=lambda kv: -kv[1][1]):
                out.write(f"total {label} {int(count)} {seconds * 1000:.1f} ms\n")
            out.close()


TOP = {"AreaSearch._record", "AreaSteps.save", "RunHost.take", "WebsiteChecks.handle", "RunRequests.submit"}
"""The calls :func:`print_chain` lists (the others run inside them)."""


def print_chain(path: str, first: float, start: float, end: float) -> None:
    """Print the run thread's calls between ``start`` and ``end`` (seconds after ``first``).

    Consecutive calls of one kind are merged (``×count``); requests submitted are named by kind.
    """
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    print(f"run thread from {start:.3f} s to {end:.3f} s (trace {path}):")
    runs: list[list[Any]] = []  # [first time, last time, name, count]
    for line in lines:
        parts = line.split()
        if len(parts) < 4 or parts[0] == "total" or parts[2] != ">" or parts[3] not in TOP:
            continue
        at = float(parts[0]) - first
        name = f"submit {parts[4]}" if parts[3] == "RunRequests.submit" and len(parts) > 4 else parts[3]
        if not start <= at <= end:
            continue
        if runs and runs[-1][2] == name:
            runs[-1][1], runs[-1][3] = at, runs[-1][3] + 1
        else:
            runs.append([at, at, name, 1])
    for begun, last, name, count in runs:
        print(f"  {begun:6.3f}-{last:6.3f}  {name} ×{count}")
    print("whole run, per call (count, total):")
    for line in lines:
        if line.startswith("total "):
            print("  " + line.removeprefix("total "))


def main() -> int:
    install(sys.argv[1])
    from leadgen_desktop.cli import main as leadgen

    try:
        return leadgen(sys.argv[2:])
    finally:
        with open(sys.argv[1], "a", encoding="utf-8") as out:
            out.write(f"{time.monotonic():.4f} {'main':16} = leadgen returned\n")


if __name__ == "__main__":
    sys.exit(main())
