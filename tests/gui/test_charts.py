"""Charts: bins, status counts, incremental updates from the lead model, painting in light and dark."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from leadgen_desktop.domain import EmailStatus
from leadgen_desktop.gui.details.charts import (
    STATUS_COLORS,
    STATUS_ORDER,
    ConfidenceHistogram,
    LeadCharts,
    LeadStats,
    bin_label,
    bin_of,
)
from leadgen_desktop.gui.shell.theme import dark_palette
from leadgen_desktop.gui.tables.results_model import LeadTableModel
from tests.gui.ux_support import lead


@pytest.mark.parametrize(
    ("score", "expected"), [(0, 0), (9, 0), (10, 1), (55, 5), (99, 9), (100, 9), (-3, 0)]
)
def test_bins(score: int, expected: int) -> None:
    assert bin_of(score) == expected


def test_bin_labels() -> None:
    assert bin_label(0) == "0–9"
    assert bin_label(9) == "90–100"


def test_status_colours_are_distinct_and_complete() -> None:
    assert set(STATUS_ORDER) == set(EmailStatus)
    assert len({STATUS_COLORS[s].name() for s in STATUS_ORDER}) == len(STATUS_ORDER)


def test_stats_count() -> None:
    stats = LeadStats()
    stats.add([lead(1, confidence_score=95), lead(2, confidence_score=100, email_status="catchall")])
    stats.add([lead(3, confidence_score=42, email_status="not_found", email=None)])
    assert stats.total == 3
    assert stats.bins[9] == 2
    assert stats.bins[4] == 1
    assert stats.statuses["valid"] == 1
    assert stats.statuses["catchall"] == 1
    assert stats.statuses["not_found"] == 1
    stats.clear()
    assert stats.total == 0
    assert sum(stats.bins) == 0


def test_charts_follow_the_model_incrementally(qtbot: QtBot) -> None:
    model = LeadTableModel()
    charts = LeadCharts(model)
    qtbot.addWidget(charts)
    model.append_rows([lead(1, confidence_score=80), lead(2, confidence_score=12, email_status="invalid")])
    assert charts.histogram.counts[8] == 1
    assert charts.histogram.counts[1] == 1
    assert charts.status_bar.counts["valid"] == 1
    assert charts.status_bar.counts["invalid"] == 1
    model.append_rows([lead(3, confidence_score=85, email_status="disposable")])
    assert charts.histogram.counts[8] == 2
    assert dict(charts.status_bar.legend_entries())["disposable"] == 1
    assert "disposable: 1" in charts.status_bar.toolTip()
    assert "80–89: 2" in charts.histogram.accessibleDescription()
    model.sort(0)  # a layout change: counts stay
    assert charts.stats.total == 3
    model.set_rows([lead(9, confidence_score=5, email_status="unverified")])  # reset: recount
    assert charts.stats.total == 1
    assert charts.histogram.counts[0] == 1
    assert charts.status_bar.counts["unverified"] == 1
    assert charts.status_bar.counts["valid"] == 0


def test_charts_are_accessible_and_paint_in_dark_mode(qtbot: QtBot) -> None:
    model = LeadTableModel()
    model.append_rows(
        [lead(i, confidence_score=i * 9, email_status=STATUS_ORDER[i % 7]) for i in range(1, 12)]
    )
    charts = LeadCharts(model)
    qtbot.addWidget(charts)
    charts.resize(640, 110)
    charts.show()
    assert charts.histogram.accessibleName() == "Confidence score histogram"
    assert charts.status_bar.accessibleName() == "Email status breakdown"
    assert not charts.grab().isNull()
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    original = app.palette()
    light = charts.histogram.grab().toImage()
    renders = charts.histogram.renders
    try:
        app.setPalette(dark_palette())
        QApplication.processEvents()  # the widgets hear of the new palette from the event loop
        assert charts.histogram.grab().toImage() != light  # the cached picture was drawn again
        assert charts.histogram.renders == renders + 1
    finally:
        app.setPalette(original)


def shown_histogram(qtbot: QtBot) -> ConfidenceHistogram:
    chart = ConfidenceHistogram()
    qtbot.addWidget(chart)
    chart.resize(260, 96)
    chart.show()
    qtbot.waitExposed(chart)
    return chart


def test_a_cached_chart_is_drawn_again_only_when_its_counts_change(qtbot: QtBot) -> None:
    chart = shown_histogram(qtbot)
    chart.set_counts([1] * 10)
    before = chart.grab().toImage()
    renders = chart.renders
    chart.repaint()
    chart.repaint()
    assert chart.renders == renders  # repaints without a change copy the picture
    chart.set_counts([1] * 9 + [7])
    after = chart.grab().toImage()
    assert chart.renders == renders + 1
    assert after != before
    chart.resize(300, 96)
    assert chart.grab().size().width() == 300
    assert chart.renders == renders + 2  # a new size draws again


def test_a_burst_of_counts_is_painted_throttled_and_ends_on_the_last_counts(qtbot: QtBot) -> None:
    chart = shown_histogram(qtbot)
    QApplication.processEvents()
    renders = chart.renders
    for step in range(1, 51):  # a run's batches, faster than the throttle
        chart.set_counts([step] * 9 + [step * 2])
        QApplication.processEvents()
    assert chart.counts == [50] * 9 + [100]  # the data is always the newest
    assert chart.renders - renders <= 2  # painted once, the rest waits for the throttle
    qtbot.waitUntil(lambda: not chart.repaint_pending and not chart._stale)  # the last change is painted
    assert chart.renders - renders <= 3
    reference = shown_histogram(qtbot)
    reference.set_counts([50] * 9 + [100])
    assert chart.grab().toImage() == reference.grab().toImage()
