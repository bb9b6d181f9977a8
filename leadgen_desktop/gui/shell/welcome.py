"""First-run welcome: an in-window panel (not a modal dialog) about demo mode and API keys."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Signal, Slot
from PySide6.QtGui import QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from leadgen_desktop.gui.shell.theme import accent_border, tint

WELCOME_TITLE = "Welcome to leadgen-desktop"
WELCOME_TEXT = (
    "Until you add API keys the app runs in demo mode: campaigns use offline sample data, "
    "make no API calls and cost $0.00, so you can try everything safely. "
    "To search real businesses add a Google Places key in Settings; add Hunter.io to find emails "
    "and NeverBounce to verify them. Keys are kept in your system keychain, never in files, "
    "and every paid call is counted in the metrics."
)


class WelcomePanel(QFrame):
    """A short welcome with "Open Settings…" and "Got it" buttons.

    Signals:
        settings_requested(): the user wants to add API keys.
        dismissed(): the user closed the panel.
    """

    settings_requested = Signal()
    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcomePanel")
        self.setAccessibleName("Welcome")
        title = QLabel(WELCOME_TITLE)
        font = QFont(title.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        title.setFont(font)
        self.text_label = QLabel(WELCOME_TEXT)
        self.text_label.setWordWrap(True)
        self.text_label.setObjectName("welcomeText")
        self.settings_button = QPushButton("Open Settings…")
        self.settings_button.setObjectName("welcomeSettingsButton")
        self.settings_button.setAccessibleName("Open Settings to add API keys")
        self.settings_button.clicked.connect(self.settings_requested)
        self.close_button = QPushButton("Got it")
        self.close_button.setObjectName("welcomeCloseButton")
        self.close_button.setAccessibleName("Close the welcome")
        self.close_button.clicked.connect(self.dismiss)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.settings_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addWidget(title)
        layout.addWidget(self.text_label)
        layout.addLayout(buttons)
        self._apply_colors()

    @Slot()
    def dismiss(self) -> None:
        """Hide the panel and emit ``dismissed``."""
        self.hide()
        self.dismissed.emit()

    def _apply_colors(self) -> None:
        palette = QGuiApplication.palette()  # not self.palette(): the style sheet changes that
        text = palette.color(QPalette.ColorRole.WindowText).name()
        sheet = (
            f"QFrame#welcomePanel {{ background: {tint(palette, 'success').name()};"
            f" border: 1px solid {accent_border(palette, 'success').name()}; border-radius: 6px; }}"
            f" QFrame#welcomePanel QLabel {{ color: {text}; }}"
        )
        if sheet != self.styleSheet():
            self.setStyleSheet(sheet)

    def changeEvent(self, event: QEvent) -> None:
        """Re-tint when the palette changes (dark mode)."""
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_colors()
        super().changeEvent(event)
