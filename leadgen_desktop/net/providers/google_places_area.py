"""Area discovery through Google Places (New): the location lookup, tiles and Place Details.

Implements :class:`~leadgen_desktop.domain.AreaDiscovery` (DESIGN 6.1, apis.md 1):

* ``locate``: one Text Search whose ``textQuery`` is the location text, mask
  ``places.id,places.displayName,places.viewport`` (Pro);
* ``map_tile``: a Text Search restricted to a rectangle
  (``locationRestriction.rectangle``) with the free IDs-only mask
  ``places.id,nextPageToken``;
* ``buy_tile``: the very same search (same body, only ``pageToken`` added when
  paging) with the contact mask (Enterprise, per page);
* ``details``: ``GET /v1/places/{id}`` with the same fields as bare paths (Enterprise).

Answers are untrusted: place ids must look like place ids, a page holds at most
20 places, page tokens are bounded (all three in :mod:`google_places`), viewports
are validated as areas.
"""

from __future__ import annotations

from leadgen_desktop.domain import (
    RESULTS_PER_PAGE,
    Area,
    AreaError,
    Business,
    CancelToken,
    DiscoveryPage,
    IdsPage,
    LocatedArea,
    LocationLookup,
)
from leadgen_desktop.net.http import BadJson, opt_float, opt_str
from leadgen_desktop.net.providers.google_places import (
    GooglePlacesDiscovery,
    page_token_of,
    parse_place,
    places_of,
    valid_place_id,
)
from leadgen_desktop.net.providers.places_fields import (
    DETAILS_FIELDS,
    IDS_FIELDS,
    LOCATE_FIELDS,
    place_details_sku,
    text_search_sku,
)

DETAILS_ENDPOINT = "/v1/places/{place_id}"
"""How a Place Details request is named in the call log (one name for every place)."""

POINT_VIEWPORT_HALF_SIDE_M = 250.0
"""Half the side of the area used when a location's viewport is a single point."""
NO_VIEWPORT_HALF_SIDE_M = 20_000.0
"""Half the side of the area searched around a location Places sent without a viewport (a 40 km
square: a metro area; empty parts of it cost one free search each, so a generous square is cheap)."""


def tile_request(query: str, rect: Area, page_token: str | None) -> dict[str, object]:
    """The body of a search of ``query`` inside ``rect``; paging adds only ``pageToken``."""
    text = " ".join(query.split())
    if not text:
        raise ValueError("a tile search needs a business query")
    if rect.crosses_antimeridian:
        raise ValueError("search each part of an area that crosses the antimeridian (Area.parts())")
    body: dict[str, object] = {
        "textQuery": text,
        "pageSize": RESULTS_PER_PAGE,
        "locationRestriction": {
            "rectangle": {
                "low": {"latitude": rect.south, "longitude": rect.west},
                "high": {"latitude": rect.north, "longitude": rect.east},
            }
        },
    }
    if page_token:
        body["pageToken"] = page_token
    return body


def _corner(value: object) -> tuple[float, float] | None:
    if not isinstance(value, dict):
        return None
    lat, lng = opt_float(value.get("latitude")), opt_float(value.get("longitude"))
    return None if lat is None or lng is None else (lat, lng)


def viewport_area(viewport: object) -> Area:
    """An Area from a Places ``viewport`` (``low``/``high`` corners); raises AreaError when unusable.

    A viewport that is a single point (an address) becomes a small square around it;
    one whose low longitude exceeds its high longitude crosses the antimeridian.
    """
    if not isinstance(viewport, dict):
        raise AreaError("the place has no viewport")
    low, high = _corner(viewport.get("low")), _corner(viewport.get("high"))
    if low is None or high is None:
        raise AreaError("the place's viewport has no usable corners")
    if low == high:
        return Area.around(low[0], low[1], POINT_VIEWPORT_HALF_SIDE_M)
    return Area(low[0], low[1], high[0], high[1])


def _read_ids(data: dict[str, object]) -> IdsPage:
    ids: list[str] = []
    for item in places_of(data):
        place_id = valid_place_id(item.get("id")) if isinstance(item, dict) else None
        if place_id is not None and place_id not in ids:
            ids.append(place_id)
    return IdsPage(tuple(ids), page_token_of(data))


class _Located:
    """Reader of a location lookup answer: the first place with a usable viewport.

    A place without a viewport but with a location (a service that ignores the
    field mask may send one) gives a square around that point instead.
    """

    def __init__(self, location: str) -> None:
        self.location = location
        self.problem = ""
        self.without_viewport = False

    def __call__(self, data: dict[str, object]) -> LocatedArea | None:
        around: LocatedArea | None = None
        for item in places_of(data):
            if not isinstance(item, dict) or valid_place_id(item.get("id")) is None:
                continue
            display = item.get("displayName")
            name = opt_str(display.get("text")) if isinstance(display, dict) else None
            if item.get("viewport") is None:
                self.without_viewport = True
                around = around or self._around(item, name)
                continue
            try:
                area = viewport_area(item.get("viewport"))
            except AreaError as exc:
                self.problem = self.problem or f"{name or self.location}: {exc}"
                continue
            return LocatedArea(name or self.location, str(item["id"]), area)
        return around

    def _around(self, item: dict[str, object], name: str | None) -> LocatedArea | None:
        """A square around the place's location (None without a usable one: off the globe, say)."""
        point = _corner(item.get("location"))
        if point is None:
            return None
        try:
            square = Area.around(point[0], point[1], NO_VIEWPORT_HALF_SIDE_M)
        except AreaError:
            return None
        return LocatedArea(name or self.location, str(item["id"]), square, around_point=True)


class GooglePlacesAreaDiscovery(GooglePlacesDiscovery):
    """``domain.Discovery`` and ``domain.AreaDiscovery`` over Google Places (New)."""

    locate_sku: str = text_search_sku(LOCATE_FIELDS)
    map_sku: str = text_search_sku(IDS_FIELDS)
    details_sku: str = place_details_sku(DETAILS_FIELDS)

    @property
    def buy_sku(self) -> str:
        """SKU of one contact-field page (the provider's search mask)."""
        return self.billing_sku

    def locate(self, location: str, cancel: CancelToken) -> LocationLookup:
        """Look the location text up; ``located`` is None when Places finds no usable place.

        ``problem`` explains a place that was found but cannot be searched (e.g. a
        viewport larger than an area may be); ``without_viewport`` says Places
        found a place but sent no viewport for it.
        """
        text = " ".join(location.split())
        if not text:
            raise ValueError("enter a location to look up")
        reader = _Located(text)
        body: dict[str, object] = {"textQuery": text, "pageSize": 1}
        located, calls = self._post(body, LOCATE_FIELDS, self.locate_sku, reader, cancel)
        if located is not None:
            return LocationLookup(located, calls)
        return LocationLookup(None, calls, reader.problem, without_viewport=reader.without_viewport)

    def map_tile(self, query: str, rect: Area, page_token: str | None, cancel: CancelToken) -> IdsPage:
        """One IDs-only page of ``query`` inside ``rect`` ($0)."""
        body = tile_request(query, rect, page_token)
        page, calls = self._post(body, IDS_FIELDS, self.map_sku, _read_ids, cancel)
        return IdsPage(page.place_ids, page.next_page_token, calls)

    def buy_tile(self, query: str, rect: Area, page_token: str | None, cancel: CancelToken) -> DiscoveryPage:
        """One contact-field page of the same search (billed per page)."""
        body = tile_request(query, rect, page_token)
        page, calls = self._post(body, self._fields, self.billing_sku, self._read_page, cancel)
        return DiscoveryPage(page.businesses, page.next_page_token, calls, page.closed_place_ids)

    def details(self, place_id: str, cancel: CancelToken) -> DiscoveryPage:
        """One place's fields through Place Details (a closed place in ``closed_place_ids``)."""
        if valid_place_id(place_id) is None:
            raise ValueError(f"{place_id!r} is not a place id")

        def read(data: dict[str, object]) -> Business:
            business = parse_place(data)
            if business is None:
                raise BadJson("the place had no id or no name")
            if business.place_id != place_id:
                raise BadJson("the answer was about another place")
            return business

        path = f"/v1/places/{place_id}"
        business, calls = self._request(
            "GET", path, DETAILS_ENDPOINT, None, DETAILS_FIELDS, self.details_sku, read, cancel
        )
        return DiscoveryPage.of((business,), None, calls)
