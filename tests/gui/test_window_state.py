"""Remembered window state survives a restart (same isolated config folder); keys never stored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from leadgen_desktop.db.store import Store
from leadgen_desktop.gui.shell.window_state import STATE_FILENAME, WindowStateStore, open_state, state_path
from leadgen_desktop.gui.tables.results_model import COL_EMAIL, COL_SCORE
from leadgen_desktop.keychain import ApiKeyStore
from tests.conftest import MemoryKeyring
from tests.gui.ux_support import make_window, repo_with_cleanup


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Store]:
    yield from repo_with_cleanup(tmp_path)


def test_state_file_is_in_the_isolated_config_folder(tmp_path: Path) -> None:
    assert state_path() == tmp_path / "xdg-config" / "leadgen-desktop" / STATE_FILENAME
    assert open_state().format() == QSettings.Format.IniFormat


def test_state_survives_a_restart(
    qtbot: QtBot, repo: Store, isolated_env: MemoryKeyring, tmp_path: Path
) -> None:
    secret = "sk-test-SECRET-123456"
    ApiKeyStore().set("hunter", secret)
    first = make_window(qtbot, repo)
    first.resize(1111, 640)
    form = first.campaign_panel.form
    qtbot.keyClicks(form.business_type, "plumber")
    qtbot.keyClicks(form.location, "Denver, CO")
    qtbot.keyClicks(form.keywords, "emergency")
    form.max_results.setValue(42)
    form.min_score.setValue(61)
    qtbot.keyClicks(form.budget, "2.5")
    form.verify.setChecked(False)
    header = first.campaign_page.table_view.horizontalHeader()
    header.resizeSection(COL_SCORE, 93)
    header.moveSection(header.visualIndex(COL_EMAIL), 0)
    first.main_splitter.setSizes([300, 1000])
    first.campaign_page.results_splitter.setSizes([800, 250])
    main_sizes, results_sizes = first.main_splitter.sizes(), first.campaign_page.results_splitter.sizes()
    first.close()

    stored = state_path().read_text(encoding="utf-8", errors="replace")
    assert secret not in stored
    assert "hunter" not in stored.lower()

    second = make_window(qtbot, repo)
    # The offscreen screen is 800x800: restoreGeometry keeps the window on it (and the layout's minimum
    # width wins), so only the height can be compared, within a title bar's height.
    assert abs(second.height() - 640) <= 30
    assert second.height() != 820  # not the default size
    form = second.campaign_panel.form
    assert form.business_type.text() == "plumber"
    assert form.location.text() == "Denver, CO"
    assert form.keywords.text() == "emergency"
    assert form.max_results.value() == 42
    assert form.min_score.value() == 61
    assert form.budget.text() == "2.5"
    assert not form.verify.isChecked()
    assert form.is_valid
    assert second.campaign_panel.start_button.isEnabled()
    header = second.campaign_page.table_view.horizontalHeader()
    assert header.sectionSize(COL_SCORE) == 93
    assert header.visualIndex(COL_EMAIL) == 0
    # the window is narrower than before (see above): compare what does not depend on its width
    assert abs(second.main_splitter.sizes()[0] - main_sizes[0]) <= 30
    assert second.main_splitter.sizes()[0] < 300  # not the default 360
    assert second.campaign_page.results_splitter.sizes()[1] == results_sizes[1]


def test_fresh_start_keeps_defaults(qtbot: QtBot, repo: Store) -> None:
    window = make_window(qtbot, repo)
    assert window.campaign_panel.form.business_type.text() == ""
    assert window.campaign_panel.form.max_results.value() == 20
    assert not WindowStateStore().restore_form(window.campaign_panel.form)  # nothing saved yet


def test_unreadable_values_are_ignored(qtbot: QtBot, repo: Store) -> None:
    settings = open_state()
    settings.setValue("window/geometry", "garbage")
    settings.setValue("headers/leads", 12)
    settings.setValue("form/business_type", "bakery")
    settings.setValue("form/max_results", "lots")
    settings.sync()
    window = make_window(qtbot, repo)
    assert window.campaign_panel.form.business_type.text() == "bakery"
    assert window.campaign_panel.form.max_results.value() == 20
