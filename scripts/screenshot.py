"""Render the main window offscreen during and after a demo run and save PNGs.

Usage: ``.venv/bin/python scripts/screenshot.py [--out docs/screenshots]``

Writes ``main-window.png`` (after the run) and ``main-window-running.png``
(mid-run) using ``QWidget.grab()``. Needs no display: the offscreen platform
is used unless ``QT_QPA_PLATFORM`` says otherwise. Uses a throw-away database.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from leadgen_desktop.db.database import open_database
from leadgen_desktop.db.repository import Repository
from leadgen_desktop.domain import CampaignConfig, Providers
from leadgen_desktop.gui.main_window import MainWindow
from leadgen_desktop.net.providers.demo import build_demo_providers

ROOT = Path(__file__).resolve().parent.parent
SIZE = (1440, 880)
LATENCY = 0.01


def wait_for(seconds: float, check: Callable[[], bool]) -> bool:
    """Run the event loop until ``check()`` is true or ``seconds`` have passed."""
    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(20)

    def tick() -> None:
        if check():
            loop.quit()

    poll.timeout.connect(tick)
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    poll.start()
    loop.exec()
    poll.stop()
    return check()


def run_campaign(window: MainWindow, config: CampaignConfig) -> None:
    """Fill the form, press Start and wait until the run is over."""
    window.form.set_config(config)
    window.start_button.click()
    if not wait_for(60, lambda: not window.controller.is_running):
        raise SystemExit("The demo run did not finish within 60 s")


def main(argv: list[str] | None = None) -> int:
    """Render the screenshots; return 0 on success."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("leadgen-desktop")
    with tempfile.TemporaryDirectory() as tmp:
        repo = Repository(open_database(Path(tmp) / "screenshot.db"))

        def providers() -> Providers:
            return build_demo_providers(latency=LATENCY)

        window = MainWindow(repo, providers_factory=providers)
        window.resize(*SIZE)
        window.show()
        run_campaign(window, CampaignConfig("plumber", "Denver, CO", max_results=12, min_score=40))
        run_campaign(window, CampaignConfig("bakery", "Portland, OR", max_results=30, min_score=60))

        window.form.set_config(CampaignConfig("dentist", "Austin, TX", max_results=80, min_score=50))
        window.start_button.click()
        wait_for(
            30,
            lambda: (
                window.controller.job_id is not None
                and window.displayed_job_id == window.controller.job_id
                and window.model.rowCount() >= 20
            ),
        )
        running = args.out / "main-window-running.png"
        window.grab().save(str(running))
        print(f"wrote {running}")
        if not wait_for(60, lambda: not window.controller.is_running):
            raise SystemExit("The demo run did not finish within 60 s")
        window.table_view.scrollToTop()
        app.processEvents()
        final = args.out / "main-window.png"
        window.grab().save(str(final))
        print(f"wrote {final}")
        window.close()
        repo.db.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
