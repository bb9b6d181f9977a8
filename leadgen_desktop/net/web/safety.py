"""May this host be fetched? Never a private, loopback, link-local or otherwise local address.

A listing's website may point at the user's router or at a service on the
user's own machine. Two checks keep such requests from ever being sent:

* :func:`literal_host_problem`, before any request: the host written in the
  URL is ``localhost`` (or a name under it, or another special-use local name)
  or an IP literal that is not a public unicast address. Legacy numeric forms
  (``2130706433``, ``0x7f.1``, ``127.1``) count as the addresses they denote.
* :func:`check_resolved`, when connecting directly (no proxy): every address
  the name resolves to must be public; the connection is then made to one of
  exactly these checked addresses, so a name that "rebinds" to another address
  between the check and the connect cannot slip through.

Through a proxy, the proxy resolves names, so only the literal check applies
(the proxy itself may be on loopback).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

LOCAL_NAME_SUFFIXES = ("localhost", "local", "internal", "localdomain", "home.arpa")
"""Special-use names that only ever mean something on the user's own network (RFC 6761, 6762, 8375)."""


class BlockedAddress(Exception):
    """A website host is, or resolves to, an address that must never be fetched."""

    def __init__(self, host: str, reason: str) -> None:
        super().__init__(f"{host} is {reason}; such addresses are never fetched")
        self.host = host
        self.reason = reason


def blocked_ip_reason(address: IPAddress) -> str | None:
    """Why ``address`` must not be fetched, or None for a public unicast address."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or _nat64(address)
        if embedded is not None:
            reason = blocked_ip_reason(embedded)
            return f"{reason} (inside an IPv6 address)" if reason else None
        if address.teredo is not None:
            return "a tunnelled address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_private or not address.is_global:
        return "a private or reserved address"
    return None


def _nat64(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address inside the well-known NAT64 prefix ``64:ff9b::/96``, if any."""
    if address in _NAT64_PREFIX:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


_NAT64_PREFIX = ipaddress.IPv6Network("64:ff9b::/96")


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address a URL host denotes literally (incl. legacy IPv4 forms), else None."""
    text = host.strip().strip("[]").rstrip(".")
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        pass
    if text and all(ch in "0123456789abcdefxABCDEFX." for ch in text) and text[0].isdigit():
        try:
            return ipaddress.IPv4Address(socket.inet_aton(text))
        except OSError:
            return None
    return None


def literal_host_problem(host: str) -> str | None:
    """Why the host written in a URL must not be fetched, or None when a request may go out."""
    name = host.strip().lower().rstrip(".")
    if not name:
        return "an empty host"
    if any(name == suffix or name.endswith("." + suffix) for suffix in LOCAL_NAME_SUFFIXES):
        return "a local host name"
    address = parse_ip_literal(name)
    return blocked_ip_reason(address) if address is not None else None


def check_resolved(host: str, addresses: Sequence[str]) -> None:
    """Raise :class:`BlockedAddress` unless every resolved address of ``host`` is public."""
    if not addresses:
        raise BlockedAddress(host, "without any address")
    for text in addresses:
        try:
            address = ipaddress.ip_address(text.split("%", 1)[0])
        except ValueError:
            raise BlockedAddress(host, f"resolved to something that is not an address ({text!r})") from None
        reason = blocked_ip_reason(address)
        if reason is not None:
            raise BlockedAddress(host, f"resolved to {reason} ({address})")
