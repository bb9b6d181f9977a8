"""The store: small query objects composed over one open database. Nothing outside ``db/`` writes SQL.

Each part owns one subject (``campaigns``, ``jobs``, ``leases``, ``leads``,
``checkpoints``, ``tiling`` (areas and the tiling checkpoint), ``lookups``, ``sites``,
``claims``, ``calls``, ``all_leads``, ``workers``, ``rate_buckets``). Every write is one
transaction; a write that belongs with others (a lead with the calls it took
and the job's progress) joins them in one. Reads return immutable records
from :mod:`leadgen_desktop.db.records`, safe to hand to another thread. Every
failure is a :class:`~leadgen_desktop.db.errors.StorageError` with a sentence
a user can act on.
"""

from __future__ import annotations

from pathlib import Path

from leadgen_desktop.db.all_leads_postgres import PostgresAllLeadsQueries
from leadgen_desktop.db.all_leads_queries import AllLeadsQueries
from leadgen_desktop.db.call_log import CallLog
from leadgen_desktop.db.campaign_queries import CampaignQueries
from leadgen_desktop.db.checkpoint_queries import CheckpointQueries
from leadgen_desktop.db.claim_queries import ClaimQueries
from leadgen_desktop.db.database import Database, open_database
from leadgen_desktop.db.job_queries import JobQueries
from leadgen_desktop.db.lead_queries import LeadQueries
from leadgen_desktop.db.lease_queries import LeaseQueries
from leadgen_desktop.db.lookup_cache import LookupCache
from leadgen_desktop.db.rate_buckets import RateBuckets
from leadgen_desktop.db.site_cache import SiteCache
from leadgen_desktop.db.tiling_queries import TilingQueries
from leadgen_desktop.db.worker_queries import WorkerQueries


class Store:
    """Every query of the program, grouped by subject, over one :class:`Database`."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.calls = CallLog(db)
        self.jobs = JobQueries(db)
        self.campaigns = CampaignQueries(db)
        self.leases = LeaseQueries(db)
        self.claims = ClaimQueries(db)
        self.lookups = LookupCache(db, self.calls, self.claims)
        self.sites = SiteCache(db, self.claims)
        self.leads = LeadQueries(db, self.calls, self.jobs)
        self.checkpoints = CheckpointQueries(db, self.calls, self.jobs, self.lookups)
        self.tiling = TilingQueries(db, self.calls, self.jobs, self.lookups, self.checkpoints, self.claims)
        self.all_leads = PostgresAllLeadsQueries(db) if db.is_postgres else AllLeadsQueries(db)
        self.workers = WorkerQueries(db)
        self.rate_buckets = RateBuckets(db)

    @classmethod
    def open(cls, path: Path | str) -> Store:
        """Open (creating or migrating) the database at ``path``.

        Raises:
            StorageError: the database cannot be used; the message says why.
        """
        return cls(open_database(path))

    @property
    def path(self) -> str:
        """Where the database is (for messages and the window's status line)."""
        return self.db.path
