"""Table actions: TSV copy (Ctrl+C and menu), copy email, open website / Maps, context menu, details."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QItemSelectionModel, QPoint, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QTableView
from pytestqt.qtbot import QtBot

from leadgen_desktop.gui.tables.results_model import COL_EMAIL, COLUMNS, LeadTableModel
from leadgen_desktop.gui.tables.results_proxy import LeadFilterProxy
from leadgen_desktop.gui.tables.table_actions import LeadTableActions, configure_lead_table, record_at
from tests.gui.ux_support import lead, no_email


@pytest.fixture
def table(qtbot: QtBot) -> tuple[QTableView, LeadTableActions, LeadTableModel]:
    model = LeadTableModel()
    model.append_rows(
        [
            lead(1, business_name="Alpha\tDental", email="a@alpha.com"),
            no_email(2, "no_website", business_name="Beta", website=None),
            lead(3, business_name="Gamma", email="g@gamma.com", website="gamma.com", maps_url=None),
        ]
    )
    proxy = LeadFilterProxy(model)
    view = QTableView()
    view.setModel(proxy)
    configure_lead_table(view, [120] * len(COLUMNS))
    actions = LeadTableActions(view)
    qtbot.addWidget(view)
    view.resize(900, 300)
    view.show()
    qtbot.waitExposed(view)
    return view, actions, model


def select(view: QTableView, *rows: int) -> None:
    selection = view.selectionModel()
    selection.clearSelection()
    selection.setCurrentIndex(view.model().index(rows[0], 0), QItemSelectionModel.SelectionFlag.NoUpdate)
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for row in rows:
        selection.select(view.model().index(row, 0), flags)


def test_view_setup(table: tuple[QTableView, LeadTableActions, LeadTableModel]) -> None:
    view, _actions, _model = table
    assert view.selectionMode() == QAbstractItemView.SelectionMode.ExtendedSelection
    assert view.selectionBehavior() == QAbstractItemView.SelectionBehavior.SelectRows
    assert view.contextMenuPolicy() == Qt.ContextMenuPolicy.CustomContextMenu


def test_copy_rows_as_tsv_with_header(table: tuple[QTableView, LeadTableActions, LeadTableModel]) -> None:
    view, actions, _model = table
    select(view, 0, 2)
    assert actions.copy_rows() == 2
    lines = QGuiApplication.clipboard().text().splitlines()
    assert lines[0].split("\t") == [column.header for column in COLUMNS]
    assert lines[1].split("\t")[0] == "Alpha Dental"  # a tab inside a cell becomes a space
    assert lines[2].split("\t")[0] == "Gamma"
    assert len(lines) == 3


def test_ctrl_c_copies_rows(qtbot: QtBot, table: tuple[QTableView, LeadTableActions, LeadTableModel]) -> None:
    view, _actions, _model = table
    QGuiApplication.clipboard().clear()
    select(view, 1)
    view.setFocus()
    view.activateWindow()
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    lines = QGuiApplication.clipboard().text().splitlines()
    assert lines[0].startswith("Business\tAddress")
    assert lines[1].startswith("Beta\t")


def test_copy_follows_moved_and_hidden_columns(
    table: tuple[QTableView, LeadTableActions, LeadTableModel],
) -> None:
    view, actions, _model = table
    header = view.horizontalHeader()
    header.moveSection(header.visualIndex(COL_EMAIL), 0)
    for column in range(1, len(COLUMNS)):
        if column != COL_EMAIL:
            header.setSectionHidden(column, True)
    select(view, 0)
    assert actions.selected_rows_tsv() == "Email\tBusiness\na@alpha.com\tAlpha Dental\n"


def test_copy_email(table: tuple[QTableView, LeadTableActions, LeadTableModel]) -> None:
    view, actions, _model = table
    select(view, 0, 1, 2)
    assert actions.copy_email() == 2
    assert QGuiApplication.clipboard().text() == "a@alpha.com\ng@gamma.com"


def test_open_website_and_maps(
    table: tuple[QTableView, LeadTableActions, LeadTableModel], monkeypatch: pytest.MonkeyPatch
) -> None:
    view, actions, _model = table
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(QUrl(url).toString()) or True)
    select(view, 2)
    actions.open_website_action.trigger()
    actions.open_maps_action.trigger()
    assert opened[0] == "https://gamma.com"
    assert opened[1].startswith("https://www.google.com/maps/search/?api=1&query=Gamma")
    select(view, 1)
    actions.update_enabled()
    assert not actions.open_website_action.isEnabled()
    assert not actions.copy_email_action.isEnabled()
    assert actions.open_website() is False


def test_context_menu(table: tuple[QTableView, LeadTableActions, LeadTableModel]) -> None:
    view, actions, _model = table
    select(view, 0)
    row_2 = view.visualRect(view.model().index(2, 0)).center()
    view.customContextMenuRequested.emit(row_2)  # right click on an unselected row selects it
    assert actions.menu is not None
    texts = [action.text().replace("&", "") for action in actions.menu.actions() if not action.isSeparator()]
    assert texts == ["Copy rows", "Copy email", "Open website", "Open in Google Maps", "Show details"]
    assert actions.current_record() is not None
    assert actions.current_record().business_name == "Gamma"
    actions.menu.close()
    view.customContextMenuRequested.emit(QPoint(5, 5))  # a second menu replaces the first
    actions.menu.close()


def test_show_details_and_current_lead(
    qtbot: QtBot, table: tuple[QTableView, LeadTableActions, LeadTableModel]
) -> None:
    view, actions, _model = table
    with qtbot.waitSignal(actions.current_lead_changed) as current:
        view.setCurrentIndex(view.model().index(1, 0))
    assert current.args[0].business_name == "Beta"
    with qtbot.waitSignal(actions.details_requested) as requested:
        actions.show_details_action.trigger()
    assert requested.args[0].business_name == "Beta"


def test_record_at_maps_through_the_filter(
    table: tuple[QTableView, LeadTableActions, LeadTableModel],
) -> None:
    view, _actions, _model = table
    proxy = view.model()
    assert isinstance(proxy, LeadFilterProxy)
    proxy.set_filter_string("gamma")
    record = record_at(proxy.index(0, 0))
    assert record is not None
    assert record.business_name == "Gamma"
