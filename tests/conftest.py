"""Test-wide set-up: offscreen Qt, isolated paths and an in-memory keychain."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import pytest
from hypothesis import HealthCheck, settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("LEADGEN_DEMO_LATENCY", "0")

# Hypothesis's timing checks (a per-example deadline, "input generation is slow") judge the
# machine, not the code: on a busy CI machine they fail tests at random. No verdict here may
# depend on timing, so the whole suite runs without them.
settings.register_profile("leadgen", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("leadgen")


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    """Say how to replay the test order (pytest-randomly shuffles it; ``-q`` hides its header)."""
    seed = getattr(config.option, "randomly_seed", None)
    if isinstance(seed, int):
        terminalreporter.write_line(f"Test order shuffled (seed {seed}); replay: --randomly-seed={seed}")


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
