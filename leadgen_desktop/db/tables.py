"""peewee table declarations (the DDL itself is frozen in migrations.py; the schema version is its length).

The classes here are templates bound to no database: using one directly
fails. :class:`TableSet` makes a subclass of each, bound to one open database
only, so two databases in one process (a.db next to b.db today, SQLite next to
PostgreSQL in team mode) never share a binding, whatever thread uses them.

Relations live in the DDL, which the database enforces (foreign keys on):
the models carry the plain id columns (``campaign_id``, ``job_id``), so a set
is bound by plain subclassing, with no foreign key pointing into another set.
Only the store's query objects use these classes.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import TypeVar, cast

import peewee as pw


def utcnow() -> dt.datetime:
    """Current UTC time, naive (peewee stores and parses naive datetimes)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class FlagField(pw.IntegerField):
    """A yes/no column stored as 0/1: ``INTEGER`` on SQLite and ``BIGINT`` on PostgreSQL alike."""

    def db_value(self, value: object) -> int | None:
        """0 or 1 (None stays None)."""
        return None if value is None else int(bool(value))

    def python_value(self, value: object) -> bool | None:
        """True or False (None stays None)."""
        return None if value is None else bool(value)


class BaseTable(pw.Model):
    """Common base of the templates (no database: :class:`TableSet` binds copies)."""

    class Meta:
        legacy_table_names = False


class Campaign(BaseTable):
    """What the user asked for: a business type in a location."""

    id = pw.CharField(primary_key=True, max_length=32)
    business_type = pw.TextField()
    location = pw.TextField()
    keywords = pw.TextField(default="")
    demo = FlagField(default=False)
    created_at = pw.DateTimeField(default=utcnow)
    created_by = pw.TextField(null=True)  # who ran it: the OS user name, or the name set in Settings
    area = pw.TextField(null=True)  # JSON [south, west, north, east] searched
    area_source = pw.CharField(max_length=16, null=True)  # "given", "located" or "reused"
    area_fetched_at = pw.DateTimeField(null=True)  # when a located area was looked up

    class Meta:
        table_name = "campaigns"


class DiscoveryJob(BaseTable):
    """One run of a campaign, persisted as it goes (status, stage, metrics, lease, checkpoint)."""

    id = pw.CharField(primary_key=True, max_length=32)
    campaign_id = pw.CharField(max_length=32)
    status = pw.CharField(max_length=16)
    progress = pw.IntegerField(default=0)
    current_stage = pw.CharField(max_length=16, null=True)
    config = pw.TextField()  # JSON of CampaignConfig
    metrics = pw.TextField(default="{}")  # JSON of Metrics
    notices = pw.TextField(default="[]")  # JSON list of user-facing notes
    error = pw.TextField(null=True)
    stop_reason = pw.CharField(max_length=32, null=True)
    budget_stop = pw.TextField(null=True)  # JSON of BudgetStop when stop_reason is "budget"
    created_at = pw.DateTimeField(default=utcnow)
    started_at = pw.DateTimeField(null=True)
    completed_at = pw.DateTimeField(null=True)
    updated_at = pw.DateTimeField(default=utcnow)
    lease_owner = pw.TextField(null=True)
    lease_heartbeat = pw.DateTimeField(null=True)
    discovery_token = pw.TextField(null=True)
    discovery_pages = pw.IntegerField(default=0)
    discovery_done = FlagField(default=False)
    queued = FlagField(default=False)  # stored with --queue: any worker may run it (and take it over)
    lease_expires_at = pw.DateTimeField(null=True)  # the holder's heartbeat + its lease time
    tiling = pw.TextField(null=True)  # JSON header of the job's tiling plan
    tiling_round = pw.TextField(null=True)  # JSON list: the round's requests not answered yet

    class Meta:
        table_name = "discovery_jobs"


class LeadRow(BaseTable):
    """A final lead: business fields, email outcome, score and provenance."""

    id = pw.AutoField()
    job_id = pw.CharField(max_length=32)
    campaign_id = pw.CharField(max_length=32)
    rank = pw.IntegerField(default=0)
    place_id = pw.TextField()
    business_name = pw.TextField()
    address = pw.TextField(null=True)
    phone = pw.TextField(null=True)
    website = pw.TextField(null=True)
    rating = pw.FloatField(null=True)
    review_count = pw.IntegerField(null=True)
    business_status = pw.CharField(max_length=32, default="OPERATIONAL")
    types = pw.TextField(default="[]")
    latitude = pw.FloatField(null=True)
    longitude = pw.FloatField(null=True)
    maps_url = pw.TextField(null=True)
    email = pw.TextField(null=True)
    email_status = pw.CharField(max_length=16, default="not_found")
    email_reason = pw.CharField(max_length=32, null=True)
    email_source = pw.TextField(null=True)
    confidence_score = pw.IntegerField()
    score_components = pw.TextField(default="[]")
    candidates = pw.TextField(default="[]")
    verification_flags = pw.TextField(default="[]")
    provenance = pw.TextField(default="{}")
    cost = pw.FloatField(default=0.0)
    error = pw.TextField(null=True)
    created_at = pw.DateTimeField(default=utcnow)
    seen_before = FlagField(default=False)

    class Meta:
        table_name = "leads"


class ApiCallRow(BaseTable):
    """The usage log: one row per HTTP request attempt sent to a provider.

    A paid attempt is written before it is sent (``outcome`` "pending",
    ``confirmed`` False) and completed when its answer is read; one whose answer
    never came stays unconfirmed and may have cost up to ``worst_cost``.
    """

    id = pw.AutoField()
    job_id = pw.CharField(max_length=32, null=True)
    provider = pw.CharField(max_length=32)
    endpoint = pw.TextField()
    http_status = pw.IntegerField(null=True)
    outcome = pw.CharField(max_length=32)
    sku = pw.CharField(max_length=64)
    units = pw.FloatField(default=0.0)
    cost = pw.FloatField(default=0.0)
    duration_ms = pw.FloatField(default=0.0)
    cached = FlagField(default=False)
    created_at = pw.DateTimeField(default=utcnow)
    confirmed = FlagField(default=True)
    worst_cost = pw.FloatField(default=0.0)

    class Meta:
        table_name = "api_calls"


class JobPlace(BaseTable):
    """A business discovered by a job: the discovery checkpoint, page by page."""

    id = pw.AutoField()
    job_id = pw.CharField(max_length=32)
    position = pw.IntegerField()
    place_id = pw.TextField()
    data = pw.TextField()

    class Meta:
        table_name = "job_places"


class JobTile(BaseTable):
    """One tile of a job's tiling plan (its latest state)."""

    job_id = pw.CharField(max_length=32)
    tile_key = pw.TextField()
    data = pw.TextField()

    class Meta:
        table_name = "job_tiles"
        primary_key = pw.CompositeKey("job_id", "tile_key")


class JobPurchase(BaseTable):
    """One purchase group of a job's tiling plan (its latest state)."""

    job_id = pw.CharField(max_length=32)
    group_key = pw.TextField()
    position = pw.IntegerField()
    data = pw.TextField()

    class Meta:
        table_name = "job_purchases"
        primary_key = pw.CompositeKey("job_id", "group_key")


class JobPlaceMark(BaseTable):
    """What a job's tiling plan knows of one place id (bits: known, answered, failed)."""

    job_id = pw.CharField(max_length=32)
    place_id = pw.TextField()
    marks = pw.IntegerField()

    class Meta:
        table_name = "job_place_marks"
        primary_key = pw.CompositeKey("job_id", "place_id")


class CacheTable(BaseTable):
    """Columns every cache has: who answered, the answer (JSON) and when it was fetched."""

    provider = pw.TextField()
    data = pw.TextField()
    fetched_at = pw.DateTimeField()


class PlaceCache(CacheTable):
    """place id → place data, shared across campaigns."""

    place_id = pw.TextField(primary_key=True)

    class Meta:
        table_name = "place_cache"


class PaidCacheTable(CacheTable):
    """A cache of paid lookups: also which job paid for each entry and what it cost."""

    job_id = pw.TextField(null=True)  # the job that paid for the entry (plain text: jobs may be deleted)
    cost = pw.FloatField(default=0.0)


class DomainCache(PaidCacheTable):
    """registrable domain → email-finder result, shared across campaigns."""

    domain = pw.TextField(primary_key=True)

    class Meta:
        table_name = "domain_cache"


class EmailCache(PaidCacheTable):
    """email address → verification result, shared across campaigns."""

    email = pw.TextField(primary_key=True)

    class Meta:
        table_name = "email_cache"


class SiteCache(CacheTable):
    """registrable domain -> what its website showed (a ``SiteResult``), shared across campaigns.

    ``provider`` is the reader (``website``, or ``demo`` for the demo sites); ``job_id``
    the job whose crawl it is (its checkpoint: a resumed job never fetches the site again).
    """

    domain = pw.TextField(primary_key=True)
    outcome = pw.CharField(max_length=32)
    transient = FlagField()  # an outcome that may change soon (unreachable, timeout): kept briefly
    job_id = pw.TextField(null=True)

    class Meta:
        table_name = "site_cache"


class MailServerCache(CacheTable):
    """email domain -> its mail-server check (a ``MailServerCheck``), shared across campaigns."""

    domain = pw.TextField(primary_key=True)
    status = pw.CharField(max_length=32)
    transient = FlagField()  # no answer (timeout, server failure): kept briefly

    class Meta:
        table_name = "mail_server_cache"


class LookupClaim(BaseTable):
    """A lookup someone is paying for right now (kind + subject), so nobody else pays for it at once.

    Written before the request is sent; deleted in the transaction that caches the
    answer (or when the lookup failed). ``owner`` is ``host:pid`` and ``heartbeat``
    is renewed while its run lives; a dead or silent owner's claim is taken over.
    """

    kind = pw.CharField(max_length=16)
    subject = pw.TextField()
    owner = pw.TextField()
    job_id = pw.CharField(max_length=32)
    claimed_at = pw.DateTimeField()
    heartbeat = pw.DateTimeField()

    class Meta:
        table_name = "lookup_claims"
        primary_key = pw.CompositeKey("kind", "subject")


class WorkerRow(BaseTable):
    """A ``leadgen worker`` alive in a team database (registered, renewed with its leases)."""

    owner = pw.TextField(primary_key=True)  # host:pid, as in its leases
    user_name = pw.TextField(null=True)
    started_at = pw.DateTimeField()
    heartbeat = pw.DateTimeField()
    expires_at = pw.DateTimeField()
    max_jobs = pw.IntegerField()
    key_groups = pw.TextField()  # JSON {provider: fingerprint of the key}, never a key

    class Meta:
        table_name = "workers"


class RateBucketRow(BaseTable):
    """The team's shared request timeline for one API key (:mod:`~leadgen_desktop.db.rate_buckets`)."""

    key_group = pw.CharField(max_length=32, primary_key=True)  # the key's fingerprint, never the key
    provider = pw.CharField(max_length=32)
    next_slot = pw.FloatField()  # seconds since the epoch, by the database's clock

    class Meta:
        table_name = "rate_buckets"


_Table = TypeVar("_Table", bound=BaseTable)


def _bound(template: type[_Table], database: pw.Database) -> type[_Table]:
    """A subclass of ``template`` bound to ``database`` alone (same table, same columns).

    Its fields are shallow copies handed to the subclass (peewee would deep-copy the
    inherited ones: ten times slower, and every open of a database pays for it).
    """
    meta = type("Meta", (), {"database": database, "table_name": template._meta.table_name})
    attributes: dict[str, object] = {name: copy.copy(field) for name, field in template._meta.fields.items()}
    attributes.update(Meta=meta, __module__=template.__module__, __doc__=template.__doc__)
    return cast(type[_Table], type(template.__name__, (template,), attributes))


class TableSet:
    """The tables of one database: copies of the templates bound to it and to nothing else."""

    def __init__(self, database: pw.Database) -> None:
        self.campaigns = _bound(Campaign, database)
        self.jobs = _bound(DiscoveryJob, database)
        self.leads = _bound(LeadRow, database)
        self.api_calls = _bound(ApiCallRow, database)
        self.job_places = _bound(JobPlace, database)
        self.job_tiles = _bound(JobTile, database)
        self.job_purchases = _bound(JobPurchase, database)
        self.job_place_marks = _bound(JobPlaceMark, database)
        self.place_cache = _bound(PlaceCache, database)
        self.domain_cache = _bound(DomainCache, database)
        self.email_cache = _bound(EmailCache, database)
        self.site_cache = _bound(SiteCache, database)
        self.mail_server_cache = _bound(MailServerCache, database)
        self.lookup_claims = _bound(LookupClaim, database)
        self.workers = _bound(WorkerRow, database)
        self.rate_buckets = _bound(RateBucketRow, database)
