"""Render the main window offscreen during and after a demo run and save PNGs.

Usage: ``.venv/bin/python scripts/screenshot.py [--out docs/screenshots]``

Writes ``main-window.png`` (after the run), ``main-window-running.png``
(mid-run), ``lead-details.png`` (the details panel for a lead with an email
and for one without) and ``dark-mode.png`` (the window under a dark palette)
using ``QWidget.grab()``. Needs no display: the offscreen platform is used
unless ``QT_QPA_PLATFORM`` says otherwise. Uses a throw-away database and a
throw-away config folder (the user's remembered window state is not touched).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QItemSelectionModel, QPoint, QTimer
from PySide6.QtGui import QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QApplication

from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import CampaignConfig, Providers
from leadgen_desktop.gui.shell.main_window import MainWindow
from leadgen_desktop.gui.shell.theme import dark_palette
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
    window.campaign_panel.form.set_config(config)
    window.campaign_panel.start_button.click()
    if not wait_for(60, lambda: not window.controller.is_running):
        raise SystemExit("The demo run did not finish within 60 s")


def select_lead(window: MainWindow, with_email: bool) -> bool:
    """Make the first lead with (or without) an email the table's current row."""
    proxy = window.campaign_page.proxy
    for row in range(proxy.rowCount()):
        index = proxy.index(row, 0)
        record = window.campaign_page.model.row_record(proxy.mapToSource(index).row())
        if bool(record.email) == with_email and (with_email or record.website or row > 5):
            flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
            window.campaign_page.table_view.selectionModel().setCurrentIndex(index, flags)
            window.campaign_page.table_view.scrollTo(index)
            wait_for(0.1, lambda: False)  # let the details panel lay out its wrapped text
            return True
    return False


def save_details(window: MainWindow, path: Path) -> None:
    """The details panel for a lead with an email and one without, side by side."""
    panel = window.campaign_page.details_panel
    window.resize(SIZE[0], 1240)  # tall enough to show the whole panel
    shots = []
    for with_email in (True, False):
        select_lead(window, with_email)
        shots.append(panel.grab())
    gap = 12
    ratio = shots[0].devicePixelRatio()
    width = sum(int(shot.width() / ratio) for shot in shots) + gap
    height = max(int(shot.height() / ratio) for shot in shots)
    canvas = QPixmap(int(width * ratio), int(height * ratio))
    canvas.setDevicePixelRatio(ratio)
    canvas.fill(panel.palette().color(QPalette.ColorRole.Window))
    painter = QPainter(canvas)
    painter.drawPixmap(QPoint(0, 0), shots[0])
    painter.drawPixmap(QPoint(int(shots[0].width() / ratio) + gap, 0), shots[1])
    painter.end()
    window.resize(*SIZE)
    canvas.save(str(path))
    print(f"wrote {path}")


def main(argv: list[str] | None = None) -> int:
    """Render the screenshots; return 0 on success."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("leadgen-desktop")
    app.setStyle("Fusion")  # the same look on every machine
    light = app.palette()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_CONFIG_HOME"] = str(Path(tmp) / "config")  # fresh remembered state
        repo = Store.open(Path(tmp) / "screenshot.db")

        def providers() -> Providers:
            return build_demo_providers(latency=LATENCY)

        window = MainWindow(repo, providers_factory=providers)
        window.resize(*SIZE)
        window.show()
        window.welcome_panel.dismiss()  # first-run welcome: not part of these shots
        run_campaign(window, CampaignConfig("plumber", "Denver, CO", max_results=12, min_score=40))
        run_campaign(window, CampaignConfig("bakery", "Portland, OR", max_results=30, min_score=60))

        window.campaign_panel.form.set_config(
            CampaignConfig("dentist", "Austin, TX", max_results=80, min_score=50)
        )
        window.campaign_panel.start_button.click()
        wait_for(
            30,
            lambda: (
                window.controller.job_id is not None
                and window.run_display.displayed_job_id == window.controller.job_id
                and window.campaign_page.model.rowCount() >= 20
            ),
        )
        running = args.out / "main-window-running.png"
        window.grab().save(str(running))
        print(f"wrote {running}")
        if not wait_for(60, lambda: not window.controller.is_running):
            raise SystemExit("The demo run did not finish within 60 s")
        window.campaign_page.table_view.scrollToTop()
        app.processEvents()
        select_lead(window, with_email=True)
        final = args.out / "main-window.png"
        window.grab().save(str(final))
        print(f"wrote {final}")
        save_details(window, args.out / "lead-details.png")

        window.close()

        # A window started under a dark palette, showing the same campaign.
        app.setPalette(dark_palette())
        dark_window = MainWindow(repo, providers_factory=providers)
        dark_window.resize(*SIZE)
        dark_window.show()
        dark_window.campaign_panel.history.select_campaign(
            dark_window.campaign_panel.history.summaries[0].campaign_id
        )
        wait_for(5, lambda: dark_window.campaign_page.model.rowCount() > 0)
        select_lead(dark_window, with_email=True)
        dark_window.show_banner("Example notice: 3 leads were skipped by the budget.", "info")
        dark_window.show_banner("Example error: hunter returned HTTP 500 for one domain.", "error")
        wait_for(0.1, lambda: False)
        dark = args.out / "dark-mode.png"
        dark_window.grab().save(str(dark))
        print(f"wrote {dark}")
        dark_window.close()
        app.setPalette(light)
        repo.db.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
