"""The message banner: several messages without dialogs, latest few kept, each closable, repeats counted."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication, QToolButton, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from leadgen_desktop.gui.shell.message_banner import MAX_MESSAGES, MessageBanner
from leadgen_desktop.gui.shell.theme import dark_palette


@pytest.fixture
def banner(qtbot: QtBot) -> Iterator[MessageBanner]:
    """A banner inside a shown host widget (kept alive here: qtbot holds only a weak reference)."""
    host = QWidget()
    widget = MessageBanner()
    QVBoxLayout(host).addWidget(widget)
    qtbot.addWidget(host)
    host.show()
    yield widget
    host.close()


def test_latest_messages_are_kept(banner: MessageBanner) -> None:
    assert not banner.isVisible()
    for number in range(5):
        banner.add(f"message {number}", "error" if number % 2 else "info")
    assert banner.isVisible()
    assert [m.text for m in banner.messages()] == ["message 4", "message 3", "message 2"]
    assert len(banner.messages()) == MAX_MESSAGES
    assert banner.label.text() == "message 4"
    assert banner.property("kind") == "info"


def test_repeats_move_up_with_a_count(banner: MessageBanner) -> None:
    banner.add("quota exhausted", "error")
    banner.add("other")
    banner.add("quota exhausted", "error")
    assert [m.display for m in banner.messages()] == ["quota exhausted (×2)", "other"]


def test_each_message_closes_on_its_own(banner: MessageBanner) -> None:
    banner.add("first")
    banner.add("second")
    older = banner.findChild(QToolButton, "bannerClose1")
    assert older is not None
    assert older.accessibleName() == "Dismiss message"
    older.click()
    assert [m.text for m in banner.messages()] == ["second"]
    newest = banner.findChild(QToolButton, "bannerClose0")
    assert newest is not None
    newest.click()
    assert banner.messages() == []
    assert not banner.isVisible()


def test_colours_follow_a_dark_palette(banner: MessageBanner) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    original = app.palette()
    try:
        app.setPalette(dark_palette())
        banner.add("shown in dark mode", "error")
        row = banner.label.parentWidget()
        assert "color: #e8eaed" in row.styleSheet()  # the dark palette's text colour
        assert not banner.grab().isNull()
    finally:
        app.setPalette(original)
