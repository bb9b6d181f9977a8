"""Test-wide set-up: offscreen Qt, isolated paths, an in-memory keychain, and both database engines.

``db_url`` is parametrized over SQLite and PostgreSQL (``tests/fakes/backends.py``):
a test that takes it (or ``store``) runs against both.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import pytest

from leadgen_desktop.db.store import Store
from tests.fakes.backends import BACKENDS, database_for

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("LEADGEN_DEMO_LATENCY", "0")


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A dict-backed keyring for tests (negative priority: never auto-selected)."""

    priority = -10  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    """Point every user directory at tmp_path and install an in-memory keyring."""
    for var in (
        "LEADGEN_DB",
        "LEADGEN_DEMO",
        "LEADGEN_GOOGLE_PLACES_KEY",
        "LEADGEN_HUNTER_KEY",
        "LEADGEN_NEVERBOUNCE_KEY",
        "LEADGEN_GOOGLE_PLACES_URL",
        "LEADGEN_HUNTER_URL",
        "LEADGEN_NEVERBOUNCE_URL",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LEADGEN_DEMO_LATENCY", "0")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database: a SQLite file path, then a PostgreSQL URL (skipped when there is no server)."""
    with database_for(request.param, tmp_path) as where:
        yield where


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """A store over a fresh database of each engine."""
    opened = Store.open(db_url)
    yield opened
    opened.db.close()
