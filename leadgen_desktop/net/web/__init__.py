"""The website email engine: read a business's own site, politely and safely, for the addresses it shows.

Public interface (Qt-free, synchronous, thread-safe):

* :class:`WebsiteCrawler` — ``WebsiteCrawler.from_environment()`` then
  ``crawl(website_url, cancel) -> SiteResult``; ``close()`` at the end.
* :class:`CrawlLimits` / :class:`FetchLimits` — pages per site, bytes and
  seconds per request (defaults from DESIGN 6.2).
* :func:`extract_addresses` — the extractor on its own (bytes -> addresses).

The MX check lives beside it in :mod:`leadgen_desktop.net.mail_dns`.
"""

from leadgen_desktop.net.web.extract import extract_addresses
from leadgen_desktop.net.web.fetch import FetchLimits
from leadgen_desktop.net.web.site import CrawlLimits, WebsiteCrawler

__all__ = ["CrawlLimits", "FetchLimits", "WebsiteCrawler", "extract_addresses"]
