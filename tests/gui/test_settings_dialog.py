"""Settings: API keys (store, never show, remove, test, no keychain), prices, cache; demo → live."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import keyring
import keyring.backends.fail
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QLabel, QLineEdit, QMessageBox
from pytestqt.qtbot import QtBot

from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import CampaignConfig, CancelToken, Providers
from leadgen_desktop.gui.settings.key_check import check_key
from leadgen_desktop.gui.settings.settings_dialog import SettingsDialog
from leadgen_desktop.gui.shell.main_window import MainWindow
from leadgen_desktop.keychain import SERVICE, ApiKeyStore
from leadgen_desktop.logging_setup import LOG_FILENAME, configure_logging
from leadgen_desktop.net.http import KeyCheck
from leadgen_desktop.net.providers.demo import build_demo_providers
from leadgen_desktop.paths import log_dir
from leadgen_desktop.settings import load_settings, settings_path
from tests.conftest import MemoryKeyring
from tests.fakes.api_server import GOOGLE_KEY, HUNTER_KEY, FakeApis, serve

SECRET = "sk-live-0123456789abcdef"
TEST_TIMEOUT = 10_000

_OPEN: list[MainWindow | SettingsDialog] = []


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Store]:
    repository = Store.open(tmp_path / "t.db")
    yield repository
    while _OPEN:
        _OPEN.pop().close()
    repository.db.close()


def make_dialog(
    qtbot: QtBot, repo: Store, store: ApiKeyStore | None = None, **kwargs: object
) -> SettingsDialog:
    dialog = SettingsDialog(repo, store or ApiKeyStore(), **kwargs)
    qtbot.addWidget(dialog)
    _OPEN.append(dialog)
    dialog.show()
    return dialog


def visible_texts(dialog: SettingsDialog) -> list[str]:
    texts = [label.text() for label in dialog.findChildren(QLabel)]
    for edit in dialog.findChildren(QLineEdit):
        texts += [edit.text(), edit.placeholderText(), edit.toolTip()]
    return texts


def test_saving_a_key_stores_it_in_the_keychain_and_never_shows_it(
    qtbot: QtBot, repo: Store, isolated_env: MemoryKeyring
) -> None:
    dialog = make_dialog(qtbot, repo)
    row = dialog.keys_tab.rows["google_places"]
    assert row.edit.echoMode() == QLineEdit.EchoMode.Password
    assert row.edit.placeholderText() == "Not set"
    assert not dialog.keys_tab.warning.isVisibleTo(dialog)
    qtbot.keyClicks(row.edit, SECRET)
    with qtbot.waitSignal(dialog.keys_changed):
        qtbot.mouseClick(row.save, Qt.MouseButton.LeftButton)
    assert isolated_env.store[(SERVICE, "google_places")] == SECRET
    assert row.edit.text() == ""
    assert row.edit.placeholderText() == "Stored in keychain"
    assert row.status.text() == "Stored in keychain"
    assert all(SECRET not in text for text in visible_texts(dialog))
    # A new dialog shows where the key is, never the key.
    again = make_dialog(qtbot, repo)
    assert again.keys_tab.rows["google_places"].edit.text() == ""
    assert again.keys_tab.rows["google_places"].edit.placeholderText() == "Stored in keychain"
    assert all(SECRET not in text for text in visible_texts(again))


def test_remove_deletes_the_stored_key(qtbot: QtBot, repo: Store, isolated_env: MemoryKeyring) -> None:
    store = ApiKeyStore()
    store.set("hunter", SECRET)
    dialog = make_dialog(qtbot, repo, store)
    row = dialog.keys_tab.rows["hunter"]
    assert row.remove.isEnabled()
    with qtbot.waitSignal(dialog.keys_changed):
        qtbot.mouseClick(row.remove, Qt.MouseButton.LeftButton)
    assert (SERVICE, "hunter") not in isolated_env.store
    assert store.get("hunter") is None
    assert row.status.text() == "Not set"
    assert not row.remove.isEnabled()


def test_an_environment_key_is_read_only(qtbot: QtBot, repo: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADGEN_HUNTER_KEY", SECRET)
    dialog = make_dialog(qtbot, repo)
    row = dialog.keys_tab.rows["hunter"]
    assert row.status.text() == "From environment variable LEADGEN_HUNTER_KEY (read-only here)"
    assert row.edit.isReadOnly()
    assert not row.save.isEnabled()
    assert not row.remove.isEnabled()
    assert all(SECRET not in text for text in visible_texts(dialog))


def test_without_a_keychain_the_key_is_kept_for_this_session_only(
    qtbot: QtBot, repo: Store, isolated_env: MemoryKeyring
) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    store = ApiKeyStore()
    dialog = make_dialog(qtbot, repo, store)
    warning = dialog.keys_tab.warning
    assert warning.isVisibleTo(dialog)
    assert warning.text().startswith(
        "No keychain is available on this system: the key will be kept in memory for this session only."
    )
    assert "LEADGEN_" in warning.text()
    row = dialog.keys_tab.rows["neverbounce"]
    qtbot.keyClicks(row.edit, SECRET)
    qtbot.mouseClick(row.save, Qt.MouseButton.LeftButton)
    assert store.get("neverbounce") == SECRET  # in memory, for this session
    assert row.status.text() == "Kept in memory for this session only"
    assert isolated_env.store == {}
    assert ApiKeyStore().get("neverbounce") is None  # a new session would not have it
    assert not list(settings_path().parent.glob("*")) or SECRET not in settings_path().read_text()


def test_test_button_reports_valid_and_invalid_keys_from_the_loopback_fake(
    qtbot: QtBot, repo: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeApis()
    with serve(fake) as base_url:
        monkeypatch.setenv("LEADGEN_GOOGLE_PLACES_URL", base_url)
        store = ApiKeyStore()
        store.set("google_places", GOOGLE_KEY)
        dialog = make_dialog(qtbot, repo, store)
        tab = dialog.keys_tab
        row = tab.rows["google_places"]
        with qtbot.waitSignal(tab.test_finished, timeout=TEST_TIMEOUT) as blocker:
            qtbot.mouseClick(row.test, Qt.MouseButton.LeftButton)  # the stored key
            assert row.result.text() == "Testing…"
            assert not row.test.isEnabled()
        assert blocker.args[1].ok
        assert row.result.text().startswith("✓ Valid")
        assert row.test.isEnabled()

        qtbot.keyClicks(row.edit, "wrong-key-123456")  # the typed key wins
        with qtbot.waitSignal(tab.test_finished, timeout=TEST_TIMEOUT) as blocker:
            qtbot.mouseClick(row.test, Qt.MouseButton.LeftButton)
        assert not blocker.args[1].ok
        assert row.result.text().startswith("✗")
        assert "rejected the API key" in row.result.text()
        assert "wrong-key-123456" not in row.result.text()
    assert fake.calls["google_places"] == 2


def test_test_button_shows_credits_left_and_network_errors(qtbot: QtBot, repo: Store) -> None:
    fake = FakeApis()

    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    transports: dict[str, httpx.BaseTransport] = {
        "hunter": fake.transport(),
        "neverbounce": httpx.MockTransport(refused),
    }

    def checker(provider: str, key: str, cancel: CancelToken) -> KeyCheck:
        return check_key(provider, key, cancel, transport=transports[provider])

    dialog = make_dialog(qtbot, repo, checker=checker)
    tab = dialog.keys_tab
    qtbot.keyClicks(tab.rows["hunter"].edit, HUNTER_KEY)
    with qtbot.waitSignal(tab.test_finished, timeout=TEST_TIMEOUT):
        qtbot.mouseClick(tab.rows["hunter"].test, Qt.MouseButton.LeftButton)
    assert tab.rows["hunter"].result.text().startswith("✓ Valid")
    assert "credits left" in tab.rows["hunter"].result.text()

    qtbot.keyClicks(tab.rows["neverbounce"].edit, "nb-key-abcdef")
    with qtbot.waitSignal(tab.test_finished, timeout=TEST_TIMEOUT):
        qtbot.mouseClick(tab.rows["neverbounce"].test, Qt.MouseButton.LeftButton)
    text = tab.rows["neverbounce"].result.text()
    assert text.startswith("✗")
    assert "connect" in text


def test_testing_without_any_key_says_so(qtbot: QtBot, repo: Store) -> None:
    dialog = make_dialog(qtbot, repo)
    assert not dialog.keys_tab.test_key("hunter")
    assert "No key to test" in dialog.keys_tab.rows["hunter"].result.text()


def test_prices_rate_and_cache_lifetime_are_saved_to_settings_json(qtbot: QtBot, repo: Store) -> None:
    dialog = make_dialog(qtbot, repo)
    assert set(dialog.price_spins) >= {"places_text_search_pro", "hunter_credit", "neverbounce_credit"}
    assert dialog.price_spins["hunter_credit"].decimals() >= 4
    assert dialog.price_spins["hunter_credit"].maximum() == 1.0
    dialog.price_spins["hunter_credit"].setValue(0.0301)
    dialog.rate_spin.setValue(2.5)
    dialog.ttl_spin.setValue(7)
    assert dialog.ttl_spin.maximum() == 3650
    with qtbot.waitSignal(dialog.settings_saved):
        dialog.button_box.button(dialog.button_box.StandardButton.Save).click()
    data = json.loads(settings_path().read_text())
    assert data["prices"]["hunter_credit"] == pytest.approx(0.0301)
    assert data["cache_ttl_days"] == 7
    assert data["neverbounce_rate"] == 2.5
    assert load_settings().cache_ttl_days == 7


def _populate_caches(repo: Store) -> None:
    from leadgen_desktop.core.run.pipeline import Pipeline

    pipeline = Pipeline(repo, build_demo_providers(latency=0.0))
    config = CampaignConfig(business_type="dentist", location="Austin, TX", max_results=5, min_score=0)
    _campaign, job_id = pipeline.start(config)
    pipeline.run(job_id, CancelToken(), lambda _event: None)


def test_clear_cache_empties_the_cache_after_confirmation(
    qtbot: QtBot, repo: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _populate_caches(repo)
    assert repo.lookups.stats().total > 0
    dialog = make_dialog(qtbot, repo)
    assert "places" in dialog.cache_label.text()
    assert "database file" in dialog.cache_label.text()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Cancel)
    assert not dialog.clear_cache()
    assert repo.lookups.stats().total > 0
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(dialog.cache_cleared):
        qtbot.mouseClick(dialog.clear_cache_button, Qt.MouseButton.LeftButton)
    assert repo.lookups.stats().total == 0
    assert dialog.cache_label.text().startswith("0 places, 0 domains, 0 emails")


def make_window(qtbot: QtBot, repo: Store, **kwargs: object) -> MainWindow:
    window = MainWindow(repo, **kwargs)
    qtbot.addWidget(window)
    _OPEN.append(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_clear_cache_is_disabled_during_a_run(qtbot: QtBot, repo: Store) -> None:
    def slow() -> Providers:
        return build_demo_providers(latency=0.05)

    window = make_window(qtbot, repo, providers_factory=slow)
    qtbot.keyClicks(window.campaign_panel.form.business_type, "dentist")
    qtbot.keyClicks(window.campaign_panel.form.location, "Austin, TX")
    window.run_display.start_run()
    dialog = window.settings_launcher.open()
    assert not dialog.clear_cache_button.isEnabled()
    with qtbot.waitSignal(window.controller.finished, timeout=TEST_TIMEOUT):
        window.run_display.cancel_run()
    assert dialog.clear_cache_button.isEnabled()


def test_the_window_switches_from_demo_to_live_after_saving_a_google_key(qtbot: QtBot, repo: Store) -> None:
    window = make_window(qtbot, repo, key_store=ApiKeyStore())
    assert window.providers is not None
    assert window.providers.demo
    assert window.mode_label.text().startswith("Demo mode")
    assert window.demo_banner.isVisible()
    dialog = window.settings_launcher.open()
    qtbot.keyClicks(dialog.keys_tab.rows["google_places"].edit, SECRET)
    qtbot.mouseClick(dialog.keys_tab.rows["google_places"].save, Qt.MouseButton.LeftButton)
    assert window.providers is not None
    assert not window.providers.demo
    assert window.mode_label.text().startswith("Live — Google Places")
    assert "no Hunter.io key" in window.mode_label.text()
    assert not window.demo_banner.isVisible()
    for provider in ("hunter", "neverbounce"):
        qtbot.keyClicks(dialog.keys_tab.rows[provider].edit, SECRET + provider)
    dialog.button_box.button(dialog.button_box.StandardButton.Save).click()  # saves typed keys too
    assert window.mode_label.text() == "Live — Google Places, Hunter.io, NeverBounce"
    assert SECRET not in window.mode_label.text()


def test_settings_shortcut_is_the_standard_preferences_key(qtbot: QtBot, repo: Store) -> None:
    window = make_window(qtbot, repo)
    action = window.window_actions.settings
    assert QKeySequence("Ctrl+,") in action.shortcuts()
    for binding in QKeySequence.keyBindings(QKeySequence.StandardKey.Preferences):
        assert binding in action.shortcuts()
    titles = [a.text() for a in window.menuBar().actions()]
    assert "&Edit" in titles
    assert "&Help" in titles
    assert titles.index("&Edit") == titles.index("&File") + 1


@pytest.fixture
def log_file() -> Iterator[Path]:
    path = configure_logging(log_dir(), secrets=[])
    yield path
    logger = logging.getLogger("leadgen_desktop")
    for handler in list(logger.handlers):
        if getattr(handler, "_leadgen", False):
            logger.removeHandler(handler)
            handler.close()


def test_keys_never_reach_qsettings_files_or_the_log(
    qtbot: QtBot, repo: Store, tmp_path: Path, log_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeApis(google_key=SECRET)
    with serve(fake) as base_url:
        monkeypatch.setenv("LEADGEN_GOOGLE_PLACES_URL", base_url)
        window = make_window(qtbot, repo, key_store=ApiKeyStore())
        dialog = window.settings_launcher.open()
        row = dialog.keys_tab.rows["google_places"]
        qtbot.keyClicks(row.edit, SECRET)
        with qtbot.waitSignal(dialog.keys_tab.test_finished, timeout=TEST_TIMEOUT):
            qtbot.mouseClick(row.test, Qt.MouseButton.LeftButton)
        assert row.result.text().startswith("✓")
        qtbot.mouseClick(row.save, Qt.MouseButton.LeftButton)
        logging.getLogger("leadgen_desktop.test").warning("a record quoting the key: %s", SECRET)
        dialog.button_box.button(dialog.button_box.StandardButton.Save).click()
        window.close()
    for handler in logging.getLogger("leadgen_desktop").handlers:
        handler.flush()
    assert log_file.name == LOG_FILENAME
    assert log_file.exists()
    log_text = log_file.read_text(encoding="utf-8")
    assert "Saved the Google Places key" in log_text
    assert SECRET not in log_text
    for folder in (tmp_path / "xdg-config", tmp_path / "home"):
        for path in folder.rglob("*") if folder.exists() else []:
            if path.is_file():
                assert SECRET.encode() not in path.read_bytes(), path


def test_the_test_button_explains_a_key_that_cannot_be_sent() -> None:
    """The test used to answer "The test could not run: ConfigError: ..." for such a key."""
    check = check_key(
        "hunter", "clé-ünicode", transport=httpx.MockTransport(lambda _request: httpx.Response(500))
    )
    assert not check.ok
    assert check.message.startswith("The Hunter")
    assert "could not run" not in check.message
    assert "clé" not in check.message
