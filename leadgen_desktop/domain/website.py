"""What a crawl of one business website found: its addresses, how, where, or why nothing.

These values are produced by the website email engine (``net/web``) and cached
by domain by the enrichment stage, so each has a JSON round trip
(:meth:`SiteResult.to_dict` / :meth:`SiteResult.from_dict`) that rejects
malformed input with a ``ValueError`` naming the field.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from leadgen_desktop.domain.json_fields import check_version, count_field, enum_field, text_field

SITE_RESULT_VERSION = 1
"""Version of the :meth:`SiteResult.to_dict` layout (a cached entry of another version is stale)."""


class EmailMethod(enum.StrEnum):
    """How an address was found on a page (shown in the details panel)."""

    MAILTO = "mailto"
    TEXT = "text"
    JSONLD = "jsonld"
    MICRODATA = "microdata"
    CFEMAIL = "cfemail"
    OBFUSCATED = "obfuscated"


class SiteOutcome(enum.StrEnum):
    """Why a crawl ended the way it did: found addresses, or nothing and why."""

    FOUND = "found"
    NONE_FOUND = "none_found"
    ROBOTS_DISALLOWED = "robots_disallowed"
    ROBOTS_UNAVAILABLE = "robots_unavailable"
    UNREACHABLE = "unreachable"
    TIMEOUT = "timeout"
    NOT_HTML = "not_html"
    TOO_LARGE = "too_large"
    HTTP_ERROR = "http_error"
    BLOCKED_ADDRESS = "blocked_address"
    REDIRECTED_OFF_SITE = "redirected_off_site"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    INVALID_URL = "invalid_url"

    @property
    def transient(self) -> bool:
        """True when trying again later may give another answer (cache such a result briefly)."""
        return self in _TRANSIENT

    @property
    def label(self) -> str:
        """A short human explanation ("why no email")."""
        return _LABELS[self]


_TRANSIENT = frozenset(
    {SiteOutcome.UNREACHABLE, SiteOutcome.TIMEOUT, SiteOutcome.ROBOTS_UNAVAILABLE, SiteOutcome.HTTP_ERROR}
)

_LABELS: dict[SiteOutcome, str] = {
    SiteOutcome.FOUND: "addresses found on the website",
    SiteOutcome.NONE_FOUND: "the website shows no address of its own",
    SiteOutcome.ROBOTS_DISALLOWED: "the website's robots.txt does not allow reading its pages",
    SiteOutcome.ROBOTS_UNAVAILABLE: (
        "the website's robots.txt could not be read (server error), so no page was read"
    ),
    SiteOutcome.UNREACHABLE: "the website could not be reached",
    SiteOutcome.TIMEOUT: "the website did not answer in time",
    SiteOutcome.NOT_HTML: "the website's page is not an HTML page",
    SiteOutcome.TOO_LARGE: "the website's page is too large; its first 1 MB showed no address",
    SiteOutcome.HTTP_ERROR: "the website answered with an error",
    SiteOutcome.BLOCKED_ADDRESS: "the website points at a private or local network address",
    SiteOutcome.REDIRECTED_OFF_SITE: "the website redirects to another domain",
    SiteOutcome.TOO_MANY_REDIRECTS: "the website redirects too many times",
    SiteOutcome.INVALID_URL: "the listing's website is not a usable web address",
}


@dataclass(frozen=True, slots=True)
class FoundAddress:
    """One address a website shows: the address, the page it is on and how it was written."""

    email: str
    page_url: str
    method: EmailMethod

    def to_dict(self) -> dict[str, str]:
        """JSON-ready form."""
        return {"email": self.email, "page_url": self.page_url, "method": self.method.value}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> FoundAddress:
        """Inverse of :meth:`to_dict`; ``ValueError`` on a malformed entry."""
        email = text_field(data, "email")
        if "@" not in email:
            raise ValueError(f"found address: 'email' {email!r} is not an email address")
        page_url = text_field(data, "page_url")
        return cls(email=email, page_url=page_url, method=enum_field(EmailMethod, data, "method"))


@dataclass(frozen=True, slots=True)
class SiteResult:
    """The result of crawling one business website.

    ``domain`` is the site's registrable domain (the cache key; ``""`` when the
    listing's address had none), ``start_url`` the address the crawl began at,
    ``addresses`` every accepted address once (first page, strongest method),
    ``pages_fetched`` the HTML pages read, ``requests`` every HTTP request sent
    (robots.txt and redirects included) and ``detail`` a short human note on the
    outcome (never a secret).
    """

    domain: str
    start_url: str
    addresses: tuple[FoundAddress, ...]
    pages_fetched: int
    requests: int
    outcome: SiteOutcome
    detail: str = ""

    @property
    def emails(self) -> tuple[str, ...]:
        """The accepted addresses, in the order found."""
        return tuple(found.email for found in self.addresses)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (see :data:`SITE_RESULT_VERSION`)."""
        return {
            "version": SITE_RESULT_VERSION,
            "domain": self.domain,
            "start_url": self.start_url,
            "addresses": [found.to_dict() for found in self.addresses],
            "pages_fetched": self.pages_fetched,
            "requests": self.requests,
            "outcome": self.outcome.value,
            "detail": self.detail,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> SiteResult:
        """Inverse of :meth:`to_dict`; ``ValueError`` naming the field on malformed input."""
        check_version(data, "site result", SITE_RESULT_VERSION)
        raw_addresses = data.get("addresses")
        if not isinstance(raw_addresses, list) or not all(isinstance(item, dict) for item in raw_addresses):
            raise ValueError("site result: 'addresses' must be a list of objects")
        return cls(
            domain=text_field(data, "domain", allow_empty=True),
            start_url=text_field(data, "start_url", allow_empty=True),
            addresses=tuple(FoundAddress.from_dict(item) for item in raw_addresses),
            pages_fetched=count_field(data, "pages_fetched"),
            requests=count_field(data, "requests"),
            outcome=enum_field(SiteOutcome, data, "outcome"),
            detail=text_field(data, "detail", allow_empty=True),
        )
