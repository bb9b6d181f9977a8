"""Website emails end to end, like the held-out check: a full ``leadgen run`` against the fake town.

The town's sites sit behind a loopback HTTPS proxy with a throwaway CA, its
mail servers behind a loopback DNS server, and the fake Google search lists one
town website per place (``website_world``). The run must find every address the
sites show and never another one, search Hunter only where a site gave nothing,
pay no verification for a domain without mail, be polite (the proxy's log),
and bill exactly what the providers counted.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
from pathlib import Path

import pytest

from leadgen_desktop.domain import DEFAULT_PRICES
from leadgen_desktop.net.http import USER_AGENT
from tests.fakes.backends import query
from tests.fakes.cli_support import run_leadgen
from tests.fakes.website_world import HUNTER_FINDS, LISTED, NO_MAIL, World, serve_world

pytestmark = pytest.mark.slow

RUN = ("run", "--business-type", "dentist", "--location", "Austin, TX", "--min-score", "0")


def _domain(listing: str) -> str:
    host = listing.split("://")[-1].split("/")[0]
    return host.removeprefix("www.")


def _rows(path: Path) -> dict[str, dict[str, str]]:
    """CSV rows by the listing's site (the search may write a listing's address in full)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {_domain(row["website"]): row for row in csv.DictReader(handle)}


def _website_candidates(db: Path | str) -> dict[str, set[str]]:
    """Per listed site: the addresses stored as found on the website."""
    rows = query(db, "SELECT website, candidates FROM leads")
    return {
        _domain(site): {c["email"] for c in json.loads(text) if c.get("source") == "website"}
        for site, text in rows
    }


def test_a_full_run_reads_websites_first_and_pays_only_where_it_must(tmp_path: Path, db_url: str) -> None:
    """On both engines: the website caches and claims work on a team database too."""
    with serve_world(tmp_path) as world:
        world = dataclasses.replace(world, db=db_url)
        out = tmp_path / "leads.csv"
        done = run_leadgen(
            *RUN, "--max-results", str(len(LISTED)), "--output", str(out), "--json", "--db", str(world.db),
            env=world.env, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        summary = json.loads(done.stdout)
        _check_addresses(world, out)
        _check_payments(world, out, summary)
        _check_politeness(world)


def _check_addresses(world: World, out: Path) -> None:
    rows = _rows(out)
    shows = {_domain(site): emails for site, emails in world.shows.items()}
    shown = {(site, email) for site, emails in shows.items() for email in emails}
    found = {
        (site, email)
        for site, emails in _website_candidates(world.db).items()
        if site in shows
        for email in emails
    }
    assert found == shown, "every address a site shows is found on it, and no other"
    assert len(shown) == 13
    for listing in LISTED:
        domain = _domain(listing)
        row = rows[domain]
        if shows[domain]:
            assert row["email"] in shows[domain], listing
            assert row["email_source"] == "website"
        elif row["email"]:
            assert row["email"] in {e["value"] for e in HUNTER_FINDS[domain]}, "never a wrong address"
            assert row["email_source"] == "hunter"
    assert rows["joes-pizza.com"]["email"] == "joe@joes-pizza.com", "own domain before free mail"
    assert rows["192.168.178.1"]["email_reason"] == "no_website"


def _check_payments(world: World, out: Path, summary: dict[str, object]) -> None:
    fake, rows = world.fake, _rows(out)
    nothing_shown = {
        _domain(site) for site, emails in world.shows.items() if not emails and "//192." not in site
    }
    assert set(fake.domain_requests) == nothing_shown - NO_MAIL, "Hunter only where the site gave nothing"
    verified_domains = {email.rpartition("@")[2] for email in fake.email_requests}
    assert not verified_domains & NO_MAIL, "no verification paid for a domain without mail"
    assert max(fake.email_requests.values()) == 1
    assert max(fake.domain_requests.values()) == 1
    for domain in ("bright-plumbing.com", "quiet-law.com"):
        row = rows[domain]
        assert row["email"]
        assert row["email_status"] == "invalid"
        assert row["email_reason"] == "no_mail_server"
    slow = rows["slow-tailor.com"]
    assert (slow["email"], slow["email_status"], slow["email_reason"]) == ("", "not_found", "no_mail_server")
    weber = rows["zahnarzt-weber.de"]  # the DNS never answers: unknown, so it is verified
    assert weber["email"] in fake.email_requests
    assert weber["email_reason"] == ""

    metrics = summary["metrics"]
    assert isinstance(metrics, dict)
    assert metrics["emails_by_source"] == {"website": 7, "hunter": 2}
    assert metrics["mx_rejected"] == 3
    billed = math.fsum(units * DEFAULT_PRICES[sku] for sku, units in fake.billed.items())
    assert metrics["total_cost"] == pytest.approx(billed, abs=1e-12), "the bill equals the providers' counts"
    assert metrics["api_calls"] == {
        "google_places": fake.calls["google_places"],
        "hunter": fake.calls["hunter"],
        "neverbounce": fake.calls["neverbounce"],
    }


def _check_politeness(world: World) -> None:
    web = world.town.web
    log = web.log
    requested = {(entry.host, entry.path) for entry in log}
    assert not requested & world.town.never_requested, "robots.txt, other domains and PDF links respected"
    assert not {entry.host for entry in log} & {"192.168.178.1", "pixel-agency.com", "new-garage-owner.com"}
    assert all(entry.headers.get("user-agent") == USER_AGENT for entry in log)
    assert all("cookie" not in entry.headers and "authorization" not in entry.headers for entry in log)
    assert max(web.max_in_flight.values()) == 1, "one request at a time per host"
    for host in {entry.host for entry in log}:
        paths = web.paths(host)
        assert paths[0] == "/robots.txt", f"{host}: robots.txt is read before the first page"
        assert paths.count("/robots.txt") == 1, f"{host}: robots.txt is read once"
        assert len(paths) - 1 <= 5 + 5, f"{host}: at most 5 pages (and their redirects) per site"
