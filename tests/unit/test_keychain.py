"""ApiKeyStore: environment wins, keychain storage, no-keychain session fallback, no leaks."""

from __future__ import annotations

import keyring
import keyring.backend
import keyring.backends.fail
import pytest

from leadgen_desktop.cli import main
from leadgen_desktop.keychain import SERVICE, ApiKeyStore, KeySource


def test_set_get_delete_in_keychain(isolated_env) -> None:  # type: ignore[no-untyped-def]
    store = ApiKeyStore(environ={})
    assert store.status("hunter").source is KeySource.NONE
    assert store.set("hunter", "  hunter-secret-1  ") is KeySource.KEYCHAIN
    assert isolated_env.store[(SERVICE, "hunter")] == "hunter-secret-1"
    assert store.get("hunter") == "hunter-secret-1"
    assert store.status("hunter").source is KeySource.KEYCHAIN
    assert store.delete("hunter")
    assert store.get("hunter") is None


def test_environment_wins_over_keychain() -> None:
    store = ApiKeyStore(environ={"LEADGEN_HUNTER_KEY": "from-env"})
    store.set("hunter", "from-keychain")
    assert store.get("hunter") == "from-env"
    assert store.status("hunter").source is KeySource.ENVIRONMENT


def test_fail_backend_keeps_key_for_session_only() -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    store = ApiKeyStore(environ={})
    assert not store.backend_available()
    assert store.set("neverbounce", "nb-secret") is KeySource.SESSION
    assert store.get("neverbounce") == "nb-secret"
    assert ApiKeyStore(environ={}).get("neverbounce") is None  # a new session does not have it


class BrokenKeyring(keyring.backend.KeyringBackend):
    """A backend that fails like SecretService without a D-Bus session."""

    priority = -10  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        raise RuntimeError("org.freedesktop.secrets unavailable")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise RuntimeError("org.freedesktop.secrets unavailable")

    def delete_password(self, service: str, username: str) -> None:
        raise RuntimeError("org.freedesktop.secrets unavailable")


def test_broken_backend_never_crashes(capsys: pytest.CaptureFixture[str]) -> None:
    keyring.set_keyring(BrokenKeyring())
    store = ApiKeyStore(environ={})
    assert store.get("google_places") is None
    assert store.set("google_places", "g-secret") is KeySource.SESSION
    assert main(["keys", "status"]) == 0
    assert "Traceback" not in capsys.readouterr().err


def test_empty_and_unknown_are_refused() -> None:
    store = ApiKeyStore(environ={})
    with pytest.raises(ValueError, match="empty"):
        store.set("hunter", "   ")
    with pytest.raises(ValueError, match="Unknown provider"):
        store.get("mailchimp")


def test_cli_keys_set_from_stdin_and_status_never_prints_key(
    isolated_env,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("super-secret-google-key\n"))
    assert main(["keys", "set", "google_places"]) == 0
    assert isolated_env.store[(SERVICE, "google_places")] == "super-secret-google-key"
    assert main(["keys", "status"]) == 0
    out = capsys.readouterr().out
    assert "super-secret-google-key" not in out
    assert "keychain" in out
    assert main(["keys", "delete", "google_places"]) == 0
    assert (SERVICE, "google_places") not in isolated_env.store


def test_cli_keys_set_refuses_a_key_that_could_never_be_sent(
    isolated_env,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
) -> None:
    """A non-ASCII key used to be stored, then failed every run; it is refused at once (exit 2)."""
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("clé-secrète-ünicode\n"))
    assert main(["keys", "set", "hunter"]) == 2
    err = capsys.readouterr().err
    assert "Hunter" in err
    assert "non-ASCII" in err
    assert "clé-secrète" not in err
    assert (SERVICE, "hunter") not in isolated_env.store
