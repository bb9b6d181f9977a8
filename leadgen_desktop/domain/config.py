"""The campaign a user asks for (``CampaignConfig``) and its validation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from leadgen_desktop.domain.enums import HunterMode
from leadgen_desktop.domain.geo import Area, AreaError

MAX_RESULTS_RANGE = (1, 10_000)
MIN_SCORE_RANGE = (0, 100)
TEXT_FIELD_MAX = 200


@dataclass(frozen=True, slots=True)
class FieldError:
    """A validation error tied to one field of the campaign form or flag set."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


@dataclass(frozen=True, slots=True)
class CampaignConfig:
    """Everything a user chooses for one campaign run."""

    business_type: str
    location: str
    keywords: str = ""
    max_results: int = 20
    min_score: int = 50
    budget: float | None = None
    verify: bool = True
    demo: bool = False
    output: str | None = None
    area: Area | None = None
    """The rectangle to search (``--area``); None: the location's own viewport."""
    hunter: HunterMode = HunterMode.FALLBACK
    """When the paid email search runs; the website is read first either way."""

    def normalized(self) -> CampaignConfig:
        """Return a copy with surrounding whitespace removed from text fields."""
        return replace(
            self,
            business_type=" ".join(self.business_type.split()),
            location=" ".join(self.location.split()),
            keywords=" ".join(self.keywords.split()),
        )

    def validate(self) -> list[FieldError]:
        """Check every field; an empty list means the config can run."""
        errors: list[FieldError] = []
        for name, value, required in (
            ("business_type", self.business_type, True),
            ("location", self.location, True),
            ("keywords", self.keywords, False),
        ):
            text = value.strip()
            label = name.replace("_", " ")
            if required and not text:
                errors.append(FieldError(name, f"Enter a {label}, e.g. {_EXAMPLES[name]}."))
            elif len(text) > TEXT_FIELD_MAX:
                errors.append(
                    FieldError(name, f"The {label} is too long (at most {TEXT_FIELD_MAX} characters).")
                )
            elif any(ord(ch) < 32 for ch in text):
                errors.append(FieldError(name, f"The {label} contains control characters."))
        low, high = MAX_RESULTS_RANGE
        if isinstance(self.max_results, bool) or not low <= self.max_results <= high:
            errors.append(FieldError("max_results", f"Max results must be between {low} and {high}."))
        low, high = MIN_SCORE_RANGE
        if isinstance(self.min_score, bool) or not low <= self.min_score <= high:
            errors.append(FieldError("min_score", f"Minimum score must be between {low} and {high}."))
        if self.budget is not None and not (self.budget >= 0 and self.budget < float("inf")):
            errors.append(FieldError("budget", "Budget must be a positive amount in USD, or empty for none."))
        return errors

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready mapping (stored with the job)."""
        return {
            "business_type": self.business_type,
            "location": self.location,
            "keywords": self.keywords,
            "max_results": self.max_results,
            "min_score": self.min_score,
            "budget": self.budget,
            "verify": self.verify,
            "demo": self.demo,
            "output": self.output,
            "area": None if self.area is None else self.area.to_list(),
            "hunter": self.hunter.value,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> CampaignConfig:
        """Inverse of :meth:`to_dict`; unknown keys are ignored."""
        budget = data.get("budget")
        output = data.get("output")
        area = data.get("area")
        return cls(
            business_type=str(data.get("business_type", "")),
            location=str(data.get("location", "")),
            keywords=str(data.get("keywords", "") or ""),
            max_results=int(str(data.get("max_results", 20))),
            min_score=int(str(data.get("min_score", 50))),
            budget=None if budget is None else float(str(budget)),
            verify=bool(data.get("verify", True)),
            demo=bool(data.get("demo", False)),
            output=None if output is None else str(output),
            area=_stored_area(area),
            hunter=_hunter_mode(data.get("hunter")),
        )

    @property
    def business_query(self) -> str:
        """What is searched for inside an area: keywords and business type ("emergency dentist")."""
        return " ".join(part for part in (self.keywords, self.business_type) if part)

    @property
    def text_query(self) -> str:
        """The page-by-page discovery query: business type, keywords and location."""
        return f"{self.business_query} in {self.location}"


def _stored_area(value: object) -> Area | None:
    """A stored area, or None when there is none (or it no longer reads as one)."""
    if value is None:
        return None
    try:
        return Area.from_list(value)
    except AreaError:
        return None


def _hunter_mode(value: object) -> HunterMode:
    """The stored Hunter mode; jobs stored before the mode existed searched every domain (``always``)."""
    if value is None:
        return HunterMode.ALWAYS
    try:
        return HunterMode(str(value))
    except ValueError:
        return HunterMode.FALLBACK


_EXAMPLES = {
    "business_type": "dentist",
    "location": "Austin, TX",
    "keywords": "emergency",
}
