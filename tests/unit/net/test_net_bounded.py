"""Every provider request has an overall deadline and a body cap (net.bounded).

Real loopback servers drip, bloat or never finish their headers (tests.fakes.hostile);
a dripping answer never completes, so the verdict ("deadline") does not depend on the
machine's speed. The 30 s default itself is checked on a fake clock. Memory is measured
with tracemalloc while a 50 MB answer (plain, chunked or a gzip bomb) is refused.
"""

from __future__ import annotations

import gzip
import tracemalloc
from collections.abc import Iterator

import httpx
import pytest

from leadgen_desktop.domain import CampaignConfig, CancelToken, ProviderError
from leadgen_desktop.net.bounded import (
    DEFAULT_DEADLINE,
    DEFAULT_MAX_BODY,
    BodyTooLarge,
    DeadlineBackend,
    DeadlineExceeded,
    RequestLimits,
    install_deadline,
    send_bounded,
)
from leadgen_desktop.net.http import build_client
from leadgen_desktop.net.providers.google_places import GooglePlacesDiscovery
from leadgen_desktop.net.providers.hunter import HunterEmailFinder
from leadgen_desktop.net.providers.neverbounce import NeverBounceVerifier
from leadgen_desktop.net.rate_limit import RateLimiter
from leadgen_desktop.net.retry import RetryPolicy
from tests.fakes import FakeApis, FakeTime
from tests.fakes.api_server import GOOGLE_KEY, HUNTER_KEY, NEVERBOUNCE_KEY
from tests.fakes.hostile import gzip_bomb, serve_hostile

SHORT = RequestLimits(deadline=0.3)
NO_LIMIT = RateLimiter(1e6, burst=1_000_000)
FAST = RetryPolicy(rand=lambda: 0.0, wait=lambda _c, _s: False)
MB = 1024 * 1024


def hunter(url: str, limits: RequestLimits = SHORT) -> HunterEmailFinder:
    client = build_client("hunter", base_url=url)
    return HunterEmailFinder(client, HUNTER_KEY, limiter=NO_LIMIT, retry=FAST, limits=limits)


def test_defaults_are_the_design_limits() -> None:
    assert (DEFAULT_DEADLINE, DEFAULT_MAX_BODY) == (30.0, 5 * MB)
    assert RequestLimits() == RequestLimits(deadline=30.0, max_body=5 * MB)
    with pytest.raises(ValueError, match="deadline"):
        RequestLimits(deadline=0)


# -- the deadline ---------------------------------------------------------------------


def test_a_dripping_body_ends_with_a_deadline_error_and_is_not_retried() -> None:
    fake = FakeApis()
    with (
        serve_hostile(fake, {"/v2/domain-search": "drip_body"}) as url,
        pytest.raises(ProviderError) as caught,
    ):
        hunter(url).find("example-dental.com", CancelToken())
    assert "within 0.3 s (deadline)" in caught.value.message
    [call] = caught.value.calls  # one attempt: a dripping provider drips again
    assert (call.outcome, call.units) == ("deadline", 0)
    assert call.http_status in (200, None)  # 200 unless the machine was too busy to see the headers in time
    assert fake.calls["hunter"] == 1


def test_headers_that_never_end_end_with_a_deadline_error() -> None:
    fake = FakeApis()
    with serve_hostile(fake, {"/v1/places:searchText": "drip_headers"}) as url:
        discovery = GooglePlacesDiscovery(
            build_client("google_places", base_url=url),
            GOOGLE_KEY,
            limiter=NO_LIMIT,
            retry=FAST,
            limits=SHORT,
        )
        with pytest.raises(ProviderError) as caught:
            discovery.search(CampaignConfig("dentist", "Austin"), None, CancelToken())
    [call] = caught.value.calls
    assert (call.outcome, call.http_status) == ("deadline", None)  # no status line was complete


def test_the_deadline_runs_from_sending_to_the_last_byte(fake_time: FakeTime) -> None:
    """Each chunk arrives "1 s" after the last, far inside any read timeout: 30 s in all, then stop."""
    chunks_sent = 0

    def slow_body() -> Iterator[bytes]:
        nonlocal chunks_sent
        while True:
            fake_time.now += 1.0
            chunks_sent += 1
            yield b" "

    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=slow_body()))
    client = build_client("hunter", transport=transport, base_url="https://fake.invalid")
    limits = RequestLimits(clock=fake_time.clock)  # the real 30 s, on a fake clock
    with pytest.raises(DeadlineExceeded) as caught:
        send_bounded(client, client.build_request("GET", "/v2/account"), limits)
    assert chunks_sent == 31  # the first chunk past 30 s ends it
    assert (caught.value.status, caught.value.limit) == (200, 30.0)


def test_install_deadline_reaches_every_pool_httpx_builds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Guards the one private hook (httpx has no public one): an httpx upgrade that moves it fails here."""
    with build_client("hunter") as client:
        assert install_deadline(client) == 1
        assert isinstance(client._transport._pool._network_backend, DeadlineBackend)  # type: ignore[attr-defined]
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    with build_client("hunter") as client:
        assert install_deadline(client) == 2  # the direct pool and the environment's proxy


# -- the body cap ---------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["bloat", "bloat_chunked", "gzip_bomb"])
def test_a_50_mb_answer_is_an_error_for_that_request_and_memory_stays_flat(mode: str) -> None:
    gzip_bomb()  # built before memory is traced: the server's own copy is not ours
    fake = FakeApis()
    with serve_hostile(fake, {"/v4.2/single/check": mode}) as url:
        verifier = NeverBounceVerifier(
            build_client("neverbounce", base_url=url), NEVERBOUNCE_KEY, limiter=NO_LIMIT, retry=FAST
        )
        tracemalloc.start()
        try:
            with pytest.raises(ProviderError) as caught:
                verifier.verify("info@example-dental.com", CancelToken())
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    print(f"{mode}: peak {peak / MB:.1f} MB")
    [call] = caught.value.calls
    assert (call.outcome, call.http_status, call.units) == ("too_large", 200, 0)
    assert "larger than 5 MB" in caught.value.message
    assert NEVERBOUNCE_KEY not in str(caught.value)
    assert peak < 8 * MB  # the 5 MB cap plus a chunk, never the 50 MB


def test_a_declared_length_over_the_cap_is_refused_unread() -> None:
    def never_read() -> Iterator[bytes]:
        raise AssertionError("the body was read")
        yield b""  # pragma: no cover

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-length": str(6 * MB)}, content=never_read())

    client = build_client("hunter", transport=httpx.MockTransport(handler), base_url="https://fake.invalid")
    with pytest.raises(BodyTooLarge):
        send_bounded(client, client.build_request("GET", "/v2/account"), RequestLimits())


def streamed(body: bytes, **headers: str) -> httpx.Client:
    """A client whose answers stream ``body`` in 1 KB chunks with ``headers``."""

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 1024):
            yield body[start : start + 1024]

    transport = httpx.MockTransport(lambda request: httpx.Response(200, headers=headers, content=chunks()))
    return build_client("hunter", transport=transport, base_url="https://fake.invalid")


def test_gzip_answers_are_decoded_within_the_cap() -> None:
    body = b'{"data": {"emails": []}, "pad": "' + b"x" * 50_000 + b'"}'
    client = streamed(gzip.compress(body), **{"content-encoding": "gzip"})
    response = send_bounded(client, client.build_request("GET", "/v2/account"), RequestLimits())
    assert response.content == body
    assert "content-encoding" not in response.headers
    assert response.json()["data"] == {"emails": []}
    with pytest.raises(BodyTooLarge):
        send_bounded(
            client, client.build_request("GET", "/v2/account"), RequestLimits(max_body=len(body) - 1)
        )


@pytest.mark.parametrize(
    ("payload", "headers"),
    [(b"\x1f\x8b not really gzip", {"content-encoding": "gzip"}), (b"{}", {"content-encoding": "br"})],
)
def test_an_answer_that_cannot_be_decoded_is_a_bad_encoding(payload: bytes, headers: dict[str, str]) -> None:
    finder = HunterEmailFinder(streamed(payload, **headers), HUNTER_KEY, limiter=NO_LIMIT, retry=FAST)
    with pytest.raises(ProviderError) as caught:
        finder.find("example-dental.com", CancelToken())
    assert [call.outcome for call in caught.value.calls] == ["bad_encoding"]


def test_requests_ask_only_for_encodings_decoded_here() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["accept-encoding"])
        return httpx.Response(200, json={"data": {"emails": []}})

    client = build_client("hunter", transport=httpx.MockTransport(handler), base_url="https://fake.invalid")
    HunterEmailFinder(client, HUNTER_KEY, limiter=NO_LIMIT, retry=FAST).find("example.com", CancelToken())
    assert seen == ["gzip, deflate"]
