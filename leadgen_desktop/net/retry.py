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

Every attempt is written down before it is sent when the call runs inside a ledger
(:func:`~leadgen_desktop.domain.current_ledger`): the ledger records what it may cost
at most and may refuse it (the budget cannot hold it: :class:`BudgetReached`, nothing
sent). An attempt whose answer was not read although the request may have reached the
provider (a read timeout, a connection lost after sending, a broken deadline or body
cap) is an ``ApiCall`` with ``confirmed`` False: what it was billed is unknown, up to
its worst case.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import httpx

from leadgen_desktop.domain import (
    ApiCall,
    BudgetReached,
    Cancelled,
    CancelToken,
    NetworkUnavailable,
    PaidAttempt,
    ProviderError,
    current_ledger,
)
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


_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)
"""Transport errors raised before a request could reach the provider: nothing to pay for."""


def may_have_reached(exc: httpx.HTTPError) -> bool:
    """True when the request may have reached the provider although no answer was read.

    A read timeout, a connection lost after sending or a broken answer: the provider
    may have done (and billed) the work. A refused or timed-out connection sent nothing.
    """
    return not isinstance(exc, _NEVER_SENT) and isinstance(exc, httpx.TransportError)


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
        worst_units: float = 1.0,
    ) -> tuple[T, tuple[ApiCall, ...]]:
        """Send until success, a permanent failure or ``max_attempts``; return (value, calls).

        Each attempt waits for ``limiter``; a "rate_limited" answer then slows the
        limiter down (:meth:`RateLimiter.on_rate_limited`) and a success lets it recover.
        Inside a ledger, each attempt is written down (at ``worst_units`` of ``sku``, the
        most the provider may bill for it) before it is sent, and settled after.

        Raises the failure's ``ProviderError`` subclass (message redacted of ``secrets``,
        ``calls`` attached), :class:`BudgetReached` when the ledger refuses an attempt
        (not sent), or :class:`Cancelled` if ``cancel`` fires, including during a backoff
        or rate-limit wait.
        """
        name = label or provider
        ledger = current_ledger()
        calls: list[ApiCall] = []
        attempt = 0
        while True:
            attempt += 1
            cancel.raise_if_cancelled()
            if limiter is not None:
                limiter.acquire(cancel)
            entry: int | None = None
            if ledger is not None:
                try:
                    entry = ledger.before_send(PaidAttempt(provider, endpoint, sku, worst_units))
                except BudgetReached as exc:
                    raise BudgetReached(provider, exc.message, tuple(calls)) from None
            if limiter is not None:
                limiter.sent()  # the windows count it from now, not from its slot
            decision, status, duration_ms, unknown = self._attempt(send, interpret, on_transport_error, name)
            last = attempt >= self.max_attempts
            if limiter is not None:  # adaptive pacing: back off on "too many requests", recover on success
                if isinstance(decision, Success):
                    limiter.on_success()
                elif decision.outcome == RATE_LIMITED:
                    limiter.on_rate_limited()
            again = isinstance(decision, Failure) and decision.retryable and not last
            outcome = RETRY_PREFIX + decision.outcome if again else decision.outcome
            call = ApiCall(
                provider,
                endpoint,
                status,
                outcome,
                sku,
                0.0 if unknown else decision.units,
                duration_ms,
                confirmed=not unknown,
                worst_units=worst_units,
                attempt=entry,
            )
            calls.append(call)
            if ledger is not None:
                ledger.after_answer(entry, call)
            if isinstance(decision, Success):
                return decision.value, tuple(calls)
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
    ) -> tuple[Success[T] | Failure, int | None, float, bool]:
        """One attempt: (decision, HTTP status or None, duration in ms, outcome unknown).

        The outcome is unknown when no answer was read in full although the request may
        have reached the provider (:func:`may_have_reached`, or a broken deadline or body
        cap). Never raises httpx errors.
        """
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
            # sent, maybe answered, never read in full: what it was billed is unknown
            return Failure(bound.outcome, bound.describe(label)), bound.status, duration_ms, True
        if response is None:
            assert error is not None
            unknown = may_have_reached(error)
            if on_transport_error is not None:
                return on_transport_error(error), None, duration_ms, unknown
            return transport_failure(error, label), None, duration_ms, unknown
        try:
            decision = interpret(response)
        except (ValueError, TypeError, KeyError, AttributeError):
            decision = Failure("bad_response", f"{label} sent an answer this app cannot read")
        return decision, response.status_code, duration_ms, False


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
