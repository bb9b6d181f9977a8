"""The website and mail-server values: JSON round trips, strict reading, free-mail providers."""

from __future__ import annotations

import json

import pytest

from leadgen_desktop.domain import (
    EmailMethod,
    FoundAddress,
    SiteOutcome,
    SiteResult,
    is_free_mail,
)

RESULT = SiteResult(
    domain="brightsmile-dental.com",
    start_url="https://brightsmile-dental.com/",
    addresses=(
        FoundAddress(
            "info@brightsmile-dental.com", "https://brightsmile-dental.com/contact", EmailMethod.MAILTO
        ),
        FoundAddress("drlee@gmail.com", "https://brightsmile-dental.com/team", EmailMethod.CFEMAIL),
    ),
    pages_fetched=3,
    requests=4,
    outcome=SiteOutcome.FOUND,
    detail="read 3 pages",
)


def test_site_result_round_trips_through_json() -> None:
    assert SiteResult.from_dict(json.loads(json.dumps(RESULT.to_dict()))) == RESULT
    empty = SiteResult("", "ftp://x", (), 0, 0, SiteOutcome.INVALID_URL)
    assert SiteResult.from_dict(empty.to_dict()) == empty


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"version": 99}, "version 99"),
        ({"outcome": "great"}, "'outcome' must be one of found, none_found"),
        ({"pages_fetched": -1}, "'pages_fetched' must be a whole number"),
        ({"requests": True}, "'requests' must be a whole number"),
        ({"addresses": "info@x.com"}, "'addresses' must be a list"),
        ({"addresses": [{"email": "nope", "page_url": "u", "method": "text"}]}, "not an email address"),
        (
            {"addresses": [{"email": "a@b.com", "page_url": "u", "method": "guess"}]},
            "'method' must be one of",
        ),
        ({"domain": None}, "'domain' must be a string"),
    ],
)
def test_a_malformed_cached_result_is_refused_by_name(change: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SiteResult.from_dict({**RESULT.to_dict(), **change})


def test_outcomes_explain_themselves() -> None:
    for outcome in SiteOutcome:
        assert outcome.label
    assert SiteOutcome.TIMEOUT.transient
    assert not SiteOutcome.ROBOTS_DISALLOWED.transient


@pytest.mark.parametrize(
    "email",
    ["a@gmail.com", "b@GMX.de", "c@web.de", "d@yahoo.co.uk", "e@hotmail.fr", "f@icloud.com", "outlook.com"],
)
def test_free_mail_providers(email: str) -> None:
    assert is_free_mail(email)


@pytest.mark.parametrize(
    "email", ["a@gmail-services.com", "b@brightsmile-dental.com", "c@mail.acme.de", "garbage"]
)
def test_not_free_mail(email: str) -> None:
    assert not is_free_mail(email)
