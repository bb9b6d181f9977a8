"""The area a campaign searches and the tiling checkpoint of its job (issue 11).

The area: a campaign's rectangle is stored with it, with where it came from
(``given`` with ``--area``, ``located`` by a lookup of the location text, or
``reused`` from an earlier campaign of the same location). A located area is
Google content: later campaigns of the same location reuse it only while it is
younger than the cache lifetime.

The checkpoint: a job's tiling plan is stored as rows replaced by key (its
header, each tile, each purchase group, each place id's marks). What a step
changed is written in the same transaction as the answer that caused it (the
businesses found, the places bought for the shared cache, the calls and the
job's progress), so a killed run never pays again for an answer it stored.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence

from leadgen_desktop.db import codec
from leadgen_desktop.db.call_log import CallLog
from leadgen_desktop.db.checkpoint_queries import CheckpointQueries
from leadgen_desktop.db.claim_queries import ClaimQueries
from leadgen_desktop.db.database import Database, insert_in_batches
from leadgen_desktop.db.job_queries import JobQueries, Progress
from leadgen_desktop.db.lookup_cache import LookupCache
from leadgen_desktop.db.records import ClaimKey, StoredArea, TilingRows
from leadgen_desktop.db.tables import utcnow
from leadgen_desktop.domain import ApiCall, Area, AreaError, Business, PriceTable

AREA_SOURCES = ("given", "located", "reused")
"""Where a campaign's area came from."""


class TilingQueries:
    """Reads and writes campaign areas and the ``job_tiles``, ``job_purchases``, ``job_place_marks`` rows."""

    def __init__(
        self,
        database: Database,
        calls: CallLog,
        jobs: JobQueries,
        lookups: LookupCache,
        checkpoints: CheckpointQueries,
        claims: ClaimQueries,
    ) -> None:
        self._db = database
        self._claims = claims
        self._tables = database.tables
        self._calls = calls
        self._jobs = jobs
        self._lookups = lookups
        self._checkpoints = checkpoints

    # -- areas ------------------------------------------------------------------------

    def save_area(
        self,
        campaign_id: str,
        area: Area,
        source: str,
        fetched_at: dt.datetime | None = None,
    ) -> None:
        """Store the area a campaign searches and where it came from (joins the caller's transaction)."""
        if source not in AREA_SOURCES:
            raise ValueError(f"unknown area source {source!r}")
        campaigns = self._tables.campaigns
        with self._db.transaction():
            campaigns.update(
                {
                    campaigns.area: codec.dumps(area.to_list()),
                    campaigns.area_source: source,
                    campaigns.area_fetched_at: fetched_at,
                }
            ).where(campaigns.id == campaign_id).execute()

    def save_located_area(
        self, job_id: str, campaign_id: str, area: Area, calls: Sequence[ApiCall], prices: PriceTable
    ) -> None:
        """Store an area just looked up with the calls of the lookup (one transaction)."""
        with self._db.transaction():
            self._calls.add(job_id, calls, prices)
            self.save_area(campaign_id, area, "located", utcnow())

    def campaign_area(self, campaign_id: str) -> StoredArea | None:
        """The area a campaign searches, or None before it is known."""
        campaigns = self._tables.campaigns
        query = campaigns.select(campaigns.area, campaigns.area_source, campaigns.area_fetched_at).where(
            campaigns.id == campaign_id
        )
        rows = self._db.tuples(query)
        return _stored(*rows[0]) if rows else None

    def located_area(self, location: str, demo: bool, max_age: dt.timedelta) -> StoredArea | None:
        """The newest area looked up for this location (any case) by a campaign of the same kind.

        Only areas younger than ``max_age`` count (Google's terms: 30 days for
        anything but place ids); a reused area keeps its original lookup time.
        """
        campaigns = self._tables.campaigns
        query = (
            campaigns.select(campaigns.area, campaigns.area_source, campaigns.area_fetched_at)
            .where(
                (campaigns.location == location)
                & (campaigns.demo == demo)
                & campaigns.area_source.in_(["located", "reused"])
                & (campaigns.area_fetched_at >= utcnow() - max_age)
            )
            .order_by(campaigns.area_fetched_at.desc())
            .limit(20)
        )
        for row in self._db.tuples(query):
            stored = _stored(*row)
            if stored is not None:
                return stored
        # the same location typed with other capitals or spaces
        folded = " ".join(location.split()).casefold()
        query = (
            campaigns.select(
                campaigns.location, campaigns.area, campaigns.area_source, campaigns.area_fetched_at
            )
            .where(
                (campaigns.demo == demo)
                & campaigns.area_source.in_(["located", "reused"])
                & (campaigns.area_fetched_at >= utcnow() - max_age)
            )
            .order_by(campaigns.area_fetched_at.desc())
        )
        for text, area, source, fetched_at in self._db.tuples(query):
            if " ".join(str(text).split()).casefold() != folded:
                continue
            if (stored := _stored(area, source, fetched_at)) is not None:
                return stored
        return None

    def earlier_places(
        self, campaign_id: str, query: str, area: Area, demo: bool, max_age: dt.timedelta
    ) -> list[Business]:
        """What the newest earlier search of ``query`` in exactly ``area`` found, in its order.

        Only places the shared cache still holds fresh (younger than ``max_age``)
        count: a repeated campaign starts from them, for free, in the same order.
        """
        campaigns, jobs, places = self._tables.campaigns, self._tables.jobs, self._tables.job_places
        folded = " ".join(query.split()).casefold()
        query_rows = self._db.tuples(
            campaigns.select(campaigns.id, campaigns.business_type, campaigns.keywords)
            .where(
                (campaigns.area == codec.dumps(area.to_list()))
                & (campaigns.demo == demo)
                & (campaigns.id != campaign_id)
            )
            .order_by(campaigns.created_at.desc(), campaigns.id.desc())
            .limit(50)
        )
        for other, business_type, keywords in query_rows:
            text = " ".join(part for part in (str(keywords or ""), str(business_type)) if part)
            if " ".join(text.split()).casefold() != folded:
                continue
            job_ids = [
                job_id
                for (job_id,) in self._db.tuples(
                    jobs.select(jobs.id).where(jobs.campaign_id == other).order_by(jobs.created_at.desc())
                )
            ]
            for job_id in job_ids:
                ids = [
                    str(place_id)
                    for (place_id,) in self._db.tuples(
                        places.select(places.place_id)
                        .where(places.job_id == job_id)
                        .order_by(places.position)
                    )
                ]
                if ids:
                    cached = self._lookups.places(ids, max_age)
                    return [cached[i] for i in ids if i in cached]
        return []

    # -- the plan -----------------------------------------------------------------------

    def load(self, job_id: str) -> TilingRows | None:
        """The job's stored plan (its header and the latest row of each key), or None when it has none."""
        tables = self._tables
        jobs = tables.jobs
        header_rows = self._db.tuples(jobs.select(jobs.tiling, jobs.tiling_round).where(jobs.id == job_id))
        if not header_rows or header_rows[0][0] is None:
            return None
        round_items = json.loads(header_rows[0][1] or "[]")
        if not isinstance(round_items, list) or not all(isinstance(i, dict) for i in round_items):
            raise ValueError("the stored round of a tiling plan is not a list of requests")
        tiles, groups, marks = tables.job_tiles, tables.job_purchases, tables.job_place_marks
        # explicit orders: PostgreSQL and SQLite hand rows back alike (the plan sorts tiles and groups itself)
        tile_rows = self._db.tuples(
            tiles.select(tiles.tile_key, tiles.data).where(tiles.job_id == job_id).order_by(tiles.tile_key)
        )
        group_rows = self._db.tuples(
            groups.select(groups.group_key, groups.position, groups.data)
            .where(groups.job_id == job_id)
            .order_by(groups.position)
        )
        mark_rows = self._db.tuples(
            marks.select(marks.place_id, marks.marks).where(marks.job_id == job_id).order_by(marks.place_id)
        )
        return TilingRows(
            header=_json_object(header_rows[0][0]),
            tiles=tuple((str(key), _json_object(data)) for key, data in tile_rows),
            groups=tuple((str(key), int(position), _json_object(data)) for key, position, data in group_rows),
            marks=tuple((str(place_id), int(bits)) for place_id, bits in mark_rows),
            round=tuple(round_items),
        )

    def save_step(
        self,
        job_id: str,
        rows: TilingRows,
        *,
        calls: Sequence[ApiCall] = (),
        prices: PriceTable,
        found: Sequence[Business] = (),
        bought: Sequence[Business] = (),
        closed: Sequence[str] = (),
        provider: str = "",
        progress: Progress | None = None,
        claim: ClaimKey | None = None,
    ) -> None:
        """Store one step of the area search in one transaction.

        ``rows`` are what the plan changed; ``found`` the businesses new to the
        job (in discovery order); ``bought`` and ``closed`` what a purchase
        answered (for the shared place cache); ``calls`` the requests the step made;
        ``claim`` the purchase's claim, given up in the same transaction (a run waiting
        on it then finds the places cached).
        """
        tables = self._tables
        with self._db.transaction():
            self._calls.add(job_id, calls, prices)
            jobs = tables.jobs
            if rows.header is not None:
                jobs.update({jobs.tiling: codec.dumps(dict(rows.header))}).where(jobs.id == job_id).execute()
            if rows.round is not None:
                items = codec.dumps([dict(item) for item in rows.round])
                jobs.update({jobs.tiling_round: items}).where(jobs.id == job_id).execute()
            insert_in_batches(
                tables.job_tiles,
                [
                    {"job_id": job_id, "tile_key": key, "data": codec.dumps(dict(data))}
                    for key, data in rows.tiles
                ],
                on_conflict="replace",
            )
            insert_in_batches(
                tables.job_purchases,
                [
                    {
                        "job_id": job_id,
                        "group_key": key,
                        "position": position,
                        "data": codec.dumps(dict(data)),
                    }
                    for key, position, data in rows.groups
                ],
                on_conflict="replace",
            )
            insert_in_batches(
                tables.job_place_marks,
                [{"job_id": job_id, "place_id": place_id, "marks": bits} for place_id, bits in rows.marks],
                on_conflict="replace",
            )
            self._checkpoints.append_places(job_id, found)
            if bought or closed:
                self._lookups.remember_places(bought, closed, provider)
            if progress is not None:
                self._jobs.update_progress(job_id, *progress)
            if claim is not None:
                self._claims.release(claim)


def _json_object(text: str) -> Mapping[str, object]:
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError("a stored tiling row is not a JSON object")
    return value


def _stored(area: str | None, source: str | None, fetched_at: dt.datetime | None) -> StoredArea | None:
    if area is None or source not in AREA_SOURCES:
        return None
    try:
        return StoredArea(Area.from_list(json.loads(area)), str(source), fetched_at)
    except (AreaError, ValueError):
        return None
