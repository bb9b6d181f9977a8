"""Time from pressing Start to the campaign being stored and shown as "processing" (target < 100 ms).

Run: ``.venv/bin/python benchmarks/start_latency.py`` (offscreen, demo providers, temporary database).
Prints, for five runs, the time from ``RunController.start`` to the worker's ``job_started``
signal reaching the window, and the job's status read back from the database at that moment.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QApplication

from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import CampaignConfig
from leadgen_desktop.gui.shell.main_window import MainWindow
from leadgen_desktop.net.providers.demo import build_demo_providers

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_env import isolate_user_dirs


def main() -> None:
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as folder:
        isolate_user_dirs(Path(folder))  # no remembered window size in, none saved out
        repo = Store.open(Path(folder) / "t.db")
        window = MainWindow(repo, providers_factory=lambda: build_demo_providers(latency=0.05))
        window.show()
        app.processEvents()
        times: list[float] = []
        for _ in range(5):
            seen: dict[str, object] = {}
            started_loop, finished_loop = QEventLoop(), QEventLoop()

            def on_started(job_id: str, _campaign_id: str, seen: dict[str, object] = seen) -> None:
                seen["at"] = time.perf_counter()
                job = repo.jobs.get(job_id)
                seen["status"] = job.status.value if job else "missing"

            window.controller.job_started.connect(on_started)
            window.controller.job_started.connect(started_loop.quit)
            window.controller.finished.connect(finished_loop.quit)
            began = time.perf_counter()
            window.controller.start(
                CampaignConfig("dentist", "Austin, TX", max_results=5, min_score=0), window.providers
            )
            started_loop.exec()
            finished_loop.exec()
            for slot in (on_started, started_loop.quit):
                window.controller.job_started.disconnect(slot)
            window.controller.finished.disconnect(finished_loop.quit)
            elapsed = (float(seen["at"]) - began) * 1000  # type: ignore[arg-type]
            times.append(elapsed)
            print(f"  Start -> job shown as {seen['status']}: {elapsed:6.1f} ms")
        print(f"median {statistics.median(times):.1f} ms, max {max(times):.1f} ms   target < 100 ms")
        window.close()
        repo.db.close()


if __name__ == "__main__":
    main()
