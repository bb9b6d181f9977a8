"""Forward migrations, frozen as SQL so that later table changes never rewrite history.

``MIGRATIONS[i]`` moves a database from schema version ``i`` to ``i + 1``.
:mod:`~leadgen_desktop.db.opening` runs the missing steps inside one exclusive
write transaction together with the version bump, after re-reading the
version inside it, so several processes opening a new database at once apply
each step exactly once.

To change the schema: add ``V<n>`` below with plain ``CREATE``/``ALTER``
statements separated by ``;``, append it to :data:`MIGRATIONS`, and change
``tables.py`` to match. Old steps are never edited. The same steps build a
PostgreSQL team database (:mod:`~leadgen_desktop.db.postgres` translates the
types: ``INTEGER NOT NULL PRIMARY KEY`` becomes ``BIGSERIAL PRIMARY KEY``,
``INTEGER`` ``BIGINT``, ``REAL`` ``DOUBLE PRECISION``, ``DATETIME``
``TIMESTAMP``), so use only those types plus ``TEXT`` and ``VARCHAR(n)``, keep
yes/no columns ``INTEGER`` (0/1, ``FlagField``), name every index uniquely
across tables (PostgreSQL's rule), and write conflicts as ``ON CONFLICT``.

Not portable, on purpose: step 5's search index for the All-leads view (an
FTS5 trigram table, its delete trigger, ``COLLATE NOCASE`` indexes). Its
queries all live in :mod:`~leadgen_desktop.db.all_leads_queries`; on
PostgreSQL :func:`~leadgen_desktop.db.postgres.postgres_statements` turns them
into a ``pg_trgm`` GIN index and ``lower()`` indexes, and
:mod:`~leadgen_desktop.db.all_leads_postgres` queries those.
"""

from __future__ import annotations

import sqlite3

V1 = """
CREATE TABLE "campaigns" ("id" VARCHAR(32) NOT NULL PRIMARY KEY, "business_type" TEXT NOT NULL,
  "location" TEXT NOT NULL, "keywords" TEXT NOT NULL, "demo" INTEGER NOT NULL, "created_at" DATETIME NOT NULL);
CREATE INDEX "campaigns_created_at" ON "campaigns" ("created_at");
CREATE TABLE "discovery_jobs" ("id" VARCHAR(32) NOT NULL PRIMARY KEY, "campaign_id" VARCHAR(32) NOT NULL,
  "status" VARCHAR(16) NOT NULL, "progress" INTEGER NOT NULL, "current_stage" VARCHAR(16), "config" TEXT NOT NULL,
  "metrics" TEXT NOT NULL, "notices" TEXT NOT NULL, "error" TEXT, "stop_reason" VARCHAR(32),
  "created_at" DATETIME NOT NULL, "started_at" DATETIME, "completed_at" DATETIME, "updated_at" DATETIME NOT NULL,
  FOREIGN KEY ("campaign_id") REFERENCES "campaigns" ("id") ON DELETE CASCADE);
CREATE INDEX "discovery_jobs_campaign_id" ON "discovery_jobs" ("campaign_id");
CREATE INDEX "discovery_jobs_status" ON "discovery_jobs" ("status");
CREATE TABLE "leads" ("id" INTEGER NOT NULL PRIMARY KEY, "job_id" VARCHAR(32) NOT NULL,
  "campaign_id" VARCHAR(32) NOT NULL, "rank" INTEGER NOT NULL, "place_id" TEXT NOT NULL,
  "business_name" TEXT NOT NULL, "address" TEXT, "phone" TEXT, "website" TEXT, "rating" REAL,
  "review_count" INTEGER, "business_status" VARCHAR(32) NOT NULL, "types" TEXT NOT NULL, "latitude" REAL,
  "longitude" REAL, "maps_url" TEXT, "email" TEXT, "email_status" VARCHAR(16) NOT NULL,
  "email_reason" VARCHAR(32), "email_source" TEXT, "confidence_score" INTEGER NOT NULL,
  "score_components" TEXT NOT NULL, "candidates" TEXT NOT NULL, "verification_flags" TEXT NOT NULL,
  "provenance" TEXT NOT NULL, "cost" REAL NOT NULL, "error" TEXT, "created_at" DATETIME NOT NULL,
  FOREIGN KEY ("job_id") REFERENCES "discovery_jobs" ("id") ON DELETE CASCADE,
  FOREIGN KEY ("campaign_id") REFERENCES "campaigns" ("id") ON DELETE CASCADE);
CREATE INDEX "leads_job_id" ON "leads" ("job_id");
CREATE INDEX "leads_campaign_id" ON "leads" ("campaign_id");
CREATE UNIQUE INDEX "leads_job_id_place_id" ON "leads" ("job_id", "place_id");
CREATE TABLE "api_calls" ("id" INTEGER NOT NULL PRIMARY KEY, "job_id" VARCHAR(32), "provider" VARCHAR(32) NOT NULL,
  "endpoint" TEXT NOT NULL, "http_status" INTEGER, "outcome" VARCHAR(32) NOT NULL, "sku" VARCHAR(64) NOT NULL,
  "units" REAL NOT NULL, "cost" REAL NOT NULL, "duration_ms" REAL NOT NULL, "cached" INTEGER NOT NULL,
  "created_at" DATETIME NOT NULL, FOREIGN KEY ("job_id") REFERENCES "discovery_jobs" ("id") ON DELETE SET NULL);
CREATE INDEX "api_calls_job_id" ON "api_calls" ("job_id");
CREATE INDEX "api_calls_provider" ON "api_calls" ("provider");
"""

V2 = """
ALTER TABLE "discovery_jobs" ADD COLUMN "lease_owner" TEXT;
ALTER TABLE "discovery_jobs" ADD COLUMN "lease_heartbeat" DATETIME;
ALTER TABLE "discovery_jobs" ADD COLUMN "discovery_token" TEXT;
ALTER TABLE "discovery_jobs" ADD COLUMN "discovery_pages" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "discovery_jobs" ADD COLUMN "discovery_done" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "leads" ADD COLUMN "seen_before" INTEGER NOT NULL DEFAULT 0;
CREATE TABLE "job_places" ("id" INTEGER NOT NULL PRIMARY KEY, "job_id" VARCHAR(32) NOT NULL,
  "position" INTEGER NOT NULL, "place_id" TEXT NOT NULL, "data" TEXT NOT NULL,
  FOREIGN KEY ("job_id") REFERENCES "discovery_jobs" ("id") ON DELETE CASCADE);
CREATE UNIQUE INDEX "job_places_job_id_place_id" ON "job_places" ("job_id", "place_id");
CREATE TABLE "place_cache" ("place_id" TEXT NOT NULL PRIMARY KEY, "provider" TEXT NOT NULL, "data" TEXT NOT NULL,
  "fetched_at" DATETIME NOT NULL);
CREATE TABLE "domain_cache" ("domain" TEXT NOT NULL PRIMARY KEY, "provider" TEXT NOT NULL, "data" TEXT NOT NULL,
  "fetched_at" DATETIME NOT NULL, "job_id" TEXT, "cost" REAL NOT NULL DEFAULT 0);
CREATE TABLE "email_cache" ("email" TEXT NOT NULL PRIMARY KEY, "provider" TEXT NOT NULL, "data" TEXT NOT NULL,
  "fetched_at" DATETIME NOT NULL, "job_id" TEXT, "cost" REAL NOT NULL DEFAULT 0);
CREATE INDEX "leads_place_id" ON "leads" ("place_id");
"""

V3 = """
ALTER TABLE "discovery_jobs" ADD COLUMN "budget_stop" TEXT;
"""

V4 = """
ALTER TABLE "api_calls" ADD COLUMN "confirmed" INTEGER NOT NULL DEFAULT 1;
ALTER TABLE "api_calls" ADD COLUMN "worst_cost" REAL NOT NULL DEFAULT 0;
CREATE INDEX "api_calls_job_id_confirmed" ON "api_calls" ("job_id", "confirmed");
CREATE TABLE "lookup_claims" ("kind" VARCHAR(16) NOT NULL, "subject" TEXT NOT NULL, "owner" TEXT NOT NULL,
  "job_id" VARCHAR(32) NOT NULL, "claimed_at" DATETIME NOT NULL, "heartbeat" DATETIME NOT NULL,
  PRIMARY KEY ("kind", "subject"));
CREATE INDEX "lookup_claims_owner_job_id" ON "lookup_claims" ("owner", "job_id");
"""
"""The honest bill and lookups claimed across processes: an API call is written down before it is
sent (``confirmed`` 0 until its answer is read; ``worst_cost`` is the most it may cost), and a
lookup being paid for is claimed (kind + subject) so no other run pays for it at the same time."""

V5 = """
CREATE TABLE "lead_search" ("lead_id" INTEGER NOT NULL PRIMARY KEY, "key" TEXT NOT NULL,
  FOREIGN KEY ("lead_id") REFERENCES "leads" ("id") ON DELETE CASCADE);
CREATE VIRTUAL TABLE "lead_search_fts" USING fts5("key", content='lead_search', content_rowid='lead_id',
  tokenize='trigram case_sensitive 1', detail=none, columnsize=0);
CREATE TRIGGER "lead_search_fts_delete" AFTER DELETE ON "lead_search" BEGIN
  INSERT INTO "lead_search_fts" ("lead_search_fts", rowid, "key") VALUES ('delete', old."lead_id", old."key");
END;
CREATE INDEX "leads_confidence_score" ON "leads" ("confidence_score");
CREATE INDEX "leads_rating" ON "leads" ("rating");
CREATE INDEX "leads_review_count" ON "leads" ("review_count");
CREATE INDEX "leads_business_name_nocase" ON "leads" ("business_name" COLLATE NOCASE);
CREATE INDEX "leads_address_nocase" ON "leads" ("address" COLLATE NOCASE);
CREATE INDEX "leads_phone_nocase" ON "leads" ("phone" COLLATE NOCASE);
CREATE INDEX "leads_website_nocase" ON "leads" ("website" COLLATE NOCASE);
CREATE INDEX "leads_email_nocase" ON "leads" ("email" COLLATE NOCASE);
CREATE INDEX "leads_email_status_nocase" ON "leads" ("email_status" COLLATE NOCASE);
"""
"""The All-leads view at a million leads: one index per sortable column (a sort is
an index scan), and every lead's search key (``lead_search``, written only by
``AllLeadsQueries.update_search_index``, which adds each key to the trigram index
``lead_search_fts`` in the same transaction; an insert trigger would be about
eight times slower) with a trigger that keeps the index right when a lead is
deleted."""

V6 = """
CREATE TABLE "site_cache" ("domain" TEXT NOT NULL PRIMARY KEY, "provider" TEXT NOT NULL, "data" TEXT NOT NULL,
  "fetched_at" DATETIME NOT NULL, "outcome" VARCHAR(32) NOT NULL, "transient" INTEGER NOT NULL, "job_id" TEXT);
CREATE TABLE "mail_server_cache" ("domain" TEXT NOT NULL PRIMARY KEY, "provider" TEXT NOT NULL,
  "data" TEXT NOT NULL, "fetched_at" DATETIME NOT NULL, "status" VARCHAR(32) NOT NULL, "transient" INTEGER NOT NULL);
"""
"""Emails from the website: what each website showed (by registrable domain, with the job that read
it: its checkpoint) and each email domain's mail-server answer, kept as free lookups' caches."""

V7 = """
ALTER TABLE "campaigns" ADD COLUMN "area" TEXT;
ALTER TABLE "campaigns" ADD COLUMN "area_source" VARCHAR(16);
ALTER TABLE "campaigns" ADD COLUMN "area_fetched_at" DATETIME;
ALTER TABLE "discovery_jobs" ADD COLUMN "tiling" TEXT;
ALTER TABLE "discovery_jobs" ADD COLUMN "tiling_round" TEXT;
CREATE TABLE "job_tiles" ("job_id" VARCHAR(32) NOT NULL, "tile_key" TEXT NOT NULL, "data" TEXT NOT NULL,
  PRIMARY KEY ("job_id", "tile_key"), FOREIGN KEY ("job_id") REFERENCES "discovery_jobs" ("id") ON DELETE CASCADE);
CREATE TABLE "job_purchases" ("job_id" VARCHAR(32) NOT NULL, "group_key" TEXT NOT NULL, "position" INTEGER NOT NULL,
  "data" TEXT NOT NULL, PRIMARY KEY ("job_id", "group_key"),
  FOREIGN KEY ("job_id") REFERENCES "discovery_jobs" ("id") ON DELETE CASCADE);
CREATE TABLE "job_place_marks" ("job_id" VARCHAR(32) NOT NULL, "place_id" TEXT NOT NULL, "marks" INTEGER NOT NULL,
  PRIMARY KEY ("job_id", "place_id"), FOREIGN KEY ("job_id") REFERENCES "discovery_jobs" ("id") ON DELETE CASCADE);
CREATE INDEX "place_cache_fetched_at" ON "place_cache" ("fetched_at");
"""
"""Covering a whole area (issue 11): the area a campaign searched (given with ``--area`` or the
location's viewport, with when it was looked up, so later campaigns of the same location reuse
it within the cache lifetime), and the tiling checkpoint of each job: its plan's header
(``discovery_jobs.tiling``), the requests of its round of work not answered yet
(``tiling_round``), its tiles, its purchase groups and the marks of each place id (known,
answered, failed), each row replaced as the plan changes."""

V8 = """
ALTER TABLE "campaigns" ADD COLUMN "created_by" TEXT;
ALTER TABLE "discovery_jobs" ADD COLUMN "queued" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "discovery_jobs" ADD COLUMN "lease_expires_at" DATETIME;
CREATE INDEX "discovery_jobs_status_queued" ON "discovery_jobs" ("status", "queued");
CREATE TABLE "workers" ("owner" TEXT NOT NULL PRIMARY KEY, "user_name" TEXT, "started_at" DATETIME NOT NULL,
  "heartbeat" DATETIME NOT NULL, "expires_at" DATETIME NOT NULL, "max_jobs" INTEGER NOT NULL,
  "key_groups" TEXT NOT NULL);
"""
"""Step 8, team mode: who ran a campaign, queued jobs and leases with an end, the workers of a team database."""

V9 = """
CREATE TABLE "rate_buckets" ("key_group" VARCHAR(32) NOT NULL PRIMARY KEY, "provider" VARCHAR(32) NOT NULL,
  "next_slot" REAL NOT NULL);
"""
"""Step 9, team rate sharing: per key fingerprint, the next free request slot of the workers sharing that key."""

# Step numbers are fixed across branches: V6 (website emails), V7 (area tiles), V8 (team mode),
# V9 (team rate sharing), so ``len(MIGRATIONS)`` is the schema version.
MIGRATIONS: tuple[str, ...] = (V1, V2, V3, V4, V5, V6, V7, V8, V9)


def statements(script: str) -> list[str]:
    """Split a migration script into single statements (trigger bodies stay whole)."""
    result: list[str] = []
    pending = ""
    for part in script.split(";"):
        pending += part + ";"
        if sqlite3.complete_statement(pending):
            statement = pending.strip()[:-1].strip()
            if statement:
                result.append(statement)
            pending = ""
    if pending.strip(" \n;"):
        result.append(pending.strip(" \n;"))
    return result
