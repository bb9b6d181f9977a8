"""The run's side of lookup claims: claim a lookup before paying for it, so no other run pays at once.

Two runs (two windows, a window and the command line, later teammates on one
PostgreSQL database) may need the same lookup at the same time: the same domain
searched, the same address verified (later: the same place's details, the same
tile, the same website). Before paying, a run claims the lookup in the
database (:class:`~leadgen_desktop.db.claim_queries.ClaimQueries`); a run that
finds it claimed by a live owner waits for the answer (the pipeline polls the
cache every :data:`CLAIM_POLL_SECONDS`, cancel-aware) and then takes it from
the cache at $0. A claim whose owner died (same host: its process is gone) or
went silent (no heartbeat for :data:`~leadgen_desktop.core.jobs.LEASE_STALE_AFTER`)
is taken over. The answer is cached in the same transaction that gives the
claim up, so a waiting run always finds one or the other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from leadgen_desktop.core.jobs import LEASE_STALE_AFTER
from leadgen_desktop.core.owners import owner_is_dead
from leadgen_desktop.db.records import Claim, ClaimKey
from leadgen_desktop.db.store import Store

CLAIM_POLL_SECONDS = 0.25
"""How often a run waiting on another run's lookup looks for the answer."""

DOMAIN = "domain"
"""Claim kind of an email-finder search (subject: the registrable domain)."""
EMAIL = "email"
"""Claim kind of a verification (subject: the address, case-folded)."""
SITE = "site"
"""Claim kind of a website being read (subject: its registrable domain): free, never read twice at once."""


class LookupClaims:
    """Claims of one job's run: taken, judged, renewed with the run's heartbeat, given up at its end."""

    def __init__(
        self,
        store: Store,
        owner: str,
        job_id: str,
        *,
        stale_after: dt.timedelta = LEASE_STALE_AFTER,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self._claims = store.claims
        self.owner, self.job_id = owner, job_id
        # the database's clock (the server's, on a team database), which also wrote the heartbeats
        self._stale_after, self._clock = stale_after, clock or store.db.now

    def key(self, kind: str, subject: str) -> ClaimKey:
        """This run's claim on a lookup (to give up with its answer)."""
        return ClaimKey(kind, subject, self.owner, self.job_id)

    def take(self, kind: str, subject: str) -> bool:
        """Claim the lookup; True when this run may pay for it, False while another live run does."""
        return self._claims.take(kind, subject, self.owner, self.job_id, self._abandoned) is None

    def take_many(self, kind: str, subjects: Iterable[str]) -> set[str]:
        """:meth:`take` for several lookups in one transaction; the subjects this run may now pay for."""
        taken = self._claims.take_many(kind, subjects, self.owner, self.job_id, self._abandoned)
        return {subject for subject, holder in taken.items() if holder is None}

    def held_elsewhere(self, kind: str, subject: str) -> bool:
        """True while another live run holds the lookup's claim (a read, nothing written)."""
        holder = self._claims.holder(kind, subject)
        if holder is None or (holder.owner, holder.job_id) == (self.owner, self.job_id):
            return False
        return not self._abandoned(holder)

    def give_up(self, kind: str, subject: str) -> None:
        """Release this run's claim on a lookup it will not pay for after all."""
        self._claims.release(self.key(kind, subject))

    def renew(self) -> None:
        """Tell waiting runs this run is alive (with the job's heartbeat)."""
        self._claims.renew(self.owner, self.job_id)

    def release_all(self) -> int:
        """Give up every claim of this run (it ended); return how many there were."""
        return self._claims.release_all(self.owner, self.job_id)

    def _abandoned(self, claim: Claim) -> bool:
        """A claim may be taken over: its owner's process is gone, or it stopped renewing it."""
        if claim.heartbeat < self._clock() - self._stale_after:
            return True
        return owner_is_dead(claim.owner)
