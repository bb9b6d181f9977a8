"""Tests of the client factory, base URLs, redaction and JSON helpers (net.http)."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

import httpx
import pytest

import leadgen_desktop
from leadgen_desktop.net.http import (
    BadJson,
    base_url_for,
    build_client,
    json_object,
    opt_float,
    opt_int,
    opt_str,
    redact,
)


@pytest.mark.parametrize(
    ("provider", "default", "env"),
    [
        ("google_places", "https://places.googleapis.com", "LEADGEN_GOOGLE_PLACES_URL"),
        ("hunter", "https://api.hunter.io", "LEADGEN_HUNTER_URL"),
        ("neverbounce", "https://api.neverbounce.com", "LEADGEN_NEVERBOUNCE_URL"),
    ],
)
def test_base_urls(monkeypatch: pytest.MonkeyPatch, provider: str, default: str, env: str) -> None:
    assert base_url_for(provider) == default
    monkeypatch.setenv(env, "http://127.0.0.1:8080/")
    assert base_url_for(provider) == "http://127.0.0.1:8080"
    monkeypatch.setenv(env, "")  # set but empty is the shell's way to say "unset"
    assert base_url_for(provider) == default


def test_unknown_provider() -> None:
    with pytest.raises(ValueError, match="unknown provider"):
        base_url_for("bing")
    assert base_url_for("google") == "https://places.googleapis.com"


@pytest.mark.parametrize(
    ("provider", "read"), [("google_places", 15.0), ("hunter", 15.0), ("neverbounce", 20.0)]
)
def test_client_settings(provider: str, read: float) -> None:
    with build_client(provider) as client:
        assert client.timeout.connect == 5.0
        assert client.timeout.read == read
        assert (
            client.headers["user-agent"]
            == f"leadgen-desktop/{leadgen_desktop.__version__} (+local desktop app)"
        )
        assert not client.follow_redirects


def test_client_uses_env_base_url_and_transport(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADGEN_HUNTER_URL", "http://127.0.0.1:9/")
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200)

    with build_client("hunter", transport=httpx.MockTransport(handler)) as client:
        client.get("/v2/account")
    with build_client("hunter", transport=httpx.MockTransport(handler), base_url="http://other") as client:
        client.get("/v2/account")
    assert seen == ["http://127.0.0.1:9/v2/account", "http://other/v2/account"]


def test_redact() -> None:
    url = "https://api.neverbounce.com/v4.2/single/check?key=secret_abc&email=a@b.c"
    assert "secret_abc" not in redact(url)
    assert redact(url).endswith("key=***&email=a@b.c")
    assert redact("x?api_key=zz") == "x?api_key=***"
    assert redact("the key ABC leaked", "ABC", None, "") == "the key *** leaked"


def test_httpx_log_lines_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    transport = httpx.MockTransport(lambda r: httpx.Response(200))
    with caplog.at_level(logging.INFO), build_client("neverbounce", transport=transport) as client:
        client.get("/v4.2/account/info", params={"key": "secret_LOGGED"})
    assert "account/info" in caplog.text
    assert "secret_LOGGED" not in caplog.text


def test_json_object() -> None:
    assert json_object(httpx.Response(200, json={"a": 1})) == {"a": 1}
    with pytest.raises(BadJson, match="not JSON"):
        json_object(httpx.Response(200, text="<html>", headers={"content-type": "text/html"}))
    with pytest.raises(BadJson, match="not an object"):
        json_object(httpx.Response(200, json=[1]))
    with pytest.raises(BadJson):
        json_object(httpx.Response(200, content=b"\xff\xfe\x00"))


def test_optional_helpers() -> None:
    assert (opt_str("a"), opt_str(""), opt_str("  "), opt_str(1)) == ("a", None, None, None)
    assert (opt_float(4), opt_float(4.5), opt_float(True), opt_float("4"), opt_float(float("nan"))) == (
        4.0, 4.5, None, None, None,
    )  # fmt: skip
    assert (opt_int(3), opt_int(3.0), opt_int(3.5), opt_int(False), opt_int("3")) == (3, 3, None, None, None)


def test_net_never_imports_qt_or_upper_layers() -> None:
    root = Path(leadgen_desktop.__file__).parent / "net"
    forbidden = (
        "PySide6",
        "leadgen_desktop.core",
        "leadgen_desktop.db",
        "leadgen_desktop.gui",
        "leadgen_desktop.cli",
    )
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(forbidden), f"{path.name} imports {name}"


def test_a_provider_on_loopback_is_never_reached_through_a_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Website tests (and users) set HTTP(S)_PROXY for everything; a local fake API stays direct."""
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with build_client("hunter", base_url="http://127.0.0.1:8765") as local:
        assert not local._mounts, "no proxy mounted for a loopback provider"
    with build_client("hunter", base_url="https://api.hunter.io") as remote:
        assert remote._mounts, "a remote provider honours the proxy variables"


def test_the_certificates_read_early_on_a_thread_are_the_ones_the_clients_use(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``leadgen run`` starts reading the CA bundle on a thread; the clients then wait for that reading."""
    import ssl
    import threading

    from leadgen_desktop.net import http

    readers: list[str] = []
    reading, may_finish = threading.Event(), threading.Event()

    def create_ssl_context(trust_env: bool) -> ssl.SSLContext:
        readers.append(threading.current_thread().name)
        reading.set()
        assert may_finish.wait(30), "hang guard"
        return ssl.create_default_context()

    monkeypatch.setattr(http, "_TLS_CONTEXTS", {})
    monkeypatch.setattr(httpx, "create_ssl_context", create_ssl_context)
    monkeypatch.setenv("LEADGEN_GOOGLE_PLACES_URL", "https://places.example")
    monkeypatch.delenv("LEADGEN_HUNTER_URL", raising=False)
    http.read_api_certificates_early()
    assert reading.wait(30), "hang guard"
    may_finish.set()
    build_client("google_places").close()
    build_client("hunter").close()
    assert readers == ["leadgen-tls"]
