"""The held-out check's world for full runs: the fake town's websites, its DNS, the fake APIs listing them.

``serve_world(tmp_path)`` serves the town (``fake_sites.town``) behind a loopback
HTTPS proxy with a throwaway CA, a loopback DNS server, and the fake APIs whose
text search lists one town website per place (positions :data:`LISTED`); it
yields a :class:`World` whose ``env`` runs ``leadgen`` as a user's machine would
(``HTTP(S)_PROXY``, ``SSL_CERT_FILE``, ``LEADGEN_DNS_SERVER``, the API base URLs).

What each listing should end with (the test's expectations) is written next to
the world, so a test reads as the check it is.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.fakes.api_server import FakeApis, cli_env, serve
from tests.fakes.dns_server import serve_dns
from tests.fakes.fake_sites import Town, town
from tests.fakes.throwaway_ca import ThrowawayCA
from tests.fakes.web_proxy import serve_proxy

LISTED: tuple[str, ...] = (
    "https://smile-dental.com/",
    "https://www.oak-bakery.com/",
    "bright-plumbing.com",
    "http://zahnarzt-weber.de",
    "https://joes-pizza.com/",
    "https://quiet-law.com/",
    "https://old-garage.com/",
    "https://huge-florist.com/",
    "https://slow-tailor.com/",
    "https://print-shop.com/",
    "http://192.168.178.1/",
)
"""The town's listings, in search order (place ``i`` links to ``LISTED[i]``)."""

HUNTER_FINDS: dict[str, list[dict[str, object]]] = {
    "old-garage.com": [
        {"value": "owner@old-garage.com", "type": "personal", "confidence": 91, "first_name": "Ray",
         "last_name": "Diaz", "position": "Owner", "seniority": "executive", "department": "management"},
    ],
    "huge-florist.com": [
        {"value": "hello@huge-florist.com", "type": "generic", "confidence": 80},
    ],
}  # fmt: skip
"""What Hunter knows for the domains whose sites show nothing (every other domain: generated emails)."""

MX_ADDED: dict[str, list[tuple[int, str]]] = {
    "old-garage.com": [(10, "mx.old-garage.com")],
    "huge-florist.com": [(10, "mx.huge-florist.com")],
    "print-shop.com": [(10, "mx.print-shop.com")],
}
"""Mail servers added to the town's DNS (slow-tailor.com stays unknown to it: NXDOMAIN)."""

NO_MAIL = frozenset({"bright-plumbing.com", "quiet-law.com", "slow-tailor.com"})
"""Domains whose DNS says they receive no mail: null MX, no records, NXDOMAIN."""


@dataclass
class World:
    """Everything a full run against the town needs."""

    town: Town
    fake: FakeApis
    env: dict[str, str]
    db: Path

    @property
    def shows(self) -> dict[str, set[str]]:
        """Listing -> the addresses its website really shows."""
        return {listing: self.town.shows[listing] for listing in LISTED}


def world_apis(**options: object) -> FakeApis:
    """The fake APIs listing the town's websites (places beyond the listings have none)."""
    fake = FakeApis(websites=dict(enumerate(LISTED)), **options)  # type: ignore[arg-type]
    fake.hunter_domains.update(HUNTER_FINDS)
    return fake


@contextlib.contextmanager
def serve_world(
    tmp_path: Path, fake: FakeApis | None = None, the_town: Town | None = None
) -> Iterator[World]:
    """Serve the town, its DNS and the fake APIs; yield the world (see the module docstring)."""
    world_town = the_town or town()
    world_town.zone.mx.update(MX_ADDED)
    apis = fake or world_apis()
    certificates = tmp_path / "ca"
    certificates.mkdir(exist_ok=True)
    with (
        serve(apis) as base_url,
        serve_proxy(world_town.web, ThrowawayCA(certificates)) as proxy,
        serve_dns(world_town.zone) as dns_server,
    ):
        env = cli_env(base_url, tmp_path)
        env.update(
            HTTP_PROXY=proxy,
            HTTPS_PROXY=proxy,
            NO_PROXY="127.0.0.1,localhost",
            SSL_CERT_FILE=str(certificates / "ca.pem"),
            LEADGEN_DNS_SERVER=dns_server,
        )
        yield World(world_town, apis, env, tmp_path / "leads.db")
