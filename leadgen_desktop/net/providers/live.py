"""Composition of the three live providers from API keys (the app's and CLI's entry point)."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from leadgen_desktop.domain import Providers
from leadgen_desktop.net.bounded import RequestLimits
from leadgen_desktop.net.http import build_client
from leadgen_desktop.net.providers.google_places_area import GooglePlacesAreaDiscovery
from leadgen_desktop.net.providers.hunter import HunterEmailFinder
from leadgen_desktop.net.providers.neverbounce import NeverBounceVerifier
from leadgen_desktop.net.rate_limit import LearnedRate, RateLimiter
from leadgen_desktop.net.rate_memory import RateMemory, key_fingerprint


def _key(keys: Mapping[str, str | None], provider: str) -> str | None:
    value = keys.get(provider)
    return (value.strip() or None) if isinstance(value, str) else None


def build_live_providers(
    keys: Mapping[str, str | None],
    *,
    transports: Mapping[str, httpx.BaseTransport] | None = None,
    rates: Mapping[str, float | None] | None = None,
    limits: Mapping[str, RequestLimits] | None = None,
    memory: RateMemory | None = None,
) -> Providers:
    """Build Google Places discovery (page by page and by area) plus Hunter/NeverBounce when keyed.

    ``keys`` maps provider ids (``google_places``, ``hunter``, ``neverbounce``) to keys;
    a missing or blank key leaves that finder/verifier None. ``transports`` replaces the
    network per provider (tests); ``rates`` fixes requests per second per provider (a user
    setting: no probing); otherwise each limiter starts from what ``memory`` recalls for the
    provider and key (or the default) and tells ``memory`` what it learns. ``limits``
    replaces the requests' deadline and body cap per provider (tests).
    Base URLs come from the LEADGEN_*_URL variables.

    Raises:
        ValueError: there is no Google key (callers check first).
        ConfigError: a LEADGEN_*_URL variable or a key cannot be used (the message says which).
    """
    google_key = _key(keys, "google_places")
    if google_key is None:
        raise ValueError("a Google Places API key is required for live discovery")
    transports = transports or {}
    rates = rates or {}
    limits = limits or {}

    def limiter(provider: str) -> RateLimiter:
        fixed = rates.get(provider)
        key = _key(keys, provider)
        if fixed is not None or memory is None or key is None:
            return RateLimiter.for_provider(provider, rate=fixed)
        fingerprint = key_fingerprint(provider, key)

        def remember(learned: LearnedRate) -> None:
            memory.remember(provider, fingerprint, learned)

        return RateLimiter.for_provider(
            provider, learned=memory.recall(provider, fingerprint), on_learned=remember
        )

    def client(provider: str) -> httpx.Client:
        return build_client(provider, transport=transports.get(provider))

    discovery = GooglePlacesAreaDiscovery(
        client("google_places"),
        google_key,
        limiter=limiter("google_places"),
        limits=limits.get("google_places"),
    )
    hunter_key = _key(keys, "hunter")
    finder = (
        HunterEmailFinder(
            client("hunter"), hunter_key, limiter=limiter("hunter"), limits=limits.get("hunter")
        )
        if hunter_key
        else None
    )
    neverbounce_key = _key(keys, "neverbounce")
    verifier = (
        NeverBounceVerifier(
            client("neverbounce"),
            neverbounce_key,
            limiter=limiter("neverbounce"),
            limits=limits.get("neverbounce"),
        )
        if neverbounce_key
        else None
    )
    return Providers(discovery=discovery, finder=finder, verifier=verifier, demo=False, area=discovery)
