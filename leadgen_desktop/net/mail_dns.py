"""Can this email domain receive mail? MX records, then A/AAAA, with dnspython.

The rules (RFC 5321 section 5, RFC 7505), as email-validator's deliverability
check applies them:

* MX records naming a host: mail goes there (``mx``).
* Only a null MX (``0 .``): the domain accepts no mail (``null_mx``).
* No MX records: the domain's own A/AAAA address receives mail
  (``address_fallback``); neither: no mail (``no_records``).
* NXDOMAIN: the domain does not exist, no mail (``nxdomain``).
* A timeout, SERVFAIL, a refused or broken answer: ``timeout`` /
  ``server_failure``, i.e. *unknown*, never "no mail".

``LEADGEN_DNS_SERVER=HOST:PORT`` replaces the system resolver (see
``dns_resolver.py``). A check takes at most ``lifetime`` seconds in total and
ends within a fraction of a second when its cancel token is set.

A resolver that denies every name is failing, not answering: offline
machines, captive portals and sandboxes have resolvers that say NXDOMAIN even
for ``com``. Before the system resolver's "no such domain" or "no records"
is believed, it is asked once whether ``com.`` exists; when it denies that
too, such answers are reported as ``server_failure`` (unknown), so no address
is ever marked invalid on a broken resolver's word. A server named by
``LEADGEN_DNS_SERVER`` is trusted as it is.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping

import dns.exception
import dns.name
import dns.rdtypes.ANY.MX
import dns.resolver

from leadgen_desktop.domain import CancelToken, MailServerCheck, MailServerStatus
from leadgen_desktop.net.cancellable import DeadlinePassed, call_cancellable
from leadgen_desktop.net.dns_resolver import build_resolver, dns_server_configured

DEFAULT_LIFETIME = 5.0
"""Seconds one domain's whole check may take (MX, then A and AAAA)."""
PROBE_NAME = "com."
"""A name every working resolver knows (asked once before a "no such domain" is believed)."""
_DENIALS = frozenset({MailServerStatus.NXDOMAIN, MailServerStatus.NO_RECORDS})


class _Unknown(Exception):
    """A question got no usable answer; carries the status to report."""

    def __init__(self, status: MailServerStatus, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class MailServerChecker:
    """Looks up whether email domains have a mail server.

    Thread-safe: one checker may serve many threads (each check is independent;
    the resolver's configuration is only read).
    """

    def __init__(
        self, resolver: dns.resolver.Resolver, *, lifetime: float = DEFAULT_LIFETIME, probe: bool = False
    ) -> None:
        if lifetime <= 0:
            raise ValueError(f"lifetime must be positive, not {lifetime}")
        self._resolver = resolver
        self._lifetime = lifetime
        self._probe = probe  # ask PROBE_NAME before believing a denial (the system resolver)
        self._probe_lock = threading.Lock()
        self._resolver_works: bool | None = None

    @classmethod
    def from_environment(
        cls, environ: Mapping[str, str] | None = None, *, lifetime: float = DEFAULT_LIFETIME
    ) -> MailServerChecker:
        """A checker on ``LEADGEN_DNS_SERVER`` or the system resolver (``ValueError`` on a bad variable)."""
        return cls(build_resolver(environ), lifetime=lifetime, probe=not dns_server_configured(environ))

    def check(self, domain: str, cancel: CancelToken | None = None) -> MailServerCheck:
        """The mail-server status of ``domain`` (an email's part after the ``@``).

        Raises ``ValueError`` for a string that is not a domain name and
        :class:`~leadgen_desktop.domain.Cancelled` when ``cancel`` is set.
        """
        name = _domain_name(domain)
        text = name.to_text(omit_final_dot=True)
        deadline = time.monotonic() + self._lifetime
        token = cancel if cancel is not None else CancelToken()
        try:
            result = call_cancellable(
                lambda: self._check(name, text, deadline), token, deadline=deadline + 0.5, name="mx-check"
            )
        except DeadlinePassed:
            return MailServerCheck(text, MailServerStatus.TIMEOUT, detail="no DNS answer in time")
        if result.status in _DENIALS and self._probe and not self._resolver_believable(token):
            detail = f"the DNS resolver denies every name (even {PROBE_NAME!r}), so its answer is unknown"
            return MailServerCheck(text, MailServerStatus.SERVER_FAILURE, detail=detail)
        return result

    def _resolver_believable(self, cancel: CancelToken) -> bool:
        """Whether the resolver knows :data:`PROBE_NAME` (asked once; a failed probe is asked again later)."""
        with self._probe_lock:
            if self._resolver_works is None:
                deadline = time.monotonic() + self._lifetime
                try:
                    works = call_cancellable(
                        lambda: self._knows_probe(deadline), cancel, deadline=deadline + 0.5, name="dns-probe"
                    )
                except DeadlinePassed:
                    return False
                if works is None:
                    return False
                self._resolver_works = works
            return self._resolver_works

    def _knows_probe(self, deadline: float) -> bool | None:
        """True when the probe name exists, False when the resolver denies it, None when it did not say."""
        try:
            self._ask(dns.name.from_text(PROBE_NAME), "NS", deadline)
        except dns.resolver.NXDOMAIN:
            return False
        except _Unknown:
            return None
        return True

    def _check(self, name: dns.name.Name, text: str, deadline: float) -> MailServerCheck:
        try:
            mx_answer = self._ask(name, "MX", deadline)
            if mx_answer is None:
                return self._address_fallback(name, text, deadline)
        except dns.resolver.NXDOMAIN:
            return MailServerCheck(text, MailServerStatus.NXDOMAIN, detail="the domain does not exist")
        except _Unknown as unknown:
            return MailServerCheck(text, unknown.status, detail=unknown.detail)
        records = sorted(
            (record for record in mx_answer if isinstance(record, dns.rdtypes.ANY.MX.MX)),
            key=lambda record: record.preference,
        )
        hosts = [record.exchange for record in records if record.exchange != dns.name.root]
        exchanges = tuple(host.to_text(omit_final_dot=True) for host in hosts)
        if not exchanges:
            return MailServerCheck(text, MailServerStatus.NULL_MX, detail="the domain publishes a null MX")
        return MailServerCheck(text, MailServerStatus.MX, exchanges=exchanges)

    def _address_fallback(self, name: dns.name.Name, text: str, deadline: float) -> MailServerCheck:
        unknown: _Unknown | None = None
        for rdtype in ("A", "AAAA"):
            try:
                if self._ask(name, rdtype, deadline) is not None:
                    return MailServerCheck(text, MailServerStatus.ADDRESS_FALLBACK, exchanges=(text,))
            except dns.resolver.NXDOMAIN:
                return MailServerCheck(text, MailServerStatus.NXDOMAIN, detail="the domain does not exist")
            except _Unknown as failure:
                unknown = unknown or failure
        if unknown is not None:
            return MailServerCheck(text, unknown.status, detail=unknown.detail)
        return MailServerCheck(text, MailServerStatus.NO_RECORDS, detail="no MX and no A/AAAA records")

    def _ask(self, name: dns.name.Name, rdtype: str, deadline: float) -> dns.resolver.Answer | None:
        """The answer, None when the name has no such records; NXDOMAIN passes through."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _Unknown(MailServerStatus.TIMEOUT, "no DNS answer in time")
        try:
            return self._resolver.resolve(name, rdtype, search=False, lifetime=remaining)
        except dns.resolver.NoAnswer:
            return None
        except dns.resolver.NXDOMAIN:
            raise
        except dns.exception.Timeout:
            raise _Unknown(MailServerStatus.TIMEOUT, f"no DNS answer for {rdtype} in time") from None
        except dns.resolver.NoNameservers:
            detail = f"the DNS servers failed to answer {rdtype}"
            raise _Unknown(MailServerStatus.SERVER_FAILURE, detail) from None
        except (dns.exception.DNSException, OSError) as exc:
            detail = f"DNS lookup of {rdtype} failed ({exc.__class__.__name__})"
            raise _Unknown(MailServerStatus.SERVER_FAILURE, detail) from None


def _domain_name(domain: str) -> dns.name.Name:
    """The absolute DNS name for ``domain``, or ``ValueError`` saying what is wrong."""
    text = domain.strip().rstrip(".").lower() if isinstance(domain, str) else ""
    if not text or "@" in text or any(ch.isspace() for ch in text) or "." not in text:
        raise ValueError(f"{domain!r} is not a domain name; pass the part of an email address after the '@'")
    try:
        return dns.name.from_text(text)
    except (dns.exception.DNSException, UnicodeError) as exc:
        raise ValueError(f"{domain!r} is not a valid domain name ({exc})") from None
