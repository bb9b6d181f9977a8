"""What the Help menu does: the About dialog and opening the log folder."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QStatusBar, QWidget

from leadgen_desktop.gui.shell.about_dialog import AboutDialog
from leadgen_desktop.gui.shell.message_banner import MessageBanner
from leadgen_desktop.paths import log_dir


class HelpActions(QObject):
    """Help → About (one non-blocking dialog, reused) and Help → Open log folder.

    Attributes: ``about_dialog`` (created on first use, else None).

    Signals: none.
    """

    def __init__(
        self, parent: QWidget, db_path: Path | str | None, banner: MessageBanner, status_bar: QStatusBar
    ) -> None:
        super().__init__(parent)
        self._parent = parent
        self._db_path = db_path
        self._banner = banner
        self._status_bar = status_bar
        self.about_dialog: AboutDialog | None = None

    @Slot()
    def show_about(self) -> AboutDialog:
        """Open Help → About (non-blocking; one dialog reused)."""
        if self.about_dialog is None:
            self.about_dialog = AboutDialog(self._db_path, self._parent)
        self.about_dialog.show()
        self.about_dialog.raise_()
        self.about_dialog.activateWindow()
        return self.about_dialog

    @Slot()
    def open_log_folder(self) -> bool:
        """Open the log folder in the file manager (created when missing)."""
        folder = log_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self._banner.add(f"Cannot create the log folder {folder}: {exc}", "error")
            return False
        opened = QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))
        if not opened:
            self._status_bar.showMessage(f"Logs are in {folder}")
        return bool(opened)
