"""The window's left column: the campaign form with Start/Cancel, and the campaign history."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from leadgen_desktop.db.store import Store
from leadgen_desktop.gui.run.campaign_form import CampaignForm
from leadgen_desktop.gui.run.history_panel import HistoryPanel


class CampaignPanel(QWidget):
    """Form, Start and Cancel buttons above the history list.

    Attributes used by the window: ``form``, ``start_button``, ``cancel_button``, ``queue_button``
    (team databases only), ``history`` (with its ``resume_button``).

    Signals: none of its own (see :class:`CampaignForm` and :class:`HistoryPanel`).
    """

    def __init__(self, repo: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form = CampaignForm()
        self.start_button = QPushButton("Start")
        self.start_button.setObjectName("startButton")
        self.start_button.setAccessibleName("Start campaign")
        self.start_button.setDefault(True)
        self.start_button.setShortcut(QKeySequence("Ctrl+Return"))
        self.start_button.setToolTip("Start the campaign (Ctrl+Return)")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setAccessibleName("Cancel campaign")
        self.cancel_button.setToolTip("Stop the running campaign; stored leads are kept")
        self.queue_button = QPushButton("Queue")
        self.queue_button.setObjectName("queueButton")
        self.queue_button.setToolTip("Store the campaign for the team's workers (leadgen worker) to run")
        self.queue_button.setVisible(False)  # shown on a team database (gui/shell/team_mode.py)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.queue_button)
        buttons.addWidget(self.start_button)
        form_box = QGroupBox("New campaign")
        form_layout = QVBoxLayout(form_box)
        form_layout.addWidget(self.form)
        form_layout.addLayout(buttons)

        self.history = HistoryPanel(repo)
        history_box = QGroupBox("History")
        history_layout = QVBoxLayout(history_box)
        history_layout.addWidget(self.history)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(form_box)
        layout.addWidget(history_box, 1)
