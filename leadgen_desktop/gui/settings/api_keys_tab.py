"""The "API keys" tab of Settings: one masked field, Save, Remove and Test per provider.

A stored key is never shown: the field stays empty and its placeholder (and
the status line under it) says where the key comes from: the keychain, an
environment variable (read-only here), this session's memory, or nowhere.
Saving goes through :class:`~leadgen_desktop.keychain.ApiKeyStore` only, so a
key never reaches QSettings, a file, a label or a log record. Without a usable
keychain a plain warning says the key is kept in memory for this session.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from leadgen_desktop.domain import PROVIDERS
from leadgen_desktop.gui.settings.key_check import KeyChecker, KeyTester, describe_check
from leadgen_desktop.keychain import ENV_VARS, PROVIDER_NAMES, ApiKeyStore, KeySource
from leadgen_desktop.logging_setup import KeyRedactingFilter
from leadgen_desktop.net.http import KeyCheck

log = logging.getLogger(__name__)

NO_KEYCHAIN_TEXT = (
    "No keychain is available on this system: the key will be kept in memory for this session "
    "only. To keep it, set LEADGEN_…_KEY in your environment ({names})."
)
_HELP = {
    "google_places": "Required for live data: finds the businesses.",
    "hunter": "Optional: finds email addresses on the businesses' websites.",
    "neverbounce": "Optional: checks that found addresses accept mail.",
}
_OK_STYLE = "color: #1b5e20;"
_BAD_STYLE = "color: #b71c1c;"


def status_text(source: KeySource, provider: str) -> str:
    """Where ``provider``'s key comes from, in words (never the key)."""
    if source is KeySource.ENVIRONMENT:
        return f"From environment variable {ENV_VARS[provider]} (read-only here)"
    if source is KeySource.KEYCHAIN:
        return "Stored in keychain"
    if source is KeySource.SESSION:
        return "Kept in memory for this session only"
    return "Not set"


def add_log_secret(value: str) -> None:
    """Make the app's log file redact ``value`` too (keys typed after start-up)."""
    for handler in logging.getLogger("leadgen_desktop").handlers:
        for log_filter in handler.filters:
            if isinstance(log_filter, KeyRedactingFilter):
                log_filter.add_secrets([value])


class _ProviderRow:
    """The widgets of one provider (plain holder, not a QObject)."""

    def __init__(self, provider: str) -> None:
        name = PROVIDER_NAMES[provider]
        self.box = QGroupBox(name)
        self.edit = QLineEdit()
        self.edit.setObjectName(f"keyEdit_{provider}")
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setAccessibleName(f"{name} API key")
        self.edit.setClearButtonEnabled(True)
        self.save = QPushButton("Save")
        self.save.setObjectName(f"keySave_{provider}")
        self.save.setAccessibleName(f"Save the {name} key")
        self.remove = QPushButton("Remove")
        self.remove.setObjectName(f"keyRemove_{provider}")
        self.remove.setAccessibleName(f"Remove the {name} key")
        self.test = QPushButton("Test")
        self.test.setObjectName(f"keyTest_{provider}")
        self.test.setAccessibleName(f"Test the {name} key")
        self.test.setToolTip("Check the typed key (or the stored one) with a free request")
        self.status = QLabel()
        self.status.setObjectName(f"keyStatus_{provider}")
        self.result = QLabel()
        self.result.setObjectName(f"keyResult_{provider}")
        self.result.setWordWrap(True)
        self.result.setAccessibleName(f"{name} test result")
        hint = QLabel(_HELP[provider])
        hint.setStyleSheet("color: palette(mid);")
        grid = QGridLayout(self.box)
        grid.addWidget(hint, 0, 0, 1, 4)
        grid.addWidget(self.edit, 1, 0)
        grid.addWidget(self.save, 1, 1)
        grid.addWidget(self.remove, 1, 2)
        grid.addWidget(self.test, 1, 3)
        grid.addWidget(self.status, 2, 0, 1, 4)
        grid.addWidget(self.result, 3, 0, 1, 4)
        grid.setColumnStretch(0, 1)


class ApiKeysTab(QWidget):
    """Edit, remove and test the three providers' keys.

    Attributes tests use: ``rows`` (provider -> widgets with ``edit``, ``save``,
    ``remove``, ``test``, ``status``, ``result``), ``warning`` (the no-keychain
    label) and ``tester`` (:class:`KeyTester`).

    Signals:
        keys_changed(): a key was saved or removed.
        test_finished(str provider, object KeyCheck): a Test answered.
    """

    keys_changed = Signal()
    test_finished = Signal(str, object)

    def __init__(
        self, key_store: ApiKeyStore, checker: KeyChecker | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._store = key_store
        self.tester = KeyTester(checker, self)
        self.tester.finished.connect(self._on_test_finished)
        self.warning = QLabel(NO_KEYCHAIN_TEXT.format(names=", ".join(ENV_VARS.values())))
        self.warning.setObjectName("noKeychainWarning")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet(
            "background: #fff3e0; color: #4e2600; border: 1px solid #ffb74d; padding: 6px;"
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.warning)
        self.rows: dict[str, _ProviderRow] = {}
        self._sources: dict[str, KeySource] = {}  # read once per refresh: keyring calls can block
        for provider in PROVIDERS:
            row = _ProviderRow(provider)
            self.rows[provider] = row
            layout.addWidget(row.box)
            row.save.clicked.connect(lambda _=False, p=provider: self.save_key(p))
            row.remove.clicked.connect(lambda _=False, p=provider: self.remove_key(p))
            row.test.clicked.connect(lambda _=False, p=provider: self.test_key(p))
            row.edit.returnPressed.connect(lambda p=provider: self.save_key(p))
            row.edit.textChanged.connect(lambda _t, p=provider: self._update_buttons(p))
        layout.addStretch(1)
        self.refresh()

    # -- public API ------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read where each key comes from (never the key itself)."""
        self.warning.setVisible(not self._store.backend_available())
        for provider, row in self.rows.items():
            source = self._store.status(provider).source
            self._sources[provider] = source
            text = status_text(source, provider)
            row.edit.setPlaceholderText(text)
            row.status.setText(text)
            row.edit.setReadOnly(source is KeySource.ENVIRONMENT)
            self._update_buttons(provider)

    def has_typed_keys(self) -> bool:
        """True when a field holds a key that has not been saved yet."""
        return any(row.edit.text().strip() and not row.edit.isReadOnly() for row in self.rows.values())

    def save_typed_keys(self) -> None:
        """Save every field that holds a new key (the dialog's Save button)."""
        for provider, row in self.rows.items():
            if row.edit.text().strip() and not row.edit.isReadOnly():
                self.save_key(provider)

    def save_key(self, provider: str) -> None:
        """Store the typed key (keychain, else session memory) and clear the field."""
        row = self.rows[provider]
        value = row.edit.text().strip()
        if not value:
            self._show_result(provider, "Type or paste a key first.", ok=False)
            return
        try:
            source = self._store.set(provider, value)
        except ValueError as exc:
            self._show_result(provider, str(exc), ok=False)
            return
        add_log_secret(value)
        row.edit.clear()
        log.info("Saved the %s key (%s)", PROVIDER_NAMES[provider], source.value)
        done = "Saved in the keychain." if source is KeySource.KEYCHAIN else "Kept for this session only."
        self._show_result(provider, done, ok=True)
        self.refresh()
        self.keys_changed.emit()

    def remove_key(self, provider: str) -> None:
        """Delete the stored key (an environment variable stays in force)."""
        removed = self._store.delete(provider)
        self.rows[provider].edit.clear()
        source = self._store.status(provider).source
        if source is KeySource.ENVIRONMENT:
            text = f"{ENV_VARS[provider]} is still set in the environment and stays in use."
        else:
            text = "Removed." if removed else "There was no stored key."
        log.info("Removed the %s key", PROVIDER_NAMES[provider])
        self._show_result(provider, text, ok=True)
        self.refresh()
        self.keys_changed.emit()

    def test_key(self, provider: str) -> bool:
        """Test the typed key, else the stored one, in the background; False if there is none."""
        row = self.rows[provider]
        key = row.edit.text().strip() or self._store.get(provider)
        if not key:
            self._show_result(provider, "No key to test: type one or save one first.", ok=False)
            return False
        add_log_secret(key)
        if not self.tester.start(provider, key):
            return False
        row.result.setStyleSheet("")
        row.result.setText("Testing…")
        row.test.setEnabled(False)
        return True

    def shutdown(self) -> None:
        """Forget running tests (called when the dialog closes)."""
        self.tester.cancel_all()

    # -- internals -----------------------------------------------------------------------

    @Slot(str, object)
    def _on_test_finished(self, provider: str, check: KeyCheck) -> None:
        self._show_result(provider, describe_check(provider, check), ok=check.ok)
        self._update_buttons(provider)
        self.test_finished.emit(provider, check)

    def _show_result(self, provider: str, text: str, ok: bool) -> None:
        label = self.rows[provider].result
        label.setText(text)
        label.setStyleSheet(_OK_STYLE if ok else _BAD_STYLE)

    def _update_buttons(self, provider: str) -> None:
        row = self.rows[provider]
        source = self._sources.get(provider, KeySource.NONE)
        editable = source is not KeySource.ENVIRONMENT
        row.save.setEnabled(editable and bool(row.edit.text().strip()))
        row.remove.setEnabled(source in (KeySource.KEYCHAIN, KeySource.SESSION))
        row.test.setEnabled(not self.tester.is_busy(provider))
