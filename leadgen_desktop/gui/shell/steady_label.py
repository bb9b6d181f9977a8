"""A label for texts that change often (counts, run counters) without laying the window out again."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel


class SteadyLabel(QLabel):
    """A label that keeps its size while its text changes; it only widens when a text needs more room.

    Why: ``QLabel.setText`` asks the layouts above it to lay out again, and a
    tab widget answers that request by repainting the whole of itself
    (``QTabWidget::setUpLayout``): the lead table, its filter and the tab bar
    were repainted for every new lead count during a run, and a counter above
    the tabs whose text changed width repainted the All-leads table
    (benchmarks/stall_probe.py). A widget whose minimum and maximum sizes are
    equal asks nothing.

    Signals: none of its own.
    """

    def setText(self, text: str) -> None:
        """Show ``text``; widen (never narrow) the fixed size when it needs more room."""
        super().setText(text)
        hint = self.sizeHint()
        width = max(hint.width(), self.minimumWidth())
        if width != self.minimumWidth() or hint.height() != self.minimumHeight():
            self.setFixedSize(width, hint.height())
