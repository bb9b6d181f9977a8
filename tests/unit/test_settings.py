"""AppSettings: defaults, validation, atomic JSON round trip; never any key."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from leadgen_desktop.domain import DEFAULT_PRICES
from leadgen_desktop.settings import AppSettings, load_settings, save_settings, settings_path


def test_defaults_are_the_design_prices() -> None:
    settings = load_settings()
    assert dict(settings.prices) == dict(DEFAULT_PRICES)
    assert settings.cache_ttl == dt.timedelta(days=30)


def test_round_trip_and_location(tmp_path: Path) -> None:
    changed = AppSettings(cache_ttl_days=7).with_price("hunter_credit", 0.03)
    save_settings(changed)
    assert settings_path().is_relative_to(tmp_path)  # conftest points XDG_CONFIG_HOME at tmp_path
    again = load_settings()
    assert again.prices["hunter_credit"] == 0.03
    assert again.cache_ttl_days == 7
    assert [p.name for p in settings_path().parent.iterdir()] == ["settings.json"]


@pytest.mark.parametrize("value", [-1.0, float("nan"), float("inf")])
def test_invalid_price_is_refused(value: float) -> None:
    with pytest.raises(ValueError, match="price"):
        AppSettings().with_price("hunter_credit", value)


def test_unknown_price_is_refused() -> None:
    with pytest.raises(ValueError, match="Unknown price"):
        AppSettings().with_price("made_up", 1.0)


def test_corrupt_or_hostile_file_falls_back_to_defaults(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text("{not json")
    assert load_settings(path) == AppSettings()
    path.write_text(json.dumps({"prices": {"hunter_credit": -5, "x": 1}, "cache_ttl_days": "forever"}))
    loaded = load_settings(path)
    assert loaded.prices["hunter_credit"] == DEFAULT_PRICES["hunter_credit"]
    assert "x" not in loaded.prices
    assert loaded.cache_ttl_days == 30


def test_the_neverbounce_rate_is_learned_unless_the_user_fixes_it() -> None:
    """By default no rate is stored: the app finds NeverBounce's limit itself (see net.rate_limit)."""
    assert AppSettings().neverbounce_rate is None
    assert "neverbounce_rate" not in AppSettings().to_json()
    save_settings(AppSettings())
    assert load_settings().neverbounce_rate is None
    save_settings(AppSettings(neverbounce_rate=4.0))
    assert load_settings().neverbounce_rate == 4.0
    for bad in (0, -1, 1000, "fast", True):
        assert AppSettings.from_json({"neverbounce_rate": bad}).neverbounce_rate is None
