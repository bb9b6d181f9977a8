"""Where learned rate limits are remembered between runs, per provider and API key.

A :class:`RateMemory` recalls and remembers a :class:`~leadgen_desktop.net.rate_limit.LearnedRate`
for a provider and a key *fingerprint* (:func:`key_fingerprint`: a short, salted SHA-256
digest; the key itself is never stored, and cannot be recovered from it). The one
implementation today is :class:`JsonRateMemory`, a small JSON file in the user's config
folder; a later team mode can share rates between machines behind the same two methods.

The file is ours and only advisory: one that cannot be read or does not make sense is
ignored (with a log line) and replaced by the next write; writes are atomic (a temporary
file renamed into place). Two processes writing at once may lose one's update: the next
run learns it again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import math
import os
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from leadgen_desktop.net.rate_limit import LearnedRate

log = logging.getLogger(__name__)

RATES_FILENAME = "learned_rates.json"
FORMAT_VERSION = 1
_SALT = b"leadgen-desktop learned rate v1\x00"


def key_fingerprint(provider: str, key: str) -> str:
    """A short fingerprint of ``key`` for ``provider``: 16 hex digits of a salted SHA-256."""
    digest = hashlib.sha256(_SALT + provider.encode() + b"\x00" + key.strip().encode())
    return digest.hexdigest()[:16]


class RateMemory(Protocol):
    """Recalls and remembers what a provider's limiter learned, per key fingerprint."""

    def recall(self, provider: str, fingerprint: str) -> LearnedRate | None:
        """What was learned for this provider and key, or None."""
        ...

    def remember(self, provider: str, fingerprint: str, learned: LearnedRate) -> None:
        """Keep ``learned`` for this provider and key (never raises)."""
        ...


class JsonRateMemory:
    """A :class:`RateMemory` in one JSON file: ``{"version": 1, "rates": {"PROVIDER:FP": {...}}}``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def recall(self, provider: str, fingerprint: str) -> LearnedRate | None:
        """What the file holds for ``provider`` and ``fingerprint`` (None if nothing usable)."""
        with self._lock:
            entry = self._read().get(f"{provider}:{fingerprint}")
        return _parse(entry) if isinstance(entry, Mapping) else None

    def remember(self, provider: str, fingerprint: str, learned: LearnedRate) -> None:
        """Write ``learned`` into the file, keeping every other entry; a failure is logged only."""
        entry: dict[str, object] = {
            "rate": round(learned.rate, 3),
            "limit": None if learned.limit is None else round(learned.limit, 3),
            "updated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        with self._lock:
            rates = self._read()
            rates[f"{provider}:{fingerprint}"] = entry
            try:
                self._write({"version": FORMAT_VERSION, "rates": rates})
            except OSError as exc:
                log.warning("Could not remember the learned rate in %s (%s)", self.path, exc)

    def _read(self) -> dict[str, object]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("Ignoring the learned rates in %s: unreadable (%s)", self.path, exc)
            return {}
        rates = data.get("rates") if isinstance(data, Mapping) else None
        if not isinstance(rates, Mapping) or data.get("version") != FORMAT_VERSION:
            log.warning("Ignoring the learned rates in %s: not a version %d file", self.path, FORMAT_VERSION)
            return {}
        return dict(rates)

    def _write(self, data: Mapping[str, object]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".learned_rates.", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=2, sort_keys=True)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _parse(entry: Mapping[str, object]) -> LearnedRate | None:
    """A LearnedRate from a file entry, or None when its numbers are missing or absurd."""
    rate, limit = _number(entry.get("rate")), _number(entry.get("limit"))
    if rate is None or (limit is None and entry.get("limit") is not None):
        log.warning("Ignoring a learned rate entry with unusable numbers: %r", dict(entry))
        return None
    return LearnedRate(rate, limit)


def _number(value: object) -> float | None:
    """``value`` as a plausible rate (requests per second), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) and 0 < number <= 10_000 else None
