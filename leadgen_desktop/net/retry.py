"""Bounded, cancel-aware retries that record every attempt as an :class:`ApiCall`.

A provider describes one request (``send``) and how to read an answer
(``interpret``: a response becomes a :class:`Success` or a :class:`Failure`);
:meth:`RetryPolicy.run` does the rest: rate limiting, timing, one ``ApiCall`` per
attempt, exponential backoff with full jitter or the server's ``Retry-After``
(capped), and the final exception. Transport errors are wrapped: an httpx exception
(whose text may contain a URL with a key in it) never leaves this module. An answer
that broke a limit of :mod:`~leadgen_desktop.net.bounded` (the deadline, the body cap)
is a permanent failure of that item, logged with its own outcome (``deadline``,
``too_large``, ``bad_encoding``) and the HTTP status when it had arrived.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import httpx

from leadgen_desktop.domain import ApiCall, Cancelled, CancelToken, NetworkUnavailable, ProviderError
from leadgen_desktop.net.bounded import BoundExceeded
from leadgen_desktop.net.http import KeyCheck, redact
from leadgen_desktop.net.rate_limit import Clock, RateLimiter, Wait, token_wait

T = TypeVar("T")

FREE_SKU = "free"
"""SKU of account and key-check requests, which providers do not bill."""

RETRY_PREFIX = "retry:"
"""Outcome prefix of an attempt that was followed by another attempt."""

RATE_LIMITED = "rate_limited"
"""Outcome of a "too many requests" answer; it makes the limiter slow down."""


@dataclass(frozen=True, slots=True)
class Success(Generic[T]):
    """An answer the provider can use; ``units`` is what it was billed."""

    value: T
    units: float = 0.0
    outcome: str = "ok"


@dataclass(frozen=True, slots=True)
class Failure:
    """An answer (or transport error) that did not give a result.

    ``outcome`` is a short machine word ("rate_limited", "server_error", "timeout",
    "auth_failure", "quota_exhausted", "bad_request", "bad_response", ...);
    ``message`` is a readable sentence for the user. When ``retryable`` the attempt
    may be repeated; otherwise (or once the attempts are used up) ``error`` is raised.
    """

    outcome: str
    message: str
    retryable: bool = False
    error: type[ProviderError] = ProviderError
    retry_after: float | None = None
    units: float = 0.0


Decision = Success[T] | Failure
"""What one attempt means: a usable value or a failure."""


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header in its delay-seconds form; None otherwise."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None  # the HTTP-date form is not used by these providers
    return seconds if 0 <= seconds < float("inf") else None


def transport_failure(exc: httpx.HTTPError, label: str) -> Failure:
    """Classify an httpx exception without ever using its text (it may hold a URL).

    Transport failures are retried; once the attempts are used up they raise
    :class:`~leadgen_desktop.domain.NetworkUnavailable` (the run stops, resumable).
    """
    name = type(exc).__name__
    if isinstance(exc, httpx.TimeoutException):
        return Failure("timeout", f"{label} did not answer in time ({name})", True, NetworkUnavailable)
    if isinstance(exc, httpx.ConnectError):
        return Failure("connect_error", f"could not connect to {label} ({name})", True, NetworkUnavailable)
    if isinstance(exc, httpx.TransportError):
        return Failure(
            "transport_error", f"the connection to {label} failed ({name})", True, NetworkUnavailable
        )
    return Failure("error", f"the request to {label} failed ({name})")


def status_failure(response: httpx.Response, label: str) -> Failure:
    """A generic reading of an HTTP error status: 429/5xx transient, other 4xx permanent.

    A 5xx that outlasts the retries raises NetworkUnavailable (the provider is down).
    """
    status = response.status_code
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    if status == 429:
        return Failure(
            RATE_LIMITED, f"{label} is rate limiting requests (HTTP 429)", True, retry_after=retry_after
        )
    if status >= 500:
        message = f"{label} had a server error (HTTP {status})"
        return Failure("server_error", message, True, NetworkUnavailable, retry_after=retry_after)
    return Failure("bad_request", f"{label} refused the request (HTTP {status})")


@dataclass(frozen=True)
class RetryPolicy:
    """How many times to try, how long to wait in between, and the injectable clock/sleep.

    ``rand`` returns a float in [0, 1) (full jitter); ``wait`` sleeps and returns True
    when cancelled (default ``CancelToken.wait``); ``clock`` times each attempt.
    """

    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    retry_after_cap: float = 30.0
    rand: Callable[[], float] = field(default=random.random)
    wait: Wait = field(default=token_wait)
    clock: Clock = field(default=time.monotonic)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")

    def delay_for(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed ``attempt`` (1-based).

        The server's ``Retry-After`` wins (capped at ``retry_after_cap``); otherwise a
        uniformly random delay up to ``base_delay * 2**(attempt-1)`` capped at ``max_delay``.
        """
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.retry_after_cap)
        ceiling = min(self.max_delay, self.base_delay * (2.0 ** (attempt - 1)))
        return ceiling * self.rand()

    def run(
        self,
        *,
        provider: str,
        endpoint: str,
        sku: str,
        send: Callable[[], httpx.Response],
        interpret: Callable[[httpx.Response], Success[T] | Failure],
        cancel: CancelToken,
        limiter: RateLimiter | None = None,
        on_transport_error: Callable[[httpx.HTTPError], Success[T] | Failure] | None = None,
        label: str | None = None,
        secrets: tuple[str | None, ...] = (),
    ) -> tuple[T, tuple[ApiCall, ...]]:
        """Send until success, a permanent failure or ``max_attempts``; return (value, calls).

        Each attempt waits for ``limiter``; a "rate_limited" answer then slows the
        limiter down (:meth:`RateLimiter.on_rate_limited`) and a success lets it recover.

        Raises the failure's ``ProviderError`` subclass (message redacted of ``secrets``,
        ``calls`` attached) or :class:`Cancelled` if ``cancel`` fires, including during
        a backoff or rate-limit wait.
        """
        name = label or provider
        calls: list[ApiCall] = []
        attempt = 0
        while True:
            attempt += 1
            cancel.raise_if_cancelled()
            if limiter is not None:
                limiter.acquire(cancel)
            decision, status, duration_ms = self._attempt(send, interpret, on_transport_error, name)
            last = attempt >= self.max_attempts
            if limiter is not None:  # adaptive pacing: back off on "too many requests", recover on success
                if isinstance(decision, Success):
                    limiter.on_success()
                elif decision.outcome == RATE_LIMITED:
                    limiter.on_rate_limited()
            if isinstance(decision, Success):
                calls.append(
                    ApiCall(provider, endpoint, status, decision.outcome, sku, decision.units, duration_ms)
                )
                return decision.value, tuple(calls)
            again = decision.retryable and not last
            outcome = RETRY_PREFIX + decision.outcome if again else decision.outcome
            calls.append(ApiCall(provider, endpoint, status, outcome, sku, decision.units, duration_ms))
            if not again:
                message = decision.message
                if decision.retryable:
                    message += f" (gave up after {attempt} attempts)"
                raise decision.error(provider, redact(message, *secrets), tuple(calls))
            if self.wait(cancel, self.delay_for(attempt, decision.retry_after)):
                raise Cancelled

    def _attempt(
        self,
        send: Callable[[], httpx.Response],
        interpret: Callable[[httpx.Response], Success[T] | Failure],
        on_transport_error: Callable[[httpx.HTTPError], Success[T] | Failure] | None,
        label: str,
    ) -> tuple[Success[T] | Failure, int | None, float]:
        """One attempt: (decision, HTTP status or None, duration in ms). Never raises httpx errors."""
        started = self.clock()
        response: httpx.Response | None = None
        error: httpx.HTTPError | None = None
        bound: BoundExceeded | None = None
        try:
            response = send()
        except BoundExceeded as exc:
            bound = exc
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            error = exc if isinstance(exc, httpx.HTTPError) else httpx.RequestError("invalid URL")
        duration_ms = max(0.0, (self.clock() - started) * 1000.0)
        # Decide outside the except block so no exception raised later chains the httpx one.
        if bound is not None:  # never retried: a dripping or bloated provider does it again
            return Failure(bound.outcome, bound.describe(label)), bound.status, duration_ms
        if response is None:
            assert error is not None
            if on_transport_error is not None:
                return on_transport_error(error), None, duration_ms
            return transport_failure(error, label), None, duration_ms
        try:
            decision = interpret(response)
        except (ValueError, TypeError, KeyError, AttributeError):
            decision = Failure("bad_response", f"{label} sent an answer this app cannot read")
        return decision, response.status_code, duration_ms


def run_key_check(
    policy: RetryPolicy,
    *,
    provider: str,
    endpoint: str,
    send: Callable[[], httpx.Response],
    interpret: Callable[[httpx.Response], Success[KeyCheck] | Failure],
    cancel: CancelToken | None,
    limiter: RateLimiter | None,
    label: str,
    key: str,
) -> KeyCheck:
    """Run a free account request for a Settings "Test" button; failures become a KeyCheck too."""
    try:
        check, calls = policy.run(
            provider=provider,
            endpoint=endpoint,
            sku=FREE_SKU,
            send=send,
            interpret=interpret,
            cancel=cancel or CancelToken(),
            limiter=limiter,
            label=label,
            secrets=(key,),
        )
    except ProviderError as exc:
        return KeyCheck(False, exc.message, calls=exc.calls)
    return KeyCheck(check.ok, check.message, check.remaining, calls)
