"""Demo or live: the mode line of the window and the providers a resumed job needs.

A job remembers whether it ran on demo data (``config.demo``); it is resumed
with the same kind of providers, whatever mode the window is in now.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from leadgen_desktop.domain import Providers
from leadgen_desktop.keychain import PROVIDER_NAMES
from leadgen_desktop.settings import load_settings
from leadgen_desktop.wiring import build_providers, demo_requested

LIVE_PREFIX = "Live — "
DEMO_MODE_TEXT = "Demo mode — add a Google Places key in Edit → Settings… for live data"


def mode_text(providers: Providers | None) -> str:
    """``Live — Google Places, Hunter.io, NeverBounce``, or what is missing, or demo."""
    if providers is None:
        return "No data providers (see the message above)"
    if providers.demo:
        if demo_requested():
            return "Demo mode (LEADGEN_DEMO is set)"
        return DEMO_MODE_TEXT
    present = [PROVIDER_NAMES["google_places"]]
    missing: list[str] = []
    for provider, attached in (("hunter", providers.finder), ("neverbounce", providers.verifier)):
        (present if attached is not None else missing).append(PROVIDER_NAMES[provider])
    text = LIVE_PREFIX + ", ".join(present)
    if providers.finder is None:
        return text + " (no Hunter.io key: emails are skipped)"
    if providers.verifier is None:
        return text + " (no NeverBounce key: emails are not verified)"
    return text


def providers_for_job(
    job_demo: bool,
    current: Providers | None,
    keys: Callable[[], Mapping[str, str | None]],
) -> Providers | str:
    """The providers to resume a job with, or why it cannot be resumed now.

    A demo job gets the current providers when they are demo ones (tests inject
    theirs), else fresh demo providers. A live job gets the current providers
    when they are live, else live ones from the stored keys; without a Google
    Places key the answer is an explanation.
    """
    if job_demo:
        if current is not None and current.demo:
            return current
        return build_providers(True, {})
    if current is not None and not current.demo:
        return current
    if demo_requested():
        return "This campaign used live data, but demo mode is forced (LEADGEN_DEMO is set)."
    found = dict(keys())
    if not found.get("google_places"):
        return (
            "This campaign used live data: add a Google Places API key in Edit → Settings… "
            "to resume it (its demo flag decides, so it cannot continue on demo data)."
        )
    try:
        return build_providers(False, found, load_settings())
    except Exception as exc:  # noqa: BLE001 - shown in the banner, never a crash
        return f"Cannot prepare the live providers: {exc}"
