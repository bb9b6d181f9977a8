"""The metrics panel shows the honest bill: "$X (+ up to $Y unconfirmed)" when answers never came back."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from leadgen_desktop.domain import Metrics
from leadgen_desktop.gui.run.metrics_panel import MetricsPanel, format_cost


def test_cost_text_says_what_is_unconfirmed_only_when_something_is() -> None:
    assert format_cost(0.1234, False) == "$0.1234"
    assert format_cost(0.1234, False, 0.0325) == "$0.1234 (+ up to $0.0325 unconfirmed)"
    assert format_cost(0.0, True, 0.5) == "$0.00 (demo)"


def test_the_panel_shows_the_unconfirmed_part_of_a_run(qtbot: QtBot) -> None:
    panel = MetricsPanel()
    qtbot.addWidget(panel)
    panel.set_metrics(Metrics(total_cost=0.9175, cost_unconfirmed=0.2795))
    assert panel.text("cost") == "$0.9175 (+ up to $0.2795 unconfirmed)"
    panel.set_metrics(Metrics(total_cost=0.9175))
    assert panel.text("cost") == "$0.9175"
