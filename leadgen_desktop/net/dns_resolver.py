"""Where DNS questions go: the system resolver, or ``LEADGEN_DNS_SERVER=HOST:PORT`` (binding).

One owner for the resolver configuration, used by the MX check
(``mail_dns.py``) and by the website reader when it resolves a host itself
(no proxy). Tests point ``LEADGEN_DNS_SERVER`` at a loopback DNS server.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # dnspython is imported when a resolver is built (30 ms): parsing the variable needs none
    import dns.resolver

DNS_SERVER_ENV = "LEADGEN_DNS_SERVER"
"""Environment variable naming the DNS server (``HOST:PORT``) that replaces the system resolver."""

AddressLookup = Callable[[str, float], list[str]]
"""``lookup(host, seconds) -> IP addresses`` (raises ``OSError`` when the name does not resolve)."""


def parse_dns_server(text: str) -> tuple[str, int]:
    """``"127.0.0.1:5353"``, ``"[::1]:53"`` or ``"10.0.0.1"`` -> (address, port); ``ValueError`` otherwise."""
    value = text.strip()
    host, port_text = value, "53"
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        if rest:
            if not rest.startswith(":"):
                raise ValueError(_bad_server(text))
            port_text = rest[1:]
    elif value.count(":") == 1:
        host, port_text = value.split(":")
    try:
        address = ipaddress.ip_address(host)
        port = int(port_text)
    except ValueError:
        raise ValueError(_bad_server(text)) from None
    if not 0 < port < 65536:
        raise ValueError(_bad_server(text))
    return str(address), port


def _bad_server(text: str) -> str:
    return (
        f"{DNS_SERVER_ENV}={text!r} is not an IP address with a port; "
        f"write it as HOST:PORT, e.g. 127.0.0.1:5353 or [::1]:53, or unset it to use the system resolver"
    )


def dns_server_configured(environ: Mapping[str, str] | None = None) -> bool:
    """True when ``LEADGEN_DNS_SERVER`` names the DNS server (else the system resolver is used)."""
    env = os.environ if environ is None else environ
    return bool(env.get(DNS_SERVER_ENV, "").strip())


def build_resolver(environ: Mapping[str, str] | None = None) -> dns.resolver.Resolver:
    """A dnspython resolver: ``LEADGEN_DNS_SERVER`` when set, else the system's configuration.

    Without a usable system configuration the resolver has no servers, so every
    question fails (an "unknown" answer), never a crash. ``ValueError`` on a
    malformed ``LEADGEN_DNS_SERVER``.
    """
    import dns.exception
    import dns.resolver

    env = os.environ if environ is None else environ
    configured = env.get(DNS_SERVER_ENV, "").strip()
    if configured:
        address, port = parse_dns_server(configured)
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [address]
        resolver.port = port
        return resolver
    try:
        return dns.resolver.Resolver()
    except dns.exception.DNSException:
        return dns.resolver.Resolver(configure=False)


def address_lookup(environ: Mapping[str, str] | None = None) -> AddressLookup:
    """The host lookup the website reader uses: through ``LEADGEN_DNS_SERVER`` when set, else the OS."""
    env = os.environ if environ is None else environ
    if env.get(DNS_SERVER_ENV, "").strip():
        resolver = build_resolver(env)
        return lambda host, seconds: _dns_addresses(resolver, host, seconds)
    return _system_addresses


def _system_addresses(host: str, seconds: float) -> list[str]:
    """The operating system's answer (``getaddrinfo``; its own timeouts apply)."""
    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return _unique(str(info[4][0]) for info in infos)


def _dns_addresses(resolver: dns.resolver.Resolver, host: str, seconds: float) -> list[str]:
    """A and AAAA records from ``resolver``; ``OSError`` when there are none."""
    import dns.exception
    import dns.resolver

    addresses: list[str] = []
    for rdtype in ("A", "AAAA"):
        try:
            name = host.rstrip(".") + "."
            answer = resolver.resolve(name, rdtype, search=False, lifetime=max(seconds, 0.05))
        except (dns.resolver.NoAnswer, dns.resolver.NXDOMAIN):
            continue
        except dns.exception.DNSException as exc:
            raise OSError(f"DNS lookup of {host} failed: {exc.__class__.__name__}") from None
        addresses.extend(record.to_text() for record in answer)
    if not addresses:
        raise OSError(f"{host} has no address in DNS")
    return _unique(addresses)


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))
