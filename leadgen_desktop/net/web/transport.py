"""The httpx client that reads websites: env proxies, ``SSL_CERT_FILE``, checked addresses, no cookies.

``WebTransport`` routes each request either directly (through
``connect.GuardedBackend`` with address checks) or through the proxy the
environment names for that URL (``proxy_env.ProxySettings``). Tests give
:func:`build_web_client` an ``httpx.MockTransport`` instead; production and the
end-to-end tests use :func:`build_web_transport`, so environment proxies and an
injected transport both work.

The client sends the app's User-Agent and nothing that identifies the user:
no cookies (a jar whose policy accepts none, so ``Set-Cookie`` is ignored), no
credentials (``trust_env=False``: no ``.netrc``), never an API key.
"""

from __future__ import annotations

import http.cookiejar
import os
import ssl
import threading
from collections.abc import Mapping

import certifi
import httpcore
import httpx

from leadgen_desktop.net.dns_resolver import AddressLookup, address_lookup
from leadgen_desktop.net.http import USER_AGENT
from leadgen_desktop.net.web.connect import GuardedBackend
from leadgen_desktop.net.web.proxy_env import ProxySettings

MAX_CONNECTIONS = 64
"""Connections per route, at least the number of sites the pipeline crawls at once."""

WEB_HEADERS: Mapping[str, str] = {
    "User-Agent": USER_AGENT,
    "Accept": "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.8,*/*;q=0.1",
    "Accept-Language": "en;q=1.0, de;q=0.8, *;q=0.5",
    "Accept-Encoding": "gzip, deflate",
}
"""Every website request's headers (the body reader decodes exactly these two encodings)."""


def web_ssl_context(environ: Mapping[str, str] | None = None) -> ssl.SSLContext:
    """Certificates from ``SSL_CERT_FILE`` (or ``SSL_CERT_DIR``) when set, else certifi's bundle.

    ``ValueError`` naming the variable when it points at nothing usable.
    """
    env = os.environ if environ is None else environ
    cafile = env.get("SSL_CERT_FILE", "").strip() or None
    capath = env.get("SSL_CERT_DIR", "").strip() or None
    if cafile is None and capath is None:
        return ssl.create_default_context(cafile=certifi.where())
    try:
        return ssl.create_default_context(cafile=cafile, capath=None if cafile else capath)
    except (OSError, ssl.SSLError) as exc:
        name, value = ("SSL_CERT_FILE", cafile) if cafile else ("SSL_CERT_DIR", capath)
        raise ValueError(
            f"{name}={value!r} is not a readable CA bundle ({exc}); point it at a PEM file or unset it"
        ) from None


class _PoolTransport(httpx.HTTPTransport):
    """httpx's own transport (request/response conversion, error mapping) over a pool we build.

    httpx offers no parameter for an httpcore network backend, so the pool it
    builds is replaced by one that uses ours.
    """

    def __init__(self, pool: httpcore.ConnectionPool, ssl_context: ssl.SSLContext) -> None:
        super().__init__(verify=ssl_context, trust_env=False)
        self._pool.close()
        self._pool = pool


class WebTransport(httpx.BaseTransport):
    """Sends each request directly or through its environment proxy, with the matching safety checks."""

    def __init__(
        self,
        proxies: ProxySettings,
        ssl_context: ssl.SSLContext,
        lookup: AddressLookup,
    ) -> None:
        self._proxies = proxies
        self._ssl_context = ssl_context
        self._proxy_backend = GuardedBackend(lookup, check_addresses=False)
        pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=MAX_CONNECTIONS,
            max_keepalive_connections=MAX_CONNECTIONS,
            keepalive_expiry=15.0,
            network_backend=GuardedBackend(lookup, check_addresses=True),
        )
        self._direct = _PoolTransport(pool, ssl_context)
        self._via_proxy: dict[str, _PoolTransport] = {}
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` on its route."""
        proxy = self._proxies.proxy_for(request.url)
        transport = self._direct if proxy is None else self._proxy_transport(proxy)
        return transport.handle_request(request)

    def _proxy_transport(self, proxy: httpx.URL) -> _PoolTransport:
        key = str(proxy)
        with self._lock:
            transport = self._via_proxy.get(key)
            if transport is None:
                auth = (proxy.username.encode(), proxy.password.encode()) if proxy.username else None
                pool = httpcore.HTTPProxy(
                    proxy_url=httpcore.URL(
                        scheme=proxy.raw_scheme, host=proxy.raw_host, port=proxy.port, target=b"/"
                    ),
                    proxy_auth=auth,
                    proxy_headers={"User-Agent": USER_AGENT},
                    ssl_context=self._ssl_context,
                    max_connections=MAX_CONNECTIONS,
                    max_keepalive_connections=MAX_CONNECTIONS,
                    keepalive_expiry=15.0,
                    network_backend=self._proxy_backend,
                )
                transport = self._via_proxy[key] = _PoolTransport(pool, self._ssl_context)
            return transport

    def close(self) -> None:
        """Close every pooled connection."""
        with self._lock:
            routes = [self._direct, *self._via_proxy.values()]
            self._via_proxy.clear()
        for route in routes:
            route.close()


def build_web_transport(environ: Mapping[str, str] | None = None) -> WebTransport:
    """The production transport from the environment (proxies, CA bundle, ``LEADGEN_DNS_SERVER``).

    ``ValueError`` with a readable message when one of those variables is unusable.
    """
    return WebTransport(
        ProxySettings.from_environment(environ), web_ssl_context(environ), address_lookup(environ)
    )


def build_web_client(transport: httpx.BaseTransport) -> httpx.Client:
    """The website client around ``transport``: our headers, no cookies, no redirects, no env credentials."""
    return httpx.Client(
        transport=transport,
        headers=dict(WEB_HEADERS),
        cookies=http.cookiejar.CookieJar(policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[])),
        follow_redirects=False,
        trust_env=False,
        timeout=httpx.Timeout(10.0),
    )
