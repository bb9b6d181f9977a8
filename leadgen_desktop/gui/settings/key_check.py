"""The Settings "Test" button: check an API key with a free call, off the GUI thread.

:func:`check_key` builds the provider around one short-lived ``httpx`` client
and calls its ``test_key()`` (Google: an IDs-only search billed at $0; Hunter
and NeverBounce: their free account endpoints). :class:`KeyTester` runs it on a
:class:`~leadgen_desktop.gui.thread_task.ThreadTask` and reports back through a
queued signal, so the dialog never blocks. The key is passed as an argument only: it is never
logged, and it is masked out of the message shown to the user.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx
from PySide6.QtCore import QObject, Signal, Slot

from leadgen_desktop.domain import CancelToken
from leadgen_desktop.gui.thread_task import ThreadTask
from leadgen_desktop.keychain import PROVIDER_NAMES
from leadgen_desktop.net.http import ConfigError, KeyCheck, build_client, check_api_key, redact
from leadgen_desktop.net.providers.google_places import GooglePlacesDiscovery
from leadgen_desktop.net.providers.hunter import HunterEmailFinder
from leadgen_desktop.net.providers.neverbounce import NeverBounceVerifier
from leadgen_desktop.net.retry import RetryPolicy

log = logging.getLogger(__name__)

KeyChecker = Callable[[str, str, CancelToken], KeyCheck]
"""``(provider, key, cancel) -> KeyCheck``; injectable for tests."""

TEST_RETRY = RetryPolicy(max_attempts=2, base_delay=0.3, max_delay=1.0, retry_after_cap=2.0)
"""A key test retries once at most: the user is waiting for an answer."""


def check_key(
    provider: str,
    key: str,
    cancel: CancelToken | None = None,
    transport: httpx.BaseTransport | None = None,
) -> KeyCheck:
    """Ask ``provider`` whether ``key`` works, with its free endpoint; never raises.

    The returned message never contains the key.
    """
    token = cancel or CancelToken()
    try:
        key = check_api_key(provider, PROVIDER_NAMES.get(provider, provider), key)
        with build_client(provider, transport=transport) as client:
            if provider == "google_places":
                result = GooglePlacesDiscovery(client, key, retry=TEST_RETRY).test_key(token)
            elif provider == "hunter":
                result = HunterEmailFinder(client, key, retry=TEST_RETRY).test_key(token)
            elif provider == "neverbounce":
                result = NeverBounceVerifier(client, key, retry=TEST_RETRY).test_key(token)
            else:
                return KeyCheck(False, f"Unknown provider {provider!r}.")
    except ConfigError as exc:  # a key that cannot be sent, or a bad LEADGEN_*_URL: its own sentence
        return KeyCheck(False, redact(str(exc), key))
    except Exception as exc:  # noqa: BLE001 - a test button must answer, whatever went wrong
        log.warning("Key test for %s failed unexpectedly: %s", provider, type(exc).__name__)
        return KeyCheck(False, redact(f"The test could not run: {type(exc).__name__}: {exc}", key))
    return KeyCheck(result.ok, redact(result.message, key), result.remaining, result.calls)


def describe_check(provider: str, check: KeyCheck) -> str:
    """One line for the dialog: valid (with credits left when known) or why not."""
    name = PROVIDER_NAMES.get(provider, provider)
    if check.ok:
        left = "" if check.remaining is None else f" ({check.remaining:g} credits left)"
        text = check.message if "left" in check.message else check.message.rstrip(".") + left + "."
        return f"✓ Valid — {text}" if text.startswith(name) else f"✓ Valid — {name}: {text}"
    return f"✗ {check.message}"


class KeyCheckWorker(QObject):
    """Runs one key check on its :class:`ThreadTask`; never raises.

    Signals:
        done(str provider, object KeyCheck): the answer; always the last thing ``run`` does.
    """

    done = Signal(str, object)

    def __init__(self, checker: KeyChecker, provider: str, key: str, cancel: CancelToken) -> None:
        super().__init__()
        self._checker = checker
        self._provider = provider
        self._key = key
        self._cancel = cancel

    @Slot()
    def run(self) -> None:
        """Check the key and emit ``done`` (an unexpected error is an answer too, without the key)."""
        try:
            result = self._checker(self._provider, self._key, self._cancel)
        except Exception as exc:  # noqa: BLE001 - report, never leave the dialog waiting
            result = KeyCheck(False, redact(f"The test could not run: {type(exc).__name__}", self._key))
        self.done.emit(self._provider, result)


class KeyTester(QObject):
    """Runs key checks in the background, one :class:`ThreadTask` each; one pending check per provider.

    Signals:
        finished(str provider, object KeyCheck): a check answered (GUI thread).
    """

    finished = Signal(str, object)

    def __init__(self, checker: KeyChecker | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._checker: KeyChecker = checker or check_key
        self._tokens: dict[str, CancelToken] = {}
        self._tasks: dict[str, ThreadTask] = {}

    def is_busy(self, provider: str) -> bool:
        """True while a check of ``provider`` is running."""
        return provider in self._tokens

    def start(self, provider: str, key: str) -> bool:
        """Check ``key`` for ``provider`` in the background; False if one is already running."""
        if provider in self._tokens:
            return False
        token = CancelToken()
        worker = KeyCheckWorker(self._checker, provider, key, token)
        worker.done.connect(self._on_done)
        task = ThreadTask(worker, f"key-test-{provider}", (worker.done,))
        self._tokens[provider] = token
        self._tasks[provider] = task
        task.start()
        return True

    def cancel_all(self) -> None:
        """Ask running checks to stop (their answers are then ignored; their threads end on their own)."""
        for token in self._tokens.values():
            token.cancel()

    @Slot(str, object)
    def _on_done(self, provider: str, result: object) -> None:
        token = self._tokens.pop(provider, None)
        task = self._tasks.pop(provider, None)
        if task is not None:
            task.join()  # the worker has emitted its last signal: the thread ends at once
        if token is None or token.cancelled:
            return
        self.finished.emit(provider, result)
