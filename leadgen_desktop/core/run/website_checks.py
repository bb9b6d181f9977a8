"""The free steps of enrichment: reading a lead's website, and checking an email domain's mail server.

:class:`WebsiteChecks` belongs to the enrichment scheduler and runs on the
pipeline's thread; the crawls and DNS lookups themselves run on the
scheduler's pool (``submit``) and come back through :meth:`WebsiteChecks.handle`.
For each website domain and each email domain it asks once per run
(later leads of the same domain wait for the first answer), reads the shared
cache first, and writes every answer to the cache the moment it arrives, so a
resumed run never fetches a site twice:

* a website result is kept for the cache lifetime when it is settled (found,
  none found, robots.txt says no...), for :data:`SITE_RETRY_AFTER` when it may
  change soon (unreachable, timed out); the job whose crawl it is always gets
  it back (its checkpoint);
* a mail-server answer is kept for :data:`MAIL_SERVER_MAX_AGE` (at most the
  cache lifetime), an unknown one (DNS timeout or failure) for
  :data:`MAIL_SERVER_RETRY_AFTER`.

A reader or checker that is missing (``Providers.websites`` /
``Providers.mail_servers`` is None) answers at once: no website result, and
"unknown" for every domain.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import (
    Cancelled,
    CancelToken,
    MailServerCheck,
    MailServerLookup,
    SiteOutcome,
    SiteResult,
    WebsiteReader,
)

log = logging.getLogger(__name__)

SITE_RETRY_AFTER = dt.timedelta(hours=6)
"""How long a website result that may change soon (unreachable, timed out) is reused."""
MAIL_SERVER_MAX_AGE = dt.timedelta(days=7)
"""How long a mail-server answer is reused (never longer than the cache lifetime)."""
MAIL_SERVER_RETRY_AFTER = dt.timedelta(hours=1)
"""How long an unknown mail-server answer (DNS timeout or failure) is reused."""

WEBSITE, MAIL_SERVER = "website", "mail_server"
"""The kinds of request this module submits (one pool each in the scheduler)."""

SiteCallback = Callable[[SiteResult | None, bool], None]
"""Receives a website's result (None without a reader) and whether it came from the cache."""
MailCallback = Callable[[MailServerCheck | None], None]
"""Receives a mail-server answer (None without a checker or for a name that is no domain)."""
Submit = Callable[[str, str, Callable[[str, CancelToken], object]], None]
"""``submit(kind, subject, call)``: run ``call(subject, cancel)`` on the pool; its outcome comes back
through :meth:`WebsiteChecks.handle`."""


class WebsiteChecks:
    """Website crawls and mail-server checks of one run: once per domain, cached, checkpointed."""

    def __init__(
        self,
        *,
        store: Store,
        job_id: str,
        websites: WebsiteReader | None,
        mail_servers: MailServerLookup | None,
        reader_name: str,
        cache_ttl: dt.timedelta,
        submit: Submit,
    ) -> None:
        self._store, self._job_id = store, job_id
        self._websites, self._mail_servers = websites, mail_servers
        self._reader_name, self._cache_ttl, self._submit = reader_name, cache_ttl, submit
        self._sites: dict[str, SiteResult] = {}
        self._site_waiters: dict[str, list[SiteCallback]] = {}
        self._site_urls: dict[str, str] = {}
        self._mail: dict[str, MailServerCheck | None] = {}
        self._mail_waiters: dict[str, list[MailCallback]] = {}

    # -- websites ----------------------------------------------------------------------

    def read_site(self, domain: str, website: str, then: SiteCallback) -> None:
        """Give ``then`` what the website of ``domain`` shows (listed as ``website``), now or later."""
        if self._websites is None:
            then(None, False)
        elif domain in self._sites:
            then(self._sites[domain], True)
        elif domain in self._site_waiters:
            self._site_waiters[domain].append(then)
        elif (cached := self._cached_site(domain)) is not None:
            self._sites[domain] = cached
            then(cached, True)
        else:
            self._site_waiters[domain] = [then]
            self._site_urls[domain] = website
            reader = self._websites
            self._submit(WEBSITE, domain, lambda _domain, cancel: reader.crawl(website, cancel))

    def _cached_site(self, domain: str) -> SiteResult | None:
        entry = self._store.sites.site(domain, self._cache_ttl, SITE_RETRY_AFTER, self._job_id)
        return entry.result if entry is not None else None

    # -- mail servers ------------------------------------------------------------------

    def check_mail(self, email_domain: str, then: MailCallback) -> None:
        """Give ``then`` whether ``email_domain`` receives mail, now or later."""
        domain = email_domain.strip().casefold()
        if self._mail_servers is None or not domain:
            then(None)
        elif domain in self._mail:
            then(self._mail[domain])
        elif domain in self._mail_waiters:
            self._mail_waiters[domain].append(then)
        elif (cached := self._cached_mail(domain)) is not None:
            self._mail[domain] = cached
            then(cached)
        else:
            self._mail_waiters[domain] = [then]
            checker = self._mail_servers
            self._submit(MAIL_SERVER, domain, checker.check)

    def _cached_mail(self, domain: str) -> MailServerCheck | None:
        max_age = min(self._cache_ttl, MAIL_SERVER_MAX_AGE)
        return self._store.sites.mail_server(domain, max_age, MAIL_SERVER_RETRY_AFTER)

    # -- answers (pipeline thread) -----------------------------------------------------

    def handle(self, kind: str, subject: str, outcome: object) -> None:
        """Take the answer of a request this module submitted; store it, then wake its waiters.

        Raises ``Cancelled`` when the request was cancelled (nothing is stored).
        """
        if isinstance(outcome, Cancelled):
            raise Cancelled
        if kind == WEBSITE:
            self._site_answered(subject, outcome)
        else:
            self._mail_answered(subject, outcome)

    def _site_answered(self, domain: str, outcome: object) -> None:
        if isinstance(outcome, SiteResult):
            self._store.sites.save_site(domain, self._job_id, self._reader_name, outcome)
            result = outcome
        else:  # a bug in the reader: the lead goes on without the website, nothing is cached
            log.error("Reading the website of %s failed: %r", domain, outcome)
            url = self._site_urls.get(domain, "")
            detail = f"reading the website failed ({type(outcome).__name__})"
            result = SiteResult(domain, url, (), 0, 0, SiteOutcome.UNREACHABLE, detail)
        self._sites[domain] = result
        self._site_urls.pop(domain, None)
        for then in self._site_waiters.pop(domain, []):
            then(result, False)

    def _mail_answered(self, domain: str, outcome: object) -> None:
        check: MailServerCheck | None = None
        if isinstance(outcome, MailServerCheck):
            check = outcome
            self._store.sites.save_mail_server(domain, self._reader_name, outcome)
        elif not isinstance(outcome, ValueError):  # a name that is no domain is simply "unknown"
            log.error("Checking the mail server of %s failed: %r", domain, outcome)
        self._mail[domain] = check
        for then in self._mail_waiters.pop(domain, []):
            then(check)
