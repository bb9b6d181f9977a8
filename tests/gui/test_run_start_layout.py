"""A run's start lays nothing out again above the tabs, and a loaded All-leads table is laid out at once.

Each new layout above the result tabs made the All-leads table repaint all of itself with
its Python ``data()``, while the run's threads wanted the interpreter lock too
(benchmarks/stall_probe.py --all-leads 100000).
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from pytestqt.qtbot import QtBot

from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import Coverage
from leadgen_desktop.domain.geo import Area
from leadgen_desktop.gui.run.metrics_panel import MetricsPanel, format_duration
from leadgen_desktop.gui.run.run_overview import RunOverview
from leadgen_desktop.gui.shell.steady_label import SteadyLabel
from leadgen_desktop.gui.tables.all_leads import AllLeadsView
from tests.fakes.seed_leads import seed_database


def test_a_reserved_text_is_shown_without_a_new_size(qtbot: QtBot) -> None:
    label = SteadyLabel("—")
    qtbot.addWidget(label)
    label.reserve("$0.00 (demo)", "00:00")
    reserved = label.minimumSize()
    assert reserved.width() >= label.fontMetrics().horizontalAdvance("$0.00 (demo)")
    label.setText("$0.00 (demo)")
    assert label.minimumSize() == reserved
    assert label.maximumSize() == reserved
    label.setText("$12,345.6789 (+ up to $1.0000 unconfirmed)")  # longer than reserved: widens
    assert label.minimumWidth() > reserved.width()


def test_the_counters_keep_their_sizes_when_a_run_starts(qtbot: QtBot) -> None:
    panel = MetricsPanel(clock=lambda: 100.0)
    qtbot.addWidget(panel)
    before = {key: label.minimumSize() for key, label in panel.values.items()}
    panel.start_run(demo=True)  # "$0.00 (demo)", "00:00"
    panel.finish_run()
    after = {key: label.minimumSize() for key, label in panel.values.items()}
    assert panel.text("elapsed") == format_duration(0.0)
    assert after == before


def test_the_coverage_counts_do_not_make_the_overview_taller(qtbot: QtBot) -> None:
    overview = RunOverview()
    qtbot.addWidget(overview)
    overview.resize(QSize(1200, 260))
    overview.show()
    qtbot.waitExposed(overview)
    height = overview.sizeHint().height()
    area = Area(south=30.1, west=-97.9, north=30.5, east=-97.5)
    overview.set_coverage(Coverage(area=area, tiles_searched=12, places_mapped=340, places_bought=60))
    assert overview.sizeHint().height() == height


def test_a_loaded_table_shows_its_scroll_bar_before_it_says_loaded(qtbot: QtBot, repo: Store) -> None:
    seed_database(repo, leads=500, campaigns=2)
    view = AllLeadsView(repo.all_leads)
    qtbot.addWidget(view)
    view.resize(800, 400)
    seen: list[bool] = []

    def laid_out(_count: int) -> bool:  # runs when the signal is emitted, before more events
        seen.append(view.table_view.verticalScrollBar().isVisible())
        return True

    with qtbot.waitSignal(view.loaded, timeout=10_000, check_params_cb=laid_out):
        view.show()
    assert seen == [True]
    view.shutdown()
