"""What the offline demo providers share: their word lists, stable seeds and the demo latency.

Everything random in the demo is seeded from a SHA-256 hash of its inputs (never
Python's salted ``hash()``), so the same request gives the same answer on every
machine. Data (name patterns, words, streets, contacts) lives in JSON files
under ``resources/demo/``, found by :func:`_resources_dir`.
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

from leadgen_desktop.domain import Cancelled, CancelToken

DEFAULT_LATENCY = 0.05
"""Seconds each demo call waits unless ``LEADGEN_DEMO_LATENCY`` says otherwise."""
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
