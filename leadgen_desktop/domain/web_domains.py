"""Registrable domains, email/website domain matching and the free-mail providers.

A business website such as ``https://www.smile-dental.com/contact`` belongs to
the *registrable domain* ``smile-dental.com``: the part a company registers
with a registrar, one label below a public suffix (``com``, ``co.uk``, ...).
Email finders are queried by registrable domain, an email only counts for a
lead when its own domain has the same registrable domain, and the website
crawler stays on a site's registrable domain. Both ``core`` and ``net`` need
this rule, so it lives here, at the bottom of the layers, with one owner.

The public suffix list is the snapshot bundled with ``tldextract`` (read from
the installed package, never downloaded). The extractor is built once, lazily,
with no suffix-list URLs and no cache directory, so it never touches the
network and never writes a cache file into the user's home directory. PSL
*private* suffixes (``blogspot.com``, ``github.io``, ...) are deliberately not
treated as suffixes, so every site on such a platform collapses to the
platform's own domain (``x.blogspot.com`` -> ``blogspot.com``).

Returned domains are lowercase ASCII; internationalised names are given in
their IDNA (``xn--``) form, so ``bücher.de`` and ``xn--bcher-kva.de`` agree.
"""

from __future__ import annotations

import functools
import re
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import tldextract

__all__ = [
    "FREE_MAIL_DOMAINS",
    "ascii_domain_name",
    "email_domain_matches",
    "email_registrable_domain",
    "is_free_mail",
    "registrable_domain",
]

FREE_MAIL_DOMAINS: frozenset[str] = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "yahoo.com",
        "ymail.com",
        "rocketmail.com",
        "aol.com",
        "aim.com",
        "protonmail.com",
        "proton.me",
        "pm.me",
        "tutanota.com",
        "tuta.io",
        "zoho.com",
        "zohomail.com",
        "mail.com",
        "gmx.com",
        "gmx.net",
        "gmx.de",
        "gmx.at",
        "gmx.ch",
        "web.de",
        "t-online.de",
        "freenet.de",
        "arcor.de",
        "posteo.de",
        "mailbox.org",
        "yandex.com",
        "yandex.ru",
        "mail.ru",
        "orange.fr",
        "free.fr",
        "laposte.net",
        "libero.it",
        "btinternet.com",
        "comcast.net",
        "verizon.net",
        "att.net",
        "sbcglobal.net",
        "bellsouth.net",
        "cox.net",
        "charter.net",
        "earthlink.net",
        "shaw.ca",
        "rogers.com",
        "sympatico.ca",
        "bigpond.com",
        "optusnet.com.au",
    }
)
"""Registrable domains of free or consumer mailbox providers.

A small business often shows such an address (``smiledental@gmail.com``) on its
own pages: it counts as the business's address although it is not on the
site's domain. Country variants of the big providers (``yahoo.co.uk``,
``hotmail.de``, ``outlook.fr``, ...) are recognised by :data:`FREE_MAIL_BRANDS`.
"""

FREE_MAIL_BRANDS: frozenset[str] = frozenset({"yahoo", "hotmail", "outlook", "live", "gmx", "aol", "ymail"})
"""Provider names whose every country domain is free mail (``yahoo.*``, ``hotmail.*``, ...)."""

_LABEL_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_MAX_DOMAIN_LENGTH = 253

_extractor: tldextract.TLDExtract | None = None
_extractor_lock = threading.Lock()


def _get_extractor() -> tldextract.TLDExtract:
    """Build the offline extractor on first use (thread-safe; imported lazily, it is not light)."""
    global _extractor
    with _extractor_lock:
        if _extractor is None:
            import tldextract

            _extractor = tldextract.TLDExtract(
                cache_dir=None,
                suffix_list_urls=(),
                fallback_to_snapshot=True,
                include_psl_private_domains=False,
            )
        return _extractor


def ascii_domain_name(name: str) -> str | None:
    """Lowercase IDNA (``xn--``) form of a dotted host name, or None when a label is invalid."""
    labels: list[str] = []
    for label in name.split("."):
        try:
            ascii_label = label.encode("idna").decode("ascii").lower()
        except UnicodeError:
            return None
        if not _LABEL_RE.match(ascii_label):
            return None
        labels.append(ascii_label)
    joined = ".".join(labels)
    return joined if len(joined) <= _MAX_DOMAIN_LENGTH else None


@functools.lru_cache(maxsize=8192)
def _registrable(text: str) -> str | None:
    """Cached core of :func:`registrable_domain` for a stripped string."""
    if any(ch.isspace() or ord(ch) < 32 for ch in text):
        return None
    parts = _get_extractor().extract_str(text.lower())
    if not parts.domain or not parts.suffix:
        return None  # IP addresses, "localhost", unknown TLDs, bare suffixes.
    return ascii_domain_name(f"{parts.domain}.{parts.suffix}")


def registrable_domain(url: str | None) -> str | None:
    """Return the registrable domain of a URL or host, or None if there is none.

    Accepts full URLs, bare hosts (``example.com``), URLs without a scheme,
    with ports, paths, queries, credentials or a ``www.`` prefix, and
    internationalised names. Garbage, IP addresses, single-label hosts and
    hosts without a known public suffix give None.

    >>> registrable_domain("https://www.shop.example.co.uk:8443/a?b=c")
    'example.co.uk'
    """
    if not isinstance(url, str):
        return None
    text = url.strip()
    if not text:
        return None
    return _registrable(text)


def email_registrable_domain(email: str) -> str | None:
    """The registrable domain of ``email``'s host, or None when the address is malformed."""
    local, at, host = email.strip().rpartition("@")
    if not at or not local or not host:
        return None
    return registrable_domain(host)


def email_domain_matches(email: str, domain: str) -> bool:
    """True when ``email``'s host has the same registrable domain as ``domain``.

    ``domain`` may be a registrable domain, a host or a website URL. Subdomain
    mailboxes match (``jo@mail.acme.com`` matches ``acme.com``); malformed
    addresses never match.
    """
    email_registrable = email_registrable_domain(email)
    return email_registrable is not None and email_registrable == registrable_domain(domain)


def is_free_mail(email_or_domain: str) -> bool:
    """True when an address (or a domain) belongs to a free mailbox provider (gmail.com, gmx.de, ...)."""
    text = email_or_domain.strip()
    registrable = email_registrable_domain(text) if "@" in text else registrable_domain(text)
    if registrable is None:
        return False
    return registrable in FREE_MAIL_DOMAINS or registrable.split(".", 1)[0] in FREE_MAIL_BRANDS
