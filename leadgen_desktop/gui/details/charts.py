"""Small QPainter charts of the displayed campaign: confidence histogram and email statuses.

No QtCharts and no WebEngine: each chart is a plain QWidget that paints a few
rectangles with palette colours. :class:`LeadCharts` follows a lead table
model and counts incrementally (a batch of inserted rows costs O(batch);
only a reset recounts), so the charts keep up with a running campaign.

Painting stays off the window's critical path during a run: a chart draws its
picture into a cached pixmap only when its counts, size or palette changed
(a repaint for any other reason copies the pixmap), and while counts keep
arriving it repaints at most every :data:`REPAINT_MS`. The counts, the tooltip
and the accessible description are always the newest; a paint (or ``grab``)
always draws the newest counts, and the last change is painted at most
``REPAINT_MS`` after it.

Status colours are the Okabe-Ito set, chosen to stay distinct for the common
forms of colour blindness; every segment also has a text label and count, so
colour is never the only cue.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from PySide6.QtCore import QEvent, QRectF, QSize, Qt, QTimer, Slot
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent, QPalette, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QWidget

from leadgen_desktop.db.records import LeadRecord
from leadgen_desktop.domain import EmailStatus
from leadgen_desktop.gui.shell.theme import blend, muted_text
from leadgen_desktop.gui.tables.lead_cells import email_status_text
from leadgen_desktop.gui.tables.results_model import LeadTableModel

BINS = 10
REPAINT_MS = 250
"""Least time between two scheduled repaints of a chart while its counts keep changing."""
STATUS_ORDER: tuple[str, ...] = (
    EmailStatus.VALID,
    EmailStatus.CATCHALL,
    EmailStatus.UNKNOWN,
    EmailStatus.INVALID,
    EmailStatus.DISPOSABLE,
    EmailStatus.UNVERIFIED,
    EmailStatus.NOT_FOUND,
)
STATUS_COLORS: dict[str, QColor] = {
    EmailStatus.VALID: QColor("#009e73"),  # bluish green
    EmailStatus.CATCHALL: QColor("#56b4e9"),  # sky blue
    EmailStatus.UNKNOWN: QColor("#e69f00"),  # orange
    EmailStatus.INVALID: QColor("#d55e00"),  # vermillion
    EmailStatus.DISPOSABLE: QColor("#cc79a7"),  # reddish purple
    EmailStatus.UNVERIFIED: QColor("#0072b2"),  # blue
    EmailStatus.NOT_FOUND: QColor("#8c8c8c"),  # grey
}


def bin_of(score: int) -> int:
    """The histogram bin (0..9) of a 0-100 score; 100 falls in the last bin."""
    return min(max(int(score), 0) // (100 // BINS), BINS - 1)


def bin_label(index: int) -> str:
    """``0–9`` … ``90–100``."""
    low = index * (100 // BINS)
    high = 100 if index == BINS - 1 else low + 100 // BINS - 1
    return f"{low}–{high}"


class LeadStats:
    """Counts of confidence bins and email statuses, updated incrementally."""

    def __init__(self) -> None:
        self.bins: list[int] = []
        self.statuses: dict[str, int] = {}
        self.total = 0
        self.clear()

    def clear(self) -> None:
        """Forget every lead."""
        self.bins = [0] * BINS
        self.statuses = dict.fromkeys(STATUS_ORDER, 0)
        self.total = 0

    def add(self, records: Iterable[LeadRecord]) -> None:
        """Count more leads."""
        for record in records:
            self.bins[bin_of(record.confidence_score)] += 1
            self.statuses[record.email_status] = self.statuses.get(record.email_status, 0) + 1
            self.total += 1


class CachedChart(QWidget):
    """A widget that paints a cached picture, redrawn only when stale, repainted at most every REPAINT_MS.

    Subclasses draw in :meth:`draw` and call :meth:`counts_changed` when their data changed.
    ``renders`` counts the pictures drawn (tests read it); ``repaint_pending`` is True while a
    change waits for the throttle.

    Signals: none.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._picture: QPixmap | None = None
        self._stale = True
        self._pending = False
        self._throttle = QTimer(self)
        self._throttle.setSingleShot(True)
        self._throttle.setInterval(REPAINT_MS)
        self._throttle.timeout.connect(self._on_throttle)
        self.renders = 0

    @property
    def repaint_pending(self) -> bool:
        """True while a change waits for the throttle before it is repainted."""
        return self._pending

    def counts_changed(self) -> None:
        """The picture is stale: repaint now when idle, else once the throttle allows."""
        self._stale = True
        if self._throttle.isActive():
            self._pending = True
            return
        self.update()
        self._throttle.start()

    @Slot()
    def _on_throttle(self) -> None:
        if self._pending:
            self._pending = False
            self.update()
            self._throttle.start()

    def draw(self, painter: QPainter) -> None:
        """Draw the chart (subclasses)."""
        raise NotImplementedError

    def paintEvent(self, event: QPaintEvent) -> None:
        """Copy the cached picture; draw it first when the data, size or palette changed."""
        ratio = self.devicePixelRatioF()
        width, height = max(self.width(), 1), max(self.height(), 1)
        picture = self._picture
        if (
            self._stale
            or picture is None
            or picture.devicePixelRatio() != ratio
            or picture.width() != round(width * ratio)
            or picture.height() != round(height * ratio)
        ):
            picture = QPixmap(round(width * ratio), round(height * ratio))
            picture.setDevicePixelRatio(ratio)
            picture.fill(Qt.GlobalColor.transparent)
            painter = QPainter(picture)
            painter.setFont(self.font())  # a pixmap's painter would start with the application's
            self.draw(painter)
            painter.end()
            self._picture, self._stale = picture, False
            self.renders += 1
        painter = QPainter(self)
        painter.drawPixmap(0, 0, picture)
        painter.end()

    def changeEvent(self, event: QEvent) -> None:
        """A new palette or font (dark mode, zoom) makes the picture stale."""
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.FontChange):
            self._stale = True
        super().changeEvent(event)


class ConfidenceHistogram(CachedChart):
    """Bars of how many leads fall in each tenth of the 0-100 confidence range.

    Signals: none.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("confidenceHistogram")
        self.setAccessibleName("Confidence score histogram")
        self.counts = [0] * BINS
        self.setMinimumSize(180, 84)
        self.set_counts(self.counts)

    def sizeHint(self) -> QSize:
        """Room for ten bars and the axis."""
        return QSize(260, 96)

    def set_counts(self, counts: list[int]) -> None:
        """Show ``counts`` (ten bins) and describe them in the tooltip."""
        self.counts = list(counts)
        description = ", ".join(f"{bin_label(i)}: {n}" for i, n in enumerate(self.counts))
        self.setToolTip(f"Leads per confidence score\n{description}")
        self.setAccessibleDescription(description)
        self.counts_changed()

    def draw(self, painter: QPainter) -> None:
        """Title, bars (highlight colour) and a 0/50/100 axis."""
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text, muted = palette.color(QPalette.ColorRole.WindowText), muted_text(palette)
        metrics = QFontMetrics(self.font())
        line = metrics.height()
        painter.setPen(muted)
        painter.drawText(QRectF(0, 0, self.width(), line), "Confidence score")
        plot = QRectF(0, line + 2, self.width(), self.height() - 2 * line - 4)
        peak = max(self.counts) or 1
        gap = 3.0
        width = (plot.width() - gap * (BINS - 1)) / BINS
        bar_color = palette.color(QPalette.ColorRole.Highlight)
        track = blend(palette.color(QPalette.ColorRole.Base), text, 0.08)
        painter.setPen(Qt.PenStyle.NoPen)
        for index, count in enumerate(self.counts):
            x = plot.x() + index * (width + gap)
            painter.setBrush(track)
            painter.drawRect(QRectF(x, plot.y(), width, plot.height()))
            if count:
                height = max(plot.height() * count / peak, 2.0)
                painter.setBrush(bar_color)
                painter.drawRect(QRectF(x, plot.bottom() - height, width, height))
        painter.setPen(muted)
        axis_y = plot.bottom() + 2
        painter.drawText(QRectF(0, axis_y, 40, line), Qt.AlignmentFlag.AlignLeft, "0")
        painter.drawText(QRectF(plot.center().x() - 20, axis_y, 40, line), Qt.AlignmentFlag.AlignCenter, "50")
        painter.drawText(QRectF(plot.right() - 40, axis_y, 40, line), Qt.AlignmentFlag.AlignRight, "100")


class StatusBreakdown(CachedChart):
    """A stacked bar of email statuses with a legend of counts.

    Signals: none.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusBreakdown")
        self.setAccessibleName("Email status breakdown")
        self.counts: dict[str, int] = dict.fromkeys(STATUS_ORDER, 0)
        self.setMinimumSize(300, 84)
        self.set_counts(self.counts)

    def sizeHint(self) -> QSize:
        """Room for the bar and a three-row legend."""
        return QSize(360, 96)

    def legend_entries(self) -> list[tuple[str, int]]:
        """(label, count) per status, in display order."""
        return [(email_status_text(status), self.counts.get(status, 0)) for status in STATUS_ORDER]

    def set_counts(self, counts: dict[str, int]) -> None:
        """Show ``counts`` (status value -> leads)."""
        self.counts = {status: counts.get(status, 0) for status in STATUS_ORDER}
        description = ", ".join(f"{label}: {count}" for label, count in self.legend_entries())
        self.setToolTip(f"Leads per email status\n{description}")
        self.setAccessibleDescription(description)
        self.counts_changed()

    def draw(self, painter: QPainter) -> None:
        """The stacked bar, then a legend of swatches, labels and counts."""
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text, muted = palette.color(QPalette.ColorRole.WindowText), muted_text(palette)
        font = QFont(self.font())
        metrics = QFontMetrics(font)
        line = metrics.height()
        painter.setPen(muted)
        painter.drawText(QRectF(0, 0, self.width(), line), "Email status")
        bar = QRectF(0, line + 2, self.width(), 14)
        total = sum(self.counts.values())
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(blend(palette.color(QPalette.ColorRole.Base), text, 0.08))
        painter.drawRoundedRect(bar, 3, 3)
        x = bar.x()
        for status in STATUS_ORDER:
            count = self.counts[status]
            if not count or not total:
                continue
            width = bar.width() * count / total
            painter.setBrush(STATUS_COLORS[status])
            painter.drawRect(QRectF(x, bar.y(), width, bar.height()))
            x += width
        entries = self.legend_entries()
        item_width = max(metrics.horizontalAdvance(f"{label} 0000") for label, _ in entries) + line + 8
        columns = max(1, min(len(entries), int(self.width() // item_width)))
        rows = math.ceil(len(entries) / columns)
        top = bar.bottom() + 6
        row_height = max((self.height() - top) / rows, float(line))
        for index, ((label, count), status) in enumerate(zip(entries, STATUS_ORDER, strict=True)):
            row, column = divmod(index, columns)
            left, y = column * item_width, top + row * row_height
            swatch = line * 0.7
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(STATUS_COLORS[status])
            painter.drawRect(QRectF(left, y + (line - swatch) / 2, swatch, swatch))
            painter.setPen(text if count else muted)
            painter.drawText(QRectF(left + swatch + 4, y, item_width, line), f"{label} {count:,}")


class LeadCharts(QWidget):
    """The two charts side by side, following a :class:`LeadTableModel`.

    Added records are counted as they arrive; a model reset recounts; layout
    changes (sorting) change nothing. Each chart repaints at most every
    :data:`REPAINT_MS` while batches arrive (see the module docstring).

    Signals: none.
    """

    def __init__(self, model: LeadTableModel | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("leadCharts")
        self.setAccessibleName("Campaign charts")
        self.stats = LeadStats()
        self.histogram = ConfidenceHistogram()
        self.status_bar = StatusBreakdown()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(16)
        layout.addWidget(self.histogram, 2)
        layout.addWidget(self.status_bar, 3)
        self._model: LeadTableModel | None = None
        if model is not None:
            self.set_model(model)

    def set_model(self, model: LeadTableModel) -> None:
        """Follow ``model`` (rows inserted, removed, reset)."""
        self._model = model
        model.records_added.connect(self._on_records_added)
        model.rowsRemoved.connect(self.recount)
        model.modelReset.connect(self.recount)
        self.recount()

    @Slot()
    def recount(self) -> None:
        """Count every row of the model again."""
        self.stats.clear()
        if self._model is not None:
            self.stats.add(self._model.records())
        self._show()

    @Slot(list)
    def _on_records_added(self, records: list[LeadRecord]) -> None:
        self.stats.add(records)
        self._show()

    def _show(self) -> None:
        self.histogram.set_counts(self.stats.bins)
        self.status_bar.set_counts(self.stats.statuses)
