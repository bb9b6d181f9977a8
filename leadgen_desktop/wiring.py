"""Composition shared by the window and the command line: database, keys, providers."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from leadgen_desktop.db.database import open_database
from leadgen_desktop.db.store import Store
from leadgen_desktop.db.target import is_postgres_url, parse_postgres_url
from leadgen_desktop.domain import Providers
from leadgen_desktop.keychain import database_password
from leadgen_desktop.paths import DB_ENV, config_dir, default_db_path
from leadgen_desktop.settings import AppSettings

if TYPE_CHECKING:  # the pipeline (and all of core/run) is imported when the first run starts
    from leadgen_desktop.core.run.pipeline import Pipeline

DEMO_ENV = "LEADGEN_DEMO"
_OPENED: list[Store] = []
"""Stores :func:`open_store` made and :func:`close_stores` has not closed yet."""

LIVE_REQUESTS_IN_FLIGHT = 20
"""Requests each live provider may have out at once: a rate of R per second at L seconds an
answer needs R·L of them (NeverBounce at 20/s and 0.8 s: 16), and Hunter's "15 per second" goes
out as 15 at once. Demo runs keep the pipeline's default: their providers answer from Python
code, and more threads would only compete with the window for the interpreter."""


def demo_requested(flag: bool = False) -> bool:
    """True when ``--demo`` was given or ``LEADGEN_DEMO`` is set to a true value."""
    return flag or os.environ.get(DEMO_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def database_location(db: str | os.PathLike[str] | None = None) -> str | os.PathLike[str] | None:
    """What ``--db`` or ``LEADGEN_DB`` names (a path or a ``postgresql://`` URL), or None for the default."""
    if db:
        return db
    return os.environ.get(DB_ENV, "").strip() or None


def open_store(db: str | os.PathLike[str] | None = None) -> Store:
    """Open (creating or migrating) the database (``--db``, ``LEADGEN_DB`` or the default) as a store.

    A ``postgresql://`` URL opens the team database; its password comes from
    the URL, the keychain (``leadgen db-password set``), ``PGPASSFILE`` or
    ``PGPASSWORD``, and is never shown.

    Raises:
        StorageError: the database cannot be used; the message says why.
    """
    where = database_location(db)
    if where is not None and is_postgres_url(where):
        target = parse_postgres_url(str(where))
        if not target.password:
            target = target.with_password(database_password(target.key))
        store = Store(open_database(target))
    else:
        path: Path = default_db_path(where)
        store = Store.open(path)
    _OPENED.append(store)
    return store


def close_stores() -> None:
    """Close the calling thread's connection of every store :func:`open_store` made (a command's end)."""
    while _OPENED:
        _OPENED.pop().db.close()


def build_providers(
    demo: bool, keys: Mapping[str, str | None], settings: AppSettings | None = None
) -> Providers:
    """Demo providers, or live ones for the keys present (Google's key is required)."""
    if demo:
        from leadgen_desktop.net.providers.demo import build_demo_providers

        return build_demo_providers()
    from leadgen_desktop.net.providers.live import build_live_providers
    from leadgen_desktop.net.rate_memory import RATES_FILENAME, JsonRateMemory

    rates = {"neverbounce": (settings or AppSettings()).neverbounce_rate}  # None: learn it
    return build_live_providers(keys, rates=rates, memory=JsonRateMemory(config_dir() / RATES_FILENAME))


def build_pipeline(store: Store, providers: Providers, settings: AppSettings | None = None) -> Pipeline:
    """A pipeline with the user's prices, cache lifetime and the name the team sees."""
    from leadgen_desktop.core.run.pipeline import Pipeline

    chosen = settings or AppSettings()
    user = chosen.user_name or None
    if providers.demo:
        return Pipeline(store, providers, chosen.price_table, cache_ttl=chosen.cache_ttl, user=user)
    return Pipeline(
        store,
        providers,
        chosen.price_table,
        cache_ttl=chosen.cache_ttl,
        concurrency=LIVE_REQUESTS_IN_FLIGHT,
        user=user,
    )
