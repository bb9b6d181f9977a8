"""Contract tests of the live Hunter.io Domain Search provider."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from leadgen_desktop.domain import (
    CancelToken,
    EmailCandidate,
    NetworkUnavailable,
    PriceTable,
    ProviderAuthError,
    ProviderError,
    QuotaExhausted,
)
from leadgen_desktop.net.http import build_client
from leadgen_desktop.net.providers.hunter import HunterEmailFinder, credits_for, parse_candidate
from leadgen_desktop.net.rate_limit import RateLimiter
from leadgen_desktop.net.retry import RetryPolicy
from tests.fakes import FakeApis, FakeTime
from tests.fakes.api_server import HUNTER_KEY

ClientFor = Callable[[str], httpx.Client]


@pytest.fixture
def finder(client_for: ClientFor, policy: RetryPolicy, limiter: RateLimiter) -> HunterEmailFinder:
    return HunterEmailFinder(client_for("hunter"), HUNTER_KEY, limiter=limiter, retry=policy)


def with_handler(
    handler: Callable[[httpx.Request], httpx.Response], policy: RetryPolicy
) -> HunterEmailFinder:
    client = build_client("hunter", transport=httpx.MockTransport(handler), base_url="https://h.invalid")
    return HunterEmailFinder(client, "hunter-SECRET", limiter=RateLimiter(1e6, burst=10**6), retry=policy)


EMAILS = [
    {"value": "hello@crumb.example.com", "type": "generic", "confidence": 91, "first_name": None,
     "last_name": None, "position": None, "seniority": None, "department": None},
    {"value": "maria@crumb.example.com", "type": "personal", "confidence": 84, "first_name": "Maria",
     "last_name": "Okafor", "position": "Owner", "seniority": "executive", "department": "management"},
]  # fmt: skip


def test_request_shape_and_mapping(finder: HunterEmailFinder, fake: FakeApis) -> None:
    fake.hunter_domains["crumb.example.com"] = EMAILS
    result = finder.find(" Crumb.Example.com ", CancelToken())
    (request,) = fake.requests
    assert (request.method, request.path) == ("GET", "/v2/domain-search")
    assert request.query == {"domain": "crumb.example.com", "limit": "10"}
    assert request.headers["x-api-key"] == HUNTER_KEY
    assert "api_key" not in request.query
    assert result.domain == "crumb.example.com"
    assert result.candidates == (
        EmailCandidate("hello@crumb.example.com", 91, "generic"),
        EmailCandidate(
            "maria@crumb.example.com", 84, "personal", "Maria", "Okafor", "Owner", "executive", "management"
        ),
    )
    (call,) = result.calls
    assert (call.provider, call.endpoint, call.http_status, call.outcome) == (
        "hunter",
        "/v2/domain-search",
        200,
        "ok",
    )
    assert (call.sku, call.units) == ("hunter_credit", 1)


def test_accept_all(finder: HunterEmailFinder, fake: FakeApis, policy: RetryPolicy) -> None:
    body = {"data": {"domain": "d.example", "accept_all": True, "emails": EMAILS[:1]}, "meta": {"results": 1}}
    result = with_handler(lambda r: httpx.Response(200, json=body), policy).find("d.example", CancelToken())
    assert result.accept_all is True
    assert finder.find("noemail.example.com", CancelToken()).accept_all is False


def test_zero_emails_cost_nothing(finder: HunterEmailFinder, fake: FakeApis) -> None:
    result = finder.find("noemail.example.com", CancelToken())
    assert result.candidates == ()
    assert result.calls[0].units == 0
    assert PriceTable().cost_of(result.calls[0]) == 0.0
    assert fake.domain_requests["noemail.example.com"] == 1


@pytest.mark.parametrize(("emails", "credits"), [(0, 0), (1, 1), (10, 1), (11, 2), (52, 6)])
def test_credit_arithmetic(emails: int, credits: int) -> None:
    assert credits_for(emails) == credits


def test_cost_of_a_search_with_emails(finder: HunterEmailFinder, fake: FakeApis) -> None:
    fake.hunter_domains["many.example.com"] = [{"value": f"p{i}@many.example.com"} for i in range(10)]
    result = finder.find("many.example.com", CancelToken())
    assert len(result.candidates) == 10
    assert PriceTable().cost_of(result.calls[0]) == pytest.approx(0.0245)


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ({"value": "a@b.co"}, EmailCandidate("a@b.co")),
        ({"value": "A@B.CO", "confidence": "90", "type": "boss"}, EmailCandidate("a@b.co", 0, "generic")),
        ({"value": "a@b.co", "confidence": 250, "first_name": 7}, EmailCandidate("a@b.co", 100)),
        ({"value": "a@b.co", "confidence": 10**30}, EmailCandidate("a@b.co", 100)),
        ({"value": "a@b.co", "confidence": -3}, EmailCandidate("a@b.co", 0)),
        ({"value": "a@b.co", "confidence": 87.6}, EmailCandidate("a@b.co", 88)),
        ({"value": "a@b.co", "confidence": float("nan")}, EmailCandidate("a@b.co", 0)),
        ({"value": None}, None),
        ({"value": "not-an-email"}, None),
        ("a@b.co", None),
    ],
)
def test_candidate_wrong_types(item: object, expected: EmailCandidate | None) -> None:
    assert parse_candidate(item) == expected


def test_null_emails_and_duplicates(policy: RetryPolicy) -> None:
    body = {"data": {"emails": [EMAILS[0], EMAILS[0], None]}}
    result = with_handler(lambda r: httpx.Response(200, json=body), policy).find("x.example", CancelToken())
    assert len(result.candidates) == 1
    assert result.calls[0].units == 1
    body2 = {"data": {"emails": None}}
    assert (
        with_handler(lambda r: httpx.Response(200, json=body2), policy)
        .find("x.example", CancelToken())
        .candidates
        == ()
    )


def test_an_answer_longer_than_asked_keeps_ten(policy: RetryPolicy) -> None:
    """limit=10 was asked; a Hunter that sends 100 gets its first 10 kept (what it bills is logged as is)."""
    emails = [{"value": f"person{i}@crumb.example.com", "confidence": 50} for i in range(100)]
    body = {"data": {"emails": emails}}
    result = with_handler(lambda r: httpx.Response(200, json=body), policy).find("x.example", CancelToken())
    assert [c.email for c in result.candidates] == [f"person{i}@crumb.example.com" for i in range(10)]
    assert result.calls[0].units == 10  # 1 credit per 10 emails returned: the bill is not ours to hide


def test_bad_key_is_auth_error(fake: FakeApis, client_for: ClientFor, policy: RetryPolicy) -> None:
    finder = HunterEmailFinder(client_for("hunter"), "wrong-hunter-key", retry=policy)
    with pytest.raises(ProviderAuthError) as info:
        finder.find("example.com", CancelToken())
    assert "Hunter.io" in info.value.message
    assert [c.outcome for c in info.value.calls] == ["auth_failure"]
    assert "wrong-hunter-key" not in str(info.value) + repr(info.value.calls)


def test_403_is_a_rate_limit_retried(finder: HunterEmailFinder, fake: FakeApis, fake_time: FakeTime) -> None:
    fake.inject("hunter", "rate_limit", "rate_limit")
    result = finder.find("acme.example.com", CancelToken())
    assert [c.outcome for c in result.calls] == ["retry:rate_limited", "retry:rate_limited", "ok"]
    assert [c.http_status for c in result.calls] == [403, 403, 200]
    assert len(fake_time.waits) == 2


def test_403_forever_gives_up_bounded(finder: HunterEmailFinder, fake: FakeApis) -> None:
    fake.inject("hunter", *["rate_limit"] * 10)
    with pytest.raises(ProviderError) as info:
        finder.find("acme.example.com", CancelToken())
    assert len(info.value.calls) == 4
    assert not isinstance(info.value, QuotaExhausted | ProviderAuthError)


def test_429_is_quota_exhausted_after_k_searches(finder: HunterEmailFinder, fake: FakeApis) -> None:
    fake.hunter_quota = 2
    finder.find("a.example.com", CancelToken())
    finder.find("b.example.com", CancelToken())
    with pytest.raises(QuotaExhausted) as info:
        finder.find("c.example.com", CancelToken())
    assert "Hunter.io usage for this plan is exhausted" in info.value.message
    assert [(c.outcome, c.http_status, c.units) for c in info.value.calls] == [("quota_exhausted", 429, 0)]


@pytest.mark.parametrize("status", [400, 404, 422])
def test_client_errors_are_not_retried(policy: RetryPolicy, status: int) -> None:
    body = {
        "errors": [{"id": "wrong_params", "code": status, "details": "You are missing the domain parameter"}]
    }
    with pytest.raises(ProviderError) as info:
        with_handler(lambda r: httpx.Response(status, json=body), policy).find("x.example", CancelToken())
    assert type(info.value) is ProviderError
    assert "missing the domain parameter" in info.value.message
    assert len(info.value.calls) == 1


def test_billing_sku(finder: HunterEmailFinder) -> None:
    assert finder.billing_sku == "hunter_credit"


def test_outage_outlasting_retries_is_network_unavailable(finder: HunterEmailFinder, fake: FakeApis) -> None:
    fake.inject("hunter", *["http_503"] * 4)
    with pytest.raises(NetworkUnavailable) as info:
        finder.find("acme.example.com", CancelToken())
    assert len(info.value.calls) == 4


@pytest.mark.parametrize("kind", ["http_503", "http_500", "timeout", "connect_error"])
def test_server_errors_and_timeouts_are_retried(finder: HunterEmailFinder, fake: FakeApis, kind: str) -> None:
    fake.inject("hunter", kind)
    result = finder.find("acme.example.com", CancelToken())
    assert [c.outcome.startswith("retry:") for c in result.calls] == [True, False]


@pytest.mark.parametrize(
    "body",
    [b"<html/>", b"[]", b'{"data": []}', b'{"data": {"emails": {"value": "a@b.c"}}}', b'{"errors": []}'],
)
def test_wrong_shape_is_provider_error(policy: RetryPolicy, body: bytes) -> None:
    with pytest.raises(ProviderError) as info:
        with_handler(lambda r: httpx.Response(200, content=body), policy).find("x.example", CancelToken())
    assert "Hunter.io" in str(info.value)
    assert info.value.calls[0].outcome == "bad_response"


def test_empty_domain_is_rejected_without_a_call(finder: HunterEmailFinder, fake: FakeApis) -> None:
    with pytest.raises(ProviderError):
        finder.find("  ", CancelToken())
    assert fake.requests == []


def test_account(finder: HunterEmailFinder, fake: FakeApis) -> None:
    finder.find("acme-dentist-1.example.com", CancelToken())
    check = finder.account()
    assert check.ok
    assert check.remaining == 2000 - fake.hunter_credits_used
    assert "Starter" in check.message
    assert [(c.endpoint, c.sku, c.units) for c in check.calls] == [("/v2/account", "free", 0)]
    assert fake.requests[-1].headers["x-api-key"] == HUNTER_KEY


def test_test_key_bad(fake: FakeApis, client_for: ClientFor, policy: RetryPolicy) -> None:
    check = HunterEmailFinder(client_for("hunter"), "bad", retry=policy).test_key()
    assert not check.ok
    assert "Hunter.io" in check.message
    assert check.calls[0].outcome == "auth_failure"
