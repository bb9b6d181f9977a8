"""Contract tests of net.retry: bounds, backoff, Retry-After, cancel, ApiCall records."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from leadgen_desktop.domain import (
    Cancelled,
    CancelToken,
    NetworkUnavailable,
    ProviderAuthError,
    ProviderError,
)
from leadgen_desktop.net.rate_limit import RateLimiter
from leadgen_desktop.net.retry import (
    Failure,
    RetryPolicy,
    Success,
    parse_retry_after,
    status_failure,
    transport_failure,
)
from tests.fakes import FakeTime

REQUEST = httpx.Request("GET", "https://api.example.com/v4.2/single/check?key=SECRET&email=a@b.c")


def run(policy: RetryPolicy, answers: list[httpx.Response | Exception], cancel: CancelToken | None = None):
    """Run the policy over a scripted list of answers; return (result, calls, number sent)."""
    sent = []

    def send() -> httpx.Response:
        answer = answers[len(sent)]
        sent.append(answer)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def interpret(response: httpx.Response) -> Success[str] | Failure:
        if response.status_code == 200:
            return Success(response.text, units=1)
        if response.status_code == 401:
            return Failure("auth_failure", "bad key SECRET", error=ProviderAuthError)
        return status_failure(response, "Example")

    value, calls = policy.run(
        provider="example",
        endpoint="/v1/thing",
        sku="free",
        send=send,
        interpret=interpret,
        cancel=cancel or CancelToken(),
        label="Example",
        secrets=("SECRET",),
    )
    return value, calls, len(sent)


def test_success_after_transient_errors_records_every_attempt(policy, fake_time: FakeTime) -> None:
    answers = [httpx.Response(503), httpx.Response(429), httpx.Response(200, text="done")]
    value, calls, sent = run(policy, answers)
    assert (value, sent) == ("done", 3)
    assert [c.outcome for c in calls] == ["retry:server_error", "retry:rate_limited", "ok"]
    assert [c.http_status for c in calls] == [503, 429, 200]
    assert [c.units for c in calls] == [0, 0, 1]
    assert {c.endpoint for c in calls} == {"/v1/thing"}
    # full jitter with rand=0.5: half of 0.5 s, then half of 1 s
    assert fake_time.waits == [0.25, 0.5]


def test_gives_up_at_max_attempts_with_one_call_per_attempt(policy, fake_time: FakeTime) -> None:
    with pytest.raises(NetworkUnavailable) as info:
        run(policy, [httpx.Response(503)] * 10)
    assert "gave up after 4 attempts" in info.value.message
    assert [c.outcome for c in info.value.calls] == ["retry:server_error"] * 3 + ["server_error"]
    assert len(fake_time.waits) == 3


@pytest.mark.parametrize("attempts", [1, 2, 6])
def test_max_attempts_is_configurable(fake_time: FakeTime, attempts: int) -> None:
    policy = RetryPolicy(max_attempts=attempts, rand=lambda: 0.0, wait=fake_time.wait, clock=fake_time.clock)
    with pytest.raises(ProviderError) as info:
        run(policy, [httpx.Response(500)] * 10)
    assert len(info.value.calls) == attempts


def test_permanent_failures_are_not_retried(policy, fake_time: FakeTime) -> None:
    with pytest.raises(ProviderAuthError) as info:
        run(policy, [httpx.Response(401), httpx.Response(200)])
    assert info.value.calls[0].outcome == "auth_failure"
    assert len(info.value.calls) == 1
    assert fake_time.waits == []
    assert "SECRET" not in str(info.value)
    with pytest.raises(ProviderError) as bad:
        run(policy, [httpx.Response(400), httpx.Response(200)])
    assert [c.outcome for c in bad.value.calls] == ["bad_request"]


def test_retry_after_is_honoured_and_capped(policy, fake_time: FakeTime) -> None:
    answers = [
        httpx.Response(429, headers={"Retry-After": "7"}),
        httpx.Response(503, headers={"Retry-After": "3600"}),
        httpx.Response(200, text="ok"),
    ]
    run(policy, answers)
    assert fake_time.waits == [7.0, 30.0]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("5", 5.0),
        (" 2.5 ", 2.5),
        ("0", 0.0),
        ("-1", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", None),
        (None, None),
    ],
)
def test_parse_retry_after(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header) == expected


def test_backoff_grows_exponentially_and_is_capped() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=3.0, rand=lambda: 0.999999)
    assert [round(policy.delay_for(n), 3) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert RetryPolicy(rand=lambda: 0.0).delay_for(3) == 0.0


def test_transport_errors_are_wrapped_without_url_or_key(policy, fake_time: FakeTime) -> None:
    errors: list[httpx.Response | Exception] = [
        httpx.ConnectError(f"failed {REQUEST.url}", request=REQUEST),
        httpx.ReadTimeout(f"timed out {REQUEST.url}", request=REQUEST),
        httpx.RemoteProtocolError(f"closed {REQUEST.url}", request=REQUEST),
        httpx.ReadError(f"reset {REQUEST.url}", request=REQUEST),
    ]
    with pytest.raises(NetworkUnavailable) as info:
        run(policy, errors)
    exc = info.value
    assert [c.outcome for c in exc.calls] == [
        "retry:connect_error",
        "retry:timeout",
        "retry:transport_error",
        "transport_error",
    ]
    assert all(c.http_status is None for c in exc.calls)
    assert "SECRET" not in str(exc)
    assert "http" not in str(exc)
    assert exc.__context__ is None
    assert exc.__cause__ is None


def test_transport_failure_classification() -> None:
    assert transport_failure(httpx.ConnectTimeout("x"), "P").outcome == "timeout"
    assert transport_failure(httpx.TooManyRedirects("x"), "P").retryable is False


def test_unreadable_answers_become_bad_response(policy) -> None:
    def interpret(response: httpx.Response) -> Success[str] | Failure:
        raise KeyError("boom")

    with pytest.raises(ProviderError) as info:
        policy.run(
            provider="p", endpoint="/x", sku="free", send=lambda: httpx.Response(200),
            interpret=interpret, cancel=CancelToken(),
        )  # fmt: skip
    assert info.value.calls[0].outcome == "bad_response"


def test_cancel_during_backoff_raises_cancelled(fake_time: FakeTime) -> None:
    cancel = CancelToken()

    def wait(token: CancelToken, seconds: float) -> bool:
        token.cancel()  # the user presses Cancel while we back off
        return fake_time.wait(token, seconds)

    policy = RetryPolicy(rand=lambda: 1.0, wait=wait, clock=fake_time.clock)
    with pytest.raises(Cancelled):
        run(policy, [httpx.Response(503), httpx.Response(200)], cancel)
    assert len(fake_time.waits) == 1


def test_cancel_interrupts_a_real_long_wait_promptly() -> None:
    cancel = CancelToken()
    policy = RetryPolicy(base_delay=60.0, max_delay=60.0, rand=lambda: 1.0)  # real CancelToken.wait
    timer = threading.Timer(0.05, cancel.cancel)
    timer.start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        run(policy, [httpx.Response(503), httpx.Response(200)], cancel)
    took = time.monotonic() - started
    timer.cancel()
    print(f"cancel during a 60 s backoff: {took * 1000:.1f} ms")
    assert took < 10.0  # far below the 60 s backoff; generous for a busy machine


def test_already_cancelled_sends_nothing(policy) -> None:
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        run(policy, [httpx.Response(200)], cancel)


def test_every_attempt_goes_through_the_limiter(policy, fake_time: FakeTime) -> None:
    limiter = RateLimiter(2.0, clock=fake_time.clock, wait=fake_time.wait)
    policy.run(
        provider="p", endpoint="/x", sku="free",
        send=iter([httpx.Response(503), httpx.Response(200)]).__next__,
        interpret=lambda r: Success(1) if r.status_code == 200 else status_failure(r, "P"),
        cancel=CancelToken(), limiter=limiter,
    )  # fmt: skip
    # backoff 0.25 s, then the limiter holds the second attempt to 0.5 s after the first
    assert fake_time.waits == [0.25, 0.25]


def test_duration_comes_from_the_injected_clock(fake_time: FakeTime) -> None:
    def send() -> httpx.Response:
        fake_time.now += 0.123
        return httpx.Response(200)

    policy = RetryPolicy(clock=fake_time.clock, wait=fake_time.wait)
    _, calls = policy.run(
        provider="p", endpoint="/x", sku="free", send=send,
        interpret=lambda r: Success(None), cancel=CancelToken(),
    )  # fmt: skip
    assert calls[0].duration_ms == pytest.approx(123.0)


def test_policy_rejects_zero_attempts() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)


def test_exhausted_rate_limits_are_a_plain_provider_error(policy) -> None:
    with pytest.raises(ProviderError) as info:
        run(policy, [httpx.Response(429)] * 4)
    assert type(info.value) is ProviderError
