"""Start-up of the ``leadgen`` command: from spawning it to its first request, wall and CPU time.

Command (from the repository root; loopback only, nothing is written outside a temp folder)::

    .venv/bin/python benchmarks/cli_startup.py [--runs 7] [--busy] [--leadgen "COMMAND"]

Each run is a new user (fresh folders, keys in the environment, nothing learned) running
``leadgen run --max-results 1 --json`` against the simulated APIs of
``benchmarks/sim_server.py``. When the first request arrives, the CPU time the process has
used so far is read from ``/proc/<pid>/stat``: unlike the wall time it hardly depends on
what else the machine runs. Prints the median and range of both; asserts nothing.
``--leadgen`` runs another command instead (e.g. ``env PYTHONPATH=/other/tree python -m
leadgen_desktop.cli`` to compare two trees with one interpreter).
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_env import busy_core, load_text, ms  # noqa: E402
from run_benchmark import leadgen_command  # noqa: E402
from sim_server import SimApis, limits_with, serve_sim  # noqa: E402

from tests.fakes.api_server import cli_env  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def one_run(command: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds from spawning ``leadgen run`` to its first request."""
    sim = SimApis(limits=limits_with(20))
    with tempfile.TemporaryDirectory(prefix="leadgen-cli-startup-") as root, serve_sim(sim) as url:
        arguments = ["run", "--business-type", "dentist", "--location", "Austin, TX"]
        arguments += ["--max-results", "1", "--min-score", "0", "--json", "--db", os.path.join(root, "t.db")]
        started = time.monotonic()
        child = subprocess.Popen(
            [*command, *arguments], env=cli_env(url, root), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        cpu = float("nan")
        while child.poll() is None:  # the first arrival is read every millisecond
            if sim.first_arrival is not None:
                cpu = cpu_seconds(child.pid)
                break
            time.sleep(0.001)
        if child.wait() != 0:
            raise SystemExit(f"leadgen failed: {child.stderr.read().decode() if child.stderr else ''}")
        if sim.first_arrival is None:
            raise SystemExit("leadgen made no request")
        return sim.first_arrival - started, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--busy", action="store_true", help="keep one core busy meanwhile")
    parser.add_argument("--leadgen", help="command to run instead of the installed leadgen")
    args = parser.parse_args()
    command = shlex.split(args.leadgen) if args.leadgen else leadgen_command()
    print(f"leadgen start-up, {args.runs} runs, {'one core busy' if args.busy else 'no extra load'}")
    with busy_core(args.busy):
        runs = [one_run(command) for _ in range(args.runs)]
        load = load_text()
    walls, cpus = [r[0] for r in runs], [r[1] for r in runs]
    print(
        f"  spawn -> first request: wall median {ms(statistics.median(walls))} "
        f"(min {ms(min(walls))}, max {ms(max(walls))}); "
        f"CPU median {ms(statistics.median(cpus))} (min {ms(min(cpus))}, max {ms(max(cpus))})"
        f"   (load average {load})"
    )


if __name__ == "__main__":
    main()
