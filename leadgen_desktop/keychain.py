"""API keys: environment variables first, then the operating system's keychain.

Keys are stored with keyring under the service ``leadgen-desktop``, one entry
per provider. When no usable keychain exists (a headless Linux box, a locked
keychain) keys can be held in memory for this session only; nothing is ever
written to a plaintext file. Key values never appear in messages or logs.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType

from leadgen_desktop.domain import PROVIDERS

# keyring (its backends found through package metadata) and net.http (httpx) are imported where
# first used: neither is needed to paint the window, and together they were a third of start-up.

SERVICE = "leadgen-desktop"
ENV_VARS: Mapping[str, str] = {
    "google_places": "LEADGEN_GOOGLE_PLACES_KEY",
    "hunter": "LEADGEN_HUNTER_KEY",
    "neverbounce": "LEADGEN_NEVERBOUNCE_KEY",
}
PROVIDER_NAMES: Mapping[str, str] = {
    "google_places": "Google Places",
    "hunter": "Hunter.io",
    "neverbounce": "NeverBounce",
}


class KeySource(enum.StrEnum):
    """Where a provider's key comes from."""

    ENVIRONMENT = "environment"
    KEYCHAIN = "keychain"
    SESSION = "session (memory only)"
    NONE = "none"


class KeychainUnavailable(Exception):
    """No usable keychain backend; the message explains the alternatives."""


@dataclass(frozen=True, slots=True)
class KeyStatus:
    """Whether a provider has a key and where it comes from (never the key)."""

    provider: str
    source: KeySource

    @property
    def present(self) -> bool:
        """True when a key is available."""
        return self.source is not KeySource.NONE


def _keyring() -> ModuleType:
    """The keyring module, imported on first use."""
    import keyring

    return keyring


def _check_provider(provider: str) -> None:
    if provider not in PROVIDERS:
        raise ValueError(f"Unknown provider {provider!r}; choose one of: {', '.join(PROVIDERS)}.")


class ApiKeyStore:
    """Reads, stores and deletes API keys; environment variables win."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = environ if environ is not None else os.environ
        self._session: dict[str, str] = {}

    def backend_available(self) -> bool:
        """False when keyring has only the ``fail`` (or ``null``) backend, or cannot load one."""
        try:
            backend = _keyring().get_keyring()
        except Exception:  # noqa: BLE001 - a broken backend means "no keychain", never a crash
            return False
        module = type(backend).__module__
        return not (module.startswith("keyring.backends.fail") or module.startswith("keyring.backends.null"))

    def get(self, provider: str) -> str | None:
        """The key for ``provider`` or None."""
        return self._lookup(provider)[0]

    def status(self, provider: str) -> KeyStatus:
        """Where ``provider``'s key comes from."""
        return KeyStatus(provider, self._lookup(provider)[1])

    def all_keys(self) -> dict[str, str | None]:
        """Every provider's key (or None)."""
        return {provider: self.get(provider) for provider in PROVIDERS}

    def set(self, provider: str, key: str) -> KeySource:
        """Store ``key`` in the keychain (or, without one, for this session only)."""
        _check_provider(provider)
        from leadgen_desktop.net.http import check_api_key

        value = check_api_key(provider, PROVIDER_NAMES[provider], key)  # never store what cannot be sent
        if not self.backend_available():
            self._session[provider] = value
            return KeySource.SESSION
        try:
            _keyring().set_password(SERVICE, provider, value)
        except Exception:  # noqa: BLE001 - locked or unreachable keychain: keep it for this session
            self._session[provider] = value
            return KeySource.SESSION
        self._session.pop(provider, None)
        return KeySource.KEYCHAIN

    def delete(self, provider: str) -> bool:
        """Remove a stored key; True when something was removed."""
        _check_provider(provider)
        removed = self._session.pop(provider, None) is not None
        if self.backend_available():
            try:
                _keyring().delete_password(SERVICE, provider)
                removed = True
            except Exception:  # noqa: BLE001 - nothing stored, or the keychain is unreachable
                pass
        return removed

    def _lookup(self, provider: str) -> tuple[str | None, KeySource]:
        _check_provider(provider)
        from_env = self._environ.get(ENV_VARS[provider], "").strip()
        if from_env:
            return from_env, KeySource.ENVIRONMENT
        if provider in self._session:
            return self._session[provider], KeySource.SESSION
        if self.backend_available():
            try:
                stored = _keyring().get_password(SERVICE, provider)
            except Exception:  # noqa: BLE001 - an unreachable keychain reads as "no key"
                stored = None
            if stored:
                return stored, KeySource.KEYCHAIN
        return None, KeySource.NONE


DATABASE_ENTRY = "database:{key}"
"""Keychain user name of a team database's password (``key``: its URL without password)."""


def database_password(key: str) -> str | None:
    """The stored password of the team database ``key`` (``PostgresTarget.key``), or None."""
    try:
        return _keyring().get_password(SERVICE, DATABASE_ENTRY.format(key=key)) or None
    except Exception:  # noqa: BLE001 - no usable keychain reads as "no password stored"
        return None


def set_database_password(key: str, password: str) -> None:
    """Store the password of the team database ``key`` in the keychain.

    Raises:
        KeychainUnavailable: there is no usable keychain (use PGPASSFILE instead).
        ValueError: the password is empty.
    """
    if not password:
        raise ValueError("The password is empty.")
    try:
        _keyring().set_password(SERVICE, DATABASE_ENTRY.format(key=key), password)
    except Exception as exc:  # any backend failure means: not stored
        raise KeychainUnavailable(
            "No usable OS keychain here; put the password in PGPASSFILE (~/.pgpass) instead."
        ) from exc


def delete_database_password(key: str) -> bool:
    """Forget the stored password of the team database ``key``; True when one was removed."""
    try:
        _keyring().delete_password(SERVICE, DATABASE_ENTRY.format(key=key))
    except Exception:  # noqa: BLE001 - nothing stored, or no keychain
        return False
    return True
