"""One polite fetch: headers, cookies, redirects, types, caps, the deadline, cancel and address checks."""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Iterator

import httpcore
import httpx
import pytest

from leadgen_desktop.domain import Cancelled, CancelToken, SiteOutcome
from leadgen_desktop.net.http import USER_AGENT
from leadgen_desktop.net.web.connect import GuardedBackend
from leadgen_desktop.net.web.fetch import FetchKind, FetchLimits, PageFetch, PageFetcher
from leadgen_desktop.net.web.host_gate import HostGate
from leadgen_desktop.net.web.proxy_env import ProxySettings
from leadgen_desktop.net.web.transport import (
    WebTransport,
    build_web_client,
    build_web_transport,
    web_ssl_context,
)
from tests.fakes.fake_web import Behaviour, ChunkedStream, FakePage, FakeWeb, html, redirect

CANCEL_BOUND = 5.0
"""Generous bound for "a cancel ends the fetch" (the promise is 1 s; the machine may be loaded)."""


_clients: list[httpx.Client] = []


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while _clients:
        _clients.pop().close()


def fetcher_for(transport: httpx.BaseTransport, **limits: float) -> PageFetcher:
    client = build_web_client(transport)
    _clients.append(client)
    return PageFetcher(client, HostGate(), FetchLimits(**limits))  # type: ignore[arg-type]


def fetch(fetcher: PageFetcher, url: str, cancel: CancelToken | None = None) -> PageFetch:
    site = httpx.URL(url).host.removeprefix("www.")
    return fetcher.fetch(url, cancel or CancelToken(), site_domain=site)


def test_requests_name_the_app_and_carry_no_cookies_or_keys(
    web: FakeWeb, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEADGEN_HUNTER_KEY", "hunter-secret-key")
    monkeypatch.setenv("NETRC", "/nonexistent")
    web.add("shop.com", "/", FakePage(b"<p>hi</p>", headers=(("Set-Cookie", "session=abc; Path=/"),)))
    web.add("shop.com", "/contact", html("<p>contact</p>"))
    fetcher = fetcher_for(web.mock_transport())
    assert fetch(fetcher, "https://shop.com/").failure is None
    assert fetch(fetcher, "https://shop.com/contact").failure is None
    for entry in web.log:
        assert entry.headers["user-agent"] == USER_AGENT
        assert "cookie" not in entry.headers
        assert "authorization" not in entry.headers
        assert "hunter-secret-key" not in repr(entry.headers)


def test_credentials_written_into_a_url_are_never_sent(web: FakeWeb) -> None:
    web.add("shop.com", "/", redirect("https://admin:secret@www.shop.com/home"))
    web.add("www.shop.com", "/home", html("<p>home</p>"))
    page = fetch(fetcher_for(web.mock_transport()), "https://user:password@shop.com/")
    assert page.failure is None
    assert all("authorization" not in entry.headers for entry in web.log)
    assert "secret" not in page.url


def test_redirects_stay_on_the_site(web: FakeWeb) -> None:
    web.add("shop.com", "/", redirect("https://www.shop.com/home"))
    web.add("www.shop.com", "/home", html("<p>home</p>"))
    page = fetch(fetcher_for(web.mock_transport()), "http://shop.com/")
    assert (page.failure, page.url, page.requests) == (None, "https://www.shop.com/home", 2)


@pytest.mark.parametrize(
    ("location", "outcome"),
    [
        ("https://other-business.com/", SiteOutcome.REDIRECTED_OFF_SITE),
        ("http://127.0.0.1:8080/admin", SiteOutcome.BLOCKED_ADDRESS),
        ("http://localhost/", SiteOutcome.BLOCKED_ADDRESS),
        ("ftp://shop.com/file", SiteOutcome.INVALID_URL),
    ],
)
def test_redirects_off_the_site_are_not_followed(web: FakeWeb, location: str, outcome: SiteOutcome) -> None:
    web.add("shop.com", "/", redirect(location))
    page = fetch(fetcher_for(web.mock_transport()), "https://shop.com/")
    assert page.failure is outcome
    assert [entry.host for entry in web.log] == ["shop.com"]


def test_a_redirect_loop_ends(web: FakeWeb) -> None:
    web.add("shop.com", "/a", redirect("/b"))
    web.add("shop.com", "/b", redirect("/a"))
    page = fetch(fetcher_for(web.mock_transport()), "https://shop.com/a")
    assert page.failure is SiteOutcome.TOO_MANY_REDIRECTS
    assert len(web.log) == 6


@pytest.mark.parametrize("content_type", ["application/pdf", "image/png", "text/plain"])
def test_only_html_is_read(web: FakeWeb, content_type: str) -> None:
    web.add("shop.com", "/doc", FakePage(b"%PDF-1.7 info@shop.com", content_type=content_type))
    page = fetch(fetcher_for(web.mock_transport()), "https://shop.com/doc")
    assert (page.failure, page.body) == (SiteOutcome.NOT_HTML, b"")


def test_html_without_a_content_type_is_recognised(web: FakeWeb) -> None:
    web.add("shop.com", "/", FakePage(b"<!DOCTYPE html><p>hi</p>", content_type=None))
    web.add("shop.com", "/blob", FakePage(b"\x89PNG....", content_type=None))
    fetcher = fetcher_for(web.mock_transport())
    assert fetch(fetcher, "https://shop.com/").body == b"<!DOCTYPE html><p>hi</p>"
    assert fetch(fetcher, "https://shop.com/blob").failure is SiteOutcome.NOT_HTML


def test_error_statuses_are_reported(web: FakeWeb) -> None:
    page = fetch(fetcher_for(web.mock_transport()), "https://shop.com/missing")
    assert (page.failure, page.detail) == (SiteOutcome.HTTP_ERROR, "HTTP 404")


def test_compressed_bodies_are_decoded_and_capped() -> None:
    bomb = gzip.compress(b"<p>" + b" " * 5_000_000)

    def handle(request: httpx.Request) -> httpx.Response:
        headers = {"Content-Type": "text/html", "Content-Encoding": "gzip"}
        return httpx.Response(200, headers=headers, stream=ChunkedStream(bomb))

    page = fetch(fetcher_for(httpx.MockTransport(handle), page_bytes=1_000_000), "https://shop.com/")
    assert (len(page.body), page.truncated) == (1_000_000, True)
    assert page.body.startswith(b"<p>")


def test_a_5_mb_page_stops_at_1_mb(web: FakeWeb, proxy_env: dict[str, str]) -> None:
    web.add("huge-page.com", "/", FakePage(behaviour=Behaviour.HUGE, size=5_000_000))
    page = fetch(fetcher_for(build_web_transport(proxy_env)), "https://huge-page.com/")
    assert (page.failure, len(page.body), page.truncated) == (None, 1_000_000, True)


@pytest.mark.parametrize("behaviour", [Behaviour.HOLD, Behaviour.SLOWLORIS])
def test_a_page_that_never_completes_hits_the_deadline(
    web: FakeWeb, proxy_env: dict[str, str], behaviour: Behaviour
) -> None:
    web.add("slow-site.com", "/", FakePage(behaviour=behaviour))
    page = fetch(fetcher_for(build_web_transport(proxy_env), seconds=0.3), "https://slow-site.com/")
    assert page.failure is SiteOutcome.TIMEOUT


def test_the_ca_bundle_decides_trust(web: FakeWeb, proxy_env: dict[str, str]) -> None:
    web.add("shop.com", "/", html("<p>hi</p>"))
    without_ca = {name: value for name, value in proxy_env.items() if name != "SSL_CERT_FILE"}
    refused = fetch(fetcher_for(build_web_transport(without_ca)), "https://shop.com/")
    assert refused.failure is SiteOutcome.UNREACHABLE
    assert "certificate" in refused.detail.lower()
    assert fetch(fetcher_for(build_web_transport(proxy_env)), "https://shop.com/").failure is None
    assert fetch(fetcher_for(build_web_transport(proxy_env)), "http://shop.com/").failure is None


def test_a_bad_ca_bundle_is_refused_with_its_name(tmp_path: object) -> None:
    with pytest.raises(ValueError, match="SSL_CERT_FILE"):
        web_ssl_context({"SSL_CERT_FILE": "/nonexistent/ca.pem"})


def run_in_thread(work: object) -> tuple[threading.Thread, list[BaseException], list[float]]:
    failures: list[BaseException] = []
    finished: list[float] = []

    def run() -> None:
        try:
            work()  # type: ignore[operator]
        except BaseException as exc:  # noqa: BLE001 - the test inspects what ended the thread
            failures.append(exc)
        finally:
            finished.append(time.monotonic())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, failures, finished


def cancel_and_join(cancel: CancelToken, thread: threading.Thread, finished: list[float]) -> float:
    cancelled_at = time.monotonic()
    cancel.cancel()
    thread.join(CANCEL_BOUND)
    assert not thread.is_alive(), "the fetch did not end after the cancel"
    return finished[0] - cancelled_at


def test_cancel_ends_a_fetch_mid_download(web: FakeWeb, proxy_env: dict[str, str]) -> None:
    web.add("never-answers.com", "/", FakePage(behaviour=Behaviour.HOLD))
    fetcher = fetcher_for(build_web_transport(proxy_env), seconds=60.0)
    cancel = CancelToken()
    thread, failures, finished = run_in_thread(lambda: fetch(fetcher, "https://never-answers.com/", cancel))
    assert web.wait_for("never-answers.com", "/")
    cancel_and_join(cancel, thread, finished)
    assert [type(exc) for exc in failures] == [Cancelled]


def test_cancel_ends_a_fetch_during_the_tls_handshake(web: FakeWeb, proxy_env: dict[str, str]) -> None:
    web.stall_tls.add("stalls.com")
    fetcher = fetcher_for(build_web_transport(proxy_env), seconds=60.0)
    cancel = CancelToken()
    thread, failures, finished = run_in_thread(lambda: fetch(fetcher, "https://stalls.com/", cancel))
    deadline = time.monotonic() + 10
    while not web.connects and time.monotonic() < deadline:
        time.sleep(0.01)
    assert web.connects
    assert web.connects[0][0] == "stalls.com"
    assert web.connects[0][1]["user-agent"] == USER_AGENT
    cancel_and_join(cancel, thread, finished)
    assert [type(exc) for exc in failures] == [Cancelled]


def test_cancel_ends_a_fetch_while_the_name_resolves() -> None:
    looking_up = threading.Event()
    never = threading.Event()

    def lookup(host: str, seconds: float) -> list[str]:
        looking_up.set()
        never.wait(30)
        return []

    transport = WebTransport(ProxySettings(), web_ssl_context({}), lookup)
    fetcher = fetcher_for(transport, seconds=60.0)
    cancel = CancelToken()
    thread, failures, finished = run_in_thread(lambda: fetch(fetcher, "https://slow-dns.com/", cancel))
    assert looking_up.wait(10)
    cancel_and_join(cancel, thread, finished)
    never.set()
    assert [type(exc) for exc in failures] == [Cancelled]


def test_a_name_resolving_to_a_private_address_is_never_connected() -> None:
    lookups: list[str] = []

    def lookup(host: str, seconds: float) -> list[str]:
        lookups.append(host)
        return ["93.184.215.14", "192.168.178.1"]

    transport = WebTransport(ProxySettings(), web_ssl_context({}), lookup)
    page = fetch(fetcher_for(transport), "https://router-in-disguise.com/")
    assert page.failure is SiteOutcome.BLOCKED_ADDRESS
    assert "192.168.178.1" in page.detail
    assert lookups == ["router-in-disguise.com"]


def test_the_connection_goes_to_the_checked_address_only(monkeypatch: pytest.MonkeyPatch) -> None:
    answers: Iterator[list[str]] = iter([["93.184.215.14"], ["127.0.0.1"]])
    connected: list[tuple[str, int]] = []

    def refuse(address: str, port: int, timeout: float | None, started: float) -> object:
        connected.append((address, port))
        raise httpcore.ConnectError("test: no network")

    monkeypatch.setattr("leadgen_desktop.net.web.connect._connect", refuse)
    backend = GuardedBackend(lambda host, seconds: next(answers), check_addresses=True)
    with pytest.raises(httpcore.ConnectError):
        backend.connect_tcp("rebinding.com", 443)
    assert connected == [("93.184.215.14", 443)]


def test_an_answer_already_in_memory_is_read_too() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, html="<p>info@shop.com</p>"))
    page = fetch(fetcher_for(transport), "https://shop.com/")
    assert (page.failure, page.body) == (None, b"<p>info@shop.com</p>")


def test_robots_answers_are_returned_whatever_their_status(web: FakeWeb) -> None:
    fetcher = fetcher_for(web.mock_transport())
    answer = fetcher.fetch(
        "https://shop.com/robots.txt", CancelToken(), site_domain="shop.com", kind=FetchKind.ROBOTS
    )
    assert (answer.failure, answer.status) == (None, 404)
