"""Tests of the fake APIs themselves: the pure core, the MockTransport and the loopback server."""

from __future__ import annotations

import json
import socket
import threading
import time

import httpx
import pytest

from leadgen_desktop.domain import CampaignConfig, CancelToken, EmailStatus
from leadgen_desktop.net.http import build_client
from leadgen_desktop.net.providers.live import build_live_providers
from leadgen_desktop.net.providers.neverbounce import NeverBounceVerifier
from leadgen_desktop.net.rate_limit import RateLimiter
from leadgen_desktop.net.retry import RetryPolicy
from tests.fakes import FakeApis, FakeTime, serve
from tests.fakes.api_server import FAKE_KEYS, GOOGLE_KEY, HUNTER_KEY, NEVERBOUNCE_KEY

MASK = {"x-goog-api-key": GOOGLE_KEY, "x-goog-fieldmask": "places.id,nextPageToken"}


def search(fake: FakeApis, body: object, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    answer = fake.handle("POST", "/v1/places:searchText", {}, headers or MASK, json.dumps(body).encode())
    return answer.status, json.loads(answer.body)


# -- the pure core -----------------------------------------------------------------


def test_catalogue_is_deterministic_and_nasty() -> None:
    fake = FakeApis()
    places = fake.places_for("dentist in Austin")
    assert places == FakeApis().places_for("dentist in Austin")
    assert places != fake.places_for("bakery in Leeds")
    assert len(places) == 60
    assert places[19]["id"] == places[20]["id"]  # last of page 1 is first of page 2
    assert [p["businessStatus"] for p in places].count("CLOSED_PERMANENTLY") == 1
    assert any("websiteUri" not in p for p in places)
    assert any("rating" not in p for p in places)
    assert any("nationalPhoneNumber" not in p and "internationalPhoneNumber" in p for p in places)
    assert any("facebook.com" in str(p.get("websiteUri")) for p in places)
    assert sum("dentist-group.com" in str(p.get("websiteUri")) for p in places) == 4  # a chain


def test_google_field_mask_is_applied_and_required() -> None:
    fake = FakeApis()
    status, body = search(fake, {"textQuery": "dentist in Austin"})
    assert status == 200
    assert set(body) == {"places", "nextPageToken"}
    assert all(set(p) == {"id"} for p in body["places"])
    status, body = search(fake, {"textQuery": "x"}, {"x-goog-api-key": GOOGLE_KEY})
    assert (status, body["error"]["status"]) == (400, "INVALID_ARGUMENT")
    status, body = search(fake, {"textQuery": "x"}, {**MASK, "x-goog-fieldmask": "places.id"})
    assert "nextPageToken" not in body  # not masked, not returned


@pytest.mark.parametrize(
    "body",
    [{}, {"textQuery": ""}, {"textQuery": "x", "pageSize": -1}, {"textQuery": "x", "pageToken": "garbage"}],
)
def test_google_invalid_arguments(body: dict[str, object]) -> None:
    status, answer = search(FakeApis(), body)
    assert (status, answer["error"]["status"]) == (400, "INVALID_ARGUMENT")


def test_google_token_bound_to_query_and_page_size_clamped() -> None:
    fake = FakeApis()
    _, first = search(fake, {"textQuery": "dentist in Austin", "pageSize": 50})
    assert len(first["places"]) == 20
    status, _ = search(fake, {"textQuery": "bakery in Leeds", "pageToken": first["nextPageToken"]})
    assert status == 400


def test_google_bad_key_body_has_error_info_not_first() -> None:
    status, body = search(FakeApis(), {"textQuery": "x"}, {**MASK, "x-goog-api-key": "nope"})
    assert status == 400
    details = body["error"]["details"]
    assert details[0]["@type"].endswith("LocalizedMessage")
    assert details[1]["reason"] == "API_KEY_INVALID"


def test_hunter_core() -> None:
    fake = FakeApis()
    ok = fake.handle("GET", "/v2/domain-search", {"domain": "a.example", "api_key": HUNTER_KEY}, {}, b"")
    assert ok.status == 200
    missing = fake.handle("GET", "/v2/domain-search", {}, {"X-API-KEY": HUNTER_KEY}, b"")
    assert (missing.status, json.loads(missing.body)["errors"][0]["id"]) == (400, "wrong_params")
    assert fake.handle("GET", "/v2/account", {}, {}, b"").status == 401
    assert fake.emails_for("noemail.example.com") == []
    assert any(fake.emails_for(f"d{i}.example.com") for i in range(10))


def test_neverbounce_core_post_form_and_missing_key() -> None:
    fake = FakeApis()
    body = f"key={NEVERBOUNCE_KEY}&email=a%40b.example".encode()
    answer = json.loads(fake.handle("POST", "/v4/single/check", {}, {}, body).body)
    assert answer["status"] == "success"
    assert fake.email_requests["a@b.example"] == 1
    missing = json.loads(fake.handle("GET", "/v4.2/single/check", {"email": "a@b"}, {}, b"").body)
    assert missing == {
        "status": "general_failure",
        "message": "Missing required parameter 'key'",
        "execution_time": 5,
    }


def test_unknown_paths_and_faults() -> None:
    fake = FakeApis()
    assert fake.handle("GET", "/v3/whatever", {}, {}, b"").status == 404
    with pytest.raises(ValueError, match="unknown fault"):
        fake.inject("hunter", "meteor")
    fake.inject("hunter", "http_503", retry_after="3")
    answer = fake.handle("GET", "/v2/account", {}, {}, b"")
    assert (answer.status, answer.headers["retry-after"]) == (503, "3")
    assert fake.handle("GET", "/v2/account", {"api_key": HUNTER_KEY}, {}, b"").status == 200
    assert len(fake.requests_to("/v2/account")) == 2


# -- the loopback server --------------------------------------------------------------


def test_server_serves_all_three_apis_on_one_port(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeApis()
    with serve(fake) as base_url:
        assert base_url.startswith("http://127.0.0.1:")
        for name in ("GOOGLE_PLACES", "HUNTER", "NEVERBOUNCE"):
            monkeypatch.setenv(f"LEADGEN_{name}_URL", base_url)
        providers = build_live_providers(FAKE_KEYS)
        cancel = CancelToken()
        token, pages = None, 0
        while True:
            page = providers.discovery.search(CampaignConfig("dentist", "Austin"), token, cancel)
            pages += 1
            token = page.next_page_token
            if token is None:
                break
        assert providers.finder is not None
        assert providers.verifier is not None
        website = next(b.website for b in page.businesses if b.website and "facebook" not in b.website)
        domain = httpx.URL(website).host.removeprefix("www.")
        found = providers.finder.find(domain, cancel)
        verdict = providers.verifier.verify(f"info@{domain}", cancel)
    assert pages == 3
    assert found.calls[0].http_status == 200
    assert verdict.status in set(EmailStatus)
    assert fake.calls == {"google_places": 3, "hunter": 1, "neverbounce": 1}
    assert fake.requests[0].headers["user-agent"].startswith("leadgen-desktop/")


def test_server_errors_and_hangups(fake_time: FakeTime) -> None:
    fake = FakeApis()
    policy = RetryPolicy(rand=lambda: 0.0, wait=fake_time.wait)
    with serve(fake) as base_url:
        client = build_client("neverbounce", base_url=base_url)
        verifier = NeverBounceVerifier(client, NEVERBOUNCE_KEY, retry=policy, limiter=RateLimiter(1e6))
        fake.inject("neverbounce", "connect_error", "http_503", "rate_limit")
        verdict = verifier.verify("x@y.example", CancelToken())
        bad = NeverBounceVerifier(build_client("neverbounce", base_url=base_url), "secret_bad", retry=policy)
        check = bad.test_key()
    assert [c.outcome for c in verdict.calls] == [
        "retry:transport_error", "retry:server_error", "retry:rate_limited", "ok",
    ]  # fmt: skip
    assert not check.ok
    assert "secret_bad" not in check.message


def test_server_stall_is_a_client_timeout() -> None:
    # The stall lasts until the test releases it, so the client's 50 ms read timeout always
    # fires first, however late this process gets the CPU back on a busy machine.
    fake = FakeApis(stall_seconds=60.0)
    fake.inject("neverbounce", "timeout")
    with serve(fake) as base_url:
        client = httpx.Client(base_url=base_url, timeout=httpx.Timeout(0.05))
        verdict = NeverBounceVerifier(client, NEVERBOUNCE_KEY).verify("x@y.example", CancelToken())
        client.close()
        fake.release_waiting()
    assert verdict.status is EmailStatus.UNKNOWN
    assert [c.outcome for c in verdict.calls] == ["timeout"]


def test_latency_and_concurrency() -> None:
    fake = FakeApis(latency=0.02)
    with serve(fake) as base_url, httpx.Client(base_url=base_url) as client:
        started = time.monotonic()
        client.get("/v2/account", params={"api_key": HUNTER_KEY})
        assert time.monotonic() - started >= 0.02
        fake.latency = 0.0

        def hit(n: int) -> None:
            with httpx.Client(base_url=base_url) as own:
                for i in range(5):
                    own.get(
                        "/v2/domain-search",
                        params={"domain": f"d{i}.example"},
                        headers={"X-API-KEY": HUNTER_KEY},
                    )

        threads = [threading.Thread(target=hit, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert fake.domain_requests == {f"d{i}.example": 4 for i in range(5)}
    assert fake.hunter_searches == 20


def test_server_unknown_path_is_404() -> None:
    with serve(FakeApis()) as base_url:
        assert httpx.get(base_url + "/nothing/here").status_code == 404


def test_a_client_gone_has_every_request_it_wrote_counted() -> None:
    """A client that writes requests and dies at once: wait_client_gone returns only once all are billed."""
    fake = FakeApis(latency=0.05)  # each answer waits, so the requests are still being read at the close
    request = f"GET /v2/domain-search?domain=d.example&api_key={HUNTER_KEY} HTTP/1.1\r\nHost: x\r\n\r\n"
    with serve(fake) as base_url:
        host, port = base_url.removeprefix("http://").split(":")
        clients = [socket.create_connection((host, int(port))) for _ in range(8)]
        for client in clients:
            client.sendall(request.encode())
            client.close()  # gone before any answer, some connections maybe not even accepted yet
        assert fake.wait_client_gone()
        assert fake.calls["hunter"] == 8
        assert fake.connections.open == 0


def test_a_dead_client_s_own_server_is_awaited_while_another_client_works_on_another() -> None:
    """Two servers of one fake: the dead client's server is done once its requests are all billed,
    though a live client's request on the other server is still being answered (a team kill test)."""
    fake = FakeApis(latency=0.05)
    fake.hold_after("neverbounce", 0)  # the live client's check is answered only when released
    live_request_arrived = threading.Event()
    fake.before_answer = lambda received: received.path.endswith("/check") and live_request_arrived.set()
    check = f"GET /v4.2/single/check?key={NEVERBOUNCE_KEY}&email=a@b.example HTTP/1.1\r\nHost: x\r\n\r\n"
    domain_search = f"GET /v2/domain-search?domain=d.example&api_key={HUNTER_KEY} HTTP/1.1\r\nHost: x\r\n\r\n"
    with serve(fake) as dead_url, serve(fake) as live_url:
        live_port = int(live_url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", live_port)) as live_client:
            live_client.sendall(check.encode())
            assert live_request_arrived.wait(30)
            dead_clients = [
                socket.create_connection(("127.0.0.1", int(dead_url.rsplit(":", 1)[1]))) for _ in range(8)
            ]
            for client in dead_clients:
                client.sendall(domain_search.encode())
                client.close()  # gone before any answer, some connections maybe not even accepted yet
            assert fake.wait_client_gone(base_url=dead_url)
            assert fake.calls["hunter"] == 8
            assert fake.connections.open_at(live_port) == 1  # the live client was not waited for
            fake.release_waiting()
            assert live_client.recv(1 << 16).startswith(b"HTTP/1.0 200")
        with pytest.raises(ValueError, match="no server of this fake listens on port 1"):
            fake.wait_client_gone(base_url="http://127.0.0.1:1")
