"""Tests of build_live_providers: composition, missing keys, env base URLs."""

from __future__ import annotations

import httpx
import pytest

from leadgen_desktop.domain import CampaignConfig, CancelToken, Discovery, EmailFinder, EmailVerifier
from leadgen_desktop.net.providers.google_places import GooglePlacesDiscovery
from leadgen_desktop.net.providers.hunter import HunterEmailFinder
from leadgen_desktop.net.providers.live import build_live_providers
from leadgen_desktop.net.providers.neverbounce import NeverBounceVerifier
from tests.fakes import FakeApis
from tests.fakes.api_server import FAKE_KEYS


def test_all_three(fake: FakeApis) -> None:
    transport = fake.transport()
    providers = build_live_providers(FAKE_KEYS, transports=dict.fromkeys(FAKE_KEYS, transport))
    assert isinstance(providers.discovery, GooglePlacesDiscovery)
    assert isinstance(providers.finder, HunterEmailFinder)
    assert isinstance(providers.verifier, NeverBounceVerifier)
    assert providers.demo is False
    discovery: Discovery = providers.discovery
    finder: EmailFinder = providers.finder
    verifier: EmailVerifier = providers.verifier
    cancel = CancelToken()
    assert discovery.search(CampaignConfig("dentist", "Austin"), None, cancel).businesses
    assert finder.find("acme.example.com", cancel).calls
    assert verifier.verify("info@acme.example.com", cancel).calls
    assert fake.calls == {"google_places": 1, "hunter": 1, "neverbounce": 1}


@pytest.mark.parametrize("missing", [None, "", "   "])
def test_missing_keys_leave_finder_and_verifier_out(missing: str | None) -> None:
    providers = build_live_providers({"google_places": "g", "hunter": missing, "neverbounce": missing})
    assert providers.finder is None
    assert providers.verifier is None
    assert build_live_providers({"google_places": "g"}).finder is None


@pytest.mark.parametrize("keys", [{}, {"google_places": None}, {"google_places": " "}, {"hunter": "h"}])
def test_google_key_is_required(keys: dict[str, str | None]) -> None:
    with pytest.raises(ValueError, match="Google"):
        build_live_providers(keys)


def test_base_urls_from_env(monkeypatch: pytest.MonkeyPatch, fake: FakeApis) -> None:
    monkeypatch.setenv("LEADGEN_GOOGLE_PLACES_URL", "http://127.0.0.1:1/")
    seen: list[str] = []
    transport = fake.transport()

    class Spy(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            seen.append(f"{request.url.host}:{request.url.port}")
            return transport.handle_request(request)

    providers = build_live_providers(FAKE_KEYS, transports={"google_places": Spy()})
    providers.discovery.search(CampaignConfig("dentist", "Austin"), None, CancelToken())
    assert seen == ["127.0.0.1:1"]
