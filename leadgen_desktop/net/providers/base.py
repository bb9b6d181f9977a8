"""What every live provider holds: its injected client, its key, its rate limiter and retry policy."""

from __future__ import annotations

import httpx

from leadgen_desktop.net.rate_limit import RateLimiter
from leadgen_desktop.net.retry import RetryPolicy


class LiveProvider:
    """Base of the HTTP providers. The client is injected (tests pass a transport); the key stays private.

    ``limiter`` defaults to the provider's documented rate, ``retry`` to the standard bounded policy.
    """

    provider: str

    def __init__(
        self,
        client: httpx.Client,
        api_key: str,
        *,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self._client = client
        self._key = api_key
        self._limiter = limiter if limiter is not None else RateLimiter.for_provider(self.provider)
        self._retry = retry if retry is not None else RetryPolicy()
