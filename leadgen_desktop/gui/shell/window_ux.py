"""Keyboard, Help menu, tab order, remembered state, welcome and lead details for the main window.

:func:`install_window_ux` is called once at the end of ``MainWindow.__init__``
and keeps these concerns out of ``main_window.py``. It relies only on the
window's public attributes (``form``, ``start_button``, ``cancel_button``,
``filter_edit``, ``table_view``, ``history``, ``controller``, ``providers``,
``cancel_run()`` …) plus the widgets placed for it (``details_panel``,
``results_splitter``, ``main_splitter``, ``table_actions``, ``welcome_panel``).

Shortcuts: Ctrl+Return starts (the Start button's own shortcut), Escape
cancels a running campaign (asking first when live, paid calls may be in
flight), Ctrl+E exports, Ctrl+F focuses the filter, Ctrl+Q quits, F1 opens
Help → About, Ctrl+C copies the selected rows.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox, QWidget

from leadgen_desktop.db.records import LeadRecord
from leadgen_desktop.gui.shell.about_dialog import AboutDialog
from leadgen_desktop.gui.shell.window_state import WindowStateStore

if TYPE_CHECKING:
    from leadgen_desktop.gui.shell.main_window import MainWindow

CANCEL_TITLE = "Cancel the running campaign?"
CANCEL_TEXT = (
    "Requests already sent to the paid APIs may still be billed. "
    "Leads stored so far are kept, and the campaign can be resumed later."
)
DETAILS_WIDTH = 380


class WindowUx(QObject):
    """Owns the window's extra actions, remembered state and first-run welcome.

    Attributes: ``escape_action``, ``about_action``, ``help_menu``, ``state``
    (:class:`WindowStateStore`), ``about_dialog`` (created on first use).

    Signals: none.
    """

    def __init__(
        self, window: MainWindow, db_path: Path | str | None = None, state: WindowStateStore | None = None
    ) -> None:
        super().__init__(window)
        self.window = window
        self.db_path = db_path
        self.state = state or WindowStateStore()
        self.about_dialog: AboutDialog | None = None

        self.escape_action = QAction("Cancel the running campaign", window)
        self.escape_action.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        self.escape_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.escape_action.triggered.connect(self.request_cancel)
        window.addAction(self.escape_action)

        self.help_menu = _help_menu(window)
        self.about_action = QAction("&About leadgen-desktop", window)
        self.about_action.setShortcut(QKeySequence(Qt.Key.Key_F1))
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.show_about)
        if self.help_menu.actions():
            self.help_menu.addSeparator()
        self.help_menu.addAction(self.about_action)

        self._name_controls()
        self._set_tab_order()
        window.table_actions.current_lead_changed.connect(window.details_panel.set_record)
        window.table_actions.details_requested.connect(self.show_details)
        window.controller.job_started.connect(self._save_form)
        self._setup_welcome()
        self.restore()

    # -- state ---------------------------------------------------------------------------

    def _layout_parts(self) -> tuple[dict[str, Any], dict[str, Any]]:
        window = self.window
        splitters = {"main": window.main_splitter, "results": window.results_splitter}
        headers = {"leads": window.table_view.horizontalHeader()}
        return splitters, headers

    def restore(self) -> None:
        """Restore geometry, splitters, the table header and the form from the last session."""
        splitters, headers = self._layout_parts()
        self.state.restore_layout(self.window, splitters, headers)
        self.state.restore_form(self.window.form)

    def save(self) -> None:
        """Remember geometry, splitters, the table header and the form now."""
        splitters, headers = self._layout_parts()
        self.state.save_layout(self.window, splitters, headers)
        self.state.save_form(self.window.form)
        self.state.sync()

    @Slot()
    def _save_form(self) -> None:
        self.state.save_form(self.window.form)
        self.state.sync()

    # -- cancel, about, details -----------------------------------------------------------

    def run_is_live(self) -> bool:
        """True unless the window's providers are the offline demo ones."""
        providers = self.window.providers
        return providers is None or not providers.demo

    @Slot()
    def request_cancel(self) -> bool:
        """Escape: cancel the running campaign, after a confirmation when it is live."""
        controller = self.window.controller
        if not controller.is_running or controller.cancel_requested:
            return False
        if self.run_is_live():
            answer = QMessageBox.question(
                self.window,
                CANCEL_TITLE,
                CANCEL_TEXT,
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return False
        self.window.cancel_run()
        return True

    @Slot()
    def show_about(self) -> AboutDialog:
        """Open Help → About (non-blocking; one dialog reused)."""
        if self.about_dialog is None:
            self.about_dialog = AboutDialog(self.db_path, self.window)
        self.about_dialog.show()
        self.about_dialog.raise_()
        self.about_dialog.activateWindow()
        return self.about_dialog

    @Slot(object)
    def show_details(self, record: LeadRecord) -> None:
        """Show ``record`` in the details panel, opening the panel if it was collapsed."""
        window = self.window
        window.details_panel.set_record(record)
        sizes = window.results_splitter.sizes()
        if len(sizes) == 2 and sizes[1] == 0:
            total = sum(sizes)
            window.results_splitter.setSizes([max(total - DETAILS_WIDTH, 0), DETAILS_WIDTH])
        window.details_panel.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- welcome ---------------------------------------------------------------------------

    def _setup_welcome(self) -> None:
        panel = self.window.welcome_panel
        opener = getattr(self.window, "open_settings", None) or getattr(
            getattr(self.window, "live", None), "open_settings", None
        )
        if callable(opener):
            panel.settings_requested.connect(opener)
        else:
            panel.settings_button.hide()
        if self.state.welcome_shown():
            panel.hide()
        else:
            panel.show()
            self.state.set_welcome_shown()

    # -- accessibility ----------------------------------------------------------------------

    def _name_controls(self) -> None:
        window = self.window
        names = {
            window.start_button: "Start campaign",
            window.cancel_button: "Cancel campaign",
            window.count_label: "Lead count",
            window.db_label: "Database path",
        }
        only_new = getattr(window, "only_new_check", None)
        if isinstance(only_new, QWidget):
            names[only_new] = "Only new businesses"
        for widget, name in names.items():
            if not widget.accessibleName():
                widget.setAccessibleName(name)

    def _set_tab_order(self) -> None:
        window, form = self.window, self.window.form
        chain: list[QWidget] = [
            form.business_type,
            form.location,
            form.keywords,
            form.max_results,
            form.min_score,
            form.budget,
            form.verify,
            window.start_button,
            window.cancel_button,
            window.filter_edit,
            window.table_view,
            window.details_panel.website_button,
            window.details_panel.maps_button,
            window.history.list_widget,
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)


def _help_menu(window: QMainWindow) -> QMenu:
    """The window's Help menu (shared with other features), created when missing."""
    for action in window.menuBar().actions():
        menu = action.menu()
        if isinstance(menu, QMenu) and action.text().replace("&", "") == "Help":
            return menu
    return window.menuBar().addMenu("&Help")


def install_window_ux(
    window: MainWindow, db_path: Path | str | None = None, state: WindowStateStore | None = None
) -> WindowUx:
    """Add the shortcuts, Help menu, tab order, remembered state and welcome to ``window``."""
    return WindowUx(window, db_path, state)
