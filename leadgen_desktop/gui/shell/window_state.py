"""Remembered window state: geometry, splitters, table header and the last form values.

Stored with QSettings in INI format at an explicit path in the user config
folder (``<config>/window-state.ini``, next to ``settings.json``). An explicit
path is used because QSettings caches its default locations for the whole
process, so it would not follow a changed ``XDG_CONFIG_HOME`` (tests).

API keys are never written here: only the names listed in :data:`FORM_KEYS`
and Qt's opaque geometry/state blobs.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QHeaderView, QMainWindow, QSplitter

from leadgen_desktop.gui.run.campaign_form import CampaignForm
from leadgen_desktop.paths import config_dir

STATE_FILENAME = "window-state.ini"
FORM_KEYS: tuple[str, ...] = (
    "business_type",
    "location",
    "area",
    "keywords",
    "max_results",
    "min_score",
    "budget",
    "verify",
)
WELCOME_KEY = "welcome/shown"


def state_path() -> Path:
    """Where the window state lives."""
    return config_dir() / STATE_FILENAME


def open_state(path: Path | None = None) -> QSettings:
    """The QSettings object of the window state (INI file; created on first write)."""
    target = path or state_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    return QSettings(str(target), QSettings.Format.IniFormat)


def _bytes(value: object) -> QByteArray | None:
    if isinstance(value, QByteArray) and not value.isEmpty():
        return value
    if isinstance(value, bytes | bytearray) and value:
        return QByteArray(bytes(value))
    return None


class WindowStateStore:
    """Saves and restores a window's layout and its campaign form.

    ``splitters`` and ``headers`` are keyed by a stable name; restoring
    ignores missing or unreadable values (a first run, or a changed layout).
    """

    def __init__(self, settings: QSettings | None = None) -> None:
        self.settings = settings or open_state()

    # -- layout --------------------------------------------------------------------------

    def save_layout(
        self, window: QMainWindow, splitters: dict[str, QSplitter], headers: dict[str, QHeaderView]
    ) -> None:
        """Write geometry, dock/toolbar state, splitter sizes and header states."""
        self.settings.setValue("window/geometry", window.saveGeometry())
        self.settings.setValue("window/state", window.saveState())
        for name, splitter in splitters.items():
            self.settings.setValue(f"splitters/{name}", splitter.saveState())
        for name, header in headers.items():
            self.settings.setValue(f"headers/{name}", header.saveState())

    def restore_layout(
        self, window: QMainWindow, splitters: dict[str, QSplitter], headers: dict[str, QHeaderView]
    ) -> bool:
        """Apply what :meth:`save_layout` wrote; True when a geometry was restored."""
        restored = False
        geometry = _bytes(self.settings.value("window/geometry"))
        if geometry is not None:
            restored = window.restoreGeometry(geometry)
        state = _bytes(self.settings.value("window/state"))
        if state is not None:
            window.restoreState(state)
        for name, splitter in splitters.items():
            value = _bytes(self.settings.value(f"splitters/{name}"))
            if value is not None:
                splitter.restoreState(value)
        for name, header in headers.items():
            value = _bytes(self.settings.value(f"headers/{name}"))
            if value is not None:
                header.restoreState(value)
        return restored

    # -- form --------------------------------------------------------------------------------

    def save_form(self, form: CampaignForm) -> None:
        """Remember what the form holds (text as typed; no keys live in the form)."""
        values: dict[str, object] = {
            "business_type": form.business_type.text(),
            "location": form.location.text(),
            "area": form.area.text(),
            "keywords": form.keywords.text(),
            "max_results": form.max_results.value(),
            "min_score": form.min_score.value(),
            "budget": form.budget.text(),
            "verify": form.verify.isChecked(),
        }
        for key in FORM_KEYS:
            self.settings.setValue(f"form/{key}", values[key])

    def restore_form(self, form: CampaignForm) -> bool:
        """Refill the form from the last session; False when nothing was saved."""
        if not self.settings.contains("form/business_type"):
            return False
        get = self.settings.value
        form.business_type.setText(str(get("form/business_type", "")))
        form.location.setText(str(get("form/location", "")))
        form.area.setText(str(get("form/area", "")))
        form.keywords.setText(str(get("form/keywords", "")))
        for spin, key in ((form.max_results, "form/max_results"), (form.min_score, "form/min_score")):
            with contextlib.suppress(ValueError):
                spin.setValue(int(str(get(key, spin.value()))))
        form.budget.setText(str(get("form/budget", "")))
        form.verify.setChecked(str(get("form/verify", "true")).lower() in {"true", "1"})
        form.revalidate()
        return True

    # -- first run -----------------------------------------------------------------------------

    def welcome_shown(self) -> bool:
        """True once the welcome was shown."""
        return str(self.settings.value(WELCOME_KEY, "false")).lower() in {"true", "1"}

    def set_welcome_shown(self) -> None:
        """Remember that the welcome was shown."""
        self.settings.setValue(WELCOME_KEY, True)
        self.settings.sync()

    def sync(self) -> None:
        """Write to disk now."""
        self.settings.sync()
