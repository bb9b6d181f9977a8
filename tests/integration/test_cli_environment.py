"""Bad LEADGEN_*_URL values and unsendable keys: exit 2, one clear line, nothing started.

A malformed URL once gave an httpx traceback, a value of only spaces silently fell back
to the paid production API, and a non-ASCII key gave ``UnicodeEncodeError`` with exit 1.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from leadgen_desktop.cli import main

LIVE_RUN = ["run", "--business-type", "dentist", "--location", "Austin, TX"]
KEYS = {
    "LEADGEN_GOOGLE_PLACES_KEY": "g-key",
    "LEADGEN_HUNTER_KEY": "h-key",
    "LEADGEN_NEVERBOUNCE_KEY": "n-key",
}


@pytest.fixture(autouse=True)
def live_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)


def run_with(tmp_path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    db = tmp_path / "t.db"
    code = main([*LIVE_RUN, "--db", str(db), *extra])
    err = capsys.readouterr().err
    assert not db.exists(), "something started"
    assert "Traceback" not in err
    assert err.count("\n") == 1, err  # one line
    return code, err


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        ("LEADGEN_GOOGLE_PLACES_URL", "   ", "LEADGEN_GOOGLE_PLACES_URL is only white space"),
        ("LEADGEN_HUNTER_URL", "\t", "LEADGEN_HUNTER_URL is only white space"),
        (
            "LEADGEN_NEVERBOUNCE_URL",
            "127.0.0.1:8080",
            "LEADGEN_NEVERBOUNCE_URL is not an http:// or https:// URL",
        ),
        ("LEADGEN_GOOGLE_PLACES_URL", "ftp://127.0.0.1", "is not an http:// or https:// URL"),
        ("LEADGEN_GOOGLE_PLACES_URL", "javascript:alert(1)", "is not an http:// or https:// URL"),
        ("LEADGEN_HUNTER_URL", "http://exa mple.com", "LEADGEN_HUNTER_URL is not a valid URL"),
        ("LEADGEN_HUNTER_URL", "http://[::1", "LEADGEN_HUNTER_URL is not a valid URL"),
        ("LEADGEN_HUNTER_URL", "http://127.0.0.1:99999", "LEADGEN_HUNTER_URL is not a valid URL"),
        ("LEADGEN_HUNTER_URL", "http://", "LEADGEN_HUNTER_URL is not a valid URL"),
        ("LEADGEN_NEVERBOUNCE_URL", "http://127.0.0.1:8080/?x=1", "must not have a query"),
    ],
)
def test_a_bad_base_url_exits_2_naming_the_variable(
    variable: str,
    value: str,
    said: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(variable, value)
    code, err = run_with(tmp_path, capsys)
    assert code == 2
    assert said in err
    assert err.startswith("leadgen: error: ")


def test_the_estimate_checks_the_environment_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEADGEN_GOOGLE_PLACES_URL", " ")
    code, err = run_with(tmp_path, capsys, "--estimate")
    assert code == 2
    assert "LEADGEN_GOOGLE_PLACES_URL" in err


@pytest.mark.parametrize(
    ("variable", "key", "provider"),
    [
        ("LEADGEN_HUNTER_KEY", "clé-secrète-123", "Hunter.io"),
        ("LEADGEN_GOOGLE_PLACES_KEY", "AIzaSy–dash-is-not-ascii", "Google Places"),
        ("LEADGEN_NEVERBOUNCE_KEY", "secret_abc def", "NeverBounce"),
        ("LEADGEN_NEVERBOUNCE_KEY", "secret_abc\x7fdef", "NeverBounce"),
    ],
)
def test_an_unsendable_key_exits_2_naming_the_provider_not_the_key(
    variable: str,
    key: str,
    provider: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(variable, key)
    code, err = run_with(tmp_path, capsys)
    assert code == 2
    assert f"The {provider} API key holds characters an API key cannot have" in err
    assert key not in err
    assert key.split("-")[0] not in err


def test_the_demo_does_not_need_the_providers_urls(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEADGEN_HUNTER_URL", "not a url")  # unused by the offline demo
    assert main([*LIVE_RUN, "--demo", "--max-results", "3", "--db", str(tmp_path / "t.db")]) == 0
