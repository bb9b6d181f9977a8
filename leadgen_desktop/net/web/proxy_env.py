"""Which proxy a website request goes through: ``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY``, ``NO_PROXY``.

httpx ignores these variables once a client is given its own transport, and
the website reader needs its own transport (to check addresses and to honour a
cancel mid-connect), so the variables are read here, once, and the same
decision drives both the routing and the address check: a request that goes
through a proxy is resolved by the proxy, so only literal addresses are
checked; a direct request has its resolved addresses checked.

Conventions (as curl and httpx read them): lowercase names win over
uppercase; a proxy without a scheme is ``http://``; ``NO_PROXY`` is a comma
list of host names (matching the name and its subdomains; a leading ``.`` or
``*.`` is ignored), IP addresses or networks (``10.0.0.0/8``), each optionally
with ``:PORT``, or ``*`` for every host.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

SUPPORTED_PROXY_SCHEMES = ("http",)
"""Proxy URL schemes the website reader speaks (an HTTP proxy; HTTPS goes through CONNECT)."""


@dataclass(frozen=True, slots=True)
class ProxySettings:
    """The proxy configuration of the environment, parsed once."""

    http: httpx.URL | None = None
    https: httpx.URL | None = None
    no_proxy: tuple[str, ...] = ()

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> ProxySettings:
        """Read the variables; ``ValueError`` naming the variable when a proxy is unusable."""
        env = os.environ if environ is None else environ
        every = _proxy_url(env, "all_proxy")
        return cls(
            http=_proxy_url(env, "http_proxy") or every,
            https=_proxy_url(env, "https_proxy") or every,
            no_proxy=tuple(item for item in _variable(env, "no_proxy").replace(" ", ",").split(",") if item),
        )

    def proxy_for(self, url: httpx.URL) -> httpx.URL | None:
        """The proxy ``url`` goes through, or None for a direct connection."""
        proxy = self.https if url.scheme == "https" else self.http if url.scheme == "http" else None
        if proxy is None or self._bypassed(url.host, url.port or (443 if url.scheme == "https" else 80)):
            return None
        return proxy

    def _bypassed(self, host: str, port: int) -> bool:
        host = host.lower().rstrip(".")
        return any(_matches(entry.strip().lower(), host, port) for entry in self.no_proxy)


def _variable(env: Mapping[str, str], name: str) -> str:
    value = env.get(name)
    if value is None:
        value = env.get(name.upper(), "")
    return value.strip()


def _proxy_url(env: Mapping[str, str], name: str) -> httpx.URL | None:
    text = _variable(env, name)
    if not text:
        return None
    if "://" not in text:
        text = "http://" + text
    try:
        url = httpx.URL(text)
    except httpx.InvalidURL:
        raise ValueError(
            f"{name.upper()}={text!r} is not a proxy URL; write it as http://HOST:PORT"
        ) from None
    if url.scheme not in SUPPORTED_PROXY_SCHEMES or not url.host:
        raise ValueError(
            f"{name.upper()} uses {url.scheme}:// which the website reader does not support; "
            "set an http://HOST:PORT proxy (it carries https too) or unset the variable"
        )
    return url


def _matches(entry: str, host: str, port: int) -> bool:
    """True when one ``NO_PROXY`` entry covers ``host:port``."""
    if entry == "*":
        return True
    entry_host, entry_port = _split_port(entry)
    if entry_port is not None and entry_port != port:
        return False
    try:
        network = ipaddress.ip_network(entry_host, strict=False)
    except ValueError:
        network = None
    if network is not None:
        try:
            return ipaddress.ip_address(host) in network
        except ValueError:
            return False
    name = entry_host.removeprefix("*").lstrip(".")
    return bool(name) and (host == name or host.endswith("." + name))


def _split_port(entry: str) -> tuple[str, int | None]:
    """``"host:8080"`` -> (``"host"``, 8080); IPv6 literals in brackets are understood."""
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else None
    if entry.count(":") == 1:
        host, _, port = entry.partition(":")
        if port.isdigit():
            return host, int(port)
    return entry, None
