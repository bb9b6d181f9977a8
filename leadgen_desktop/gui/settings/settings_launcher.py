"""Opens Edit → Settings… (one dialog at a time) and says when keys or settings changed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QWidget

from leadgen_desktop.db.store import Store
from leadgen_desktop.gui.run.run_controller import RunController
from leadgen_desktop.keychain import ApiKeyStore

if TYPE_CHECKING:  # imported when the dialog first opens: httpx and the providers stay out of start-up
    from leadgen_desktop.gui.settings.key_check import KeyChecker
    from leadgen_desktop.gui.settings.settings_dialog import SettingsDialog


class SettingsLauncher(QObject):
    """Shows the window-modal :class:`SettingsDialog`, or raises the one already open.

    Attributes: ``dialog`` (the open dialog, else None) and ``key_checker``
    (the dialog's key test; None means the real one; tests inject theirs).

    Signals:
        changed(): keys were saved or removed, or settings were saved: the
            window rebuilds its providers (demo ↔ live) and the estimate.
    """

    changed = Signal()

    def __init__(
        self, parent: QWidget, repo: Store, key_store: ApiKeyStore, controller: RunController
    ) -> None:
        super().__init__(parent)
        self._parent = parent
        self._repo = repo
        self._keys = key_store
        self._controller = controller
        self.key_checker: KeyChecker | None = None
        self.dialog: SettingsDialog | None = None

    @Slot()
    def open(self) -> SettingsDialog:
        """Show Settings (window-modal); keys and prices apply when changed."""
        if self.dialog is not None:
            self.dialog.raise_()
            return self.dialog
        from leadgen_desktop.gui.settings.settings_dialog import SettingsDialog

        dialog = SettingsDialog(
            self._repo, self._keys, self._controller, self._parent, checker=self.key_checker
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.keys_changed.connect(self.changed)
        dialog.settings_saved.connect(self._on_settings_saved)
        dialog.finished.connect(self._on_closed)
        self.dialog = dialog
        dialog.open()
        return dialog

    @Slot(object)
    def _on_settings_saved(self, _settings: object) -> None:
        self.changed.emit()

    @Slot()
    def _on_closed(self) -> None:
        self.dialog = None
