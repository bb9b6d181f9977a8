"""Run a blocking call that cannot be interrupted (DNS lookups) so that a cancel still ends it at once.

``socket.getaddrinfo`` and a dnspython query block their thread until they
finish. :func:`call_cancellable` runs such a call on a daemon thread and waits
for it in short slices: a cancel (or the deadline) returns control to the
caller within :data:`POLL_SECONDS`, and the abandoned call finishes on its own
without keeping the process alive.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from leadgen_desktop.domain import Cancelled, CancelToken

T = TypeVar("T")

POLL_SECONDS = 0.05
"""How often a wait looks at the cancel token."""


class DeadlinePassed(TimeoutError):
    """The call did not finish before its deadline."""


def call_cancellable(
    work: Callable[[], T], cancel: CancelToken, *, deadline: float | None = None, name: str = "blocking-call"
) -> T:
    """Return ``work()``, or raise :class:`Cancelled` / :class:`DeadlinePassed` without waiting for it.

    ``deadline`` is a ``time.monotonic()`` value. Exceptions raised by ``work``
    are re-raised in the caller's thread.
    """
    cancel.raise_if_cancelled()
    done = threading.Event()
    outcome: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread and re-raised there
            failure.append(exc)
        finally:
            done.set()

    threading.Thread(target=run, name=name, daemon=True).start()
    while not done.wait(POLL_SECONDS):
        if cancel.cancelled:
            raise Cancelled
        if deadline is not None and time.monotonic() >= deadline:
            raise DeadlinePassed(f"{name} did not finish in time")
    if failure:
        raise failure[0]
    return outcome[0]
