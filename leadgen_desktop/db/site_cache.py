"""The free lookups' caches: what each website showed (by registrable domain), mail servers (by email domain).

Each entry carries its fetch time and whether its answer may change soon
(``transient``: a site that did not answer, a DNS timeout). A read takes the
two ages the caller allows, one for settled answers and a shorter one for
transient ones. A site entry also names the job whose crawl it is: that job
always gets it back (its checkpoint), so a resumed run never fetches a site
twice, however old the entry.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable

import peewee as pw

from leadgen_desktop.db import codec
from leadgen_desktop.db.claim_queries import ClaimQueries
from leadgen_desktop.db.database import Database, upsert
from leadgen_desktop.db.records import CachedSite, ClaimKey
from leadgen_desktop.db.tables import MailServerCache as MailServerCacheTable
from leadgen_desktop.db.tables import SiteCache as SiteCacheTable
from leadgen_desktop.db.tables import utcnow
from leadgen_desktop.domain import MailServerCheck, SiteResult


class SiteCache:
    """Reads and writes ``site_cache`` and ``mail_server_cache``."""

    def __init__(self, database: Database, claims: ClaimQueries) -> None:
        self._db = database
        self._claims = claims
        self._sites = database.tables.site_cache
        self._mail = database.tables.mail_server_cache

    # -- websites ----------------------------------------------------------------------

    def site(
        self, domain: str, max_age: dt.timedelta, transient_max_age: dt.timedelta, job_id: str | None = None
    ) -> CachedSite | None:
        """A fresh result for the website of ``domain`` (or this job's own, whatever its age), or None."""
        return self.sites([domain], max_age, transient_max_age, job_id).get(domain)

    def sites(
        self,
        domains: Iterable[str],
        max_age: dt.timedelta,
        transient_max_age: dt.timedelta,
        job_id: str | None = None,
    ) -> dict[str, CachedSite]:
        """:meth:`site` for several domains in one query: the fresh results found, by domain."""
        wanted = sorted(set(domains))
        if not wanted:
            return {}
        table = self._sites
        now = utcnow()
        fresh = _fresh(table, now, max_age, transient_max_age)
        if job_id is not None:
            fresh |= table.job_id == job_id
        query = table.select(table.domain, table.data, table.job_id, table.provider)
        rows = self._db.tuples(query.where(table.domain.in_(wanted) & fresh))
        found: dict[str, CachedSite] = {}
        for domain, data, owner, provider in rows:
            try:
                result = SiteResult.from_dict(json.loads(data))
            except ValueError:  # another version's layout, or damaged: a miss
                continue
            found[str(domain)] = CachedSite(result, owner, provider)
        return found

    def save_site(
        self, domain: str, job_id: str, provider: str, result: SiteResult, claim: ClaimKey | None = None
    ) -> None:
        """Cache a crawl's result under the site's registrable ``domain``; give ``claim`` up (one step).

        A newer result replaces an older one.
        """
        row = {
            "domain": domain,
            "provider": provider,
            "data": codec.dumps(result.to_dict()),
            "fetched_at": utcnow(),
            "outcome": result.outcome.value,
            "transient": result.outcome.transient,
            "job_id": job_id,
        }
        with self._db.transaction():
            upsert(self._sites, self._sites.insert(row), row).execute()
            if claim is not None:
                self._claims.release(claim)

    def found_share(self, max_age: dt.timedelta) -> tuple[int, int]:
        """(sites that showed an address, settled sites) among fresh entries: the observed hit rate."""
        table = self._sites
        recent = (table.fetched_at >= utcnow() - max_age) & (table.transient == 0)
        with self._db.reading():
            settled = table.select().where(recent).count()
            found = table.select().where(recent & (table.outcome == "found")).count()
        return int(found), int(settled)

    # -- mail servers ------------------------------------------------------------------

    def mail_server(
        self, domain: str, max_age: dt.timedelta, transient_max_age: dt.timedelta
    ) -> MailServerCheck | None:
        """A fresh mail-server check of ``domain``, or None."""
        table = self._mail
        now = utcnow()
        fresh = _fresh(table, now, max_age, transient_max_age)
        with self._db.reading():
            row = table.get_or_none((table.domain == domain.casefold()) & fresh)
        if row is None:
            return None
        try:
            return MailServerCheck.from_dict(json.loads(row.data))
        except ValueError:
            return None

    def save_mail_server(self, domain: str, provider: str, check: MailServerCheck) -> None:
        """Cache a mail-server check under the email ``domain`` (replacing an older one)."""
        row = {
            "domain": domain.casefold(),
            "provider": provider,
            "data": codec.dumps(check.to_dict()),
            "fetched_at": utcnow(),
            "status": check.status.value,
            "transient": check.transient,
        }
        with self._db.transaction():
            upsert(self._mail, self._mail.insert(row), row).execute()


def _fresh(
    table: type[SiteCacheTable] | type[MailServerCacheTable],
    now: dt.datetime,
    max_age: dt.timedelta,
    transient_max_age: dt.timedelta,
) -> pw.Expression:
    """Settled entries younger than ``max_age``; transient ones younger than the shorter of both ages."""
    # flags compared with 0/1 (INTEGER on SQLite, BIGINT on PostgreSQL: never used as a boolean)
    settled = (table.fetched_at >= now - max_age) & (table.transient == 0)
    short = (table.fetched_at >= now - min(max_age, transient_max_age)) & (table.transient == 1)
    expression: pw.Expression = settled | short
    return expression
