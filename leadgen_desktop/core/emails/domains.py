"""Shared platforms, on top of registrable domains and email/website domain matching.

The registrable-domain rule itself (``registrable_domain``,
``email_domain_matches``) lives in :mod:`leadgen_desktop.domain.web_domains`,
because the website crawler in ``net`` needs it too; it is re-exported here for
the core modules that already import it from this place. PSL *private*
suffixes collapse every site on a platform to the platform's own domain
(``x.blogspot.com`` -> ``blogspot.com``), which :func:`is_shared_platform`
then recognises.
"""

from __future__ import annotations

from leadgen_desktop.domain import email_domain_matches, registrable_domain

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


def is_shared_platform(domain: str) -> bool:
    """True when ``domain`` (or a URL/host on it) is in :data:`SHARED_PLATFORMS`.

    Subdomains share their platform's registrable domain, so
    ``joes.wixsite.com`` and ``https://sites.google.com/view/joe`` are shared.
    """
    registrable = registrable_domain(domain)
    return registrable is not None and registrable in SHARED_PLATFORMS
