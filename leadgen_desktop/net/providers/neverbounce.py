"""Live email verification through NeverBounce v4.2 single check (apis.md 3).

NeverBounce reports API errors as HTTP 200 with a ``status`` other than
``success``, so ``status`` is read before ``result``. Its key can only travel in the
query string: the recorded endpoint is always the bare path, messages are redacted,
and httpx exceptions (whose text holds the full URL) are wrapped by the retry layer.
A read timeout is not an error: the address is ``unknown`` (NeverBounce's advice).
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from leadgen_desktop.domain import (
    CancelToken,
    EmailStatus,
    NetworkUnavailable,
    ProviderAuthError,
    ProviderError,
    Verification,
)
from leadgen_desktop.net.http import BadJson, KeyCheck, json_object, opt_float, opt_str
from leadgen_desktop.net.providers.base import LiveProvider
from leadgen_desktop.net.retry import (
    Decision,
    Failure,
    Success,
    run_key_check,
    status_failure,
    transport_failure,
)

PROVIDER = "neverbounce"
LABEL = "NeverBounce"
CHECK_PATH = "/v4.2/single/check"
ACCOUNT_PATH = "/v4.2/account/info"
SKU = "neverbounce_credit"
MAX_FLAGS = 30
MAX_FLAG_LENGTH = 64

RESULTS: Mapping[str, EmailStatus] = {
    "valid": EmailStatus.VALID,
    "invalid": EmailStatus.INVALID,
    "catchall": EmailStatus.CATCHALL,
    "unknown": EmailStatus.UNKNOWN,
    "disposable": EmailStatus.DISPOSABLE,
}
"""NeverBounce ``result`` strings → email status."""


def classify_status(body: dict[str, object]) -> Failure | None:
    """Failure for a non-``success`` API status (apis.md 3.4); None on success."""
    status = opt_str(body.get("status")) or "missing"
    if status == "success":
        return None
    message = opt_str(body.get("message"))
    said = f": {message}" if message else ""
    if status == "auth_failure":
        return Failure(
            "auth_failure",
            f"{LABEL} rejected the API key (auth_failure): check the key in Settings → API keys "
            "(it must be a V4 API key).",
            error=ProviderAuthError,
        )
    if status == "throttle_triggered":
        return Failure("rate_limited", f"{LABEL} is throttling requests (throttle_triggered)", retryable=True)
    if status == "temp_unavail":
        message = f"{LABEL} is temporarily unavailable (temp_unavail)"
        return Failure("temp_unavail", message, retryable=True, error=NetworkUnavailable)
    if status == "bad_referrer":
        return Failure("bad_referrer", f"{LABEL} does not trust this request's referrer (bad_referrer){said}")
    return Failure("error", f"{LABEL} could not process the request ({status}){said}")


def _flags(value: object) -> tuple[str, ...]:
    """NeverBounce's ``flags``: clean short strings, at most :data:`MAX_FLAGS` of them."""
    if not isinstance(value, list):
        return ()
    cleaned = (opt_str(item, MAX_FLAG_LENGTH) for item in value[:MAX_FLAGS])
    return tuple(item for item in cleaned if item)


def _http_failure(response: httpx.Response) -> Failure:
    if response.status_code in (401, 403):
        return Failure(
            "auth_failure", f"{LABEL} refused the key (HTTP {response.status_code})", error=ProviderAuthError
        )
    return status_failure(response, LABEL)


def _successful_body(response: httpx.Response) -> dict[str, object] | Failure:
    """The JSON body of an answer whose ``status`` is ``success``, or the Failure it means.

    NeverBounce reports API errors with HTTP 200, so the ``status`` field is read before anything else.
    """
    if response.status_code != 200:
        return _http_failure(response)
    try:
        body = json_object(response)
    except BadJson as exc:
        return Failure("bad_response", f"{LABEL} sent an unreadable answer: {exc}")
    failure = classify_status(body)
    return body if failure is None else failure


class NeverBounceVerifier(LiveProvider):
    """``domain.EmailVerifier`` over NeverBounce single check."""

    provider = PROVIDER
    label = LABEL
    billing_sku = SKU

    def verify(self, email: str, cancel: CancelToken) -> Verification:
        """Verify one address (1 credit when NeverBounce answers; a timeout is ``unknown``)."""
        address = email.strip()
        if not address:
            raise ProviderError(PROVIDER, "no email address to verify")

        def send() -> httpx.Response:
            return self._send("GET", CHECK_PATH, params={"key": self._key, "email": address})

        def interpret(response: httpx.Response) -> Decision[Verification]:
            body = _successful_body(response)
            if isinstance(body, Failure):
                return body
            result = opt_str(body.get("result"))
            if result is None:
                return Failure("bad_response", f"{LABEL} answered 'success' without a result")
            flags = body.get("flags")
            correction = opt_str(body.get("suggested_correction")) or ""
            verification = Verification(
                email=address,
                status=RESULTS.get(result, EmailStatus.UNKNOWN),
                flags=_flags(flags),
                suggested_correction=correction,
            )
            return Success(verification, units=1)

        def on_transport_error(exc: httpx.HTTPError) -> Decision[Verification]:
            if isinstance(exc, httpx.ReadTimeout):
                return Success(
                    Verification(address, EmailStatus.UNKNOWN, flags=("timeout",)), outcome="timeout"
                )
            return transport_failure(exc, LABEL)

        verification, calls = self._retry.run(
            provider=PROVIDER,
            endpoint=CHECK_PATH,
            sku=SKU,
            send=send,
            interpret=interpret,
            cancel=cancel,
            limiter=self._limiter,
            on_transport_error=on_transport_error,
            label=LABEL,
            secrets=(self._key,),
        )
        return Verification(
            verification.email,
            verification.status,
            verification.flags,
            verification.suggested_correction,
            calls,
        )

    def test_key(self, cancel: CancelToken | None = None) -> KeyCheck:
        """Free ``GET /v4.2/account/info``: is the key usable, and how many credits are left."""

        def send() -> httpx.Response:
            return self._send("GET", ACCOUNT_PATH, params={"key": self._key})

        def interpret(response: httpx.Response) -> Decision[KeyCheck]:
            body = _successful_body(response)
            if isinstance(body, Failure):
                return body
            info = body.get("credits_info")
            remaining: float | None = None
            if isinstance(info, dict):
                parts = [opt_float(info.get(k)) for k in ("paid_credits_remaining", "free_credits_remaining")]
                known = [p for p in parts if p is not None]
                remaining = sum(known) if known else None
            text = f"{LABEL} accepted the key"
            text += f"; {remaining:g} credits left." if remaining is not None else "."
            return Success(KeyCheck(True, text, remaining=remaining))

        return run_key_check(
            self._retry,
            provider=PROVIDER,
            endpoint=ACCOUNT_PATH,
            send=send,
            interpret=interpret,
            cancel=cancel,
            limiter=self._limiter,
            label=LABEL,
            key=self._key,
        )
