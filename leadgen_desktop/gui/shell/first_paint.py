"""Run work once the window has painted for the first time (what start-up may leave for later)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget


class _FirstPaintWatcher(QObject):
    """Event filter on one top-level widget: after its first paint, calls back once and goes away.

    Qt paints a top-level widget when it delivers ``UpdateRequest`` to it; the
    callback is queued behind that event (a zero timer), so the window is on
    screen before it runs. The filter sees the window's own events only until then.
    """

    def __init__(self, widget: QWidget, callback: Callable[[], None]) -> None:
        super().__init__(widget)
        self._widget = widget
        self._callback = callback
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._widget and event.type() == QEvent.Type.UpdateRequest:
            self._widget.removeEventFilter(self)
            QTimer.singleShot(0, self._done)
        return False

    def _done(self) -> None:
        self._callback()
        self.deleteLater()


def after_first_paint(widget: QWidget, callback: Callable[[], None]) -> None:
    """Call ``callback`` once, just after ``widget`` (a top-level window) has first painted."""
    _FirstPaintWatcher(widget, callback)
