"""Registrable domains, shared platforms and email/website domain matching.

A business website such as ``https://www.smile-dental.com/contact`` belongs to
the *registrable domain* ``smile-dental.com``: the part a company registers
with a registrar, one label below a public suffix (``com``, ``co.uk``, ...).
Email finders are queried by registrable domain, and an email only counts for a
lead when its own domain has the same registrable domain.

The public suffix list is the snapshot bundled with ``tldextract``. The
extractor is built once, lazily, with no suffix-list URLs and no cache
directory, so it never touches the network and never writes a cache file into
the user's home directory. PSL *private* suffixes (``blogspot.com``,
``github.io``, ...) are deliberately not treated as suffixes, so every site on
such a platform collapses to the platform's own domain (``x.blogspot.com`` ->
``blogspot.com``), which :func:`is_shared_platform` then recognises.

Returned domains are lowercase ASCII; internationalised names are given in
their IDNA (``xn--``) form, so ``bücher.de`` and ``xn--bcher-kva.de`` agree.
"""

from __future__ import annotations

import functools
import re
import threading

import tldextract

__all__ = [
    "SHARED_PLATFORMS",
    "email_domain_matches",
    "is_shared_platform",
    "registrable_domain",
]

SHARED_PLATFORMS: frozenset[str] = frozenset(
    {
        # Social networks and video sites.
        "facebook.com",
        "fb.com",
        "fb.me",
        "instagram.com",
        "twitter.com",
        "x.com",
        "linkedin.com",
        "tiktok.com",
        "youtube.com",
        "youtu.be",
        "pinterest.com",
        "snapchat.com",
        "threads.net",
        "nextdoor.com",
        "whatsapp.com",
        "wa.me",
        # Website builders and hosted blogs (sites live on their subdomains).
        "wix.com",
        "wixsite.com",
        "editorx.io",
        "squarespace.com",
        "weebly.com",
        "weeblysite.com",
        "godaddysites.com",
        "wordpress.com",
        "blogspot.com",
        "blogger.com",
        "tumblr.com",
        "medium.com",
        "substack.com",
        "webflow.io",
        "jimdo.com",
        "jimdosite.com",
        "strikingly.com",
        "mystrikingly.com",
        "site123.me",
        "ueniweb.com",
        "myshopify.com",
        "github.io",
        "netlify.app",
        "vercel.app",
        "herokuapp.com",
        # Google (Sites, Business Profile sites, Maps short links).
        "google.com",
        "business.site",
        "g.page",
        "goo.gl",
        # Link-in-bio pages and booking/ordering pages.
        "linktr.ee",
        "carrd.co",
        "square.site",
        "squareup.com",
        "calendly.com",
        "setmore.com",
        "booksy.com",
        "vagaro.com",
        "mindbodyonline.com",
        "opentable.com",
        "doordash.com",
        "ubereats.com",
        "grubhub.com",
        "etsy.com",
        # Directories and review sites.
        "yelp.com",
        "yelp.ca",
        "yelp.co.uk",
        "yellowpages.com",
        "yp.com",
        "tripadvisor.com",
        "tripadvisor.co.uk",
        "foursquare.com",
        "bbb.org",
        "manta.com",
        "houzz.com",
        "angi.com",
        "angieslist.com",
        "homeadvisor.com",
        "thumbtack.com",
        "zocdoc.com",
        "healthgrades.com",
    }
)
"""Registrable domains shared by many unrelated businesses.

A website on one of these (a Facebook page, ``<name>.wixsite.com``, a
Linktree, a Yelp listing, Google Sites under ``google.com``, ...) has no
company email domain, so no email finder is queried for it and scoring gives
it fewer points than an own domain.
"""

_LABEL_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_MAX_DOMAIN_LENGTH = 253

_extractor: tldextract.TLDExtract | None = None
_extractor_lock = threading.Lock()


def _get_extractor() -> tldextract.TLDExtract:
    """Build the offline extractor on first use (thread-safe)."""
    global _extractor
    with _extractor_lock:
        if _extractor is None:
            _extractor = tldextract.TLDExtract(
                cache_dir=None,
                suffix_list_urls=(),
                fallback_to_snapshot=True,
                include_psl_private_domains=False,
            )
        return _extractor


def _to_ascii(name: str) -> str | None:
    """Lowercase IDNA form of a dotted name, or None when a label is invalid."""
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
    return _to_ascii(f"{parts.domain}.{parts.suffix}")


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


def is_shared_platform(domain: str) -> bool:
    """True when ``domain`` (or a URL/host on it) is in :data:`SHARED_PLATFORMS`.

    Subdomains share their platform's registrable domain, so
    ``joes.wixsite.com`` and ``https://sites.google.com/view/joe`` are shared.
    """
    registrable = registrable_domain(domain)
    return registrable is not None and registrable in SHARED_PLATFORMS


def email_domain_matches(email: str, domain: str) -> bool:
    """True when ``email``'s host has the same registrable domain as ``domain``.

    ``domain`` may be a registrable domain, a host or a website URL. Subdomain
    mailboxes match (``jo@mail.acme.com`` matches ``acme.com``); malformed
    addresses never match.
    """
    local, at, host = email.strip().rpartition("@")
    if not at or not local or not host:
        return False
    email_registrable = registrable_domain(host)
    return email_registrable is not None and email_registrable == registrable_domain(domain)
