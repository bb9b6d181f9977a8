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
        self._fit(self.sizeHint().width(), self.sizeHint().height())

    def reserve(self, *texts: str) -> None:
        """Make room now for ``texts`` (shown later), so that showing them lays nothing out again.

        Used for what a run shows at its start: the window is laid out once, before, instead
        of in the run's first second, when the layout moved the splitter and the All-leads
        table repainted all of itself (benchmarks/stall_probe.py --all-leads).
        """
        self.ensurePolished()  # measured in the style sheet's font
        shown, width = self.text(), 0
        for text in texts:  # measured as QLabel measures it (set, never painted in between)
            super().setText(text)
            width = max(width, self.sizeHint().width())
        super().setText(shown)
        self._fit(width, self.sizeHint().height())

    def _fit(self, width: int, height: int) -> None:
        width = max(width, self.minimumWidth())
        if width != self.minimumWidth() or height != self.minimumHeight():
            self.setFixedSize(width, height)
