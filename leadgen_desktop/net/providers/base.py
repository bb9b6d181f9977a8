"""What every live provider holds: its injected client, its key, its rate limiter, retry policy and limits."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from leadgen_desktop.net.bounded import RequestLimits, send_bounded
from leadgen_desktop.net.http import check_api_key
from leadgen_desktop.net.rate_limit import RateLimiter
from leadgen_desktop.net.retry import RetryPolicy


class LiveProvider:
    """Base of the HTTP providers. The client is injected (tests pass a transport); the key stays private.

    ``limiter`` defaults to the provider's documented rate, ``retry`` to the standard bounded policy,
    ``limits`` to the 30 s deadline and 5 MB body cap of every request (:meth:`_send`).

    Raises:
        ConfigError: the key cannot be sent (non-ASCII, spaces, control characters).
    """

    provider: str
    label: str

    def __init__(
        self,
        client: httpx.Client,
        api_key: str,
        *,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        limits: RequestLimits | None = None,
    ) -> None:
        self._client = client
        self._key = check_api_key(self.provider, self.label, api_key)
        self._limiter = limiter if limiter is not None else RateLimiter.for_provider(self.provider)
        self._retry = retry if retry is not None else RetryPolicy()
        self._limits = limits if limits is not None else RequestLimits()

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: object = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request within the deadline and body cap; the body is read when this returns."""
        request = self._client.build_request(method, path, params=params, json=json, headers=headers)
        return send_bounded(self._client, request, self._limits)
