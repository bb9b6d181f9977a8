"""The coverage picture: the area's rectangle, its tiles shaded by their places, a dot per business.

Drawn with QPainter, no map tiles: longitude runs left to right, latitude
bottom to top, with longitudes shrunk by the cosine of the area's middle
latitude so a square kilometre looks square. Tiles still to be searched are
outlined with dashes, tiles searched are filled darker the more places they
hold (a tile still full at the smallest size is outlined in red), and every
business whose location is known is a dot.

It never stalls the window: :meth:`CoverageView.set_coverage` only keeps the
newest snapshot; the picture is redrawn into a cached pixmap at most
:data:`REDRAW_MS` apart, and ``paintEvent`` just copies that pixmap.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, Slot
from PySide6.QtGui import QBrush, QColor, QPainter, QPaintEvent, QPen, QPixmap, QPolygonF, QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from leadgen_desktop.domain import RESULTS_PER_QUERY, Area, Coverage

REDRAW_MS = 250
"""Least time between two redraws of the picture while a run sends snapshots."""
MARGIN = 6
TILE_FILL = QColor(38, 110, 190)
SATURATED = QColor(200, 40, 40)
DOT = QColor(230, 120, 0)
OUTLINE = QColor(90, 90, 90)


class CoverageView(QWidget):
    """Shows a :class:`~leadgen_desktop.domain.Coverage` (see the module docstring).

    Signals: none.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("coverageView")
        self.setAccessibleName("Area coverage")
        self.setMinimumSize(140, 110)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._coverage: Coverage | None = None
        self._picture: QPixmap | None = None
        self._dirty = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self._redraw)
        self.redraws = 0  # pictures drawn so far (tests count them)

    @property
    def coverage(self) -> Coverage | None:
        """The snapshot shown (or about to be)."""
        return self._coverage

    def sizeHint(self) -> QSize:
        """A small square-ish picture."""
        return QSize(220, 180)

    def set_coverage(self, coverage: Coverage | None) -> None:
        """Show ``coverage`` (None: nothing); redrawn at once when idle, else at most every REDRAW_MS."""
        self._coverage = coverage
        self.setToolTip(coverage.describe() if coverage is not None else "")
        self._dirty = True
        if not self._timer.isActive():
            self._redraw()
            self._timer.start()  # snapshots arriving meanwhile wait for it

    def clear(self) -> None:
        """Show nothing."""
        self.set_coverage(None)

    # -- painting ------------------------------------------------------------------------

    @Slot()
    def _redraw(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        self._picture = self.render_picture(self.size())
        self.redraws += 1
        self.update()

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Redraw for the new size."""
        super().resizeEvent(event)
        self._dirty = True
        self._redraw()

    def paintEvent(self, event: QPaintEvent) -> None:
        """Copy the cached picture (drawing happens in :meth:`render_picture`)."""
        if self._picture is None:
            return
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._picture)
        painter.end()

    def render_picture(self, size: QSize) -> QPixmap:
        """The picture of the current snapshot at ``size`` (also what a test grabs)."""
        picture = QPixmap(max(size.width(), 1), max(size.height(), 1))
        picture.fill(self.palette().base().color())
        coverage = self._coverage
        if coverage is None:
            return picture
        painter = QPainter(picture)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        frame = _Frame(
            coverage.area, QRectF(MARGIN, MARGIN, size.width() - 2 * MARGIN, size.height() - 2 * MARGIN)
        )
        painter.setPen(QPen(OUTLINE, 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(frame.bounds)
        for tile in coverage.tiles:
            share = min(tile.places / RESULTS_PER_QUERY, 1.0)
            fill = QColor(TILE_FILL)
            fill.setAlphaF(0.08 + 0.62 * share)
            painter.setBrush(QBrush(fill))
            painter.setPen(QPen(SATURATED, 2) if tile.saturated else QPen(fill.darker(130), 0.5))
            for rect in frame.rects(tile.rect):
                painter.drawRect(rect)
        dashed = QPen(OUTLINE, 1, Qt.PenStyle.DashLine)
        painter.setPen(dashed)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for pending in coverage.pending:
            for rect in frame.rects(pending):
                painter.drawRect(rect)
        painter.setPen(QPen(DOT, 2.5))
        painter.drawPoints(QPolygonF([frame.point(lat, lng) for lat, lng in coverage.points]))
        painter.end()
        return picture


class _Frame:
    """Maps degrees of the area to pixels of a rectangle (aspect kept, longitudes by cos(latitude))."""

    def __init__(self, area: Area, box: QRectF) -> None:
        self.area = area
        mid = math.radians((area.south + area.north) / 2)
        width_deg = area.lng_span * max(math.cos(mid), 0.01)
        height_deg = area.north - area.south
        scale = min(box.width() / width_deg, box.height() / height_deg)
        self.scale_x = scale * max(math.cos(mid), 0.01)
        self.scale_y = scale
        width, height = width_deg * scale, height_deg * scale
        self.bounds = QRectF(
            box.x() + (box.width() - width) / 2, box.y() + (box.height() - height) / 2, width, height
        )

    def _x(self, lng: float) -> float:
        offset = lng - self.area.west
        if self.area.crosses_antimeridian and offset < 0:
            offset += 360.0
        return self.bounds.left() + offset * self.scale_x

    def _y(self, lat: float) -> float:
        return self.bounds.bottom() - (lat - self.area.south) * self.scale_y

    def point(self, lat: float, lng: float) -> QPointF:
        """The pixel of a place."""
        return QPointF(self._x(lng), self._y(lat))

    def rects(self, rect: Area) -> list[QRectF]:
        """The pixels of a tile (two rectangles for one across the antimeridian)."""
        return [
            QRectF(
                QPointF(self._x(part.west), self._y(part.north)),
                QPointF(self._x(part.east), self._y(part.south)),
            )
            for part in rect.parts()
        ]
