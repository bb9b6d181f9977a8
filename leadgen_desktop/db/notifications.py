"""Waking workers and windows when a team database's jobs change (PostgreSQL ``LISTEN``).

A job queued or handed back sends ``NOTIFY leadgen_jobs`` when its
transaction commits (:meth:`Database.notify_jobs`). :class:`JobWakeups`
listens on its own connection, on a daemon thread, and calls ``wake`` for each
notification. On SQLite it does nothing: there, waiting sides poll. A lost
connection is retried quietly; the waiting side's poll keeps working
meanwhile, so a notification can only make things sooner, never needed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from leadgen_desktop.db.database import JOBS_CHANNEL, Database

log = logging.getLogger(__name__)

RETRY_SECONDS = 2.0
"""Pause before listening again after the connection was lost."""
CHECK_SECONDS = 0.5
"""How often the listening thread looks whether it should stop."""


class JobWakeups:
    """Calls ``wake()`` whenever a job of a team database is queued or handed back."""

    def __init__(self, database: Database, wake: Callable[[], None]) -> None:
        self._database = database
        self._wake = wake
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start listening (a no-op on SQLite)."""
        if not self._database.is_postgres or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._listen, name="leadgen-listen", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop listening; returns within about half a second."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(CHECK_SECONDS * 4)

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                with self._connect() as connection:
                    connection.execute(f"LISTEN {JOBS_CHANNEL}")
                    while not self._stop.is_set():
                        for _ in connection.notifies(timeout=CHECK_SECONDS, stop_after=1):
                            self._wake()
            except Exception:  # a lost connection: listen again later (polling covers meanwhile)
                log.debug("Listening for job notifications failed; retrying", exc_info=True)
                self._stop.wait(RETRY_SECONDS)

    def _connect(self) -> Any:
        import psycopg

        connection = self._database.connection
        params = dict(connection.connect_params)
        return psycopg.connect(dbname=connection.database, autocommit=True, **params)
