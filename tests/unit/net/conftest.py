"""Shared fixtures of the net/ contract tests: a fake clock and wait, fast policies, the fake APIs."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from leadgen_desktop.domain import CancelToken
from leadgen_desktop.net.http import build_client
from leadgen_desktop.net.rate_limit import RateLimiter
from leadgen_desktop.net.retry import RetryPolicy
from tests.fakes import FakeApis, FakeTime


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def policy(fake_time: FakeTime) -> RetryPolicy:
    """Four attempts, mid-point jitter, no real sleeping."""
    return RetryPolicy(rand=lambda: 0.5, wait=fake_time.wait, clock=fake_time.clock)


@pytest.fixture
def limiter() -> RateLimiter:
    """A limiter that never makes a test wait."""
    return RateLimiter(1e6, burst=1_000_000)


@pytest.fixture
def fake() -> FakeApis:
    return FakeApis()


@pytest.fixture
def client_for(fake: FakeApis) -> Callable[[str], httpx.Client]:
    """Build the production client for a provider, wired to the fake's MockTransport."""

    def make(provider: str) -> httpx.Client:
        return build_client(provider, transport=fake.transport(), base_url="https://fake.invalid")

    return make


@pytest.fixture
def cancel() -> CancelToken:
    return CancelToken()
