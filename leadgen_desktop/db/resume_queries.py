"""Queries that make runs resumable and lookups free the second time.

Part of the repository (mixed into :class:`~leadgen_desktop.db.repository.Repository`):
the discovery checkpoint (businesses per job, page by page, with the next page
token), the caches shared across campaigns (place, domain, email; each entry
with its fetch time), and the job lease that keeps two processes from running
the same job at once.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import peewee as pw

from leadgen_desktop.db import codec
from leadgen_desktop.db.tables import (
    ApiCallRow,
    Campaign,
    DiscoveryJob,
    DomainCache,
    EmailCache,
    JobPlace,
    LeadRow,
    PlaceCache,
    utcnow,
)
from leadgen_desktop.domain import (
    ApiCall,
    Business,
    DomainSearch,
    JobStatus,
    Metrics,
    PriceTable,
    Stage,
    Verification,
)

if TYPE_CHECKING:
    from leadgen_desktop.db.repository import GuardedAtomic

LEASE_STALE_AFTER = dt.timedelta(seconds=60)
"""A lease whose heartbeat is older than this is considered abandoned."""

Progress = tuple[Stage, int, Metrics]


def process_owner() -> str:
    """This process's lease owner name: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _owner_is_dead(owner: str) -> bool:
    """True when ``owner`` was a process on this host that no longer runs."""
    host, _, pid_text = owner.rpartition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().split(")")[-1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


@dataclass(frozen=True, slots=True)
class DiscoveryCheckpoint:
    """Where discovery of a job stands."""

    businesses: tuple[Business, ...]
    next_page_token: str | None
    pages: int
    done: bool


@dataclass(frozen=True, slots=True)
class CachedLookup:
    """A cache entry: the value, the job that paid for it and what it cost."""

    value: DomainSearch | Verification
    job_id: str | None
    cost: float


@dataclass(frozen=True, slots=True)
class CacheStats:
    """Entries per cache, for the Settings dialog."""

    places: int
    domains: int
    emails: int

    @property
    def total(self) -> int:
        """All entries together."""
        return self.places + self.domains + self.emails


class ResumeQueries:
    """Checkpoint, cache and lease queries (a mixin of the repository)."""

    db: pw.SqliteDatabase

    def _atomic(self) -> GuardedAtomic:
        raise NotImplementedError

    def _insert_calls(self, job_id: str, calls: Sequence[ApiCall], prices: PriceTable) -> float:
        raise NotImplementedError

    def _write_progress(self, job_id: str, stage: Stage, progress: int, metrics: Metrics) -> None:
        raise NotImplementedError

    # -- discovery checkpoint --------------------------------------------------

    def save_discovery_page(
        self,
        job_id: str,
        businesses: Sequence[Business],
        calls: Sequence[ApiCall],
        prices: PriceTable,
        next_page_token: str | None,
        done: bool,
        progress: Progress,
    ) -> None:
        """Store one page's new businesses, its calls, the next token and progress atomically."""
        now = utcnow()
        with self._atomic():
            self._insert_calls(job_id, calls, prices)
            start = JobPlace.select().where(JobPlace.job == job_id).count()
            if businesses:
                JobPlace.insert_many(
                    [
                        {
                            "job": job_id,
                            "position": start + i,
                            "place_id": b.place_id,
                            "data": codec.business_to_json(b),
                        }
                        for i, b in enumerate(businesses)
                    ]
                ).on_conflict_ignore().execute()
                PlaceCache.insert_many(
                    [
                        {
                            "place_id": b.place_id,
                            "provider": b.source,
                            "data": codec.business_to_json(b),
                            "fetched_at": now,
                        }
                        for b in businesses
                    ]
                ).on_conflict_replace().execute()
            DiscoveryJob.update(
                {
                    DiscoveryJob.discovery_token: next_page_token,
                    DiscoveryJob.discovery_pages: DiscoveryJob.discovery_pages + 1,
                    DiscoveryJob.discovery_done: done,
                }
            ).where(DiscoveryJob.id == job_id).execute()
            self._write_progress(job_id, *progress)

    def mark_discovery_done(self, job_id: str) -> None:
        """Record that discovery needs no more pages."""
        with self._atomic():
            DiscoveryJob.update({DiscoveryJob.discovery_done: True}).where(
                DiscoveryJob.id == job_id
            ).execute()

    def discovery_checkpoint(self, job_id: str) -> DiscoveryCheckpoint:
        """The businesses discovered so far (in order) and the next page token."""
        job = DiscoveryJob.get_by_id(job_id)
        rows = JobPlace.select(JobPlace.data).where(JobPlace.job == job_id).order_by(JobPlace.position)
        businesses = tuple(b for b in (codec.business_from_json(r.data) for r in rows) if b is not None)
        return DiscoveryCheckpoint(
            businesses, job.discovery_token, job.discovery_pages, bool(job.discovery_done)
        )

    def stored_place_ids(self, job_id: str) -> set[str]:
        """Place ids of the leads a job has already stored."""
        return {r.place_id for r in LeadRow.select(LeadRow.place_id).where(LeadRow.job == job_id)}

    def place_ids_seen_elsewhere(self, job_id: str, place_ids: Iterable[str]) -> set[str]:
        """Which of ``place_ids`` are leads of other campaigns' jobs."""
        ids = list(place_ids)
        campaign = DiscoveryJob.select(DiscoveryJob.campaign).where(DiscoveryJob.id == job_id)
        seen: set[str] = set()
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            query = LeadRow.select(LeadRow.place_id).where(
                LeadRow.place_id.in_(chunk) & LeadRow.campaign.not_in(campaign)
            )
            seen.update(r.place_id for r in query)
        return seen

    def websites_of_similar_campaigns(self, business_type: str, location: str) -> list[str]:
        """Lead websites of earlier campaigns with the same business type and location."""
        query = (
            LeadRow.select(LeadRow.website)
            .join(Campaign, on=(LeadRow.campaign == Campaign.id))
            .where(
                (pw.fn.lower(Campaign.business_type) == business_type.casefold())
                & (pw.fn.lower(Campaign.location) == location.casefold())
                & LeadRow.website.is_null(False)
            )
            .distinct()
        )
        return [r.website for r in query if r.website]

    # -- caches ------------------------------------------------------------------

    def cached_domain(self, domain: str, max_age: dt.timedelta) -> DomainSearch | None:
        """A fresh cached email-finder result for ``domain``, or None."""
        entry = self.cached_domain_entry(domain, max_age)
        return entry.value if entry is not None and isinstance(entry.value, DomainSearch) else None

    def cached_domain_entry(self, domain: str, max_age: dt.timedelta) -> CachedLookup | None:
        """A fresh cached email-finder result with who paid for it, or None."""
        row = DomainCache.get_or_none(
            (DomainCache.domain == domain) & (DomainCache.fetched_at >= utcnow() - max_age)
        )
        if row is None or (value := codec.search_from_json(row.data)) is None:
            return None
        return CachedLookup(value, row.job_id, float(row.cost))

    def cached_verification(self, email: str, max_age: dt.timedelta) -> Verification | None:
        """A fresh cached verdict for ``email``, or None."""
        entry = self.cached_verification_entry(email, max_age)
        return entry.value if entry is not None and isinstance(entry.value, Verification) else None

    def cached_verification_entry(self, email: str, max_age: dt.timedelta) -> CachedLookup | None:
        """A fresh cached verdict with who paid for it, or None."""
        row = EmailCache.get_or_none(
            (EmailCache.email == email.casefold()) & (EmailCache.fetched_at >= utcnow() - max_age)
        )
        if row is None or (value := codec.verification_from_json(row.data)) is None:
            return None
        return CachedLookup(value, row.job_id, float(row.cost))

    def charged_lookups(self, job_id: str) -> tuple[set[str], set[str]]:
        """Domains and emails whose paid lookup a stored lead of this job already carries in its cost."""
        domains: set[str] = set()
        emails: set[str] = set()
        for row in LeadRow.select(LeadRow.provenance).where(LeadRow.job == job_id):
            try:
                provenance = json.loads(row.provenance)
            except ValueError:
                continue
            charged = provenance.get("charged") if isinstance(provenance, dict) else None
            if isinstance(charged, dict):
                if isinstance(charged.get("search"), str):
                    domains.add(charged["search"])
                if isinstance(charged.get("verify"), str):
                    emails.add(charged["verify"])
        return domains, emails

    def save_domain_result(
        self, job_id: str, provider: str, search: DomainSearch, calls: Sequence[ApiCall], prices: PriceTable
    ) -> None:
        """Cache a paid email-finder result together with its calls (one transaction)."""
        with self._atomic():
            cost = self._insert_calls(job_id, calls, prices)
            DomainCache.insert(
                domain=search.domain,
                provider=provider,
                data=codec.search_to_json(search),
                fetched_at=utcnow(),
                job_id=job_id,
                cost=cost,
            ).on_conflict_replace().execute()

    def save_verification(
        self, job_id: str, provider: str, verdict: Verification, calls: Sequence[ApiCall], prices: PriceTable
    ) -> None:
        """Cache a paid verdict together with its calls (one transaction)."""
        with self._atomic():
            cost = self._insert_calls(job_id, calls, prices)
            EmailCache.insert(
                email=verdict.email.casefold(),
                provider=provider,
                data=codec.verification_to_json(verdict),
                fetched_at=utcnow(),
                job_id=job_id,
                cost=cost,
            ).on_conflict_replace().execute()

    def cache_stats(self) -> CacheStats:
        """How many entries each cache holds."""
        return CacheStats(
            PlaceCache.select().count(), DomainCache.select().count(), EmailCache.select().count()
        )

    def clear_caches(self) -> None:
        """Forget every cached lookup (the next runs pay again)."""
        with self._atomic():
            for table in (PlaceCache, DomainCache, EmailCache):
                table.delete().execute()

    # -- leases and resumable jobs --------------------------------------------------

    def acquire_lease(self, job_id: str, owner: str, stale_after: dt.timedelta = LEASE_STALE_AFTER) -> bool:
        """Take the job's lease if it is free, ours, stale, or its owner is dead."""
        now = utcnow()
        with self._atomic():
            job = DiscoveryJob.get_or_none(DiscoveryJob.id == job_id)
            if job is None:
                return False
            holder, beat = job.lease_owner, job.lease_heartbeat
            free = (
                holder is None
                or holder == owner
                or beat is None
                or beat < now - stale_after
                or _owner_is_dead(holder)
            )
            if not free:
                return False
            DiscoveryJob.update({DiscoveryJob.lease_owner: owner, DiscoveryJob.lease_heartbeat: now}).where(
                DiscoveryJob.id == job_id
            ).execute()
        return True

    def heartbeat(self, job_id: str, owner: str) -> None:
        """Renew the lease (called with progress writes)."""
        with self._atomic():
            DiscoveryJob.update({DiscoveryJob.lease_heartbeat: utcnow()}).where(
                (DiscoveryJob.id == job_id) & (DiscoveryJob.lease_owner == owner)
            ).execute()

    def release_lease(self, job_id: str, owner: str) -> None:
        """Give the lease up (the job ended or was handed back)."""
        with self._atomic():
            DiscoveryJob.update({DiscoveryJob.lease_owner: None, DiscoveryJob.lease_heartbeat: None}).where(
                (DiscoveryJob.id == job_id) & (DiscoveryJob.lease_owner == owner)
            ).execute()

    def lease_holder(self, job_id: str) -> str | None:
        """Who holds the job's lease right now, if anyone live does."""
        job = DiscoveryJob.get_or_none(DiscoveryJob.id == job_id)
        if job is None or job.lease_owner is None:
            return None
        if _owner_is_dead(job.lease_owner):
            return None
        if job.lease_heartbeat is None or job.lease_heartbeat < utcnow() - LEASE_STALE_AFTER:
            return None
        return str(job.lease_owner)

    def interrupted_job_ids(self, only_crashed: bool = False) -> list[str]:
        """Jobs that can be resumed: killed mid-run, cancelled, failed, or stopped by budget.

        With ``only_crashed``, just the jobs left ``processing`` by a process that died.
        """
        query = (
            DiscoveryJob.select(DiscoveryJob.id, DiscoveryJob.status, DiscoveryJob.stop_reason)
            .where(
                DiscoveryJob.status.in_(
                    [JobStatus.PROCESSING.value, JobStatus.CANCELLED.value, JobStatus.FAILED.value]
                )
                | (DiscoveryJob.stop_reason == "budget")
            )
            .where(DiscoveryJob.stop_reason.is_null() | (DiscoveryJob.stop_reason != "discarded"))
            .order_by(DiscoveryJob.created_at.desc())
        )
        crashed = [
            r.id for r in query if r.status == JobStatus.PROCESSING.value and self.lease_holder(r.id) is None
        ]
        if only_crashed:
            return crashed
        return [r.id for r in query if r.status != JobStatus.PROCESSING.value or r.id in crashed]

    def reopen_job(self, job_id: str, budget: float | None, raise_budget: bool) -> None:
        """Put an interrupted job back to ``processing`` (optionally with a new budget)."""
        with self._atomic():
            job = DiscoveryJob.get_by_id(job_id)
            config = json.loads(job.config)
            if raise_budget:
                config["budget"] = budget
            DiscoveryJob.update(
                {
                    DiscoveryJob.status: JobStatus.PROCESSING.value,
                    DiscoveryJob.error: None,
                    DiscoveryJob.stop_reason: None,
                    DiscoveryJob.completed_at: None,
                    DiscoveryJob.config: codec.dumps(config),
                    DiscoveryJob.updated_at: utcnow(),
                }
            ).where(DiscoveryJob.id == job_id).execute()

    def discard_job(self, job_id: str) -> None:
        """Mark an interrupted job as cancelled for good (its results stay)."""
        with self._atomic():
            DiscoveryJob.update(
                {
                    DiscoveryJob.status: JobStatus.CANCELLED.value,
                    DiscoveryJob.stop_reason: "discarded",
                    DiscoveryJob.lease_owner: None,
                    DiscoveryJob.completed_at: utcnow(),
                }
            ).where(DiscoveryJob.id == job_id).execute()

    def calls_by_provider(self, job_id: str) -> dict[str, list[ApiCallRow]]:
        """The API-call log of a job grouped by provider (insertion order)."""
        grouped: dict[str, list[ApiCallRow]] = {}
        for row in ApiCallRow.select().where(ApiCallRow.job == job_id).order_by(ApiCallRow.id):
            grouped.setdefault(row.provider, []).append(row)
        return grouped
