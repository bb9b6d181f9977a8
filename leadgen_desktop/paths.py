"""Where leadgen-desktop keeps its files (platformdirs), with overrides for tests and users."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from leadgen_desktop import APP_NAME

DB_ENV = "LEADGEN_DB"
DB_FILENAME = "leadgen.db"


def data_dir() -> Path:
    """The per-user data folder (database lives here by default)."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    """The per-user log folder."""
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    """The per-user configuration folder."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def default_db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The database path: ``explicit`` (--db) wins, then ``LEADGEN_DB``, then the data folder."""
    if explicit:
        return Path(explicit).expanduser()
    from_env = os.environ.get(DB_ENV, "").strip()
    if from_env:
        return Path(from_env).expanduser()
    return data_dir() / DB_FILENAME


def resources_dir() -> Path:
    """The bundled ``resources/`` folder (source tree or frozen bundle)."""
    override = os.environ.get("LEADGEN_RESOURCES_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parent.parent / "resources"
