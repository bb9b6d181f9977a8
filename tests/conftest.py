"""Test-wide set-up: offscreen Qt, isolated paths, an in-memory keychain, websites and DNS on loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import pytest

from tests.fakes.offline_web import offline_web_env

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
    # Every run reads websites and checks mail servers: keep both on loopback unless a test says otherwise.
    for var in (
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "ALL_PROXY",
        "no_proxy",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
    ):
        monkeypatch.delenv(var, raising=False)
    for var, value in offline_web_env().items():
        monkeypatch.setenv(var, value)
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
