"""Live run counters: businesses, leads, emails (and where they came from), cost, elapsed time and ETA."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt, QTimer, Slot
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from leadgen_desktop.core.billing.budget import bill_text
from leadgen_desktop.db.records import JobRecord
from leadgen_desktop.domain import Metrics, ProgressEvent
from leadgen_desktop.gui.shell.steady_label import SteadyLabel
from leadgen_desktop.gui.shell.theme import muted_text

DASH = "—"

_FIELDS: tuple[tuple[str, str], ...] = (
    ("businesses", "Businesses found"),
    ("qualified", "Qualified"),
    ("enriched", "Enriched"),
    ("emails_found", "Emails found"),
    ("emails_verified", "Emails verified"),
    ("emails_by_source", "From websites / Hunter"),
    ("mx_rejected", "No mail server"),
    ("cost", "Cost so far"),
    ("elapsed", "Elapsed"),
    ("eta", "ETA"),
)


def format_duration(seconds: float) -> str:
    """``mm:ss`` (``h:mm:ss`` from one hour)."""
    total = max(int(seconds), 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def format_cost(cost: float, demo: bool, unconfirmed: float = 0.0) -> str:
    """Dollars with four decimals, or ``$0.00 (demo)``.

    When some answers never came back (a timeout, a lost connection, a cancel) the most
    they may have cost follows: ``$X (+ up to $Y unconfirmed)``.
    """
    return "$0.00 (demo)" if demo else bill_text(cost, unconfirmed)


class MetricsPanel(QWidget):
    """A grid of labelled counters for the displayed job.

    While a run is going (:meth:`start_run` … :meth:`finish_run`) a one-second
    timer keeps the elapsed time ticking and the ETA is estimated from the
    progress rate; otherwise the ETA shows "—".

    Signals: none.
    """

    def __init__(self, parent: QWidget | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(parent)
        self.setObjectName("metricsPanel")
        self.setAccessibleName("Run metrics")
        self._clock = clock
        self._demo = False
        self._started_at: float | None = None
        self._progress = 0
        self._elapsed = 0.0
        self.values: dict[str, SteadyLabel] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(2)
        per_row = 5
        for index, (key, title) in enumerate(_FIELDS):
            caption = QLabel(title)
            caption.setObjectName(f"metricCaption_{key}")
            caption.setStyleSheet("font-size: 11px;")
            caption.setProperty("muted", True)  # coloured by _apply_muted (palette-derived)
            value = SteadyLabel()  # a new count never lays the window out again (see there)
            value.setObjectName(f"metric_{key}")
            value.setAccessibleName(title)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setStyleSheet("font-size: 15px; font-weight: 600;")
            value.setText(DASH)  # after the style sheet: sized in its font
            caption.setBuddy(value)
            self.values[key] = value
            row, column = divmod(index, per_row)
            grid.addWidget(caption, row * 2, column)
            grid.addWidget(
                value, row * 2 + 1, column, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
            )
        for column in range(per_row):
            grid.setColumnStretch(column, 1)
        self._apply_muted()
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._tick)
        self.clear()
        self._reserve_run_texts()

    def _reserve_run_texts(self) -> None:
        """Make room now for what a run shows in its first seconds (see ``SteadyLabel.reserve``)."""
        count = "0,000"  # up to 9,999
        for key in ("businesses", "qualified", "emails_found", "emails_verified", "mx_rejected"):
            self.values[key].reserve(count)
        self.values["enriched"].reserve(f"{count}/{count}")
        self.values["emails_by_source"].reserve(f"{count} / {count}")
        self.values["cost"].reserve(format_cost(0.0, True), format_cost(0.0, False))
        for key in ("elapsed", "eta"):
            self.values[key].reserve(format_duration(0.0))

    # -- public API ---------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True while the elapsed timer is ticking."""
        return self._timer.isActive()

    def text(self, key: str) -> str:
        """Current text of one value label (``businesses``, ``cost``, ``eta`` …)."""
        return self.values[key].text()

    def clear(self, demo: bool = False) -> None:
        """Show an empty job (zeros, no time)."""
        self._timer.stop()
        self._demo = demo
        self._started_at = None
        self._progress = 0
        self._elapsed = 0.0
        self.set_metrics(Metrics())
        self.values["elapsed"].setText(DASH)
        self.values["eta"].setText(DASH)

    def start_run(self, demo: bool, elapsed_so_far: float = 0.0) -> None:
        """Reset the counters and start the elapsed-time clock (``elapsed_so_far`` seconds in)."""
        self.clear(demo)
        self._started_at = self._clock() - max(elapsed_so_far, 0.0)
        self._tick()
        self._timer.start()

    def finish_run(self, metrics: Metrics | None = None) -> None:
        """Stop the clock; show the final ``metrics`` when given."""
        if self._started_at is not None:
            self._elapsed = self._clock() - self._started_at
            self.values["elapsed"].setText(format_duration(self._elapsed))
        self._timer.stop()
        self._started_at = None
        if metrics is not None:
            self.set_metrics(metrics)
        self.values["eta"].setText(DASH)

    def update_progress(self, event: ProgressEvent) -> None:
        """Take the counters and progress of a running job's event."""
        self._progress = event.progress
        self.set_metrics(event.metrics)
        self._update_eta()

    def set_metrics(self, metrics: Metrics) -> None:
        """Show ``metrics`` (counters and cost)."""
        self.values["businesses"].setText(f"{metrics.businesses_found:,}")
        self.values["qualified"].setText(f"{metrics.qualified_leads:,}")
        self.values["enriched"].setText(f"{metrics.leads_enriched:,}/{metrics.qualified_leads:,}")
        self.values["emails_found"].setText(f"{metrics.emails_found:,}")
        self.values["emails_verified"].setText(f"{metrics.emails_verified:,}")
        website, hunter = (metrics.emails_by_source.get(key, 0) for key in ("website", "hunter"))
        self.values["emails_by_source"].setText(f"{website:,} / {hunter:,}")
        self.values["emails_by_source"].setToolTip(
            f"{website:,} email(s) read on the businesses' own websites (free), "
            f"{hunter:,} from the paid email search"
        )
        self.values["mx_rejected"].setText(f"{metrics.mx_rejected:,}")
        self.values["mx_rejected"].setToolTip(
            "Leads whose email domain receives no mail: marked invalid, no verification paid"
        )
        self.values["cost"].setText(format_cost(metrics.total_cost, self._demo, metrics.cost_unconfirmed))

    def show_job(self, job: JobRecord) -> None:
        """Show a stored job: its metrics and how long it took (no live clock)."""
        self.clear(job.config.demo)
        self.set_metrics(job.metrics)
        if job.started_at is not None and job.completed_at is not None:
            seconds = (job.completed_at - job.started_at).total_seconds()
            self.values["elapsed"].setText(format_duration(seconds))

    # -- internals -----------------------------------------------------------------

    def _apply_muted(self) -> None:
        """Captions in a readable secondary colour of the current palette (light or dark)."""
        color = muted_text(QGuiApplication.palette())
        for label in self.findChildren(QLabel):
            if label.property("muted"):
                palette = QPalette(label.palette())
                palette.setColor(QPalette.ColorRole.WindowText, color)
                label.setPalette(palette)

    def changeEvent(self, event: QEvent) -> None:
        """Re-derive the caption colour when the palette changes (dark mode)."""
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_muted()
        super().changeEvent(event)

    @Slot()
    def _tick(self) -> None:
        if self._started_at is None:
            return
        self._elapsed = self._clock() - self._started_at
        self.values["elapsed"].setText(format_duration(self._elapsed))
        self._update_eta()

    def _update_eta(self) -> None:
        if self._started_at is None:
            self.values["eta"].setText(DASH)
            return
        elapsed = self._clock() - self._started_at
        if self._progress <= 0 or self._progress >= 100 or elapsed < 1.0:
            self.values["eta"].setText(DASH)
            return
        remaining = elapsed * (100 - self._progress) / self._progress
        self.values["eta"].setText(format_duration(remaining))
