"""A page's websites are looked up in the database at once, with the same claims as one by one.

The run thread hands a page's leads over together: one cache read for all their domains, one
transaction for the claims of those not cached, one cache read for those just claimed. These
tests pin the queries behind it (``ClaimQueries.take_many``, ``SiteCache.sites``) to the rules of
their one-subject forms, and check that ``WebsiteChecks.read_sites_ahead`` fetches exactly the
sites the one-by-one path would, leaves a site another run reads to it, gives up a claim whose
answer landed just before it, and that the page's ``read_site`` calls then touch no database.
On both engines (the ``store`` fixture).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from leadgen_desktop.core.run.lookup_claims import SITE, LookupClaims
from leadgen_desktop.core.run.website_checks import WEBSITE, WebsiteChecks
from leadgen_desktop.db.records import ClaimKey
from leadgen_desktop.db.store import Store
from leadgen_desktop.db.tables import utcnow
from leadgen_desktop.domain import CampaignConfig, SiteOutcome, SiteResult

OTHER = "other-machine:4242"
"""Another run's process: live while its heartbeat is fresh."""
DAY = dt.timedelta(days=1)


def _none_found(domain: str) -> SiteResult:
    return SiteResult(domain, f"https://{domain}/", (), 1, 1, SiteOutcome.NONE_FOUND)


def test_take_many_gives_each_subject_what_take_would(store: Store) -> None:
    never: Callable[[object], bool] = lambda _claim: False  # noqa: E731
    store.claims.take("site", "ours.com", "h:1", "j1", never)
    store.claims.take("site", "live.com", "h:2", "j2", never)
    store.claims.take("site", "stale.com", "h:3", "j3", never)
    found = store.claims.take_many(
        "site", ["free.com", "ours.com", "live.com", "stale.com", "free.com"], "h:1", "j1",
        lambda claim: claim.owner == "h:3",
    )  # fmt: skip
    assert set(found) == {"free.com", "ours.com", "live.com", "stale.com"}
    assert found["free.com"] is None
    assert found["ours.com"] is None
    assert found["stale.com"] is None
    live = found["live.com"]
    assert live is not None
    assert (live.owner, live.job_id) == ("h:2", "j2")
    for subject, owner in (("free.com", "h:1"), ("stale.com", "h:1"), ("live.com", "h:2")):
        holder = store.claims.holder("site", subject)
        assert holder is not None, subject
        assert holder.owner == owner, subject
    assert store.claims.take_many("site", [], "h:1", "j1", never) == {}


def test_sites_reads_several_domains_by_the_rules_of_one(store: Store) -> None:
    slow = SiteResult("slow.com", "https://slow.com/", (), 0, 2, SiteOutcome.TIMEOUT)
    store.sites.save_site("shop.com", "job-1", "website", _none_found("shop.com"))
    store.sites.save_site("slow.com", "job-1", "website", slow)
    two_hours_ago = utcnow() - dt.timedelta(hours=2)
    with store.db.transaction():
        store.db.tables.site_cache.update(fetched_at=two_hours_ago).execute()
    hour = dt.timedelta(hours=1)
    assert set(store.sites.sites(["shop.com", "slow.com", "none.com"], 30 * DAY, hour)) == {"shop.com"}
    mine = store.sites.sites(["shop.com", "slow.com"], 30 * DAY, hour, job_id="job-1")
    assert {domain: entry.result for domain, entry in mine.items()} == {
        "shop.com": _none_found("shop.com"),
        "slow.com": slow,
    }, "the job's own transient result is its checkpoint"
    assert store.sites.sites([], 30 * DAY, hour) == {}


def _counted(calls: list[str], name: str, real: Callable[..., Any]) -> Callable[..., Any]:
    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(name)
        return real(*args, **kwargs)

    return counted


def _answer_into(
    answers: dict[str, tuple[SiteResult | None, bool]], domain: str
) -> Callable[[SiteResult | None, bool], None]:
    def then(site: SiteResult | None, cached: bool) -> None:
        answers[domain] = (site, cached)

    return then


class _Requests:
    """The run's request pool as the checks see it: still sending, and what was submitted."""

    sending = True

    def __init__(self) -> None:
        self.submitted: list[str] = []

    def submit(self, kind: str, key: str, _ask: object, _hold: object, lane: str | None = None) -> None:
        assert kind == WEBSITE
        assert lane == key
        self.submitted.append(key)


class _Reader:
    def crawl(self, website: str, stop: object) -> SiteResult:
        raise AssertionError("the checks only submit; nothing is crawled here")


def test_a_page_is_claimed_at_once_and_its_reads_touch_no_database(store: Store) -> None:
    job_id = store.jobs.create(CampaignConfig("shop", "Town"))[1]
    other_job = store.jobs.create(CampaignConfig("shop", "Town"))[1]
    store.sites.save_site("cached.com", other_job, "website", _none_found("cached.com"))
    store.claims.take(SITE, "busy.com", OTHER, other_job, lambda _c: False)  # another run reads it now
    store.claims.take(SITE, "late.com", OTHER, other_job, lambda _c: False)  # ...and answers in a moment
    claims = LookupClaims(store, "h:me", job_id)
    requests = _Requests()
    checks = WebsiteChecks(
        store=store, job_id=job_id, websites=_Reader(), mail_servers=None, reader_name="website",
        cache_ttl=30 * DAY, requests=requests, claims=claims,  # type: ignore[arg-type]
    )  # fmt: skip
    real_take_many = store.claims.take_many

    def answered_just_before(*args: Any, **kwargs: Any) -> Any:
        """The other run caches late.com and gives its claim up after our first cache read."""
        if store.claims.holder(SITE, "late.com") is not None:
            store.sites.save_site(
                "late.com",
                other_job,
                "website",
                _none_found("late.com"),
                ClaimKey(SITE, "late.com", OTHER, other_job),
            )
        return real_take_many(*args, **kwargs)

    store.claims.take_many = answered_just_before  # type: ignore[method-assign]
    page = ["free1.com", "cached.com", "busy.com", "late.com", "free2.com", "free1.com"]
    checks.read_sites_ahead(page)

    database_calls: list[str] = []
    for owner, name in ((store.sites, "sites"), (store.sites, "site"), (store.claims, "take_many")):
        setattr(owner, name, _counted(database_calls, name, getattr(owner, name)))
    answers: dict[str, tuple[SiteResult | None, bool]] = {}
    for domain in ("free1.com", "cached.com", "late.com", "free2.com", "free1.com"):
        checks.read_site(domain, f"https://{domain}/", _answer_into(answers, domain))
    assert database_calls == [], "the page's claimed and cached sites need no further query"
    assert requests.submitted == ["free1.com", "free2.com"], "read once each, and only those not cached"
    assert answers == {
        "cached.com": (_none_found("cached.com"), True),
        "late.com": (_none_found("late.com"), True),
    }
    assert store.claims.holder(SITE, "late.com") is None, "a claim whose answer landed first is given up"
    for domain in ("free1.com", "free2.com"):
        holder = store.claims.holder(SITE, domain)
        assert holder is not None
        assert (holder.owner, holder.job_id) == ("h:me", job_id)

    checks.read_site("busy.com", "https://busy.com/", _answer_into(answers, "busy.com"))
    assert checks.waiting_elsewhere, "another run's site is waited for"
    assert "busy.com" not in answers
    assert requests.submitted == ["free1.com", "free2.com"]
