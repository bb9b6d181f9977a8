"""Composition of the live providers from API keys and the environment (the app's and CLI's entry point)."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from leadgen_desktop.domain import MailServerLookup, Providers, WebsiteReader
from leadgen_desktop.net.bounded import RequestLimits
from leadgen_desktop.net.http import ConfigError, build_client
from leadgen_desktop.net.providers.google_places_area import GooglePlacesAreaDiscovery
from leadgen_desktop.net.providers.hunter import HunterEmailFinder
from leadgen_desktop.net.providers.neverbounce import NeverBounceVerifier
from leadgen_desktop.net.providers.website_parts import website_parts
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
    limiters: Mapping[str, RateLimiter] | None = None,
    websites: WebsiteReader | None = None,
    mail_servers: MailServerLookup | None = None,
    environ: Mapping[str, str] | None = None,
) -> Providers:
    """Build Google Places discovery (page by page and by area) plus Hunter/NeverBounce when keyed.

    ``keys`` maps provider ids (``google_places``, ``hunter``, ``neverbounce``) to keys;
    a missing or blank key leaves that finder/verifier None. ``transports`` replaces the
    network per provider (tests); ``rates`` fixes requests per second per provider (a user
    setting: no probing); otherwise each limiter starts from what ``memory`` recalls for the
    provider and key (or the default) and tells ``memory`` what it learns. ``limits``
    replaces the requests' deadline and body cap per provider (tests). ``limiters``
    hands in the rate limiters themselves (a worker shares them between its jobs and
    splits them with the team's workers on the same key).
    Base URLs come from the LEADGEN_*_URL variables. The website reader and the
    mail-server checker come from ``environ`` (default ``os.environ``: proxies,
    ``SSL_CERT_FILE``, ``LEADGEN_DNS_SERVER``) unless given.

    Raises:
        ValueError: there is no Google key (callers check first).
        ConfigError: a LEADGEN_*_URL variable, a key, or a proxy, CA bundle or DNS server
            variable cannot be used (the message says which).
    """
    google_key = _key(keys, "google_places")
    if google_key is None:
        raise ValueError("a Google Places API key is required for live discovery")
    transports = transports or {}
    rates = rates or {}
    limits = limits or {}

    def limiter(provider: str) -> RateLimiter:
        given = (limiters or {}).get(provider)
        if given is not None:
            return given
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
    try:
        if websites is None or mail_servers is None:
            reader, checker = website_parts(environ)  # built on first use where nothing can fail
            websites = websites if websites is not None else reader
            mail_servers = mail_servers if mail_servers is not None else checker
    except ValueError as exc:  # the message names the variable and how to fix it
        raise ConfigError(str(exc)) from None
    return Providers(
        discovery=discovery,
        finder=finder,
        verifier=verifier,
        demo=False,
        area=discovery,
        websites=websites,
        mail_servers=mail_servers,
    )
