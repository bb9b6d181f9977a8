"""Only http(s) links reach the system opener, from the table's menu and from the details panel.

"Open in Google Maps" once passed ``javascript:``, ``smb:`` and ``search-ms:`` links
to the operating system. Stored links are checked again at the moment they are
opened (a database written by an older version may still hold such links).
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QItemSelectionModel, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QTableView
from pytestqt.qtbot import QtBot

from leadgen_desktop.gui.details.lead_details import LeadDetailsPanel
from leadgen_desktop.gui.details.web_links import open_web_page
from leadgen_desktop.gui.tables.results_model import COLUMNS, LeadTableModel
from leadgen_desktop.gui.tables.results_proxy import LeadFilterProxy
from leadgen_desktop.gui.tables.table_actions import LeadTableActions, configure_lead_table
from tests.gui.ux_support import lead

HOSTILE = [
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    "smb://attacker.example/share",
    "search-ms:query=invoice&crumb=location:\\\\attacker.example\\share",
    "file:///C:/Windows/System32/calc.exe",
    "file://attacker.example/share/x.exe",
    "ms-msdt:/id PCWDiagnostic",
    "data:text/html,<script>alert(1)</script>",
    "//attacker.example/x",
    "https://user@attacker.example/",
]
MAPS_SEARCH = "https://www.google.com/maps/search/?api=1&query="


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every URL handed to the system opener (none is really opened)."""
    urls: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: urls.append(QUrl(url).toString()) or True)
    return urls


@pytest.mark.parametrize("link", [*HOSTILE, "", None, "   "])
def test_anything_but_http_is_refused(link: str | None, opened: list[str]) -> None:
    assert open_web_page(link) is False
    assert opened == []


def test_http_links_are_opened(opened: list[str]) -> None:
    assert open_web_page("https://crumb.example.com/contact") is True
    assert open_web_page("example.com") is True
    assert opened == ["https://crumb.example.com/contact", "https://example.com"]


@pytest.mark.parametrize("link", HOSTILE)
def test_table_actions_never_open_a_hostile_link(link: str, qtbot: QtBot, opened: list[str]) -> None:
    model = LeadTableModel()
    model.append_rows([lead(1, business_name="Evil", website=link, maps_url=link)])
    view = QTableView()
    view.setModel(LeadFilterProxy(model))
    configure_lead_table(view, [120] * len(COLUMNS))
    actions = LeadTableActions(view)
    qtbot.addWidget(view)
    view.selectionModel().setCurrentIndex(
        view.model().index(0, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
    )
    actions.update_enabled()
    assert not actions.open_website_action.isEnabled()
    assert actions.open_website() is False
    actions.open_maps_action.trigger()  # the stored Maps link is refused: a Maps search is opened instead
    assert len(opened) == 1
    assert opened[0].startswith(MAPS_SEARCH + "Evil")


@pytest.mark.parametrize("link", HOSTILE)
def test_details_panel_never_opens_a_hostile_link(link: str, qtbot: QtBot, opened: list[str]) -> None:
    panel = LeadDetailsPanel()
    qtbot.addWidget(panel)
    panel.set_record(lead(2, business_name="Evil", website=link, maps_url=link))
    assert not panel.website_button.isEnabled()
    assert panel.open_website() is False
    panel.maps_button.click()
    assert len(opened) == 1
    assert opened[0].startswith(MAPS_SEARCH + "Evil")
    assert link not in panel.maps_button.toolTip()
