"""The free lookups' caches: lifetimes (settled vs transient), the job's checkpoint, damaged entries.

On both engines (the ``store`` fixture).
"""

from __future__ import annotations

import datetime as dt

from leadgen_desktop.db.store import Store
from leadgen_desktop.db.tables import utcnow
from leadgen_desktop.domain import (
    EmailMethod,
    FoundAddress,
    MailServerCheck,
    MailServerStatus,
    SiteOutcome,
    SiteResult,
)

DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)


def _age(store: Store, table: str, domain: str, by: dt.timedelta) -> None:
    rows = getattr(store.db.tables, table)
    with store.db.transaction():
        rows.update(fetched_at=utcnow() - by).where(rows.domain == domain).execute()


def test_a_site_result_round_trips_and_ages_by_its_kind(store: Store) -> None:
    found = SiteResult(
        "shop.com",
        "https://shop.com/",
        (FoundAddress("info@shop.com", "https://shop.com/contact", EmailMethod.CFEMAIL),),
        2,
        3,
        SiteOutcome.FOUND,
        "read 2 pages",
    )
    slow = SiteResult("slow.com", "https://slow.com/", (), 0, 2, SiteOutcome.TIMEOUT)
    store.sites.save_site("shop.com", "job-1", "website", found)
    store.sites.save_site("slow.com", "job-1", "website", slow)
    entry = store.sites.site("shop.com", 30 * DAY, HOUR)
    assert entry is not None
    assert (entry.result, entry.job_id, entry.provider) == (found, "job-1", "website")
    _age(store, "site_cache", "shop.com", 2 * DAY)
    _age(store, "site_cache", "slow.com", 2 * HOUR)
    assert store.sites.site("shop.com", 30 * DAY, HOUR) is not None, "settled: the cache lifetime"
    assert store.sites.site("shop.com", DAY, HOUR) is None
    assert store.sites.site("slow.com", 30 * DAY, HOUR) is None, "transient: the short lifetime"
    assert store.sites.site("slow.com", 30 * DAY, HOUR, job_id="job-2") is None
    assert store.sites.site("slow.com", 30 * DAY, HOUR, job_id="job-1") is not None, "the job's checkpoint"
    assert store.sites.found_share(30 * DAY) == (1, 1), "only settled results tell the hit rate"


def test_a_damaged_or_foreign_entry_is_a_miss(store: Store) -> None:
    store.sites.save_site(
        "shop.com", "j", "website", SiteResult("shop.com", "", (), 0, 0, SiteOutcome.NONE_FOUND)
    )
    store.sites.save_mail_server("shop.com", "website", MailServerCheck("shop.com", MailServerStatus.MX))
    tables = store.db.tables
    with store.db.transaction():
        tables.site_cache.update(data='{"version": 99}').execute()
        tables.mail_server_cache.update(data="{oops").execute()
    assert store.sites.site("shop.com", 30 * DAY, HOUR) is None
    assert store.sites.mail_server("shop.com", 30 * DAY, HOUR) is None


def test_mail_server_answers_are_kept_by_domain_and_unknown_ones_briefly(store: Store) -> None:
    store.sites.save_mail_server("Shop.com", "website", MailServerCheck("shop.com", MailServerStatus.NULL_MX))
    store.sites.save_mail_server("dns.com", "website", MailServerCheck("dns.com", MailServerStatus.TIMEOUT))
    null_mx = store.sites.mail_server("SHOP.com", 7 * DAY, HOUR)
    assert null_mx is not None
    assert null_mx.no_mail_server
    _age(store, "mail_server_cache", "dns.com", 2 * HOUR)
    assert store.sites.mail_server("dns.com", 7 * DAY, HOUR) is None
    stats = store.lookups.stats()
    assert (stats.websites, stats.mail_servers) == (0, 2)
    store.lookups.clear()
    assert store.lookups.stats().total == 0
