"""Lookup claims: who is paying for a lookup right now, so that no other run pays for it at once.

A claim names a lookup by ``kind`` (``domain``, ``email``; later ``place``,
``tile``, ``site``) and ``subject``. It is taken before the lookup is paid for
and deleted in the transaction that caches the answer (or when the lookup
failed), so a run waiting on it sees either the claim or the cached answer,
never neither. Taking is portable SQL (``INSERT ... ON CONFLICT DO NOTHING``,
then a compare-and-set takeover), right on SQLite and PostgreSQL alike.

Whether another owner's claim may be taken over (its process died, its
heartbeat is stale) is a rule of :mod:`leadgen_desktop.core.run.lookup_claims`,
passed in as ``can_take``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, cast

import peewee as pw

from leadgen_desktop.db.database import Database
from leadgen_desktop.db.records import Claim, ClaimKey


class ClaimQueries:
    """Take, read, renew and release rows of ``lookup_claims``."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self._claims = database.tables.lookup_claims

    def take(
        self, kind: str, subject: str, owner: str, job_id: str, can_take: Callable[[Claim], bool]
    ) -> Claim | None:
        """Claim a lookup for ``owner`` running ``job_id``; None when it is now ours, else its holder.

        A claim already ours is renewed; another's is taken over only when
        ``can_take`` says so, and only if it is still the one judged (two takers
        never both win).
        """
        return self.take_many(kind, [subject], owner, job_id, can_take)[subject]

    def take_many(
        self, kind: str, subjects: Iterable[str], owner: str, job_id: str, can_take: Callable[[Claim], bool]
    ) -> dict[str, Claim | None]:
        """:meth:`take` for several lookups of one kind, in one transaction: each one's holder (None: ours).

        A handful of statements for all of them (one insert, one read of the
        holders, one renewal) instead of three each. Subjects are inserted in
        sorted order, so two takers of overlapping sets on PostgreSQL wait for
        each other instead of deadlocking.
        """
        table = self._claims
        wanted = sorted(set(subjects))
        if not wanted:
            return {}
        now = self._db.now()  # the server's clock on a team database: claims of several machines agree
        held: dict[str, Claim] = {}
        with self._db.transaction():
            missing = wanted
            for _ in range(2):  # a claim released between the two statements is inserted on the second turn
                rows = [{"kind": kind, "subject": subject, "owner": owner, "job_id": job_id,
                         "claimed_at": now, "heartbeat": now} for subject in missing]  # fmt: skip
                table.insert_many(rows).on_conflict(
                    conflict_target=[table.kind, table.subject], action="NOTHING"
                ).execute()
                held.update(self._holders(kind, missing))
                missing = [subject for subject in missing if subject not in held]
                if not missing:
                    break
            mine = (owner, job_id)
            found: dict[str, Claim | None] = {}
            for subject in wanted:
                holder = held.get(subject)
                found[subject] = None if holder is None or (holder.owner, holder.job_id) == mine else holder
            ours = [subject for subject, holder in found.items() if holder is None]
            if ours:
                table.update(heartbeat=now).where((table.kind == kind) & table.subject.in_(ours)).execute()
            for subject, holder in found.items():
                if holder is not None and can_take(holder):
                    judged = (table.owner == holder.owner) & (table.job_id == holder.job_id)
                    taken = table.update(owner=owner, job_id=job_id, claimed_at=now, heartbeat=now).where(
                        self._match(kind, subject) & judged
                    )
                    found[subject] = None if taken.execute() else self._holder(kind, subject)
            return found

    def holder(self, kind: str, subject: str) -> Claim | None:
        """Who holds the claim on this lookup, or None."""
        with self._db.reading():
            return self._holder(kind, subject)

    def release(self, claim: ClaimKey) -> None:
        """Give a claim up (joins the caller's transaction: the answer is cached in the same one)."""
        table = self._claims
        with self._db.transaction():
            table.delete().where(
                self._match(claim.kind, claim.subject)
                & (table.owner == claim.owner)
                & (table.job_id == claim.job_id)
            ).execute()

    def release_all(self, owner: str, job_id: str) -> int:
        """Give up every claim ``owner`` holds for ``job_id`` (the run ended); return how many."""
        table = self._claims
        with self._db.transaction():
            return int(table.delete().where((table.owner == owner) & (table.job_id == job_id)).execute())

    def renew(self, owner: str, job_id: str) -> None:
        """Renew the heartbeat of every claim ``owner`` holds for ``job_id``."""
        table = self._claims
        with self._db.transaction():
            table.update(heartbeat=self._db.now()).where(
                (table.owner == owner) & (table.job_id == job_id)
            ).execute()

    def _holder(self, kind: str, subject: str) -> Claim | None:
        return self._holders(kind, [subject]).get(subject)

    def _holders(self, kind: str, subjects: list[str]) -> dict[str, Claim]:
        table = self._claims
        query = table.select(table.subject, table.owner, table.job_id, table.heartbeat).where(
            (table.kind == kind) & table.subject.in_(subjects)
        )
        return {
            str(subject): Claim(kind, str(subject), str(owner), str(job_id), heartbeat)
            for subject, owner, job_id, heartbeat in cast(Iterable[tuple[Any, ...]], query.tuples())
        }

    def _match(self, kind: str, subject: str) -> pw.Expression:
        table = self._claims
        return (table.kind == kind) & (table.subject == subject)
