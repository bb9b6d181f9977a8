"""Google Places (New) field masks and the one rule that turns a mask into a SKU.

A Places request is billed at the tier of the most expensive field in its
``X-Goog-FieldMask`` (apis.md 1.1 for Text Search, 1.2 for Place Details; the two
tables differ: address, location and types are Pro in Text Search but
Essentials in Place Details). Every mask the app sends is defined here, and
every SKU it records or reserves comes from :func:`text_search_sku` or
:func:`place_details_sku`, so what is billed always follows what is asked for.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping


class Tier(enum.IntEnum):
    """Places billing tiers, cheapest first (a request is billed at its highest)."""

    IDS_ONLY = 0
    ESSENTIALS = 1
    PRO = 2
    ENTERPRISE = 3


TEXT_SEARCH_SKUS: Mapping[Tier, str] = {
    Tier.IDS_ONLY: "places_text_search_essentials",  # "Text Search Essentials (IDs Only)", $0
    Tier.PRO: "places_text_search_pro",
    Tier.ENTERPRISE: "places_text_search_enterprise",
}
"""Text Search SKU per tier (names as in ``domain.DEFAULT_PRICES``); it has no plain Essentials tier."""

DETAILS_SKUS: Mapping[Tier, str] = {
    Tier.IDS_ONLY: "free",  # "Place Details Essentials (IDs Only)" is not billed
    Tier.ESSENTIALS: "places_details_essentials",
    Tier.PRO: "places_details_pro",
    Tier.ENTERPRISE: "places_details_enterprise",
}
"""Place Details SKU per tier (names as in ``domain.DEFAULT_PRICES``)."""

_IDS_ONLY = ("attributions", "id", "name", "movedPlace", "movedPlaceId")
_TEXT_PRO = (  # noqa: SIM905 - one tier's fields, as listed in apis.md 1.1
    "displayName formattedAddress shortFormattedAddress postalAddress addressComponents location "
    "viewport plusCode types primaryType primaryTypeDisplayName businessStatus googleMapsUri "
    "googleMapsLinks photos utcOffsetMinutes timeZone pureServiceAreaBusiness openingDate "
    "iconMaskBaseUri iconBackgroundColor accessibilityOptions containingPlaces subDestinations "
    "searchUri adrFormatAddress addressDescriptor"
).split()
_ENTERPRISE = (  # noqa: SIM905 - one tier's fields, as listed in apis.md 1.1 and 1.2
    "nationalPhoneNumber internationalPhoneNumber websiteUri rating userRatingCount priceLevel "
    "priceRange regularOpeningHours currentOpeningHours regularSecondaryOpeningHours "
    "currentSecondaryOpeningHours"
).split()
_DETAILS_ESSENTIALS = (  # noqa: SIM905 - one tier's fields, as listed in apis.md 1.2
    "addressComponents adrFormatAddress formattedAddress location plusCode postalAddress "
    "shortFormattedAddress types viewport addressDescriptor"
).split()
_DETAILS_PRO = (  # noqa: SIM905 - one tier's fields, as listed in apis.md 1.2
    "displayName businessStatus googleMapsUri primaryType primaryTypeDisplayName utcOffsetMinutes "
    "timeZone openingDate pureServiceAreaBusiness accessibilityOptions iconMaskBaseUri "
    "iconBackgroundColor containingPlaces subDestinations"
).split()

FIELD_TIERS: Mapping[str, Tier] = {
    "nextPageToken": Tier.IDS_ONLY,
    **{f"places.{name}": Tier.IDS_ONLY for name in _IDS_ONLY},
    **{f"places.{name}": Tier.PRO for name in _TEXT_PRO},
    **{f"places.{name}": Tier.ENTERPRISE for name in _ENTERPRISE},
}
"""Text Search field (``places.`` prefixed) → tier, from apis.md 1.1."""

DETAILS_FIELD_TIERS: Mapping[str, Tier] = {
    **dict.fromkeys((*_IDS_ONLY, "photos"), Tier.IDS_ONLY),
    **dict.fromkeys(_DETAILS_ESSENTIALS, Tier.ESSENTIALS),
    **dict.fromkeys(_DETAILS_PRO, Tier.PRO),
    **dict.fromkeys(_ENTERPRISE, Tier.ENTERPRISE),
}
"""Place Details field (bare path) → tier, from apis.md 1.2."""


SEARCH_FIELDS: tuple[str, ...] = (
    "places.id",
    "places.displayName",
    "places.formattedAddress",
    "places.nationalPhoneNumber",
    "places.internationalPhoneNumber",
    "places.websiteUri",
    "places.rating",
    "places.userRatingCount",
    "places.businessStatus",
    "places.types",
    "places.location",
    "places.googleMapsUri",
    "nextPageToken",
)
"""The contact mask: exactly the fields ``parse_place`` maps, plus the paging token (Enterprise)."""

DETAILS_FIELDS: tuple[str, ...] = tuple(
    name.removeprefix("places.") for name in SEARCH_FIELDS if name.startswith("places.")
)
"""The same fields for Place Details, as bare paths (Enterprise)."""

IDS_FIELDS: tuple[str, ...] = ("places.id", "nextPageToken")
"""The free mapping mask (Text Search Essentials IDs Only, $0)."""

LOCATE_FIELDS: tuple[str, ...] = ("places.id", "places.displayName", "places.viewport")
"""The location lookup mask (DESIGN 6.1; Text Search Pro)."""

KEY_TEST_FIELDS: tuple[str, ...] = ("places.id",)
"""The Settings "Test" button's mask (IDs only, $0)."""


def _sku(fields: Iterable[str], tiers: Mapping[str, Tier], skus: Mapping[Tier, str], what: str) -> str:
    highest = Tier.IDS_ONLY
    for name in fields:
        if name not in tiers:
            raise ValueError(f"field {name!r} has no known {what} tier")
        highest = max(highest, tiers[name])
    return skus[highest]


def text_search_sku(fields: Iterable[str]) -> str:
    """The SKU billed for a Text Search with this field mask (its most expensive field)."""
    return _sku(fields, FIELD_TIERS, TEXT_SEARCH_SKUS, "Text Search")


def place_details_sku(fields: Iterable[str]) -> str:
    """The SKU billed for a Place Details request with this (bare-path) field mask."""
    return _sku(fields, DETAILS_FIELD_TIERS, DETAILS_SKUS, "Place Details")
