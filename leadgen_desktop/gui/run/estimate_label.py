"""The cost estimate under the budget field, refreshed ~300 ms after the form stops changing.

It calls :func:`~leadgen_desktop.core.billing.estimate.estimate_cost` with the
window's current providers, the saved prices and cache lifetime, the
repository (a read: cached domains of similar campaigns are free) and the
area's map when "Map area (free)" made one for this campaign. Demo providers
cost nothing, and the label says so.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QObject, QTimer, Slot
from PySide6.QtWidgets import QLabel

from leadgen_desktop.core.billing.estimate import estimate_cost
from leadgen_desktop.core.run.area_mapping import AreaPreview
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import CampaignConfig, Providers
from leadgen_desktop.gui.run.campaign_form import CampaignForm
from leadgen_desktop.settings import AppSettings, load_settings

log = logging.getLogger(__name__)

DEBOUNCE_MS = 300
DEMO_ESTIMATE = "$0.00 — demo mode"


class EstimateUpdater(QObject):
    """Keeps ``label`` showing what the form's campaign would cost.

    Signals: none (call :meth:`refresh_now` to update at once).
    """

    def __init__(
        self,
        form: CampaignForm,
        label: QLabel,
        providers: Callable[[], Providers | None],
        repo: Store,
        settings: Callable[[], AppSettings] = load_settings,
        parent: QObject | None = None,
        preview: Callable[[CampaignConfig], AreaPreview | None] = lambda _config: None,
    ) -> None:
        super().__init__(parent or form)
        self._form = form
        self._label = label
        self._providers = providers
        self._repo = repo
        self._settings = settings
        self._preview = preview
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.refresh_now)
        for edit in (form.business_type, form.location, form.area, form.keywords, form.budget):
            edit.textChanged.connect(self.schedule)
        for spin in (form.max_results, form.min_score):
            spin.lineEdit().textChanged.connect(self.schedule)
        form.verify.toggled.connect(self.schedule)
        self.schedule()  # the window's providers are ready by then

    @Slot()
    def schedule(self, *_args: object) -> None:
        """Refresh after the form has been still for :data:`DEBOUNCE_MS`."""
        self._timer.start()

    @Slot()
    def refresh_now(self) -> None:
        """Recompute the estimate now."""
        self._timer.stop()
        self._label.setText(self.text())

    def text(self) -> str:
        """The label's text for the form as it is."""
        providers = self._providers()
        if providers is None:
            return ""
        config = self._form.config()
        if providers.demo:
            mapped = self._preview(config) if config is not None else None
            holds = f" The area holds {mapped.places} places of this kind." if mapped is not None else ""
            return f"Estimated cost: {DEMO_ESTIMATE}.{holds}"
        if config is None:
            return "Estimated cost: complete the form to see it."
        settings = self._settings()
        config = replace(config, hunter=settings.hunter_mode)
        try:
            mapped = self._preview(config)
            estimate = estimate_cost(
                config, providers, settings.price_table, self._repo, settings.cache_ttl, mapped
            )
        except Exception as exc:  # noqa: BLE001 - an estimate must never break the form
            log.warning("Cost estimate failed: %s", exc)
            return "Estimated cost: unavailable."
        text = f"Estimated cost: {estimate.describe()}"
        if config.budget is not None and estimate.expected > config.budget:
            text += " The budget will probably stop the run early."
        return text
