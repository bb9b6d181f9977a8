"""Contract tests of the live NeverBounce single-check provider."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx
import pytest

from leadgen_desktop.domain import (
    CancelToken,
    EmailStatus,
    NetworkUnavailable,
    PriceTable,
    ProviderAuthError,
    ProviderError,
)
from leadgen_desktop.net.http import build_client
from leadgen_desktop.net.providers.neverbounce import NeverBounceVerifier
from leadgen_desktop.net.rate_limit import RateLimiter
from leadgen_desktop.net.retry import RetryPolicy
from tests.fakes import FakeApis, FakeTime
from tests.fakes.api_server import NEVERBOUNCE_KEY

ClientFor = Callable[[str], httpx.Client]
EMAIL = "orders@northside.example.org"


@pytest.fixture
def verifier(client_for: ClientFor, policy: RetryPolicy, limiter: RateLimiter) -> NeverBounceVerifier:
    return NeverBounceVerifier(client_for("neverbounce"), NEVERBOUNCE_KEY, limiter=limiter, retry=policy)


def with_handler(
    handler: Callable[[httpx.Request], httpx.Response], policy: RetryPolicy
) -> NeverBounceVerifier:
    client = build_client(
        "neverbounce", transport=httpx.MockTransport(handler), base_url="https://nb.invalid"
    )
    return NeverBounceVerifier(client, "nb-SECRET", limiter=RateLimiter(1e6, burst=10**6), retry=policy)


@pytest.mark.parametrize("result", ["valid", "invalid", "catchall", "unknown", "disposable"])
def test_results_map_to_status(verifier: NeverBounceVerifier, fake: FakeApis, result: str) -> None:
    fake.neverbounce_results[EMAIL] = result
    verification = verifier.verify(EMAIL, CancelToken())
    assert verification.status is EmailStatus(result)
    assert verification.email == EMAIL
    assert verification.flags == ("has_dns", "has_dns_mx")
    (call,) = verification.calls
    assert (call.provider, call.endpoint, call.http_status, call.outcome) == (
        "neverbounce", "/v4.2/single/check", 200, "ok",
    )  # fmt: skip
    assert (call.sku, call.units) == ("neverbounce_credit", 1)
    assert PriceTable().cost_of(call) == pytest.approx(0.008)


def test_billing_sku(verifier: NeverBounceVerifier) -> None:
    assert verifier.billing_sku == "neverbounce_credit"


def test_temp_unavail_outlasting_retries_is_network_unavailable(
    verifier: NeverBounceVerifier, fake: FakeApis
) -> None:
    fake.inject("neverbounce", *["temp_unavail"] * 4)
    with pytest.raises(NetworkUnavailable):
        verifier.verify(EMAIL, CancelToken())


def test_request_shape(verifier: NeverBounceVerifier, fake: FakeApis) -> None:
    verifier.verify(EMAIL, CancelToken())
    (request,) = fake.requests
    assert (request.method, request.path) == ("GET", "/v4.2/single/check")
    assert request.query == {"key": NEVERBOUNCE_KEY, "email": EMAIL}


def test_unknown_result_word_is_unknown_and_extras_are_read(policy: RetryPolicy) -> None:
    body = {
        "status": "success",
        "result": "maybe",
        "flags": ["has_dns", 3],
        "suggested_correction": "a@gmail.com",
    }
    verification = with_handler(lambda r: httpx.Response(200, json=body), policy).verify(
        "a@gmal.com", CancelToken()
    )
    assert verification.status is EmailStatus.UNKNOWN
    assert verification.flags == ("has_dns",)
    assert verification.suggested_correction == "a@gmail.com"


def test_auth_failure(fake: FakeApis, client_for: ClientFor, policy: RetryPolicy) -> None:
    key = "secret_WRONG-KEY"
    verifier = NeverBounceVerifier(client_for("neverbounce"), key, retry=policy)
    with pytest.raises(ProviderAuthError) as info:
        verifier.verify(EMAIL, CancelToken())
    assert "NeverBounce" in info.value.message
    assert [(c.outcome, c.units) for c in info.value.calls] == [("auth_failure", 0)]
    assert key not in str(info.value) + repr(info.value.calls)


@pytest.mark.parametrize("kind", ["rate_limit", "temp_unavail"])
def test_throttle_and_temp_unavail_are_retried(
    verifier: NeverBounceVerifier, fake: FakeApis, fake_time: FakeTime, kind: str
) -> None:
    fake.inject("neverbounce", kind, kind)
    verification = verifier.verify(EMAIL, CancelToken())
    assert [c.outcome.startswith("retry:") for c in verification.calls] == [True, True, False]
    assert [c.units for c in verification.calls] == [0, 0, 1]
    assert [c.http_status for c in verification.calls] == [200, 200, 200]
    assert len(fake_time.waits) == 2
    assert fake.email_requests[EMAIL] == 1  # faults answer before the email is looked at


def test_throttle_forever_gives_up(verifier: NeverBounceVerifier, fake: FakeApis) -> None:
    fake.neverbounce_status = "throttle_triggered"
    with pytest.raises(ProviderError) as info:
        verifier.verify(EMAIL, CancelToken())
    assert [c.outcome for c in info.value.calls] == ["retry:rate_limited"] * 3 + ["rate_limited"]
    assert fake.email_requests[EMAIL] == 4


@pytest.mark.parametrize("status", ["general_failure", "bad_referrer"])
def test_permanent_statuses(verifier: NeverBounceVerifier, fake: FakeApis, status: str) -> None:
    fake.neverbounce_status = status
    with pytest.raises(ProviderError) as info:
        verifier.verify(EMAIL, CancelToken())
    assert type(info.value) is ProviderError
    assert status in info.value.message
    assert len(info.value.calls) == 1


def test_read_timeout_is_unknown_not_an_error(verifier: NeverBounceVerifier, fake: FakeApis) -> None:
    fake.inject("neverbounce", "timeout")
    verification = verifier.verify(EMAIL, CancelToken())
    assert verification.status is EmailStatus.UNKNOWN
    (call,) = verification.calls
    assert (call.outcome, call.units, call.http_status, call.endpoint) == (
        "timeout",
        0,
        None,
        "/v4.2/single/check",
    )


def test_connect_errors_are_retried_and_never_carry_the_key(
    verifier: NeverBounceVerifier, fake: FakeApis, caplog: pytest.LogCaptureFixture
) -> None:
    fake.inject("neverbounce", *["connect_error"] * 4)
    with caplog.at_level(logging.DEBUG), pytest.raises(NetworkUnavailable) as info:
        verifier.verify(EMAIL, CancelToken())
    exc = info.value
    assert len(exc.calls) == 4
    assert NEVERBOUNCE_KEY not in str(exc) + repr(exc.calls) + repr(exc.args)
    assert exc.__context__ is None
    assert NEVERBOUNCE_KEY not in caplog.text


def test_request_log_lines_do_not_carry_the_key(
    verifier: NeverBounceVerifier, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        verifier.verify(EMAIL, CancelToken())
    assert "single/check" in caplog.text
    assert NEVERBOUNCE_KEY not in caplog.text


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, text="<html/>"),
        httpx.Response(200, json=["success"]),
        httpx.Response(200, json={"status": "success"}),
        httpx.Response(200, json={"result": "valid"}),
    ],
)
def test_wrong_shapes_are_provider_errors(policy: RetryPolicy, response: httpx.Response) -> None:
    with pytest.raises(ProviderError) as info:
        with_handler(lambda r: response, policy).verify(EMAIL, CancelToken())
    assert "NeverBounce" in str(info.value)


@pytest.mark.parametrize(("status", "retried"), [(503, True), (500, True), (429, True), (404, False)])
def test_http_errors(policy: RetryPolicy, status: int, retried: bool) -> None:
    with pytest.raises(ProviderError) as info:
        with_handler(lambda r: httpx.Response(status, text="x"), policy).verify(EMAIL, CancelToken())
    assert len(info.value.calls) == (4 if retried else 1)


def test_key_echoed_by_the_server_is_redacted(policy: RetryPolicy) -> None:
    body = {"status": "general_failure", "message": "Bad request for key=nb-SECRET (nb-SECRET)"}
    with pytest.raises(ProviderError) as info:
        with_handler(lambda r: httpx.Response(200, json=body), policy).verify(EMAIL, CancelToken())
    assert "nb-SECRET" not in str(info.value)


def test_test_key_reports_credits(verifier: NeverBounceVerifier, fake: FakeApis) -> None:
    check = verifier.test_key()
    assert check.ok
    assert check.remaining == 5010
    assert [(c.endpoint, c.sku, c.units) for c in check.calls] == [("/v4.2/account/info", "free", 0)]
    assert fake.requests[0].query == {"key": NEVERBOUNCE_KEY}


def test_test_key_bad(fake: FakeApis, client_for: ClientFor, policy: RetryPolicy) -> None:
    check = NeverBounceVerifier(client_for("neverbounce"), "secret_bad", retry=policy).test_key()
    assert not check.ok
    assert "NeverBounce" in check.message
    assert "secret_bad" not in check.message
