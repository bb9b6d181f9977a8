"""peewee table definitions (schema version 2; the DDL is frozen in migrations.py).

Only the repository uses them.
"""

from __future__ import annotations

import datetime as dt

import peewee as pw


def utcnow() -> dt.datetime:
    """Current UTC time, naive (peewee stores and parses naive datetimes)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class BaseTable(pw.Model):
    """Common base: tables are bound to a database at open time."""

    class Meta:
        legacy_table_names = False


class Campaign(BaseTable):
    """What the user asked for: a business type in a location."""

    id = pw.CharField(primary_key=True, max_length=32)
    business_type = pw.TextField()
    location = pw.TextField()
    keywords = pw.TextField(default="")
    demo = pw.BooleanField(default=False)
    created_at = pw.DateTimeField(default=utcnow, index=True)

    class Meta:
        table_name = "campaigns"


class DiscoveryJob(BaseTable):
    """One run of a campaign, persisted as it goes (status, stage, metrics)."""

    id = pw.CharField(primary_key=True, max_length=32)
    campaign = pw.ForeignKeyField(Campaign, backref="jobs", on_delete="CASCADE")
    campaign_id: str  # peewee's id accessor for the foreign key
    status = pw.CharField(max_length=16, index=True)
    progress = pw.IntegerField(default=0)
    current_stage = pw.CharField(max_length=16, null=True)
    config = pw.TextField()  # JSON of CampaignConfig
    metrics = pw.TextField(default="{}")  # JSON of Metrics
    notices = pw.TextField(default="[]")  # JSON list of user-facing notes
    error = pw.TextField(null=True)
    stop_reason = pw.CharField(max_length=32, null=True)
    created_at = pw.DateTimeField(default=utcnow)
    started_at = pw.DateTimeField(null=True)
    completed_at = pw.DateTimeField(null=True)
    updated_at = pw.DateTimeField(default=utcnow)
    lease_owner = pw.TextField(null=True)
    lease_heartbeat = pw.DateTimeField(null=True)
    discovery_token = pw.TextField(null=True)
    discovery_pages = pw.IntegerField(default=0)
    discovery_done = pw.BooleanField(default=False)

    class Meta:
        table_name = "discovery_jobs"


class LeadRow(BaseTable):
    """A final lead: business fields, email outcome, score and provenance."""

    id = pw.AutoField()
    job = pw.ForeignKeyField(DiscoveryJob, backref="leads", on_delete="CASCADE")
    campaign = pw.ForeignKeyField(Campaign, backref="leads", on_delete="CASCADE")
    job_id: str  # peewee's id accessors for the foreign keys
    campaign_id: str
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
    seen_before = pw.BooleanField(default=False)

    class Meta:
        table_name = "leads"
        indexes = ((("job", "place_id"), True),)


class ApiCallRow(BaseTable):
    """The usage log: one row per HTTP request attempt sent to a provider."""

    id = pw.AutoField()
    job = pw.ForeignKeyField(DiscoveryJob, backref="api_calls", null=True, on_delete="SET NULL")
    provider = pw.CharField(max_length=32, index=True)
    endpoint = pw.TextField()
    http_status = pw.IntegerField(null=True)
    outcome = pw.CharField(max_length=32)
    sku = pw.CharField(max_length=64)
    units = pw.FloatField(default=0.0)
    cost = pw.FloatField(default=0.0)
    duration_ms = pw.FloatField(default=0.0)
    cached = pw.BooleanField(default=False)
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "api_calls"


class JobPlace(BaseTable):
    """A business discovered by a job: the discovery checkpoint, page by page."""

    id = pw.AutoField()
    job = pw.ForeignKeyField(DiscoveryJob, backref="places", on_delete="CASCADE")
    position = pw.IntegerField()
    place_id = pw.TextField()
    data = pw.TextField()

    class Meta:
        table_name = "job_places"
        indexes = ((("job", "place_id"), True),)


class _CacheTable(BaseTable):
    provider = pw.TextField()
    data = pw.TextField()
    fetched_at = pw.DateTimeField()


class PlaceCache(_CacheTable):
    """place id → place data, shared across campaigns."""

    place_id = pw.TextField(primary_key=True)

    class Meta:
        table_name = "place_cache"


class _PaidCacheTable(_CacheTable):
    job_id = pw.TextField(null=True)  # the job that paid for the entry (plain text: jobs may be deleted)
    cost = pw.FloatField(default=0.0)


class DomainCache(_PaidCacheTable):
    """registrable domain → email-finder result, shared across campaigns."""

    domain = pw.TextField(primary_key=True)

    class Meta:
        table_name = "domain_cache"


class EmailCache(_PaidCacheTable):
    """email address → verification result, shared across campaigns."""

    email = pw.TextField(primary_key=True)

    class Meta:
        table_name = "email_cache"


TABLES: tuple[type[BaseTable], ...] = (
    Campaign,
    DiscoveryJob,
    LeadRow,
    ApiCallRow,
    JobPlace,
    PlaceCache,
    DomainCache,
    EmailCache,
)
