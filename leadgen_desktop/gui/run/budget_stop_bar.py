"""The bar offering "Resume with higher budget…" after a run stopped on its budget."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from leadgen_desktop.domain import BudgetStop

BUDGET_ACTION_TEXT = "Resume with higher budget…"


class BudgetStopBar(QFrame):
    """A bar saying the run stopped on its budget, what would finish it, and "Resume with higher budget…".

    Signals:
        resume_clicked(str job_id): the user wants to resume with a higher budget.
    """

    resume_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("budgetStopBar")
        self.job_id: str | None = None
        self.label = QLabel("This run stopped on its budget.")
        self.label.setWordWrap(True)
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

    def show_for(self, job_id: str, stop: BudgetStop | None) -> None:
        """Say how ``job_id`` stopped on its budget and offer the action."""
        self.job_id = job_id
        self.label.setText(budget_stop_text(stop))
        self.show()

    @Slot()
    def _on_clicked(self) -> None:
        if self.job_id is not None:
            self.resume_clicked.emit(self.job_id)


def budget_stop_text(stop: BudgetStop | None) -> str:
    """The window's words for a budget stop."""
    if stop is None:
        return "This run stopped on its budget."
    left = f"{stop.leads_left} lead{'s' if stop.leads_left != 1 else ''} left"
    return (
        f"This run stopped on its budget: ${stop.spent:.2f} of ${stop.limit:.2f} spent, {left}. "
        f"A budget of ${stop.needed:.2f} would finish it."
    )
