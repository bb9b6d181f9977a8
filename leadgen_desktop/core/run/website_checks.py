"""The free steps of enrichment: reading a lead's website, and checking an email domain's mail server.

:class:`WebsiteChecks` belongs to the enrichment scheduler and runs on the
pipeline's thread; the crawls and DNS lookups run on the run's request pool
(kinds :data:`WEBSITE` and :data:`MAIL_SERVER`, a website one lane per domain)
and come back through :meth:`WebsiteChecks.handle`. For each website domain and
each email domain it asks once per run (later leads of the same domain wait
for the first answer) and reads the shared cache first:

* a website is claimed in the database before it is read (claim kind
  :data:`~leadgen_desktop.core.run.lookup_claims.SITE`), so two runs (two
  processes, later teammates) never crawl the same site at once: the second
  waits for the first one's result and takes it from the cache. The result is
  cached, and the claim given up, in one transaction the moment it arrives; it
  is kept for the cache lifetime when settled (found, none found, robots.txt
  says no...), for :data:`SITE_RETRY_AFTER` when it may change soon
  (unreachable, timed out), and the job whose crawl it is always gets it back
  (its checkpoint), so a resumed run never fetches a site twice;
* a mail-server answer is kept for :data:`MAIL_SERVER_MAX_AGE` (at most the
  cache lifetime), an unknown one (DNS timeout or failure) for
  :data:`MAIL_SERVER_RETRY_AFTER`. DNS answers are not claimed: asking twice
  costs nothing and fetches nothing.

A reader or checker that is missing (``Providers.websites`` /
``Providers.mail_servers`` is None) answers at once: no website result, and
"unknown" for every domain.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable

from leadgen_desktop.core.run.lookup_claims import SITE, LookupClaims
from leadgen_desktop.core.run.run_requests import RunRequests
from leadgen_desktop.core.run.worker_pool import Finished, Request
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import (
    Cancelled,
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
"""The request kinds of this module (each has its own concurrency in the run's pool)."""
KINDS = (WEBSITE, MAIL_SERVER)
WEBSITE_CONCURRENCY = 48
"""Websites read at once (each one request at a time: the crawler's host gate and the pool's lane).

A site takes about three answers one after another (robots.txt, the page, a contact page),
a second or more; 48 at once keep a 1,000-lead campaign's reading ahead of a 20/s
verifier, within the crawler's 64 connections per route (a proxy is one route)."""
MAIL_SERVER_CONCURRENCY = 8
"""Mail-server checks at once."""

SiteCallback = Callable[[SiteResult | None, bool], None]
"""Receives a website's result (None without a reader) and whether it came from the cache."""
MailCallback = Callable[[MailServerCheck | None], None]
"""Receives a mail-server answer (None without a checker or for a name that is no domain)."""


class WebsiteChecks:
    """Website crawls and mail-server checks of one run: once per domain, claimed, cached, checkpointed."""

    def __init__(
        self,
        *,
        store: Store,
        job_id: str,
        websites: WebsiteReader | None,
        mail_servers: MailServerLookup | None,
        reader_name: str,
        cache_ttl: dt.timedelta,
        requests: RunRequests,
        claims: LookupClaims,
    ) -> None:
        self._store, self._job_id = store, job_id
        self._websites, self._mail_servers = websites, mail_servers
        self._reader_name, self._cache_ttl = reader_name, cache_ttl
        self._requests, self._claims = requests, claims
        self._sites: dict[str, SiteResult] = {}
        self._site_waiters: dict[str, list[SiteCallback]] = {}
        self._site_elsewhere: dict[str, list[tuple[str, SiteCallback]]] = {}  # another run reads it
        self._site_urls: dict[str, str] = {}
        self._site_claimed: set[str] = set()  # claimed ahead, nothing cached: read_site fetches at once
        self._mail: dict[str, MailServerCheck | None] = {}
        self._mail_waiters: dict[str, list[MailCallback]] = {}
        self.in_flight = 0
        """Crawls and checks started and not handled yet."""

    @property
    def waiting_elsewhere(self) -> bool:
        """True while some lead waits for a website another run is reading."""
        return bool(self._site_elsewhere)

    # -- websites ----------------------------------------------------------------------

    def read_sites_ahead(self, domains: Iterable[str]) -> None:
        """Get a page's websites ready before :meth:`read_site` is called for each of them.

        One cache read for all of them, one transaction for the claims of those
        not cached, and one cache read for those just claimed (one released just
        before our claim is in the cache by now), instead of these three round
        trips per domain, on the thread that also handles every answer. A domain
        another run is reading is left to :meth:`read_site`.
        """
        if self._websites is None or not self._requests.sending:
            return
        known = self._sites.keys() | self._site_waiters.keys() | self._site_elsewhere.keys()
        new = {domain for domain in domains if domain not in known and domain not in self._site_claimed}
        if not new:
            return
        self._sites.update(self._cached_sites(new))
        ours = self._claims.take_many(SITE, new - self._sites.keys())
        late = self._cached_sites(ours)
        for domain, cached in late.items():  # read and released just before our claim
            self._claims.give_up(SITE, domain)
            self._sites[domain] = cached
        self._site_claimed |= ours - late.keys()

    def read_site(self, domain: str, website: str, then: SiteCallback) -> None:
        """Give ``then`` what the website of ``domain`` shows (listed as ``website``), now or later.

        While the run is ending nothing new is fetched and ``then`` is never called:
        the lead stays unfinished, for a resume.
        """
        if self._websites is None:
            then(None, False)
        elif domain in self._sites:
            then(self._sites[domain], True)
        elif domain in self._site_waiters:
            self._site_waiters[domain].append(then)
        elif domain in self._site_elsewhere:
            self._site_elsewhere[domain].append((website, then))
        elif domain in self._site_claimed:
            self._site_claimed.discard(domain)
            if self._requests.sending:  # else the claim goes with the run's others, at its end
                self._fetch(domain, website, then)
        elif (cached := self._cached_site(domain)) is not None:
            self._sites[domain] = cached
            then(cached, True)
        elif not self._requests.sending:
            return
        elif not self._claims.take(SITE, domain):
            self._site_elsewhere[domain] = [(website, then)]  # another run reads it: wait for its result
        elif (cached := self._cached_site(domain)) is not None:  # read and released just before our claim
            self._claims.give_up(SITE, domain)
            self._sites[domain] = cached
            then(cached, True)
        else:
            self._fetch(domain, website, then)

    def _fetch(self, domain: str, website: str, then: SiteCallback) -> None:
        """Read the website of ``domain``, claimed by this run and not cached."""
        assert self._websites is not None
        self._site_waiters[domain] = [then]
        self._site_urls[domain] = website
        reader = self._websites
        self.in_flight += 1
        self._requests.submit(WEBSITE, domain, lambda stop: reader.crawl(website, stop), None, lane=domain)

    def poll_claims(self) -> None:
        """Carry on the leads whose website another run was reading, once it is cached (or abandoned)."""
        waiting, self._site_elsewhere = self._site_elsewhere, {}
        for domain, callbacks in waiting.items():
            if self._cached_site(domain) is None and self._claims.held_elsewhere(SITE, domain):
                self._site_elsewhere[domain] = callbacks
                continue
            for website, then in callbacks:
                self.read_site(domain, website, then)

    def _cached_site(self, domain: str) -> SiteResult | None:
        return self._cached_sites([domain]).get(domain)

    def _cached_sites(self, domains: Iterable[str]) -> dict[str, SiteResult]:
        found = self._store.sites.sites(domains, self._cache_ttl, SITE_RETRY_AFTER, self._job_id)
        return {domain: entry.result for domain, entry in found.items()}

    # -- mail servers ------------------------------------------------------------------

    def check_mail(self, email_domain: str, then: MailCallback) -> None:
        """Give ``then`` whether ``email_domain`` receives mail, now or later (never while the run ends)."""
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
        elif self._requests.sending:
            self._mail_waiters[domain] = [then]
            checker = self._mail_servers
            self.in_flight += 1
            self._requests.submit(MAIL_SERVER, domain, lambda stop: checker.check(domain, stop), None)

    def _cached_mail(self, domain: str) -> MailServerCheck | None:
        max_age = min(self._cache_ttl, MAIL_SERVER_MAX_AGE)
        return self._store.sites.mail_server(domain, max_age, MAIL_SERVER_RETRY_AFTER)

    # -- answers (pipeline thread) -----------------------------------------------------

    def handle(self, finished: Finished) -> None:
        """Take a crawl or check that came back; store it, then wake its waiters.

        Raises ``Cancelled`` when the request was cancelled (nothing is stored; a
        website's claim is given up).
        """
        self.in_flight -= 1
        subject, outcome = str(finished.request.key), finished.outcome
        if finished.kind == WEBSITE:
            self._site_answered(subject, outcome)
        else:
            self._mail_answered(subject, outcome)

    def dropped(self, request: Request) -> None:
        """A crawl or check dropped before it started: the run is ending and gives all its claims up.

        Nothing is written here (it runs while the run stops, maybe on a full disk).
        """
        self.in_flight -= 1

    def _site_answered(self, domain: str, outcome: object) -> None:
        if isinstance(outcome, SiteResult):
            claim = self._claims.key(SITE, domain)
            self._store.sites.save_site(domain, self._job_id, self._reader_name, outcome, claim)
            result = outcome
        else:
            self._claims.give_up(SITE, domain)
            if isinstance(outcome, Cancelled):
                raise Cancelled
            log.error("Reading the website of %s failed: %r", domain, outcome)  # a bug in the reader
            url = self._site_urls.get(domain, "")
            detail = f"reading the website failed ({type(outcome).__name__})"
            result = SiteResult(domain, url, (), 0, 0, SiteOutcome.UNREACHABLE, detail)
        self._sites[domain] = result
        self._site_urls.pop(domain, None)
        for then in self._site_waiters.pop(domain, []):
            then(result, False)

    def _mail_answered(self, domain: str, outcome: object) -> None:
        if isinstance(outcome, Cancelled):
            raise Cancelled
        check: MailServerCheck | None = None
        if isinstance(outcome, MailServerCheck):
            check = outcome
            self._store.sites.save_mail_server(domain, self._reader_name, outcome)
        elif not isinstance(outcome, ValueError):  # a name that is no domain is simply "unknown"
            log.error("Checking the mail server of %s failed: %r", domain, outcome)
        self._mail[domain] = check
        for then in self._mail_waiters.pop(domain, []):
            then(check)
