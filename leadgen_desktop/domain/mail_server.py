"""Whether an email domain can receive mail, from its DNS records (MX, then A/AAAA).

Produced by ``net/mail_dns.py`` before a verification is paid for, cached by
domain later, so it has a JSON round trip. The rules follow RFC 5321 section 5
and RFC 7505 (null MX), as email-validator's deliverability check does: a DNS
failure never means "no mail", only "unknown".
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from leadgen_desktop.domain.json_fields import check_version, enum_field, text_field, text_list_field

MAIL_SERVER_CHECK_VERSION = 1
"""Version of the :meth:`MailServerCheck.to_dict` layout."""


class MailServerStatus(enum.StrEnum):
    """What the DNS said about a domain's mail servers."""

    MX = "mx"
    """MX records name at least one mail server."""
    ADDRESS_FALLBACK = "address_fallback"
    """No MX records, but the domain has an A/AAAA address, which then receives mail."""
    NULL_MX = "null_mx"
    """The domain publishes a null MX (``0 .``, RFC 7505): it accepts no mail."""
    NXDOMAIN = "nxdomain"
    """The domain does not exist."""
    NO_RECORDS = "no_records"
    """The domain exists but has neither MX nor A/AAAA records."""
    TIMEOUT = "timeout"
    """No DNS answer in time: unknown."""
    SERVER_FAILURE = "server_failure"
    """The DNS servers failed (SERVFAIL, refused, broken answer): unknown."""

    @property
    def accepts_mail(self) -> bool | None:
        """True (mail can be delivered), False (certainly not) or None (unknown)."""
        if self in (MailServerStatus.MX, MailServerStatus.ADDRESS_FALLBACK):
            return True
        if self in (MailServerStatus.NULL_MX, MailServerStatus.NXDOMAIN, MailServerStatus.NO_RECORDS):
            return False
        return None


@dataclass(frozen=True, slots=True)
class MailServerCheck:
    """The answer for one email domain.

    ``exchanges`` are the mail servers by preference (MX hosts, or the domain
    itself for the address fallback); ``detail`` is a short human note.
    """

    domain: str
    status: MailServerStatus
    exchanges: tuple[str, ...] = ()
    detail: str = ""

    @property
    def no_mail_server(self) -> bool:
        """True only when the DNS says for certain that the domain receives no mail."""
        return self.status.accepts_mail is False

    @property
    def transient(self) -> bool:
        """True when asking again later may give another answer (cache such a result briefly)."""
        return self.status.accepts_mail is None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (see :data:`MAIL_SERVER_CHECK_VERSION`)."""
        return {
            "version": MAIL_SERVER_CHECK_VERSION,
            "domain": self.domain,
            "status": self.status.value,
            "exchanges": list(self.exchanges),
            "detail": self.detail,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> MailServerCheck:
        """Inverse of :meth:`to_dict`; ``ValueError`` naming the field on malformed input."""
        check_version(data, "mail server check", MAIL_SERVER_CHECK_VERSION)
        return cls(
            domain=text_field(data, "domain"),
            status=enum_field(MailServerStatus, data, "status"),
            exchanges=text_list_field(data, "exchanges"),
            detail=text_field(data, "detail", allow_empty=True),
        )
