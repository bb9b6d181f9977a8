"""Composition shared by the window and the command line: database, keys, providers."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from leadgen_desktop.core.run.pipeline import Pipeline
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import Providers
from leadgen_desktop.paths import default_db_path
from leadgen_desktop.settings import AppSettings

DEMO_ENV = "LEADGEN_DEMO"


def demo_requested(flag: bool = False) -> bool:
    """True when ``--demo`` was given or ``LEADGEN_DEMO`` is set to a true value."""
    return flag or os.environ.get(DEMO_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def open_store(db: str | os.PathLike[str] | None = None) -> Store:
    """Open (creating or migrating) the database (``--db``, ``LEADGEN_DB`` or the default) as a store.

    Raises:
        StorageError: the database cannot be used; the message says why.
    """
    path: Path = default_db_path(db)
    return Store.open(path)


def build_providers(
    demo: bool, keys: Mapping[str, str | None], settings: AppSettings | None = None
) -> Providers:
    """Demo providers, or live ones for the keys present (Google's key is required)."""
    if demo:
        from leadgen_desktop.net.providers.demo import build_demo_providers

        return build_demo_providers()
    from leadgen_desktop.net.providers.live import build_live_providers

    rates = {"neverbounce": (settings or AppSettings()).neverbounce_rate}
    return build_live_providers(keys, rates=rates)


def build_pipeline(store: Store, providers: Providers, settings: AppSettings | None = None) -> Pipeline:
    """A pipeline with the user's prices and cache lifetime."""
    chosen = settings or AppSettings()
    return Pipeline(store, providers, chosen.price_table, cache_ttl=chosen.cache_ttl)
