"""Helpers for tests that run the pipeline in-process with the live providers against the fakes."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from leadgen_desktop.domain import PROVIDERS, Providers
from leadgen_desktop.net.providers.live import build_live_providers
from leadgen_desktop.net.rate_limit import RateLimiter
from tests.fakes.api_server import FAKE_KEYS, FakeApis
from tests.fakes.backends import query
from tests.fakes.offline_web import AlwaysMail, offline_websites


def live_providers(fake: FakeApis, keys: Mapping[str, str] = FAKE_KEYS) -> Providers:
    """The three live providers over ``fake``'s transport, their rate limits lifted (tests run fast).

    Websites show nothing and every domain receives mail (``offline_web``), so the
    email finder and the verifier are asked as they were before websites were read.
    """
    transport = fake.transport()
    providers = build_live_providers(
        keys,
        transports=dict.fromkeys(keys, transport),
        websites=offline_websites(),
        mail_servers=AlwaysMail(),
    )
    for provider in (providers.discovery, providers.finder, providers.verifier):
        if provider is not None:
            provider._limiter = RateLimiter(1e6, burst=1_000_000)  # type: ignore[attr-defined]
    return providers


def logged_spend(db: Path | str, job_id: str) -> float:
    """The sum of ``api_calls.cost`` of ``job_id``: the bill as the database (file or URL) has it."""
    ((total,),) = query(db, "SELECT COALESCE(SUM(cost), 0) FROM api_calls WHERE job_id = ?", (job_id,))
    return float(total)


def logged_calls(db: Path | str, job_id: str) -> tuple[dict[str, int], dict[str, float]]:
    """Requests (cache hits not counted) and cost per provider of ``job_id``, straight from ``api_calls``."""
    calls = dict.fromkeys(PROVIDERS, 0)
    costs = dict.fromkeys(PROVIDERS, 0.0)
    rows = query(
        db,
        "SELECT provider, SUM(CASE WHEN cached = 0 THEN 1 ELSE 0 END), SUM(cost) FROM api_calls "
        "WHERE job_id = ? GROUP BY provider",
        (job_id,),
    )
    for provider, requests, cost in rows:
        calls[provider], costs[provider] = int(requests), float(cost)
    return calls, costs
