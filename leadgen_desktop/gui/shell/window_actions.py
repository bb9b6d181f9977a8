"""Every action and menu of the main window, built in one place.

:class:`WindowActions` creates each ``QAction`` once, with its text, shortcut,
menu role and object name; :func:`build_menus` lays them out in the menu bar.
The window connects their ``triggered`` signals to the feature that handles
them (``MainWindow._connect_actions``), so no feature looks for a menu or an
action of another one.

Menus: File (Export CSV…, Resume interrupted jobs…, Quit), Edit (Settings…),
Help (Open log folder, About leadgen-desktop). Shortcuts: Ctrl+E exports,
Ctrl+Q quits, the platform's Preferences key and Ctrl+, open Settings, F1
opens About; two actions live on the window itself without a menu entry:
Ctrl+F (focus the lead filter) and Escape (cancel the running campaign).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMenuBar, QWidget


def _action(
    parent: QWidget,
    text: str,
    name: str,
    shortcuts: list[QKeySequence] | None = None,
    role: QAction.MenuRole = QAction.MenuRole.NoRole,
) -> QAction:
    action = QAction(text, parent)
    action.setObjectName(name)
    if shortcuts:
        action.setShortcuts(shortcuts)
    action.setMenuRole(role)
    return action


def preferences_shortcuts() -> list[QKeySequence]:
    """The platform's Preferences key, plus Ctrl+, where the platform has none."""
    shortcuts = list(QKeySequence.keyBindings(QKeySequence.StandardKey.Preferences))
    if QKeySequence("Ctrl+,") not in shortcuts:
        shortcuts.append(QKeySequence("Ctrl+,"))
    return shortcuts


class WindowActions:
    """The main window's actions (parented to the window; connected by it).

    Attributes: ``export`` (Ctrl+E), ``resume_jobs``, ``quit`` (Ctrl+Q),
    ``settings`` (Preferences, Ctrl+,), ``open_logs``, ``about`` (F1),
    ``focus_filter`` (Ctrl+F), ``cancel_run`` (Escape, window-wide) and
    ``resume_selected`` (the history list's context action).
    """

    def __init__(self, window: QWidget) -> None:
        self.export = _action(window, "&Export CSV…", "exportAction", [QKeySequence("Ctrl+E")])
        self.resume_jobs = _action(window, "&Resume interrupted jobs…", "resumeJobsAction")
        self.quit = _action(
            window, "&Quit", "quitAction", [QKeySequence("Ctrl+Q")], QAction.MenuRole.QuitRole
        )
        self.settings = _action(
            window, "&Settings…", "settingsAction", preferences_shortcuts(), QAction.MenuRole.PreferencesRole
        )
        self.open_logs = _action(window, "Open &log folder", "openLogsAction")
        self.about = _action(
            window,
            "&About leadgen-desktop",
            "aboutAction",
            [QKeySequence(Qt.Key.Key_F1)],
            QAction.MenuRole.AboutRole,
        )
        find = QKeySequence(QKeySequence.StandardKey.Find)
        self.focus_filter = _action(window, "Filter leads", "focusFilterAction", [find])
        self.cancel_run = _action(
            window, "Cancel the running campaign", "cancelRunAction", [QKeySequence(Qt.Key.Key_Escape)]
        )
        self.cancel_run.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.resume_selected = _action(window, "&Resume this campaign", "resumeSelectedAction")
        window.addActions([self.focus_filter, self.cancel_run])  # shortcuts without a menu entry


@dataclass(frozen=True)
class WindowMenus:
    """The menu bar's menus, in order."""

    file: QMenu
    edit: QMenu
    help: QMenu


def build_menus(bar: QMenuBar, actions: WindowActions) -> WindowMenus:
    """Fill ``bar`` with File, Edit and Help."""
    file_menu = bar.addMenu("&File")
    file_menu.addAction(actions.export)
    file_menu.addSeparator()
    file_menu.addAction(actions.resume_jobs)
    file_menu.addSeparator()
    file_menu.addAction(actions.quit)
    edit_menu = bar.addMenu("&Edit")
    edit_menu.addAction(actions.settings)
    help_menu = bar.addMenu("&Help")
    help_menu.addAction(actions.open_logs)
    help_menu.addSeparator()
    help_menu.addAction(actions.about)
    return WindowMenus(file_menu, edit_menu, help_menu)
