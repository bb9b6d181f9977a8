"""Menus and helpers of the main window for live providers and resumable work.

Installed by :class:`~leadgen_desktop.gui.shell.main_window.MainWindow` in one call,
so the window itself only gains a few hooks. Adds:

* Edit → Settings… (``QKeySequence.Preferences``): :class:`SettingsDialog`;
  after keys change the window rebuilds its providers (demo ↔ live) and the
  mode line and estimate follow;
* File → Resume interrupted jobs…, and a Resume button / context action for
  the selected history campaign when its job can be resumed;
* Help → Open log folder;
* the debounced cost estimate under the budget field;
* the start-up prompt listing jobs a crash left unfinished.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QMenu, QPushButton

from leadgen_desktop.db.store import Store
from leadgen_desktop.gui.run.estimate_label import EstimateUpdater
from leadgen_desktop.gui.run.resume_prompt import JobResumer
from leadgen_desktop.gui.settings.key_check import KeyChecker
from leadgen_desktop.gui.settings.settings_dialog import SettingsDialog
from leadgen_desktop.keychain import ApiKeyStore
from leadgen_desktop.paths import log_dir

if TYPE_CHECKING:
    from leadgen_desktop.gui.shell.main_window import MainWindow


class LiveFeatures(QObject):
    """Settings, resume and log-folder actions of the window (see the module docstring).

    Attributes tests use: ``settings_action``, ``resume_jobs_action``,
    ``resume_selected_action``, ``history_resume_button``, ``open_logs_action``,
    ``resumer`` (:class:`JobResumer`), ``estimate`` (:class:`EstimateUpdater`),
    ``settings_dialog`` (the open dialog or None), ``key_checker`` (injectable).

    Signals: none of its own.
    """

    def __init__(self, window: MainWindow, repo: Store, key_store: ApiKeyStore) -> None:
        super().__init__(window)
        self._window = window
        self._repo = repo
        self._keys = key_store
        self.key_checker: KeyChecker | None = None
        self.settings_dialog: SettingsDialog | None = None
        self.resumer = JobResumer(window, repo, key_store)
        form = window.form
        self.estimate = EstimateUpdater(form, form.estimate_label, lambda: window.providers, repo)
        self._build_actions()
        controller = window.controller
        controller.job_started.connect(self._update_history_resume)
        controller.finished.connect(self._update_history_resume)
        controller.failed.connect(self._update_history_resume)
        window.history.campaign_selected.connect(self._update_history_resume)
        self._update_history_resume()
        self.resumer.schedule_startup_prompt()

    def _build_actions(self) -> None:
        window = self._window
        bar = window.menuBar()
        file_menu = window.quit_action.associatedObjects()
        menus = [obj for obj in file_menu if isinstance(obj, QMenu)]
        self.resume_jobs_action = QAction("&Resume interrupted jobs…", window)
        self.resume_jobs_action.setObjectName("resumeJobsAction")
        self.resume_jobs_action.triggered.connect(self.open_resume_dialog)
        if menus:
            menus[0].insertAction(window.quit_action, self.resume_jobs_action)
            menus[0].insertSeparator(window.quit_action)

        self.settings_action = QAction("&Settings…", window)
        self.settings_action.setObjectName("settingsAction")
        # The platform's Preferences key, plus Ctrl+, where the platform has none.
        shortcuts = QKeySequence.keyBindings(QKeySequence.StandardKey.Preferences)
        if QKeySequence("Ctrl+,") not in shortcuts:
            shortcuts.append(QKeySequence("Ctrl+,"))
        self.settings_action.setShortcuts(shortcuts)
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.settings_action.triggered.connect(self.open_settings)
        edit_menu = _find_menu(window, "&Edit")
        if edit_menu is None:  # right after File
            edit_menu = QMenu("&Edit", window)
            actions = bar.actions()
            if len(actions) > 1:
                bar.insertMenu(actions[1], edit_menu)
            else:
                bar.addMenu(edit_menu)
        else:
            edit_menu.addSeparator()
        edit_menu.addAction(self.settings_action)

        self.open_logs_action = QAction("Open &log folder", window)
        self.open_logs_action.setObjectName("openLogsAction")
        self.open_logs_action.triggered.connect(self.open_log_folder)
        _find_or_add_menu(window, "&Help").addAction(self.open_logs_action)

        self.resume_selected_action = QAction("&Resume this campaign", window)
        self.resume_selected_action.setObjectName("resumeSelectedAction")
        self.resume_selected_action.triggered.connect(self.resume_selected)
        history_list = window.history.list_widget
        history_list.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        history_list.addAction(self.resume_selected_action)
        self.history_resume_button = QPushButton("Resume")
        self.history_resume_button.setObjectName("historyResumeButton")
        self.history_resume_button.setToolTip("Continue the selected campaign where it stopped")
        self.history_resume_button.clicked.connect(self.resume_selected)
        layout = window.history.layout()
        if layout is not None:
            layout.addWidget(self.history_resume_button)

    # -- actions ---------------------------------------------------------------------------

    @Slot()
    def open_settings(self) -> SettingsDialog:
        """Show Settings (window-modal); keys and prices apply when changed."""
        if self.settings_dialog is not None:
            self.settings_dialog.raise_()
            return self.settings_dialog
        dialog = SettingsDialog(
            self._repo, self._keys, self._window.controller, self._window, checker=self.key_checker
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.keys_changed.connect(self._on_keys_changed)
        dialog.settings_saved.connect(self._on_settings_saved)
        dialog.finished.connect(self._on_settings_closed)
        self.settings_dialog = dialog
        dialog.open()
        return dialog

    @Slot()
    def open_resume_dialog(self) -> None:
        """File → Resume interrupted jobs…: every resumable job."""
        self.resumer.open_dialog()

    @Slot()
    def resume_selected(self) -> bool:
        """Resume the job of the campaign selected in the history."""
        job_id = self._selected_job_id()
        if job_id is None or not self.resumer.can_resume(job_id):
            return False
        return self.resumer.resume(job_id)

    @Slot()
    def open_log_folder(self) -> bool:
        """Open the log folder in the file manager (created when missing)."""
        folder = log_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self._window.show_banner(f"Cannot create the log folder {folder}: {exc}", "error")
            return False
        opened = QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))
        if not opened:
            self._window.statusBar().showMessage(f"Logs are in {folder}")
        return bool(opened)

    # -- slots ---------------------------------------------------------------------------------

    @Slot()
    def _on_keys_changed(self) -> None:
        self._window.reload_providers()
        self.estimate.refresh_now()

    @Slot(object)
    def _on_settings_saved(self, _settings: object) -> None:
        self._window.reload_providers()
        self.estimate.refresh_now()

    @Slot()
    def _on_settings_closed(self) -> None:
        self.settings_dialog = None

    def _update_history_resume(self, *_args: object) -> None:
        allowed = self.resumer.can_resume(self._selected_job_id())
        self.resume_selected_action.setEnabled(allowed)
        self.history_resume_button.setVisible(allowed)

    def _selected_job_id(self) -> str | None:
        campaign_id = self._window.history.current_campaign_id()
        if campaign_id is None:
            return None
        job = self._repo.jobs.latest_for_campaign(campaign_id)
        return None if job is None else job.job_id


def _find_menu(window: MainWindow, title: str) -> QMenu | None:
    """The window's menu called ``title`` (menus are shared with other features), if any."""
    plain = title.replace("&", "")
    for action in window.menuBar().actions():
        menu = action.menu()
        if isinstance(menu, QMenu) and action.text().replace("&", "") == plain:
            return menu
    return None


def _find_or_add_menu(window: MainWindow, title: str) -> QMenu:
    """The window's menu called ``title``, created at the end of the menu bar when missing."""
    return _find_menu(window, title) or window.menuBar().addMenu(title)
