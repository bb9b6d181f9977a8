"""API keys never reach the log file: message, arguments, tracebacks and key-looking URL parameters."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from leadgen_desktop.logging_setup import REDACTED, KeyRedactingFilter, configure_logging

GOOGLE = "AIzaSyFAKE-google-key-0123456789"
HUNTER = "hunter-key-abcdef0123456789"
NEVERBOUNCE = "secret_nb-key-9876543210"
SECRETS = (GOOGLE, HUNTER, NEVERBOUNCE)


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    path = configure_logging(tmp_path / "logs", secrets=[*SECRETS, None, ""])
    yield path
    logger = logging.getLogger("leadgen_desktop")
    for handler in list(logger.handlers):
        if getattr(handler, "_leadgen", False):
            logger.removeHandler(handler)
            handler.close()


def written(path: Path) -> str:
    for handler in logging.getLogger("leadgen_desktop").handlers:
        handler.flush()
    return path.read_text(encoding="utf-8")


def assert_clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} leaked into the log"


def test_the_log_file_lives_where_asked(log_file: Path, tmp_path: Path) -> None:
    assert log_file == tmp_path / "logs" / "leadgen.log"
    logging.getLogger("leadgen_desktop.core").info("hello")
    assert "hello" in written(log_file)


def test_key_in_the_message(log_file: Path) -> None:
    logging.getLogger("leadgen_desktop.net").warning(f"Google answered 400 for key {GOOGLE}")
    text = written(log_file)
    assert_clean(text)
    assert f"for key {REDACTED}" in text


def test_key_in_the_arguments(log_file: Path) -> None:
    log = logging.getLogger("leadgen_desktop.net.hunter")
    log.error("Hunter refused %s (headers %r)", HUNTER, {"X-API-KEY": HUNTER, "accept": "json"})
    log.error("NeverBounce %(key)s", {"key": NEVERBOUNCE})
    text = written(log_file)
    assert_clean(text)
    assert text.count(REDACTED) >= 3
    assert "'accept': 'json'" in text  # the rest of the record survives


def test_key_in_an_exception_traceback(log_file: Path) -> None:
    log = logging.getLogger("leadgen_desktop.core.run.pipeline")
    try:
        try:
            raise ConnectionError(f"connection refused while requesting https://x/?key={NEVERBOUNCE}")
        except ConnectionError as inner:
            raise RuntimeError(f"wrapped: {HUNTER}") from inner
    except RuntimeError:
        log.exception("Unexpected error in job %s", "abc123")
    text = written(log_file)
    assert_clean(text)
    assert "Traceback (most recent call last)" in text
    assert "RuntimeError: wrapped: [REDACTED]" in text
    assert "ConnectionError" in text


def test_key_looking_url_parameters_are_redacted_even_if_unknown(log_file: Path) -> None:
    unknown = "zz-unconfigured-key-424242"
    log = logging.getLogger("leadgen_desktop.net")
    log.info("GET https://api.neverbounce.com/v4.2/single/check?key=%s&email=a%%40b.com", unknown)
    log.info("GET https://api.hunter.io/v2/domain-search?domain=acme.com&api_key=%s&limit=10", unknown)
    log.info("POST https://places.googleapis.com/v1/places:searchText?key=%s", unknown)
    log.info("headers: {'x-goog-api-key': '%s', 'X-Api-Key': '%s'}", unknown, unknown)
    text = written(log_file)
    assert unknown not in text
    assert "key=[REDACTED]&email=" in text
    assert "api_key=[REDACTED]&limit=10" in text
    assert "domain=acme.com" in text


def test_reconfiguring_keeps_one_handler_and_adds_new_secrets(tmp_path: Path, log_file: Path) -> None:
    later = "a-key-set-after-start-5555"
    configure_logging(tmp_path / "logs", secrets=[*SECRETS, later])
    logging.getLogger("leadgen_desktop").warning("once %s", later)
    text = written(log_file)
    assert text.count("once ") == 1
    assert later not in text


def test_records_reaching_other_handlers_are_redacted_too(
    log_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The filter rewrites the record in place, so a handler further up (here pytest's) sees it clean."""
    with caplog.at_level(logging.INFO, logger="leadgen_desktop"):
        logging.getLogger("leadgen_desktop.cli").info("key %s", GOOGLE)
    assert GOOGLE not in caplog.text
    assert_clean(written(log_file))


def test_filter_ignores_empty_and_tiny_values() -> None:
    redactor = KeyRedactingFilter(["", "abc"])
    redactor.add_secrets([None, GOOGLE])
    assert redactor.redact("abc def") == "abc def"  # too short to be a key: not redacted
    assert redactor.redact(f"x{GOOGLE}y") == f"x{REDACTED}y"


def test_longer_secret_wins_over_a_shorter_one_inside_it() -> None:
    redactor = KeyRedactingFilter(["123456", "prefix-123456-suffix"])
    assert redactor.redact("v=prefix-123456-suffix") == f"v={REDACTED}"


def test_team_database_passwords_never_reach_the_log() -> None:
    from leadgen_desktop.logging_setup import REDACTED, KeyRedactingFilter

    redactor = KeyRedactingFilter()
    text = redactor.redact(
        "connect postgresql://ana:S3cret-pw@db.lan:5432/leadgen failed; dsn host=db password=Other-pw1 user=x"
    )
    assert "S3cret-pw" not in text
    assert "Other-pw1" not in text
    assert f"postgresql://ana:{REDACTED}@db.lan:5432/leadgen" in text
