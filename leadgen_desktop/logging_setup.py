"""Logging: a rotating file in the user log folder, with API keys and database passwords redacted.

The redaction filter replaces every configured key value (and anything that
looks like a key in a ``key=``/``api_key=`` query parameter or an API-key
header, a ``password=`` in a connection string, or the password of a
``postgresql://user:password@`` URL) with ``[REDACTED]`` before a record
reaches any handler.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
from collections.abc import Iterable
from pathlib import Path

from leadgen_desktop.db.target import redact_urls

LOG_FILENAME = "leadgen.log"
MAX_BYTES = 1_000_000
BACKUPS = 3
REDACTED = "[REDACTED]"

_KEY_PATTERNS = (
    re.compile(r"(?i)((?:api_)?key=)[^&\s\"']+"),
    re.compile(r"(?i)(\bpassword\s*=\s*)[^&\s\"']+"),  # a libpq connection string
    re.compile(r"(?i)((?:x-goog-api-key|x-api-key)[\"']?\s*[:=]\s*[\"']?)[^\s\"',}]+"),
)


class KeyRedactingFilter(logging.Filter):
    """Removes secrets from log records (message, arguments and tracebacks)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets: set[str] = set()
        self.add_secrets(secrets)

    def add_secrets(self, secrets: Iterable[str | None]) -> None:
        """Also redact these values (empty and very short values are ignored)."""
        self._secrets.update(s for s in secrets if s and len(s) >= 6)

    def redact(self, text: str) -> str:
        """``text`` with every known secret and key-looking parameter replaced."""
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        for pattern in _KEY_PATTERNS:
            text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
        return redact_urls(text, REDACTED)  # a team database URL's password

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drops it."""
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg = self.redact(message)
        record.args = None
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


def configure_logging(log_dir: Path, secrets: Iterable[str | None] = (), level: int = logging.INFO) -> Path:
    """Send the ``leadgen_desktop`` loggers to a rotating file; return its path."""
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / LOG_FILENAME
    logger = logging.getLogger("leadgen_desktop")
    for handler in list(logger.handlers):
        if getattr(handler, "_leadgen", False):
            logger.removeHandler(handler)
            handler.close()
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
    )
    handler._leadgen = True  # type: ignore[attr-defined]
    redactor = KeyRedactingFilter()
    redactor.add_secrets(secrets)
    handler.addFilter(redactor)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level)
    return path
