"""The discovery checkpoint: a job's businesses page by page, with the next page token.

A resumed job reads the stored pages back instead of paying for them again.
"""

from __future__ import annotations

from collections.abc import Sequence

from leadgen_desktop.db import codec
from leadgen_desktop.db.call_log import CallLog
from leadgen_desktop.db.database import Database, insert_in_batches
from leadgen_desktop.db.job_queries import JobQueries, Progress
from leadgen_desktop.db.lookup_cache import LookupCache
from leadgen_desktop.db.records import DiscoveryCheckpoint
from leadgen_desktop.domain import ApiCall, Business, PriceTable


class CheckpointQueries:
    """Reads and writes ``job_places`` and the discovery columns of ``discovery_jobs``."""

    def __init__(self, database: Database, calls: CallLog, jobs: JobQueries, lookups: LookupCache) -> None:
        self._db = database
        self._places = database.tables.job_places
        self._job_rows = database.tables.jobs
        self._calls = calls
        self._jobs = jobs
        self._lookups = lookups

    def save_page(
        self,
        job_id: str,
        businesses: Sequence[Business],
        calls: Sequence[ApiCall],
        prices: PriceTable,
        next_page_token: str | None,
        done: bool,
        progress: Progress,
    ) -> None:
        """Store one page's new businesses (also in the place cache), its calls, the next token
        and the job's progress, in one transaction."""
        jobs = self._job_rows
        with self._db.transaction():
            self._calls.add(job_id, calls, prices)
            self.append_places(job_id, businesses)
            self._lookups.remember_places(businesses)
            jobs.update(
                {
                    jobs.discovery_token: next_page_token,
                    jobs.discovery_pages: jobs.discovery_pages + 1,
                    jobs.discovery_done: done,
                }
            ).where(jobs.id == job_id).execute()
            self._jobs.update_progress(job_id, *progress)

    def append_places(self, job_id: str, businesses: Sequence[Business]) -> None:
        """Add businesses to the job's discovery order after those it has (joins the caller's transaction)."""
        if not businesses:
            return
        places = self._places
        with self._db.transaction():
            start = places.select().where(places.job_id == job_id).count()
            rows = [
                {
                    "job_id": job_id,
                    "position": start + i,
                    "place_id": b.place_id,
                    "data": codec.business_to_json(b),
                }
                for i, b in enumerate(businesses)
            ]
            insert_in_batches(places, rows, on_conflict="ignore")

    def mark_done(self, job_id: str) -> None:
        """Record that discovery needs no more pages."""
        jobs = self._job_rows
        with self._db.transaction():
            jobs.update({jobs.discovery_done: True}).where(jobs.id == job_id).execute()

    def load(self, job_id: str) -> DiscoveryCheckpoint:
        """The businesses discovered so far (in order), the next page token and the pages read."""
        places, jobs = self._places, self._job_rows
        with self._db.reading():
            job = jobs.get_by_id(job_id)
        texts = self._db.tuples(
            places.select(places.data).where(places.job_id == job_id).order_by(places.position)
        )
        businesses = tuple(b for b in (codec.business_from_json(text) for (text,) in texts) if b is not None)
        return DiscoveryCheckpoint(
            businesses, job.discovery_token, job.discovery_pages, bool(job.discovery_done)
        )
