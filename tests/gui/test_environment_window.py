"""The window starts with a bad LEADGEN_*_URL or an unsendable key: a clear message, no crash.

The same checks as the command (net.http.ConfigError), shown in the window's banner
with the variable or the provider named and the key never shown.
"""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from leadgen_desktop.db.store import Store
from leadgen_desktop.gui.shell.main_window import MainWindow


def open_window(qtbot: QtBot, repo: Store) -> MainWindow:
    window = MainWindow(repo)  # the real providers factory: keys from the environment
    qtbot.addWidget(window)
    window.show()
    return window


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        ("LEADGEN_HUNTER_URL", "   ", "LEADGEN_HUNTER_URL is only white space"),
        ("LEADGEN_GOOGLE_PLACES_URL", "http://exa mple.com", "LEADGEN_GOOGLE_PLACES_URL is not a valid URL"),
        ("LEADGEN_HUNTER_KEY", "clé-secrète", "The Hunter.io API key holds characters"),
    ],
)
def test_a_bad_environment_is_a_message_not_a_crash(
    qtbot: QtBot, repo: Store, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, said: str
) -> None:
    monkeypatch.setenv("LEADGEN_GOOGLE_PLACES_KEY", "g-key")
    monkeypatch.setenv("LEADGEN_HUNTER_KEY", "h-key")
    monkeypatch.setenv(variable, value)
    window = open_window(qtbot, repo)
    [message] = window.run_overview.info_banner.messages()
    assert message.kind == "error"
    assert said in message.text
    assert "clé" not in message.text
    assert window.providers is None  # no run can start on a half-built configuration
    window.close()
