"""Offline, deterministic demo providers: discovery, email finding and verification.

Everything is generated from a SHA-256 hash of the request (never Python's
salted ``hash()``), so the same campaign always yields the same businesses,
emails and verdicts, on every machine, with no network and no cost: demo
providers record no :class:`~leadgen_desktop.domain.ApiCall`.

Discovery offers :data:`RAW_PLACES` places per query in pages of
:data:`PAGE_SIZE`, generated lazily (only the requested page is built). Per
block of 100 raw places exactly 3 are permanently closed (skipped, as the live
Google provider does, so such pages hold fewer than 20) and exactly 3 repeat an
earlier place (same ``place_id``), so at least 1,000 distinct places remain.
Roughly 15% have no website, 5% sit on a shared platform (a Facebook page or a
``wixsite.com`` site), 5% are temporarily closed, 2% have an unknown status
and about 4% have no phone. The email finder returns nothing for about 15% of
domains; the verifier says mostly valid, ~10% catch-all (whole domains), and a
few unknown, invalid or disposable.

Website scheme: ``https://www.<name-slug>-demo-<code>.com/`` where ``<code>``
is four base-36 characters (two from the query hash, two from the place
number). The ``-demo-`` token marks the domain as invented, and the code makes
every place of a query get its own registrable domain.

Data (name patterns, words, streets, contacts) lives in JSON files under
``resources/demo/``, found by :func:`_resources_dir`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import random
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from leadgen_desktop.domain import (
    Business,
    BusinessStatus,
    CampaignConfig,
    Cancelled,
    CancelToken,
    DiscoveryPage,
    DomainSearch,
    EmailCandidate,
    EmailStatus,
    ProviderError,
    Providers,
    Verification,
)

PROVIDER = "demo"
PAGE_SIZE = 20
RAW_PLACES = 1100
"""Raw places per query; 1,034 distinct, not permanently closed places remain."""
DEFAULT_LATENCY = 0.05
"""Seconds each demo call waits unless ``LEADGEN_DEMO_LATENCY`` says otherwise."""
_BLOCK = 100
_CLOSED_PER_BLOCK = 3
_DUPLICATES_PER_BLOCK = 3
_TOKEN_RE = re.compile(r"^demo-page-(\d{1,4})$")
_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def _resources_dir() -> Path:
    """The ``resources`` directory: ``LEADGEN_RESOURCES_DIR`` or the source tree's."""
    override = os.environ.get("LEADGEN_RESOURCES_DIR", "").strip()
    if override:
        return Path(override).expanduser()
    return Path(__file__).resolve().parents[3] / "resources"


def _seed(*parts: object) -> int:
    """A stable 64-bit seed from ``parts`` (SHA-256, independent of PYTHONHASHSEED)."""
    text = "\x1f".join(str(part) for part in parts)
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def _rng(*parts: object) -> random.Random:
    """A private random generator seeded from ``parts``."""
    return random.Random(_seed(*parts))


def _base36(number: int, width: int) -> str:
    digits = ""
    for _ in range(width):
        number, rest = divmod(number, 36)
        digits = _B36[rest] + digits
    return digits


def _title(text: str) -> str:
    """Capitalise each word's first letter, keeping the rest ("bbq joint" -> "Bbq Joint")."""
    return " ".join(word[:1].upper() + word[1:] for word in text.split())


def _slug(text: str, limit: int = 40) -> str:
    """ASCII, lowercase, dash-separated slug (never empty)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.replace("'", "").lower()).strip("-")
    return slug[:limit].strip("-") or "business"


_DATA_FILES = ("business_names.json", "places.json", "contacts.json")
_REQUIRED_LISTS = (
    *("patterns", "adjectives", "nouns", "surnames", "street_names", "street_suffixes", "units"),
    *("area_codes", "first_names", "last_names", "generic_locals", "personal_formats", "free_mail_domains"),
)


@dataclass(frozen=True, slots=True)
class DemoData:
    """Word lists loaded from ``resources/demo/*.json``; ``data["surnames"]`` gives one list."""

    words: Mapping[str, tuple[str, ...]]
    positions: tuple[tuple[str, str, str], ...]  # (title, seniority, department)
    position_weights: tuple[int, ...]

    def __getitem__(self, key: str) -> tuple[str, ...]:
        return self.words[key]


def load_demo_data(directory: Path | None = None) -> DemoData:
    """Load (once per directory) the demo word lists from ``directory`` or ``resources/demo``."""
    return _load_demo_data((directory if directory is not None else _resources_dir() / "demo").resolve())


@functools.lru_cache(maxsize=4)
def _load_demo_data(base: Path) -> DemoData:
    """Cached worker of :func:`load_demo_data`; raises a clear error for bad files."""
    merged: dict[str, object] = {}
    for filename in _DATA_FILES:
        path = base / filename
        if not path.is_file():
            raise FileNotFoundError(f"Demo data {path} is missing; set LEADGEN_RESOURCES_DIR to 'resources'.")
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError(f"{path}: expected a JSON object")
        merged.update(data)
    words: dict[str, tuple[str, ...]] = {}
    for key in _REQUIRED_LISTS:
        value = merged.get(key)
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise ValueError(f"Demo data in {base}: {key!r} must be a non-empty list of strings")
        words[key] = tuple(value)
    raw_positions = merged.get("positions")
    if not isinstance(raw_positions, list) or not raw_positions:
        raise ValueError(f"Demo data in {base}: 'positions' must be a non-empty list")
    positions = tuple((str(p["title"]), str(p["seniority"]), str(p["department"])) for p in raw_positions)
    weights = tuple(int(p.get("weight", 1)) for p in raw_positions)
    return DemoData(words=words, positions=positions, position_weights=weights)


def _latency_from_env() -> float:
    """``LEADGEN_DEMO_LATENCY`` as seconds (>= 0), or :data:`DEFAULT_LATENCY`."""
    raw = os.environ.get("LEADGEN_DEMO_LATENCY", "").strip()
    if not raw:
        return DEFAULT_LATENCY
    try:
        value = float(raw)
    except ValueError:
        return DEFAULT_LATENCY
    return max(value, 0.0) if math.isfinite(value) else DEFAULT_LATENCY


def _pause(latency: float, cancel: CancelToken) -> None:
    """Simulate a network round trip; raise Cancelled if cancelled meanwhile."""
    if cancel.wait(latency):
        raise Cancelled


class _Query(NamedTuple):
    """The parts of a campaign that determine the demo places, and their hash."""

    business_type: str
    keywords: str
    location: str
    key: str

    @classmethod
    def of(cls, config: CampaignConfig) -> _Query:
        c = config.normalized()
        parts = (c.business_type, c.keywords, c.location)
        digest = hashlib.sha256("\x1f".join(p.casefold() for p in parts).encode("utf-8")).hexdigest()
        return cls(*parts, key=digest)


class DemoDiscovery:
    """Deterministic discovery of invented businesses for any type and place."""

    provider: str = PROVIDER
    billing_sku: str = "free"
    max_results_per_query: int = 1000

    def __init__(self, latency: float = 0.0, data: DemoData | None = None) -> None:
        self.latency = latency
        self.data = data if data is not None else load_demo_data()
        self.places_generated = 0  # places built so far: pages are generated lazily

    def search(self, config: CampaignConfig, page_token: str | None, cancel: CancelToken) -> DiscoveryPage:
        """Return the page ``page_token`` ("demo-page-N"; None for the first page)."""
        page = 1
        if page_token is not None:
            match = _TOKEN_RE.match(page_token)
            if match is None or not 1 <= int(match.group(1)) <= self.page_count:
                raise ProviderError(PROVIDER, f"Unknown page token {page_token!r}.")
            page = int(match.group(1))
        _pause(self.latency, cancel)
        query = _Query.of(config)
        start = (page - 1) * PAGE_SIZE
        end = min(start + PAGE_SIZE, RAW_PLACES)
        found = (self._raw_place(query, index) for index in range(start, end))
        businesses = tuple(b for b in found if b.business_status is not BusinessStatus.CLOSED_PERMANENTLY)
        token = f"demo-page-{page + 1}" if end < RAW_PLACES else None
        return DiscoveryPage(businesses=businesses, next_page_token=token, calls=())

    @property
    def page_count(self) -> int:
        """Number of pages per query."""
        return -(-RAW_PLACES // PAGE_SIZE)

    @staticmethod
    def _layout(key: str, block: int) -> tuple[frozenset[int], frozenset[int]]:
        """Offsets (1..99) of the closed and of the duplicate slots in ``block``."""
        picks = _rng(key, "layout", block).sample(range(1, _BLOCK), _CLOSED_PER_BLOCK + _DUPLICATES_PER_BLOCK)
        return frozenset(picks[:_CLOSED_PER_BLOCK]), frozenset(picks[_CLOSED_PER_BLOCK:])

    def _raw_place(self, query: _Query, index: int) -> Business:
        """The business in raw slot ``index`` (a duplicate slot repeats an earlier place)."""
        block, offset = divmod(index, _BLOCK)
        closed, duplicates = self._layout(query.key, block)
        if offset in duplicates:  # repeat an earlier ordinary place of the same block
            target = index - 1 - _rng(query.key, "dup", index).randrange(min(offset, 12))
            while target % _BLOCK in duplicates or target % _BLOCK in closed:
                target -= 1  # offset 0 of a block is never special, so this stops.
            return self._make_place(query, target, closed=False)
        return self._make_place(query, index, closed=offset in closed)

    def _make_place(self, query: _Query, index: int, closed: bool) -> Business:
        self.places_generated += 1
        data, key = self.data, query.key
        r = _rng(key, "place", index)
        name = self._name(query, r)
        code = _base36(int(key[:8], 16), 2) + _base36(index, 2)
        roll = r.random()
        status = BusinessStatus.OPERATIONAL if roll >= 0.07 else BusinessStatus.UNKNOWN
        if closed or roll < 0.05:
            status = BusinessStatus.CLOSED_PERMANENTLY if closed else BusinessStatus.CLOSED_TEMPORARILY
        unit = f", {r.choice(data['units'])}" if r.random() < 0.2 else ""
        street = (
            f"{r.randint(100, 9899)} {r.choice(data['street_names'])} {r.choice(data['street_suffixes'])}"
        )
        address = None if r.random() < 0.01 else f"{street}{unit}, {query.location}"
        area = _rng("area", query.location.casefold()).choice(data["area_codes"])
        phone = None if r.random() < 0.04 else f"({area}) 555-01{r.randrange(100):02d}"
        reviews = 0 if r.random() < 0.04 else int(math.exp(r.uniform(0.0, math.log(1501.0))) - 1)
        rating = None if reviews == 0 else round(2.8 + 2.2 * r.betavariate(5.0, 1.8), 1)
        center = _rng("center", query.location.casefold())
        lat = center.uniform(26.0, 47.0) + r.uniform(-0.08, 0.08)
        lng = center.uniform(-122.0, -72.0) + r.uniform(-0.08, 0.08)
        return Business(
            place_id=f"demo-{key[:12]}-{index:04d}",
            name=name,
            address=address,
            phone=phone,
            website=self._website(r, _slug(name), code),
            rating=rating,
            review_count=reviews,
            business_status=status,
            types=(_slug(query.business_type).replace("-", "_"), "point_of_interest", "establishment"),
            latitude=round(lat, 6),
            longitude=round(lng, 6),
            maps_url=None,
            source=PROVIDER,
        )

    def _name(self, query: _Query, r: random.Random) -> str:
        data = self.data
        patterns = [p for p in data["patterns"] if query.keywords or "{keywords_title}" not in p]
        surname, surname2 = r.sample(data["surnames"], 2)
        noun, noun2 = r.sample(data["nouns"], 2)
        return r.choice(patterns).format(
            surname=surname,
            surname2=surname2,
            adjective=r.choice(data["adjectives"]),
            noun=noun,
            noun2=noun2,
            first_name=r.choice(data["first_names"]),
            street=r.choice(data["street_names"]),
            city=_title(query.location.split(",")[0]),
            type_title=_title(query.business_type),
            keywords_title=_title(query.keywords),
        )

    @staticmethod
    def _website(r: random.Random, slug: str, code: str) -> str | None:
        roll = r.random()
        if roll < 0.15:
            return None
        if roll < 0.175:
            return f"https://www.facebook.com/{slug}-{code}"
        if roll < 0.20:
            return f"https://{slug.replace('-', '')[:30]}{code}.wixsite.com/home"
        prefix = r.choice(("https://www.", "https://www.", "https://www.", "https://", "http://www."))
        return f"{prefix}{slug}-demo-{code}.com{r.choice(('/', '/', '', '/home'))}"


def _catchall(domain: str) -> bool:
    """About 10% of demo domains accept every address."""
    return _rng("catchall", domain).random() < 0.10


class DemoEmailFinder:
    """Deterministic email finder: invented contacts on the requested domain."""

    provider: str = PROVIDER
    billing_sku: str = "free"

    def __init__(self, latency: float = 0.0, data: DemoData | None = None) -> None:
        self.latency = latency
        self.data = data if data is not None else load_demo_data()

    def find(self, domain: str, cancel: CancelToken) -> DomainSearch:
        """Return 0-5 candidates for ``domain`` (none for about 15% of domains)."""
        _pause(self.latency, cancel)
        domain = domain.strip().lower()
        r = _rng("finder", domain)
        if not domain or r.random() < 0.15:
            return DomainSearch(domain=domain, candidates=(), calls=(), accept_all=_catchall(domain))
        candidates: list[EmailCandidate] = []
        seen: set[str] = set()
        for _ in range(r.choice((1, 1, 2, 2, 3, 3, 4, 5))):
            candidate = self._personal(r, domain) if r.random() < 0.55 else self._generic(r, domain)
            if candidate.email not in seen:
                seen.add(candidate.email)
                candidates.append(candidate)
        if r.random() < 0.03:
            candidates.append(self._personal(r, r.choice(self.data["free_mail_domains"])))
        return DomainSearch(
            domain=domain, candidates=tuple(candidates), calls=(), accept_all=_catchall(domain)
        )

    def _personal(self, r: random.Random, domain: str) -> EmailCandidate:
        data = self.data
        first, last = r.choice(data["first_names"]), r.choice(data["last_names"])
        title, seniority, department = r.choices(data.positions, weights=data.position_weights)[0]
        local = r.choice(data["personal_formats"]).format(
            first=_slug(first, 20).replace("-", ""),
            last=_slug(last, 20).replace("-", ""),
            f=_slug(first, 1),
        )
        return EmailCandidate(
            email=f"{local}@{domain}",
            confidence=r.randint(40, 99),
            kind="personal",
            first_name=first,
            last_name=last,
            position=title,
            seniority=seniority,
            department=department,
        )

    def _generic(self, r: random.Random, domain: str) -> EmailCandidate:
        return EmailCandidate(
            email=f"{r.choice(self.data['generic_locals'])}@{domain}",
            confidence=r.randint(40, 99),
            kind="generic",
        )


class DemoEmailVerifier:
    """Deterministic verifier: mostly valid, some catch-all/unknown, few invalid/disposable."""

    provider: str = PROVIDER
    billing_sku: str = "free"

    def __init__(self, latency: float = 0.0, data: DemoData | None = None) -> None:
        self.latency = latency
        self.data = data if data is not None else load_demo_data()

    def verify(self, email: str, cancel: CancelToken) -> Verification:
        """Return a verdict for ``email`` that depends only on the address."""
        _pause(self.latency, cancel)
        address = email.strip().lower()
        local, at, domain = address.rpartition("@")
        if not at or not local or "." not in domain:
            return Verification(email=email, status=EmailStatus.INVALID, flags=("bad_syntax",))
        flags = ["has_dns", "has_dns_mx"]
        if domain in self.data["free_mail_domains"]:
            flags.append("free_email_host")
        if re.sub(r"[._-]", "", local) in self.data["generic_locals"]:
            flags.append("role_account")
        if _catchall(domain):
            return Verification(email=email, status=EmailStatus.CATCHALL, flags=(*flags, "accepts_all"))
        roll = _rng("verify", address).random()
        if roll < 0.05:
            return Verification(email=email, status=EmailStatus.INVALID, flags=tuple(flags))
        if roll < 0.12:
            return Verification(email=email, status=EmailStatus.UNKNOWN, flags=("has_dns",))
        if roll < 0.13:
            return Verification(
                email=email, status=EmailStatus.DISPOSABLE, flags=(*flags, "disposable_email")
            )
        return Verification(email=email, status=EmailStatus.VALID, flags=(*flags, "smtp_connectable"))


def build_demo_providers(latency: float | None = None) -> Providers:
    """Demo discovery, finder and verifier sharing one latency (env default) and data set.

    ``latency`` is seconds per call; None reads ``LEADGEN_DEMO_LATENCY`` and
    falls back to :data:`DEFAULT_LATENCY`; 0 makes every call instant.
    """
    seconds = _latency_from_env() if latency is None else max(latency, 0.0)
    data = load_demo_data()
    return Providers(
        discovery=DemoDiscovery(seconds, data),
        finder=DemoEmailFinder(seconds, data),
        verifier=DemoEmailVerifier(seconds, data),
        demo=True,
    )
