"""The fake's catalogue for a text search without a rectangle (the page-by-page discovery).

Deterministic per query: at most 60 places over pages of 20, one place listed
again first on page 2, and the awkward cases apis.md describes (international
phone only, no phone, no website, a shared platform, a chain's one domain, no
rating, closed temporarily and permanently).
"""

from __future__ import annotations

from collections.abc import Mapping

from tests.fakes.api_answers import digest

_PREFIXES = (
    "Acme",
    "Northside",
    "Riverside",
    "Summit",
    "Oak",
    "Harbor",
    "Lakeside",
    "Maple",
    "Cedar",
    "Union",
)


def text_search_places(
    text_query: str, places_per_query: int, websites: Mapping[int, str | None] | None = None
) -> list[dict[str, object]]:
    """The full catalogue for a query: ≤60 places, one duplicated across pages 1-2."""
    seed = digest(text_query.lower())
    what, _, where = text_query.partition(" in ")
    word = (what.split() or ["business"])[-1].lower()
    places: list[dict[str, object]] = []
    for i in range(min(places_per_query, 60)):
        if i == 20 and places:
            places.append(dict(places[19]))  # the same place again, first on page 2
            continue
        h = digest(f"{seed}:{i}")
        slug = f"{_PREFIXES[h % len(_PREFIXES)].lower()}-{word}-{i + 1}"
        # fmt: off
        place: dict[str, object] = {
            "id": f"ChIJ-FAKE-{seed % 10**6:06d}-{i:03d}",
            "displayName": {"text": f"{_PREFIXES[h % len(_PREFIXES)]} {word.title()} {i + 1}",
                            "languageCode": "en"},
            "formattedAddress": f"{i + 1} Example Street, {where or 'Exampletown'}",
            "location": {"latitude": 30.0 + (h % 1000) / 10000, "longitude": -97.0 - (h % 997) / 10000},
            "types": [word, "point_of_interest", "establishment"], "businessStatus": "OPERATIONAL",
            "googleMapsUri": f"https://maps.google.com/?cid={h % 10**10}",
            "nationalPhoneNumber": f"(512) 555-{i:04d}",
            "internationalPhoneNumber": f"+1 512-555-{i:04d}", "websiteUri": f"https://www.{slug}.com/",
            "rating": round(3.0 + (h % 21) / 10, 1), "userRatingCount": h % 400,
        }
        # fmt: on
        if i % 5 == 3:
            place.pop("nationalPhoneNumber")  # international only
        if i % 9 == 4:
            place.pop("nationalPhoneNumber", None)
            place.pop("internationalPhoneNumber", None)
        if i % 6 == 5:
            del place["websiteUri"]
        elif i % 10 == 8:
            place["websiteUri"] = f"https://www.facebook.com/{slug}"  # a shared platform
        elif i % 15 == 12:
            place["websiteUri"] = f"https://www.{word}-group.com/locations/{i + 1}"  # a chain: one domain
        if websites is not None:  # the website of each position (None or missing: none)
            place.pop("websiteUri", None)
            if websites.get(i):
                place["websiteUri"] = websites[i]
        if i % 7 == 6:
            del place["rating"], place["userRatingCount"]
        if i == 7:
            place["businessStatus"] = "CLOSED_TEMPORARILY"
        if i == 13:
            place["businessStatus"] = "CLOSED_PERMANENTLY"
        places.append(place)
    return places
