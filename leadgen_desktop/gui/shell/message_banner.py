"""A non-blocking message area: the latest few messages, each with its own close button.

Errors and notices never open a cascade of dialogs: they stack here, newest
first, at most :data:`MAX_MESSAGES` of them (older ones drop off). Repeating
a message moves it to the top with a count instead of adding a copy. Colours
are palette tints (see :mod:`leadgen_desktop.gui.shell.theme`), so the banner reads
well in dark mode too.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, Qt, Signal, Slot
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from leadgen_desktop.gui.shell.theme import accent_border, tint

MAX_MESSAGES = 3


@dataclass(slots=True)
class BannerMessage:
    """One message: its text, kind (``info``/``error``) and how often it was repeated."""

    text: str
    kind: str = "info"
    repeats: int = 1

    @property
    def display(self) -> str:
        """The text with a repeat count when shown more than once."""
        return self.text if self.repeats == 1 else f"{self.text} (×{self.repeats})"


class _MessageRow(QFrame):
    """One row: the message text and a close button."""

    def __init__(self, index: int, banner: MessageBanner) -> None:
        super().__init__(banner)
        self.setObjectName("bannerMessage")
        self.label = QLabel()
        self.label.setObjectName(f"bannerText{index}")
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.close_button = QToolButton()
        self.close_button.setObjectName(f"bannerClose{index}")
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.setAccessibleName("Dismiss message")
        self.close_button.setToolTip("Dismiss this message")
        self.close_button.clicked.connect(lambda: banner.dismiss(index))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)

    def show_message(self, message: BannerMessage) -> None:
        self.label.setText(message.display)
        self.setProperty("kind", message.kind)
        self.label.setAccessibleName("Error" if message.kind == "error" else "Message")
        palette = QGuiApplication.palette()  # not self.palette(): the style sheet changes that
        background, border = tint(palette, message.kind), accent_border(palette, message.kind)
        text = palette.color(QPalette.ColorRole.WindowText)
        sheet = (
            f"QFrame#bannerMessage {{ background: {background.name()}; border: 1px solid {border.name()};"
            f" border-radius: 4px; }} QLabel {{ color: {text.name()}; }}"
        )
        if sheet != self.styleSheet():
            self.setStyleSheet(sheet)


class MessageBanner(QFrame):
    """Stacked, dismissable messages; hidden when there are none.

    ``label`` is the newest message's label; :meth:`messages` lists what is
    shown, newest first.

    Signals:
        changed(): a message was added or dismissed.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None, max_messages: int = MAX_MESSAGES) -> None:
        super().__init__(parent)
        self.setObjectName("infoBanner")
        self.setAccessibleName("Messages")
        self._messages: list[BannerMessage] = []
        self._max = max(max_messages, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        self._rows = [_MessageRow(index, self) for index in range(self._max)]
        for row in self._rows:
            layout.addWidget(row)
        self.label = self._rows[0].label
        self._render()

    def messages(self) -> list[BannerMessage]:
        """The messages shown, newest first."""
        return list(self._messages)

    def add(self, text: str, kind: str = "info") -> None:
        """Show ``text`` on top; a repeated text moves up with a count; the oldest drops off."""
        for existing in self._messages:
            if existing.text == text and existing.kind == kind:
                self._messages.remove(existing)
                existing.repeats += 1
                self._messages.insert(0, existing)
                break
        else:
            self._messages.insert(0, BannerMessage(text, kind))
            del self._messages[self._max :]
        self._render()

    @Slot()
    def dismiss(self, index: int = 0) -> None:
        """Remove the message at ``index`` (0 is the newest)."""
        if 0 <= index < len(self._messages):
            del self._messages[index]
            self._render()

    @Slot()
    def clear(self) -> None:
        """Remove every message (and hide)."""
        self._messages.clear()
        self._render()

    def _render(self) -> None:
        for index, row in enumerate(self._rows):
            if index < len(self._messages):
                row.show_message(self._messages[index])
                row.show()
            else:
                row.label.clear()
                row.hide()
        self.setVisible(bool(self._messages))
        self.setProperty("kind", self._messages[0].kind if self._messages else None)
        self.changed.emit()

    def changeEvent(self, event: QEvent) -> None:
        """Re-tint the rows when the palette changes (dark mode)."""
        if event.type() == QEvent.Type.PaletteChange:
            for message, row in zip(self._messages, self._rows, strict=False):
                row.show_message(message)
        super().changeEvent(event)
