"""Strict readers for fields of cached JSON values (``from_dict`` of the website and MX results).

Each raises ``ValueError`` naming the field and what it should be, so a corrupt
or foreign cache entry is refused with a readable reason instead of becoming a
half-valid value.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import TypeVar

E = TypeVar("E", bound=enum.StrEnum)


def text_field(data: Mapping[str, object], key: str, *, allow_empty: bool = False) -> str:
    """``data[key]`` as a string (non-empty unless ``allow_empty``)."""
    value = data.get(key)
    if not isinstance(value, str) or (not value and not allow_empty):
        kind = "a string" if allow_empty else "a non-empty string"
        raise ValueError(f"{key!r} must be {kind}, not {value!r}")
    return value


def count_field(data: Mapping[str, object], key: str) -> int:
    """``data[key]`` as a whole number >= 0 (booleans refused)."""
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{key!r} must be a whole number >= 0, not {value!r}")
    return value


def enum_field(kind: type[E], data: Mapping[str, object], key: str) -> E:
    """``data[key]`` as a member of the string enum ``kind``."""
    value = data.get(key)
    members = {member.value: member for member in kind}
    if isinstance(value, str) and value in members:
        return members[value]
    raise ValueError(f"{key!r} must be one of {', '.join(members)}, not {value!r}")


def text_list_field(data: Mapping[str, object], key: str) -> tuple[str, ...]:
    """``data[key]`` as a list of strings, returned as a tuple."""
    value = data.get(key)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"{key!r} must be a list of strings, not {value!r}")
    return tuple(value)


def check_version(data: Mapping[str, object], what: str, version: int) -> None:
    """Refuse a cached layout of another version."""
    if data.get("version") != version:
        raise ValueError(f"{what}: version {data.get('version')!r} is not {version} (a stale cache entry)")
