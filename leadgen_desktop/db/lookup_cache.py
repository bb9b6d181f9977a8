"""The caches shared across campaigns: places, email-finder results per domain, verdicts per email.

(The free lookups, websites and mail servers, are read and written by
:mod:`~leadgen_desktop.db.site_cache`; they are counted and cleared here with the
rest, since the user sees one set of caches.)

Each entry carries its fetch time (a read gives only entries younger than a
maximum age); paid entries also carry the job that paid for them and what
they cost, so a resumed job charges its leads exactly once. A paid answer is
cached in the same transaction that completes its calls in the log and gives
up the lookup's claim (:mod:`~leadgen_desktop.db.claim_queries`), so a run
waiting on the claim finds either the claim or the answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from leadgen_desktop.db import codec
from leadgen_desktop.db.call_log import CallLog
from leadgen_desktop.db.claim_queries import ClaimQueries
from leadgen_desktop.db.database import MAX_VARIABLES, Database, insert_in_batches, upsert
from leadgen_desktop.db.records import CachedLookup, CacheStats, ClaimKey
from leadgen_desktop.db.tables import PaidCacheTable, utcnow
from leadgen_desktop.domain import (
    ApiCall,
    Business,
    BusinessStatus,
    DomainSearch,
    PriceTable,
    Verification,
)


class LookupCache:
    """Reads and writes ``place_cache``, ``domain_cache`` and ``email_cache``."""

    def __init__(self, database: Database, calls: CallLog, claims: ClaimQueries) -> None:
        self._db = database
        self._tables = database.tables
        self._calls = calls
        self._claims = claims

    # -- reads -------------------------------------------------------------------------

    def domain(self, domain: str, max_age: dt.timedelta) -> CachedLookup | None:
        """A fresh email-finder result for ``domain`` with who paid for it, or None."""
        table = self._tables.domain_cache
        with self._db.reading():
            row = table.get_or_none((table.domain == domain) & (table.fetched_at >= utcnow() - max_age))
        if row is None or (value := codec.search_from_json(row.data)) is None:
            return None
        return CachedLookup(value, row.job_id, float(row.cost))

    def verification(self, email: str, max_age: dt.timedelta) -> CachedLookup | None:
        """A fresh verdict for ``email`` (any case) with who paid for it, or None."""
        table = self._tables.email_cache
        with self._db.reading():
            row = table.get_or_none(
                (table.email == email.casefold()) & (table.fetched_at >= utcnow() - max_age)
            )
        if row is None or (value := codec.verification_from_json(row.data)) is None:
            return None
        return CachedLookup(value, row.job_id, float(row.cost))

    def places(self, place_ids: Sequence[str], max_age: dt.timedelta) -> dict[str, Business]:
        """Fresh cached places among ``place_ids`` (permanently closed ones included, with that status)."""
        table = self._tables.place_cache
        since = utcnow() - max_age
        found: dict[str, Business] = {}
        unique = list(dict.fromkeys(place_ids))
        step = MAX_VARIABLES - 1
        for start in range(0, len(unique), step):
            query = table.select(table.data).where(
                table.place_id.in_(unique[start : start + step]) & (table.fetched_at >= since)
            )
            for (text,) in self._db.tuples(query):
                business = codec.business_from_json(text)
                if business is not None:
                    found[business.place_id] = business
        return found

    def stats(self) -> CacheStats:
        """How many entries each cache holds."""
        tables = self._tables
        with self._db.reading():
            return CacheStats(
                tables.place_cache.select().count(),
                tables.domain_cache.select().count(),
                tables.email_cache.select().count(),
                tables.site_cache.select().count(),
                tables.mail_server_cache.select().count(),
            )

    # -- writes ------------------------------------------------------------------------

    def remember_places(
        self, businesses: Sequence[Business], closed: Sequence[str] = (), provider: str = ""
    ) -> None:
        """Cache discovered businesses by place id (newer data replaces older).

        ``closed`` are ids of permanently closed places ``provider`` answered for:
        remembered as such, so that no later campaign buys them again.
        """
        now = utcnow()
        gone = [
            Business(place_id, "", business_status=BusinessStatus.CLOSED_PERMANENTLY, source=provider)
            for place_id in closed
        ]
        rows = [
            {
                "place_id": b.place_id,
                "provider": b.source,
                "data": codec.business_to_json(b),
                "fetched_at": now,
            }
            for b in (*businesses, *gone)
        ]
        with self._db.transaction():
            insert_in_batches(self._tables.place_cache, rows, on_conflict="replace")

    def save_domain(
        self,
        job_id: str,
        provider: str,
        search: DomainSearch,
        calls: Sequence[ApiCall],
        prices: PriceTable,
        claim: ClaimKey | None = None,
    ) -> None:
        """Cache a paid email-finder result with its calls, giving ``claim`` up (one transaction)."""
        entry = {"domain": search.domain, "data": codec.search_to_json(search)}
        self._save_paid(self._tables.domain_cache, entry, job_id, provider, calls, prices, claim)

    def save_verification(
        self,
        job_id: str,
        provider: str,
        verdict: Verification,
        calls: Sequence[ApiCall],
        prices: PriceTable,
        claim: ClaimKey | None = None,
    ) -> None:
        """Cache a paid verdict with its calls, giving ``claim`` up (one transaction)."""
        entry = {"email": verdict.email.casefold(), "data": codec.verification_to_json(verdict)}
        self._save_paid(self._tables.email_cache, entry, job_id, provider, calls, prices, claim)

    def give_up(
        self, job_id: str, calls: Sequence[ApiCall], prices: PriceTable, claim: ClaimKey | None
    ) -> float:
        """Log the calls of a lookup that gave no answer to cache and give its claim up (one transaction)."""
        with self._db.transaction():
            cost = self._calls.add(job_id, calls, prices)
            if claim is not None:
                self._claims.release(claim)
        return cost

    def _save_paid(
        self,
        table: type[PaidCacheTable],
        entry: Mapping[str, str],
        job_id: str,
        provider: str,
        calls: Sequence[ApiCall],
        prices: PriceTable,
        claim: ClaimKey | None,
    ) -> None:
        """Log the calls of a paid lookup and cache its answer with who paid and what it cost."""
        with self._db.transaction():
            cost = self._calls.add(job_id, calls, prices)
            row = {**entry, "provider": provider, "fetched_at": utcnow(), "job_id": job_id, "cost": cost}
            upsert(table, table.insert(row), row).execute()
            if claim is not None:
                self._claims.release(claim)

    def clear(self) -> None:
        """Forget every cached lookup (the next runs pay again)."""
        tables = self._tables
        with self._db.transaction():
            for table in (
                tables.place_cache,
                tables.domain_cache,
                tables.email_cache,
                tables.site_cache,
                tables.mail_server_cache,
            ):
                table.delete().execute()
