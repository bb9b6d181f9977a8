"""Plain-language explanations of one stored lead (no Qt): sources, score, candidates, cost.

:class:`LeadRecord` keeps its score components, email candidates, provenance
and verification flags as JSON strings; the functions here decode them
tolerantly (a malformed value yields an empty explanation, never an
exception) and turn them into short sentences for the details panel.

Provenance keys written by the pipeline (``core/pipeline.py`` and
``core/enrich_scheduler.py``): ``discovery`` ({"provider"}), ``domain``,
``email_search`` (a dict with provider/domain/candidates, or a sentence),
``email_search_cache_hit``, ``email_search_reused_in_run``, ``verification``
(a dict with provider/result, or a sentence), ``verification_cache_hit``,
``verification_reused_in_run``, ``website`` (what reading the website gave:
outcome, pages, each address's page; ``core/run/website_step.py``) and
``mail_server`` (the email domain's DNS answer). Unknown keys are shown as they
are, so nothing recorded is hidden. Website candidates carry the page they were
found on and how they were written (``page_url``, ``found_by``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import quote_plus

from leadgen_desktop.db.records import LeadRecord
from leadgen_desktop.domain import (
    DEMO_PROVIDER_PREFIX,
    Area,
    AreaError,
    EmailMethod,
    EmailReason,
    EmailSource,
    EmailStatus,
    MailServerStatus,
    web_url,
)
from leadgen_desktop.keychain import PROVIDER_NAMES

SOURCE_NAMES: dict[str, str] = {
    **PROVIDER_NAMES,
    "demo": "Demo data (offline)",
    "website": "the business's own website",
}
"""Who a lead's data came from, for people: the paid providers (named once, in
:mod:`~leadgen_desktop.keychain`) and the free sources."""

_KNOWN_KEYS = frozenset(
    {
        "discovery",
        "domain",
        "email_search",
        "email_search_cache_hit",
        "email_search_reused_in_run",
        "verification",
        "verification_cache_hit",
        "verification_reused_in_run",
        "charged",
        "website",
        "mail_server",
    }
)
_CHARGE_NAMES = {"search": "email search", "verify": "verification"}

_REASON_ADVICE: dict[EmailReason, str] = {
    EmailReason.NO_WEBSITE: "Without a website there is no company domain to search.",
    EmailReason.SHARED_PLATFORM: "Addresses on such a site belong to the platform, not to the business.",
    EmailReason.PROVIDER_FOUND_NONE: "The domain was searched; the search simply returned no address.",
    EmailReason.QUOTA_EXHAUSTED: "Top up the provider plan, then run the campaign again to search it.",
    EmailReason.BUDGET: "Raise the campaign budget to search this lead next time.",
    EmailReason.NO_KEY: "Add a Hunter.io API key in Settings to search emails.",
    EmailReason.PROVIDER_ERROR: "Running the campaign again may succeed.",
    EmailReason.NO_MAIL_SERVER: "Mail to this domain cannot be delivered; try the phone or a contact form.",
    EmailReason.WEBSITE_FOUND_NONE: "Set the Hunter mode to fallback in Settings to search such domains.",
}

_METHOD_WORDS: dict[str, str] = {
    EmailMethod.MAILTO: "mailto link",
    EmailMethod.TEXT: "page text",
    EmailMethod.JSONLD: "JSON-LD",
    EmailMethod.MICRODATA: "microdata",
    EmailMethod.CFEMAIL: "Cloudflare cfemail",
    EmailMethod.OBFUSCATED: "written out ([at] / [dot])",
}

_MAIL_SERVER_WORDS: dict[str, str] = {
    MailServerStatus.MX: "receives mail (MX records)",
    MailServerStatus.ADDRESS_FALLBACK: "receives mail (no MX; its own address)",
    MailServerStatus.NULL_MX: "receives no mail (null MX)",
    MailServerStatus.NXDOMAIN: "does not exist (NXDOMAIN)",
    MailServerStatus.NO_RECORDS: "receives no mail (neither MX nor address)",
    MailServerStatus.TIMEOUT: "unknown (no DNS answer in time; verified anyway)",
    MailServerStatus.SERVER_FAILURE: "unknown (the DNS failed; verified anyway)",
}

_STATUS_WORDS: dict[str, str] = {
    EmailStatus.VALID: "valid",
    EmailStatus.INVALID: "invalid",
    EmailStatus.CATCHALL: "catch-all (the server accepts any address)",
    EmailStatus.UNKNOWN: "unknown (the verifier could not decide)",
    EmailStatus.DISPOSABLE: "disposable address",
    EmailStatus.UNVERIFIED: "not verified",
    EmailStatus.NOT_FOUND: "not found",
}


@dataclass(frozen=True, slots=True)
class ScorePart:
    """One component of the confidence score."""

    name: str
    points: float
    max_points: float
    detail: str

    @property
    def title(self) -> str:
        """Capitalised component name (``Reviews``)."""
        return self.name.replace("_", " ").capitalize()

    @property
    def fraction(self) -> float:
        """Points as a 0..1 share of the maximum."""
        return min(max(self.points / self.max_points, 0.0), 1.0) if self.max_points > 0 else 0.0


@dataclass(frozen=True, slots=True)
class CandidateView:
    """One email candidate, ready to show."""

    email: str
    confidence: int
    kind: str
    person: str  # "Betty Patel, Receptionist" or ""
    chosen: bool
    verification: str  # what is known about its verification
    found: str = ""  # where it was found: "on https://x.com/contact (mailto link)", "Hunter.io"


def _loads(text: str | None, default: object) -> object:
    try:
        return json.loads(text) if text else default
    except (TypeError, ValueError):
        return default


def provider_name(provider: object) -> str:
    """Readable provider name (``hunter`` -> ``Hunter.io``)."""
    text = str(provider or "unknown provider")
    if text.startswith(DEMO_PROVIDER_PREFIX):
        return SOURCE_NAMES["demo"]
    return SOURCE_NAMES.get(text, text)


def is_demo_lead(record: LeadRecord) -> bool:
    """True when the lead came from the offline demo providers."""
    prov = provenance(record)
    discovery = prov.get("discovery")
    provider = discovery.get("provider") if isinstance(discovery, dict) else None
    return str(provider or "").startswith(DEMO_PROVIDER_PREFIX) or record.place_id.startswith(
        DEMO_PROVIDER_PREFIX
    )


def provenance(record: LeadRecord) -> dict[str, object]:
    """The decoded provenance mapping ({} when missing or malformed)."""
    value = _loads(record.provenance, {})
    return value if isinstance(value, dict) else {}


def score_parts(record: LeadRecord) -> list[ScorePart]:
    """The score's components in stored order (malformed entries are skipped)."""
    parts: list[ScorePart] = []
    raw = _loads(record.score_components, [])
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict):
            continue
        try:
            parts.append(
                ScorePart(
                    name=str(item.get("name", "")),
                    points=float(item.get("points", 0)),
                    max_points=float(item.get("max_points", 0)),
                    detail=str(item.get("detail", "")),
                )
            )
        except (TypeError, ValueError):
            continue
    return parts


def verification_flags(record: LeadRecord) -> list[str]:
    """The verifier's flags for the chosen email."""
    raw = _loads(record.verification_flags, [])
    return [str(flag) for flag in raw] if isinstance(raw, list) else []


def status_words(status: str) -> str:
    """A short phrase for an ``email_status`` value."""
    return _STATUS_WORDS.get(status, status.replace("_", " "))


def candidate_views(record: LeadRecord) -> list[CandidateView]:
    """Every candidate address, the chosen one first, with its verification state."""
    raw = _loads(record.candidates, [])
    chosen_key = (record.email or "").casefold()
    flags = verification_flags(record)
    views: list[CandidateView] = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict) or not item.get("email"):
            continue
        email = str(item["email"])
        names = " ".join(str(item[k]) for k in ("first_name", "last_name") if item.get(k))
        person = ", ".join(part for part in (names, str(item.get("position") or "")) if part)
        chosen = bool(chosen_key) and email.casefold() == chosen_key
        if chosen:
            verification = status_words(record.email_status)
            if flags:
                verification += " · flags: " + ", ".join(flags)
        else:
            verification = "not verified (only the chosen address is checked)"
        try:
            confidence = int(item.get("confidence") or 0)
        except (TypeError, ValueError):
            confidence = 0
        kind = str(item.get("kind") or "generic")
        views.append(CandidateView(email, confidence, kind, person, chosen, verification, _found(item)))
    views.sort(key=lambda view: not view.chosen)
    return views


def _found(item: dict[str, object]) -> str:
    """Where a candidate was found, in words ("" for leads stored before sources were recorded)."""
    source = str(item.get("source") or "")
    if source == EmailSource.WEBSITE:
        method = str(item.get("found_by") or "")
        how = _METHOD_WORDS.get(method, method.replace("_", " "))
        page = str(item.get("page_url") or "the website")
        return f"on {page} ({how})" if how else f"on {page}"
    return f"from {provider_name(source)}" if source else ""


def _website_line(site: object) -> str:
    """What reading the website gave, in words."""
    if not isinstance(site, dict):
        return str(site)
    pages = site.get("pages", 0)
    addresses = site.get("addresses")
    count = len(addresses) if isinstance(addresses, list) else 0
    parts = [
        str(site.get("label") or site.get("outcome") or "read"),
        f"{pages} page{'s' if pages != 1 else ''} read",
        f"{count} address{'es' if count != 1 else ''}",
        "cached (not fetched again)" if site.get("cached") else "free",
    ]
    return " · ".join(parts)


def _call_kind(prov: dict[str, object], step: str, provider: object) -> str:
    if str(provider or "").startswith(DEMO_PROVIDER_PREFIX):
        return "offline sample (no charge)"
    if prov.get(f"{step}_cache_hit"):
        return "cache hit (no charge)"
    if prov.get(f"{step}_reused_in_run"):
        return "reused from an earlier lead in this run (no charge)"
    return "live call"


def source_lines(record: LeadRecord) -> list[tuple[str, str]]:
    """(field, where it came from) pairs, in pipeline order."""
    prov = provenance(record)
    lines: list[tuple[str, str]] = []
    discovery = prov.get("discovery")
    if isinstance(discovery, dict):
        lines.append(("Business details", f"{provider_name(discovery.get('provider'))} · search results"))
        tile = tile_text(discovery)
        if tile:
            lines.append(("Found in", tile))
    if prov.get("domain"):
        lines.append(("Email domain", f"{prov['domain']} (from the website address)"))
    if "website" in prov:
        lines.append(("Website", _website_line(prov["website"])))
    search = prov.get("email_search")
    if isinstance(search, dict):
        count = search.get("candidates", 0)
        found = "1 address" if count == 1 else f"{count} addresses"
        kind = _call_kind(prov, "email_search", search.get("provider"))
        lines.append(("Email search", f"{provider_name(search.get('provider'))} · {kind} · {found}"))
    elif search:
        lines.append(("Email search", str(search)))
    verification = prov.get("verification")
    if isinstance(verification, dict):
        kind = _call_kind(prov, "verification", verification.get("provider"))
        result = status_words(str(verification.get("result", "")))
        lines.append(("Verification", f"{provider_name(verification.get('provider'))} · {kind} · {result}"))
    elif verification:
        lines.append(("Verification", str(verification)))
    if prov.get("mail_server"):
        status = str(prov["mail_server"])
        lines.append(("Mail server", _MAIL_SERVER_WORDS.get(status, status.replace("_", " "))))
    for key, value in prov.items():
        if key not in _KNOWN_KEYS:
            lines.append(
                (
                    key.replace("_", " ").capitalize(),
                    json.dumps(value) if not isinstance(value, str) else value,
                )
            )
    charged = prov.get("charged")
    if isinstance(charged, dict) and charged and not is_demo_lead(record):
        paid = [f"{_CHARGE_NAMES.get(str(k), str(k))} of {v}" for k, v in charged.items()]
        lines.append(("Paid by this lead", "; ".join(paid)))
    if record.email_source and not isinstance(search, dict):
        lines.append(("Email source", provider_name(record.email_source)))
    return lines


def tile_text(discovery: dict[str, object]) -> str | None:
    """Which tile of the area found the lead: its key, size and how many places its search held."""
    key = discovery.get("tile")
    if not isinstance(key, str):
        return None
    text = f"tile {key} of the area"
    try:
        rect = Area.from_list(discovery.get("tile_area"))
    except AreaError:
        return text
    places = discovery.get("tile_places")
    held = f", {places} places in its search" if isinstance(places, int) else ""
    size = f"{rect.height_m / 1000:.1f} km × {rect.width_m / 1000:.1f} km"
    return f"{text} ({size}{held}; {rect})"


def cost_text(record: LeadRecord) -> str:
    """What the lead cost: ``$0.0245``, ``$0 (cache hit)``, ``$0 (demo)`` or ``$0 (no paid call)``."""
    prov = provenance(record)
    if record.cost > 0:
        charged = prov.get("charged")
        if isinstance(charged, dict) and charged:
            return f"${record.cost:.4f} ({', '.join(_CHARGE_NAMES.get(str(k), str(k)) for k in charged)})"
        return f"${record.cost:.4f}"
    if is_demo_lead(record):
        return "$0 (demo)"
    if prov.get("email_search_cache_hit") or prov.get("verification_cache_hit"):
        return "$0 (cache hit)"
    if prov.get("email_search_reused_in_run") or prov.get("verification_reused_in_run"):
        return "$0 (reused a result from this run)"
    return "$0 (no paid call)"


def no_email_reason(record: LeadRecord) -> EmailReason | None:
    """The stored reason as an enum (None when there is an email or the value is unknown)."""
    if record.email or not record.email_reason:
        return None
    try:
        return EmailReason(record.email_reason)
    except ValueError:
        return None


def no_email_explanation(record: LeadRecord) -> str:
    """Why the lead has no email, in plain words ("" when it has one)."""
    if record.email:
        return ""
    reason = no_email_reason(record)
    if reason is None:
        raw = (record.email_reason or "").replace("_", " ")
        return f"No email: {raw}." if raw else "No email was found."
    parts = [reason.description, _REASON_ADVICE[reason]]
    domain = provenance(record).get("domain")
    if reason is EmailReason.SHARED_PLATFORM and domain:
        parts.insert(1, f"({domain})")
    if reason is EmailReason.PROVIDER_ERROR and record.error:
        parts.insert(1, f"The provider said: {record.error}")
    return " ".join(parts)


def maps_url(record: LeadRecord) -> str:
    """The lead's Google Maps page (when it is an http(s) link), or a Maps search for its name and address."""
    stored = web_url(record.maps_url)
    if stored:
        return stored
    query = ", ".join(part for part in (record.business_name, record.address) if part)
    url = f"https://www.google.com/maps/search/?api=1&query={quote_plus(query)}"
    if record.place_id and not record.place_id.startswith(DEMO_PROVIDER_PREFIX):
        url += f"&query_place_id={quote_plus(record.place_id)}"
    return url


def website_url(record: LeadRecord) -> str | None:
    """The website as an http(s) URL (``https://`` is assumed for a bare host), or None.

    Anything that is not an http(s) link (``javascript:``, ``file:`` ...) is None: never opened.
    """
    return web_url(record.website)
