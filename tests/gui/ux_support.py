"""Shared helpers for the window UX tests: sample leads and demo/live windows."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import shiboken6
from pytestqt.qtbot import QtBot

from leadgen_desktop.db.records import LeadRecord
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import Cancelled, CancelToken, DomainSearch, EmailFinder, Providers
from leadgen_desktop.gui.shell.main_window import MainWindow
from leadgen_desktop.net.providers.demo import build_demo_providers

COMPONENTS = [
    {"name": "address", "points": 15, "max_points": 15, "detail": "Has a street address."},
    {"name": "website", "points": 25, "max_points": 25, "detail": "Has its own website domain (acme.com)."},
    {"name": "reviews", "points": 6, "max_points": 15, "detail": "8 reviews."},
]

BASE = LeadRecord(
    lead_id=1,
    job_id="job",
    campaign_id="camp",
    rank=1,
    business_name="Acme Dental",
    address="1 Main St, Austin, TX",
    phone="(512) 555-0100",
    website="https://www.acme.com/",
    email="info@acme.com",
    email_status="valid",
    confidence_score=46,
    rating=4.5,
    review_count=8,
    place_id="ChIJ-acme",
    email_reason=None,
    email_source="hunter",
    business_status="OPERATIONAL",
    maps_url="https://maps.google.com/?cid=42",
    cost=0.0325,
    error=None,
    score_components=json.dumps(COMPONENTS),
    candidates=json.dumps(
        [
            {"email": "info@acme.com", "confidence": 91, "kind": "generic"},
            {
                "email": "jane@acme.com",
                "confidence": 72,
                "kind": "personal",
                "first_name": "Jane",
                "last_name": "Roe",
                "position": "Office manager",
            },
        ]
    ),
    provenance=json.dumps(
        {
            "discovery": {"provider": "google_places"},
            "domain": "acme.com",
            "email_search": {"provider": "hunter", "domain": "acme.com", "candidates": 2},
            "verification": {"provider": "neverbounce", "result": "valid"},
        }
    ),
    verification_flags=json.dumps(["has_dns", "smtp_connectable"]),
)


def lead(lead_id: int, **changes: object) -> LeadRecord:
    """A copy of BASE with a new id/rank and ``changes``."""
    fields: dict[str, object] = {"rank": lead_id, "place_id": f"ChIJ-{lead_id}", **changes}
    return replace(BASE, lead_id=lead_id, **fields)


def no_email(lead_id: int, reason: str, **changes: object) -> LeadRecord:
    """A lead without an email for ``reason``."""
    values: dict[str, object] = {
        "email": None,
        "email_status": "not_found",
        "email_reason": reason,
        "email_source": None,
        "candidates": "[]",
        "verification_flags": "[]",
        "cost": 0.0,
        **changes,
    }
    return lead(lead_id, **values)


_WINDOWS: list[MainWindow] = []


def close_windows() -> None:
    """Close every window ``make_window`` opened (joining their threads), newest first.

    A window qtbot already deleted (its test failed before this ran) is skipped: closing it
    would raise "already deleted" and hide the test's own failure.
    """
    while _WINDOWS:
        window = _WINDOWS.pop()
        if shiboken6.isValid(window):
            window.close()


def repo_with_cleanup(tmp_path: Path) -> Iterator[Store]:
    """A fresh database for a fixture; the test's windows are closed (joining their threads) first."""
    repository = Store.open(tmp_path / "ux.db")
    yield repository
    close_windows()
    repository.db.close()


class FinderHeldAfter:
    """A finder whose first ``count`` searches answer; later ones wait until the run is cancelled.

    A run over it cannot finish by itself, so a test that cancels or closes mid-run never
    races the run's end, however the threads are scheduled.
    """

    HOLD_SECONDS = 60.0

    def __init__(self, inner: EmailFinder, count: int) -> None:
        self._inner = inner
        self._count = count
        self._lock = threading.Lock()
        self.provider = inner.provider
        self.billing_sku = inner.billing_sku

    def find(self, domain: str, cancel: CancelToken) -> DomainSearch:
        with self._lock:
            self._count -= 1
            held = self._count < 0
        if held and cancel.wait(self.HOLD_SECONDS):
            raise Cancelled
        return self._inner.find(domain, cancel)


def make_window(
    qtbot: QtBot,
    repo: Store,
    *,
    live: bool = False,
    latency: float = 0.0,
    hold_after: int | None = None,
) -> MainWindow:
    """A shown window over demo providers (``live`` pretends they are paid ones).

    ``hold_after`` holds every email search after that many until the run is cancelled.
    """

    def factory() -> Providers:
        providers = build_demo_providers(latency=latency)
        if hold_after is not None and providers.finder is not None:
            providers = replace(providers, finder=FinderHeldAfter(providers.finder, hold_after))
        return replace(providers, demo=False) if live else providers

    window = MainWindow(repo, providers_factory=factory)
    qtbot.addWidget(window)
    _WINDOWS.append(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def fill_form(qtbot: QtBot, window: MainWindow, max_results: int = 5) -> None:
    """Type a valid campaign into the form."""
    form = window.campaign_panel.form
    qtbot.keyClicks(form.business_type, "dentist")
    qtbot.keyClicks(form.location, "Austin, TX")
    form.max_results.setValue(max_results)
    form.min_score.setValue(0)
