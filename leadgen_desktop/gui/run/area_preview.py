"""The form's "Map area (free)" button: map the campaign's area in the background before anything is paid.

The area must be known without paying: typed in the form's Area field, stored
by an earlier campaign of the same location, or (demo) looked up for free. It
is then searched tile by tile with Google's IDs-only mask ($0, the Google key
is needed) by :func:`~leadgen_desktop.core.run.area_mapping.map_area` on a
:class:`~leadgen_desktop.gui.thread_task.ThreadTask`; the estimate under the
form then says what the area holds and what buying it and finding the emails
would cost (:class:`~leadgen_desktop.gui.run.estimate_label.EstimateUpdater`).
Editing the form forgets the map.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QPushButton

from leadgen_desktop.core.run.area_mapping import AreaPreview, known_area, map_area
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import Area, CampaignConfig, CancelToken, ProviderError, Providers
from leadgen_desktop.gui.run.campaign_form import CampaignForm
from leadgen_desktop.gui.thread_task import ThreadTask, close_thread_connection
from leadgen_desktop.settings import AppSettings, load_settings

log = logging.getLogger(__name__)

UNKNOWN_AREA = (
    "Type an Area to map it for free first: looking up a location is a paid Google search "
    "(a run does it once; later campaigns of the same location reuse it)."
)


def preview_key(config: CampaignConfig) -> tuple[str, str, bool]:
    """What a map depends on: the searched business, the location (or the area) and demo or live."""
    where = str(config.area) if config.area is not None else " ".join(config.location.split()).casefold()
    return " ".join(config.business_query.split()).casefold(), where, config.demo


class AreaMapWorker(QObject):
    """Maps one area on its :class:`ThreadTask`.

    Signals:
        progress(int searched, int left): tiles so far.
        mapped(object): the :class:`AreaPreview`; last.
        failed(str): why the map could not be made; last.
    """

    progress = Signal(int, int)
    mapped = Signal(object)
    failed = Signal(str)

    def __init__(
        self, area: Area, config: CampaignConfig, providers: Providers, store: Store, settings: AppSettings
    ) -> None:
        super().__init__()
        self.cancel = CancelToken()
        self._area, self._config, self._providers = area, config, providers
        self._store, self._settings = store, settings

    @Slot()
    def run(self) -> None:
        """Map the area and report (never raises)."""
        discovery = self._providers.area
        preview: AreaPreview | None = None
        error = ""
        try:
            assert discovery is not None
            preview = map_area(
                self._area,
                discovery,
                self._config.business_query,
                self._settings.price_table,
                self._store,
                self._settings.cache_ttl,
                self.cancel,
                self.progress.emit,
            )
        except ProviderError as exc:
            error = exc.message
        except Exception as exc:  # noqa: BLE001 - reported in the form, never a crash
            log.warning("Mapping the area failed: %s", exc)
            error = f"{type(exc).__name__}: {exc}"
        close_thread_connection(self._store.db)
        if preview is not None:
            self.mapped.emit(preview)
        else:
            self.failed.emit(error or "the map was cancelled")


class AreaPreviewer(QObject):
    """Owns the "Map area (free)" button and the map it makes (see the module docstring).

    Signals:
        changed(): a map was made or forgotten (the estimate reads :meth:`preview_for`).
    """

    changed = Signal()

    def __init__(
        self,
        form: CampaignForm,
        button: QPushButton,
        providers: Callable[[], Providers | None],
        store: Store,
        settings: Callable[[], AppSettings] = load_settings,
    ) -> None:
        super().__init__(form)
        self._form, self._button, self._providers = form, button, providers
        self._store, self._settings = store, settings
        self._preview: tuple[tuple[str, str, bool], AreaPreview] | None = None
        self._task: ThreadTask | None = None
        self._worker: AreaMapWorker | None = None
        self._mapping_key: tuple[str, str, bool] | None = None
        button.clicked.connect(self.start)
        for edit in (form.business_type, form.location, form.area, form.keywords):
            edit.textChanged.connect(self._on_form_changed)
        self._on_form_changed()

    def preview_for(self, config: CampaignConfig) -> AreaPreview | None:
        """The map made for this campaign's area, if any."""
        if self._preview is None or self._preview[0] != preview_key(config):
            return None
        return self._preview[1]

    @property
    def busy(self) -> bool:
        """True while a map is being made."""
        return self._task is not None

    @Slot()
    def start(self) -> None:
        """Map the form's area in the background (no-op while mapping, or when it cannot be done free)."""
        config, providers = self._form.config(), self._providers()
        if self._task is not None or config is None or providers is None or providers.area is None:
            return
        settings = self._settings()
        area = known_area(config, providers, settings.price_table, self._store, settings.cache_ttl)
        if area is None:
            self._button.setToolTip(UNKNOWN_AREA)
            return
        worker = AreaMapWorker(area, config, providers, self._store, settings)
        self._mapping_key = preview_key(config)
        worker.progress.connect(self._on_progress)
        worker.mapped.connect(self._on_mapped)
        worker.failed.connect(self._on_failed)
        self._worker = worker
        self._task = ThreadTask(worker, "area-map", (worker.mapped, worker.failed))
        self._task.stopped.connect(self._on_stopped)
        self._button.setEnabled(False)
        self._button.setText("Mapping…")
        self._task.start()

    def cancel(self) -> None:
        """Stop a map being made (the window closes)."""
        if self._worker is not None:
            self._worker.cancel.cancel()

    @Slot(int, int)
    def _on_progress(self, searched: int, left: int) -> None:
        self._button.setText(f"Mapping… {searched} tiles, {left} left")

    @Slot(object)
    def _on_mapped(self, preview: object) -> None:
        if isinstance(preview, AreaPreview) and self._mapping_key is not None:
            self._preview = (self._mapping_key, preview)
            self.changed.emit()

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._button.setToolTip(f"The area could not be mapped: {message}")

    @Slot()
    def _on_stopped(self) -> None:
        self._task, self._worker = None, None
        self._button.setText("Map area (free)")
        self._on_form_changed()

    @Slot()
    def _on_form_changed(self) -> None:
        config = self._form.config()
        if self._preview is not None and (config is None or preview_key(config) != self._preview[0]):
            self._preview = None
            self.changed.emit()
        if self._task is None:
            self._button.setEnabled(config is not None)
            self._button.setToolTip(
                "Search the area tile by tile with Google's free IDs-only search (needs the Google key), "
                "then say what it holds and what buying it would cost."
            )
