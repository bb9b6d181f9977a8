"""Edit → Settings…: API keys, where emails come from, prices and the lookup cache.

Four tabs. *API keys* (:mod:`api_keys_tab`) saves and removes keys at once
through :class:`ApiKeyStore` and tests them off the GUI thread. *Emails* holds
the Hunter mode (always, fallback, never: when the paid search runs after the
website was read); *Costs* the price of every billed SKU and NeverBounce's
request rate; *Cache* the cache lifetime, its size and a Clear button. The
dialog's Save button writes mode, prices, rate and lifetime with
:func:`save_settings` (``settings.json``) and also saves any key still typed
in a field.

Database writes: "Clear cache" is the only one. It runs on the GUI thread, and
only while no campaign runs (the button is disabled during a run, tracked
through the :class:`RunController` signals); WAL mode and the busy timeout
make this one short transaction safe next to the GUI's reads. Everything a
run writes stays on its worker thread.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from leadgen_desktop.core.jobs import default_user
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import DEFAULT_PRICES, HunterMode
from leadgen_desktop.gui.run.run_controller import RunController
from leadgen_desktop.gui.settings.api_keys_tab import ApiKeysTab
from leadgen_desktop.gui.settings.key_check import KeyChecker
from leadgen_desktop.keychain import ApiKeyStore
from leadgen_desktop.settings import CACHE_TTL_RANGE, AppSettings, load_settings, save_settings

log = logging.getLogger(__name__)

SKU_NAMES: dict[str, str] = {
    "places_text_search_essentials": "Google Places text search, Essentials fields (per page)",
    "places_text_search_pro": "Google Places text search, Pro fields (per page)",
    "places_text_search_enterprise": "Google Places text search, Enterprise fields (per page)",
    "places_details_essentials": "Google Places details, Essentials (per request)",
    "places_details_pro": "Google Places details, Pro (per request)",
    "places_details_enterprise": "Google Places details, Enterprise (per request)",
    "hunter_credit": "Hunter.io credit (one domain search)",
    "neverbounce_credit": "NeverBounce credit (one verification)",
    "free": "Free requests (key tests, account checks)",
}
"""Readable names of the SKUs in :data:`DEFAULT_PRICES`."""

PRICE_DECIMALS = 5
RATE_RANGE = (0.0, 100.0)
"""NeverBounce rate choices; the minimum, 0, means "find the limit automatically" (no fixed rate)."""


def human_size(size: int) -> str:
    """``1536`` -> ``1.5 KB``."""
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"  # pragma: no cover


def database_size(path: Path) -> int:
    """Bytes on disk of the database and its WAL/shared-memory files."""
    total = 0
    for candidate in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            total += candidate.stat().st_size
        except OSError:
            continue
    return total


class SettingsDialog(QDialog):
    """API keys, prices, NeverBounce rate and cache (see the module docstring).

    Attributes tests use: ``tabs``, ``keys_tab`` (:class:`ApiKeysTab`),
    ``hunter_combo`` (the Hunter mode), ``price_spins`` (SKU -> QDoubleSpinBox), ``rate_spin``, ``ttl_spin``,
    ``cache_label``, ``clear_cache_button``, ``button_box``.

    Signals:
        keys_changed(): a key was saved or removed (switch demo/live mode).
        settings_saved(object): the new :class:`AppSettings` were written.
        cache_cleared(): the caches were emptied.
    """

    keys_changed = Signal()
    settings_saved = Signal(object)
    cache_cleared = Signal()

    def __init__(
        self,
        repo: Store,
        key_store: ApiKeyStore,
        controller: RunController | None = None,
        parent: QWidget | None = None,
        checker: KeyChecker | None = None,
        settings_file: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setObjectName("settingsDialog")
        self._repo = repo
        self._controller = controller
        self._settings_file = settings_file
        settings = load_settings(settings_file)

        self.keys_tab = ApiKeysTab(key_store, checker, self)
        self.keys_tab.keys_changed.connect(self.keys_changed)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.keys_tab, "API &keys")
        self.tabs.addTab(self._build_emails(settings), "&Emails")
        self.tabs.addTab(self._build_costs(settings), "&Costs")
        self.tabs.addTab(self._build_cache(settings), "Cac&he")

        self.button_box = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.button_box.accepted.connect(self.save)
        self.button_box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(self.button_box)

        if controller is not None:
            controller.job_started.connect(self._update_run_state)
            controller.finished.connect(self._update_run_state)
            controller.failed.connect(self._update_run_state)
        self._update_run_state()
        self.refresh_cache_stats()
        self.resize(640, 560)

    # -- construction -------------------------------------------------------------------

    def _build_emails(self, settings: AppSettings) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        intro = QLabel(
            "Every business website is read first, for free: its contact, about and Impressum pages, "
            "politely (robots.txt, one request at a time per site). Hunter.io's paid email search "
            "comes after it, as chosen here. Before a verification is paid for, the email domain's "
            "mail server is checked: a domain that receives no mail is marked invalid at no cost."
        )
        intro.setWordWrap(True)
        form.addRow(intro)
        self.hunter_combo = QComboBox()
        self.hunter_combo.setObjectName("hunterMode")
        for mode in HunterMode:
            self.hunter_combo.addItem(mode.description, mode.value)
        self.hunter_combo.setCurrentIndex(self.hunter_combo.findData(settings.hunter_mode.value))
        self.hunter_combo.setAccessibleName("Hunter mode")
        self.hunter_combo.setToolTip("leadgen run --hunter always|fallback|never does the same")
        form.addRow("&Hunter.io search", self.hunter_combo)
        return page

    def _build_costs(self, settings: AppSettings) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        intro = QLabel("Prices in USD per billed unit, used for the live cost and the budget.")
        intro.setWordWrap(True)
        form.addRow(intro)
        self.price_spins: dict[str, QDoubleSpinBox] = {}
        for sku in DEFAULT_PRICES:
            spin = QDoubleSpinBox()
            spin.setObjectName(f"price_{sku}")
            spin.setRange(0.0, 1.0)
            spin.setDecimals(PRICE_DECIMALS)
            spin.setSingleStep(0.001)
            spin.setPrefix("$ ")
            spin.setValue(float(settings.prices.get(sku, DEFAULT_PRICES[sku])))
            spin.setAccessibleName(SKU_NAMES.get(sku, sku))
            spin.setToolTip(f"SKU: {sku}; default ${DEFAULT_PRICES[sku]:.4f}")
            self.price_spins[sku] = spin
            form.addRow(SKU_NAMES.get(sku, sku), spin)
        self.rate_spin = QDoubleSpinBox()
        self.rate_spin.setObjectName("neverbounceRate")
        self.rate_spin.setRange(*RATE_RANGE)
        self.rate_spin.setDecimals(1)
        self.rate_spin.setSuffix(" requests/second")
        self.rate_spin.setSpecialValueText("Find automatically")
        self.rate_spin.setValue(settings.neverbounce_rate or RATE_RANGE[0])
        self.rate_spin.setToolTip("Leave at 'Find automatically' unless NeverBounce told you your limit.")
        self.rate_spin.setAccessibleName("NeverBounce requests per second")
        form.addRow("NeverBounce rate limit", self.rate_spin)
        defaults = QPushButton("Restore default prices")
        defaults.clicked.connect(self._restore_default_prices)
        form.addRow(defaults)
        return page

    def _build_cache(self, settings: AppSettings) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        intro = QLabel(
            "Places, email searches and verifications are cached, so running a similar "
            "campaign again costs nothing for what is already known."
        )
        intro.setWordWrap(True)
        form.addRow(intro)
        self.ttl_spin = QSpinBox()
        self.ttl_spin.setObjectName("cacheTtl")
        self.ttl_spin.setRange(*CACHE_TTL_RANGE)
        self.ttl_spin.setSuffix(" days")
        self.ttl_spin.setValue(settings.cache_ttl_days)
        self.ttl_spin.setAccessibleName("Cache lifetime in days")
        self.ttl_spin.setToolTip("0 days: never reuse a cached lookup")
        form.addRow("Cache &lifetime", self.ttl_spin)
        self.cache_label = QLabel()
        self.cache_label.setObjectName("cacheStats")
        self.cache_label.setWordWrap(True)
        form.addRow("Cache size", self.cache_label)
        self.clear_cache_button = QPushButton("C&lear cache…")
        self.clear_cache_button.setObjectName("clearCacheButton")
        self.clear_cache_button.clicked.connect(self.clear_cache)
        form.addRow(self.clear_cache_button)
        self.user_edit = QLineEdit(settings.user_name)
        self.user_edit.setObjectName("teamUserName")
        self.user_edit.setMaxLength(64)
        self.user_edit.setPlaceholderText(default_user())
        self.user_edit.setAccessibleName("Your name in the team")
        self.user_edit.setToolTip(
            "Shown next to the campaigns you run in a team database (empty: your OS user name)"
        )
        form.addRow("Your &name (team)", self.user_edit)
        return page

    # -- actions ---------------------------------------------------------------------------

    def current_settings(self) -> AppSettings:
        """The settings as edited (not yet saved)."""
        prices = {sku: round(spin.value(), PRICE_DECIMALS) for sku, spin in self.price_spins.items()}
        return AppSettings(
            prices=prices,
            cache_ttl_days=self.ttl_spin.value(),
            neverbounce_rate=self.rate_spin.value() or None,
            hunter_mode=HunterMode(self.hunter_combo.currentData()),
            user_name=self.user_edit.text().strip(),
        )

    @Slot()
    def save(self) -> None:
        """Save typed keys and the settings file, then close."""
        self.keys_tab.save_typed_keys()
        settings = self.current_settings()
        try:
            save_settings(settings, self._settings_file)
        except OSError as exc:
            QMessageBox.warning(self, "Settings not saved", f"Cannot write the settings file: {exc}")
            return
        log.info("Settings saved (cache lifetime %d days)", settings.cache_ttl_days)
        self.settings_saved.emit(settings)
        self.accept()

    def refresh_cache_stats(self) -> None:
        """Show the number of cached entries and the database size."""
        try:
            stats = self._repo.lookups.stats()
        except Exception as exc:  # noqa: BLE001 - a busy or broken database must not break the dialog
            self.cache_label.setText(f"Cannot read the cache: {exc}")
            return
        cached = (
            f"{stats.places:,} places, {stats.domains:,} domains, {stats.emails:,} emails, "
            f"{stats.websites:,} websites and {stats.mail_servers:,} mail servers cached"
        )
        if self._repo.db.is_postgres:  # a team database: shared by everyone, no file here
            self.cache_label.setText(f"{cached} in the team database (shared with everyone on it)")
            return
        size = human_size(database_size(Path(str(self._repo.path))))
        self.cache_label.setText(f"{cached}; database file {size} on disk")

    @Slot()
    def clear_cache(self) -> bool:
        """Ask, then forget every cached lookup (never during a run); True when cleared."""
        if self._run_active():
            return False
        answer = QMessageBox.question(
            self,
            "Clear the cache?",
            "Forget every cached place, website, email search and verification? "
            "Later campaigns will pay again for lookups that are cached now. Leads are kept.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        try:
            self._repo.lookups.clear()
        except Exception as exc:  # noqa: BLE001 - report storage problems in the dialog
            QMessageBox.warning(self, "Cache not cleared", str(exc))
            return False
        log.info("Cache cleared from Settings")
        self.refresh_cache_stats()
        self.cache_cleared.emit()
        return True

    def done(self, result: int) -> None:
        """Forget running key tests when the dialog closes."""
        self.keys_tab.shutdown()
        super().done(result)

    # -- internals ---------------------------------------------------------------------------

    def _run_active(self) -> bool:
        return self._controller is not None and self._controller.is_running

    def _update_run_state(self, *_args: object) -> None:
        running = self._run_active()
        self.clear_cache_button.setEnabled(not running)
        self.clear_cache_button.setToolTip(
            "Wait for the running campaign to finish first." if running else "Empty every cache"
        )
        if not running:
            self.refresh_cache_stats()

    @Slot()
    def _restore_default_prices(self) -> None:
        for sku, spin in self.price_spins.items():
            spin.setValue(DEFAULT_PRICES[sku])
