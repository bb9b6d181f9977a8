"""The bar offering "Resume with higher budget…" after a run stopped on its budget."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

BUDGET_ACTION_TEXT = "Resume with higher budget…"


class BudgetStopBar(QFrame):
    """A bar saying the run stopped on its budget, with "Resume with higher budget…".

    The notice itself (how much more would finish the run) is in the window's
    info banner; this bar sits right under it and offers the action.

    Signals:
        resume_clicked(str job_id): the user wants to resume with a higher budget.
    """

    resume_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("budgetStopBar")
        self.job_id: str | None = None
        self.label = QLabel("This run stopped on its budget.")
        self.button = QPushButton(BUDGET_ACTION_TEXT)
        self.button.setObjectName("budgetResumeButton")
        self.button.clicked.connect(self._on_clicked)
        close = QPushButton("Dismiss")
        close.setFlat(True)
        close.setAccessibleName("Dismiss the budget message")
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 0, 4, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)
        layout.addWidget(close)
        self.hide()

    def show_for(self, job_id: str) -> None:
        """Offer the action for ``job_id``."""
        self.job_id = job_id
        self.show()

    @Slot()
    def _on_clicked(self) -> None:
        if self.job_id is not None:
            self.resume_clicked.emit(self.job_id)
