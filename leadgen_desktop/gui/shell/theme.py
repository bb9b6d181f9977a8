"""Colours derived from the current palette, so widgets read well in light and dark modes.

Nothing here hard-codes a light background: tints are blends of an accent
colour into the palette's base colour, muted text is a blend of the text
colour towards the window colour. :func:`dark_palette` is a Fusion-style dark
palette used by the screenshot script and the dark-mode tests.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

ACCENTS: dict[str, QColor] = {
    "info": QColor("#0072b2"),  # Okabe-Ito blue
    "error": QColor("#d55e00"),  # Okabe-Ito vermillion
    "success": QColor("#009e73"),  # Okabe-Ito bluish green
}


def blend(first: QColor, second: QColor, amount: float) -> QColor:
    """``first`` moved ``amount`` (0..1) of the way towards ``second``."""
    amount = min(max(amount, 0.0), 1.0)
    return QColor.fromRgbF(
        first.redF() + (second.redF() - first.redF()) * amount,
        first.greenF() + (second.greenF() - first.greenF()) * amount,
        first.blueF() + (second.blueF() - first.blueF()) * amount,
    )


def is_dark(palette: QPalette) -> bool:
    """True when the palette's window colour is dark."""
    return palette.color(QPalette.ColorRole.Window).lightnessF() < 0.5


def muted_text(palette: QPalette) -> QColor:
    """Secondary text: the text colour a third of the way towards the background."""
    text = palette.color(QPalette.ColorRole.WindowText)
    return blend(text, palette.color(QPalette.ColorRole.Window), 0.35)


def tint(palette: QPalette, kind: str, amount: float | None = None) -> QColor:
    """A background for a ``kind`` banner: its accent blended into the base colour."""
    accent = ACCENTS.get(kind, ACCENTS["info"])
    strength = amount if amount is not None else (0.32 if is_dark(palette) else 0.14)
    return blend(palette.color(QPalette.ColorRole.Base), accent, strength)


def accent_border(palette: QPalette, kind: str) -> QColor:
    """A border colour for a ``kind`` banner (stronger than its tint)."""
    accent = ACCENTS.get(kind, ACCENTS["info"])
    return blend(palette.color(QPalette.ColorRole.Base), accent, 0.6)


def dark_palette() -> QPalette:
    """A dark palette with readable contrast (for screenshots and tests)."""
    palette = QPalette()
    window, base, text = QColor("#202124"), QColor("#17181a"), QColor("#e8eaed")
    roles = {
        QPalette.ColorRole.Window: window,
        QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base,
        QPalette.ColorRole.AlternateBase: QColor("#25272b"),
        QPalette.ColorRole.ToolTipBase: QColor("#303134"),
        QPalette.ColorRole.ToolTipText: text,
        QPalette.ColorRole.PlaceholderText: QColor("#9aa0a6"),
        QPalette.ColorRole.Text: text,
        QPalette.ColorRole.Button: QColor("#2d2f33"),
        QPalette.ColorRole.ButtonText: text,
        QPalette.ColorRole.BrightText: QColor("#ff8a80"),
        QPalette.ColorRole.Light: QColor("#3c4043"),
        QPalette.ColorRole.Midlight: QColor("#34363a"),
        QPalette.ColorRole.Mid: QColor("#5f6368"),
        QPalette.ColorRole.Dark: QColor("#111214"),
        QPalette.ColorRole.Shadow: QColor("#000000"),
        QPalette.ColorRole.Highlight: QColor("#3b82c4"),
        QPalette.ColorRole.HighlightedText: QColor("#ffffff"),
        QPalette.ColorRole.Link: QColor("#8ab4f8"),
        QPalette.ColorRole.LinkVisited: QColor("#c58af9"),
    }
    for role, color in roles.items():
        palette.setColor(role, color)
    disabled = QColor("#7f8388")
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return palette
