"""Which hosts may be fetched, and which requests go through the environment's proxy."""

from __future__ import annotations

import httpx
import pytest

from leadgen_desktop.net.web.proxy_env import ProxySettings
from leadgen_desktop.net.web.safety import BlockedAddress, check_resolved, literal_host_problem


@pytest.mark.parametrize(
    "host",
    [
        "localhost",
        "LOCALHOST.",
        "app.localhost",
        "router.local",
        "db.internal",
        "printer.home.arpa",
        "127.0.0.1",
        "127.1",
        "2130706433",
        "0x7f.0.0.1",
        "0.0.0.0",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.178.1",
        "169.254.169.254",
        "100.64.0.1",
        "224.0.0.1",
        "::1",
        "[::1]",
        "::",
        "fe80::1",
        "fe80::1%eth0",
        "fc00::1",
        "::ffff:127.0.0.1",
        "::ffff:192.168.0.1",
        "2002:c0a8:0101::1",
        "64:ff9b::a00:1",
        "ff02::1",
    ],
)
def test_local_and_private_hosts_are_never_fetched(host: str) -> None:
    assert literal_host_problem(host) is not None


@pytest.mark.parametrize(
    "host", ["brightsmile-dental.com", "www.example.co.uk", "93.184.215.14", "2606:4700::1111"]
)
def test_public_hosts_may_be_fetched(host: str) -> None:
    assert literal_host_problem(host) is None


def test_resolved_addresses_must_all_be_public() -> None:
    check_resolved("shop.example", ["93.184.215.14", "2606:4700::1111"])
    with pytest.raises(BlockedAddress, match="loopback"):
        check_resolved("rebind.example", ["93.184.215.14", "127.0.0.1"])
    with pytest.raises(BlockedAddress, match="private"):
        check_resolved("router.example", ["192.168.0.1"])
    with pytest.raises(BlockedAddress):
        check_resolved("nothing.example", [])


def test_proxies_come_from_the_environment() -> None:
    settings = ProxySettings.from_environment(
        {
            "HTTPS_PROXY": "http://127.0.0.1:3128",
            "http_proxy": "127.0.0.1:8080",
            "HTTP_PROXY": "http://ignored:1",
            "NO_PROXY": "intranet.example, .corp.example,10.0.0.0/8, direct.example:8443",
        }
    )
    assert settings.proxy_for(httpx.URL("https://shop.example/")) == httpx.URL("http://127.0.0.1:3128")
    assert settings.proxy_for(httpx.URL("http://shop.example/")) == httpx.URL("http://127.0.0.1:8080")
    assert settings.proxy_for(httpx.URL("https://intranet.example/")) is None
    assert settings.proxy_for(httpx.URL("https://www.intranet.example/")) is None
    assert settings.proxy_for(httpx.URL("https://notintranet.example/")) is not None
    assert settings.proxy_for(httpx.URL("https://a.corp.example/")) is None
    assert settings.proxy_for(httpx.URL("http://10.1.2.3/")) is None
    assert settings.proxy_for(httpx.URL("https://direct.example:8443/")) is None
    assert settings.proxy_for(httpx.URL("https://direct.example/")) is not None


def test_all_proxy_and_no_proxy_star() -> None:
    every = ProxySettings.from_environment({"ALL_PROXY": "http://proxy.example:1"})
    assert every.proxy_for(httpx.URL("https://a.example/")) == httpx.URL("http://proxy.example:1")
    assert every.proxy_for(httpx.URL("http://a.example/")) == httpx.URL("http://proxy.example:1")
    nothing = ProxySettings.from_environment({"ALL_PROXY": "http://proxy.example:1", "no_proxy": "*"})
    assert nothing.proxy_for(httpx.URL("https://a.example/")) is None
    assert ProxySettings.from_environment({}).proxy_for(httpx.URL("https://a.example/")) is None


def test_an_unsupported_proxy_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match=r"HTTPS_PROXY uses socks5:// .* http://HOST:PORT"):
        ProxySettings.from_environment({"HTTPS_PROXY": "socks5://127.0.0.1:1080"})
