"""User settings shared by the window and the command line: prices, cache lifetime, a fixed rate, Hunter mode.

Stored as JSON in the user config folder (``settings.json``), written
atomically. API keys are never stored here (see :mod:`leadgen_desktop.keychain`);
window geometry and table layout live in QSettings, owned by the GUI.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from leadgen_desktop.domain import DEFAULT_PRICES, HunterMode, PriceTable
from leadgen_desktop.paths import config_dir

log = logging.getLogger(__name__)

SETTINGS_FILENAME = "settings.json"
CACHE_TTL_RANGE = (0, 3650)


@dataclass(frozen=True, slots=True)
class AppSettings:
    """Everything a user can change in Settings (apart from API keys)."""

    prices: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_PRICES))
    cache_ttl_days: int = 30
    neverbounce_rate: float | None = None
    """Requests per second to NeverBounce; None (the default) lets the app find the limit itself."""
    hunter_mode: HunterMode = HunterMode.FALLBACK
    """When new campaigns pay for Hunter's email search (``leadgen run --hunter`` overrides it)."""
    user_name: str = ""
    """How this user is shown to the team ("" = the OS user name)."""

    @property
    def price_table(self) -> PriceTable:
        """The prices as a :class:`PriceTable`."""
        return PriceTable(dict(self.prices))

    @property
    def cache_ttl(self) -> dt.timedelta:
        """How long a cached lookup stays valid."""
        return dt.timedelta(days=self.cache_ttl_days)

    def with_price(self, sku: str, usd: float) -> AppSettings:
        """A copy with one price changed (validated)."""
        if sku not in DEFAULT_PRICES:
            raise ValueError(f"Unknown price {sku!r}.")
        if not math.isfinite(usd) or usd < 0:
            raise ValueError("A price must be zero or a positive amount in USD.")
        return replace(self, prices={**self.prices, sku: usd})

    def to_json(self) -> dict[str, object]:
        """JSON-ready mapping."""
        data: dict[str, object] = {
            "prices": dict(self.prices),
            "cache_ttl_days": self.cache_ttl_days,
            "hunter_mode": self.hunter_mode.value,
        }
        if self.neverbounce_rate is not None:
            data["neverbounce_rate"] = self.neverbounce_rate
        if self.user_name:
            data["user_name"] = self.user_name
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> AppSettings:
        """Read a mapping, keeping defaults for anything missing or invalid."""
        settings = cls()
        prices = data.get("prices")
        if isinstance(prices, Mapping):
            for sku, value in prices.items():
                if sku in DEFAULT_PRICES and isinstance(value, int | float):
                    try:
                        settings = settings.with_price(sku, float(value))
                    except ValueError:
                        log.warning("Ignoring invalid price for %s in settings", sku)
        ttl = data.get("cache_ttl_days")
        if isinstance(ttl, int) and CACHE_TTL_RANGE[0] <= ttl <= CACHE_TTL_RANGE[1]:
            settings = replace(settings, cache_ttl_days=ttl)
        rate = data.get("neverbounce_rate")
        if isinstance(rate, int | float) and not isinstance(rate, bool) and 0 < rate <= 100:
            settings = replace(settings, neverbounce_rate=float(rate))
        mode = data.get("hunter_mode")
        if isinstance(mode, str) and mode in {m.value for m in HunterMode}:
            settings = replace(settings, hunter_mode=HunterMode(mode))
        name = data.get("user_name")
        if isinstance(name, str) and len(name.strip()) <= 64:
            settings = replace(settings, user_name=name.strip())
        return settings


def settings_path() -> Path:
    """Where the settings file lives."""
    return config_dir() / SETTINGS_FILENAME


def load_settings(path: Path | None = None) -> AppSettings:
    """Load settings; a missing or unreadable file gives the defaults."""
    target = path or settings_path()
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return AppSettings()
    except (OSError, ValueError) as exc:
        log.warning("Settings file %s unreadable (%s); using defaults", target, exc)
        return AppSettings()
    return AppSettings.from_json(data) if isinstance(data, Mapping) else AppSettings()


def save_settings(settings: AppSettings, path: Path | None = None) -> None:
    """Write settings atomically (temporary file, then rename)."""
    target = path or settings_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".settings.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(settings.to_json(), handle, indent=2, sort_keys=True)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
