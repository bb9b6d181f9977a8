"""Integration fixtures: the fake APIs on loopback (each module may override ``fake``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.api_server import FakeApis, serve


@pytest.fixture
def fake() -> FakeApis:
    return FakeApis()


@pytest.fixture
def base_url(fake: FakeApis) -> Iterator[str]:
    with serve(fake) as url:
        yield url
        fake.release_waiting()  # a request a test held (hold_after, long latency) must not outlive it
