"""Above the results: the stage and progress of the run, messages, the counters and the charts."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QSizePolicy, QVBoxLayout, QWidget

from leadgen_desktop.domain import Coverage
from leadgen_desktop.gui.details.charts import LeadCharts
from leadgen_desktop.gui.run.budget_stop_bar import BudgetStopBar
from leadgen_desktop.gui.run.coverage_view import CoverageView
from leadgen_desktop.gui.run.metrics_panel import MetricsPanel
from leadgen_desktop.gui.shell.message_banner import MessageBanner

COVERAGE_LINES = 3
"""Lines kept free for the coverage counts (``Tiles searched …, left … · places mapped …``)."""


class RunOverview(QWidget):
    """Stage text and progress bar, the message banner, the metrics panel and the charts.

    Public attributes: ``stage_label``, ``progress_bar``, ``info_banner``
    (:class:`MessageBanner`; its ``label`` holds the newest message),
    ``budget_bar`` (:class:`BudgetStopBar`, right under the banner; driven by
    the resume feature), ``metrics_panel``, ``charts`` (:class:`LeadCharts`,
    which the window points at the lead table's model), ``coverage``
    (:class:`CoverageView`: the area's tiles and businesses) with
    ``coverage_label`` (tiles searched and left, places mapped).

    Signals: none of its own.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stage_label = QLabel("Ready")
        self.stage_label.setObjectName("stageLabel")
        self.stage_label.setAccessibleName("Stage")
        self.stage_label.setStyleSheet("font-weight: 600;")
        # A long stage message must never widen the window: the label takes the width the
        # row gives it (text past the edge is cut off; the tooltip has all of it).
        self.stage_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("progressBar")
        self.progress_bar.setAccessibleName("Progress")
        self.progress_bar.setRange(0, 100)
        self.progress_bar.setValue(0)
        self.info_banner = MessageBanner()  # the latest few messages, each closable
        self.budget_bar = BudgetStopBar()  # "Resume with higher budget…" after a budget stop
        self.metrics_panel = MetricsPanel()
        self.charts = LeadCharts()
        self.coverage = CoverageView()
        self.coverage_label = QLabel()
        self.coverage_label.setObjectName("coverageLabel")
        self.coverage_label.setAccessibleName("Area coverage counts")
        self.coverage_label.setWordWrap(True)
        self.coverage_label.setStyleSheet("font-size: 11px;")
        # room for three lines from the start (the text wraps in its narrow column): text that
        # appears in a run's first second must not make the overview taller, or the tabs below,
        # All leads too, repaint entirely (benchmarks/stall_probe.py --all-leads)
        self.coverage_label.ensurePolished()
        self.coverage_label.setMinimumHeight(COVERAGE_LINES * self.coverage_label.fontMetrics().lineSpacing())

        progress_row = QHBoxLayout()
        progress_row.addWidget(self.stage_label, 1)
        progress_row.addWidget(self.progress_bar, 1)
        counters = QHBoxLayout()
        counters.addWidget(self.metrics_panel, 3)
        counters.addWidget(self.charts, 3)
        area = QVBoxLayout()
        area.addWidget(self.coverage, 1)
        area.addWidget(self.coverage_label)
        counters.addLayout(area, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(progress_row)
        layout.addWidget(self.info_banner)
        layout.addWidget(self.budget_bar)
        layout.addLayout(counters)

    def set_coverage(self, coverage: Coverage | None) -> None:
        """Show what the area search covered (None: the job has no area)."""
        self.coverage.set_coverage(coverage)
        self.coverage_label.setText(coverage.describe() if coverage is not None else "")

    def set_stage(self, text: str) -> None:
        """Show ``text`` as the stage (and as its tooltip, in case it is cut off)."""
        self.stage_label.setText(text)
        self.stage_label.setToolTip(text)
