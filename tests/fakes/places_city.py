"""A fake city behind a fake Google Places (New): rectangle semantics, the 60 cap, Place Details.

Built from apis.md section 1, independently of the app's own code (its SKU
tables are its own, so a wrong table in the app shows up as a wrong bill):

* ``searchText`` with ``locationRestriction.rectangle`` returns the city's
  places inside the rectangle, edges included on every side (the worst case:
  a place on a shared edge comes back from both tiles), most prominent first,
  at most 60 over pages of 20; ``nextPageToken`` only when the mask asks for it;
  a page token only works with an otherwise identical request;
* ``searchText`` without a restriction whose mask asks for ``places.viewport``
  is a location lookup: the known location's place, or an empty answer;
* ``GET /v1/places/{id}`` is Place Details (bare-path mask); an unknown id is
  ``404 NOT_FOUND``.

``FakeApis`` (``api_server``) routes Google requests here, checks the key and the
mask, bills the SKU of each request and answers errors in Google's shape; so
the city works through ``FakeApis.transport()`` (an ``httpx.MockTransport``) and
through the loopback server alike. ``drop_from_contact`` makes contact-mask
searches leave some places out (Google does not promise identical lists).
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

DETAILS_PREFIX = "/v1/places/"
CAP = 60
PAGE_SIZE = 20
OPEN, CLOSED = "OPERATIONAL", "CLOSED_PERMANENTLY"
METRES_PER_DEGREE = 111_195.0

_ENTERPRISE = {"nationalPhoneNumber", "internationalPhoneNumber", "websiteUri", "rating", "userRatingCount",
               "priceLevel", "priceRange", "regularOpeningHours", "currentOpeningHours"}  # fmt: skip
_DETAILS_PRO = {"displayName", "businessStatus", "googleMapsUri", "primaryType", "primaryTypeDisplayName",
                "utcOffsetMinutes", "timeZone", "openingDate", "pureServiceAreaBusiness"}  # fmt: skip
_IDS_ONLY = {"id", "name", "attributions", "photos", "movedPlace", "movedPlaceId"}
_PREFIXES = ("Bright", "Oak", "Summit", "Harbor", "Maple", "Union", "Cedar", "Riverside", "North", "Lake")


class PlacesFault(Exception):
    """An error answer in ``google.rpc.Status`` terms (turned into a body by ``api_server``)."""

    def __init__(self, code: int, status: str, message: str) -> None:
        super().__init__(message)
        self.code, self.status, self.message = code, status, message


def details_sku(fields: Iterable[str]) -> str:
    """The Place Details SKU of a bare-path mask (apis.md 1.2), by the fake's own table."""
    names = set(fields)
    if "*" in names or names & _ENTERPRISE:
        return "places_details_enterprise"
    if names & _DETAILS_PRO:
        return "places_details_pro"
    return "places_details_essentials" if names - _IDS_ONLY else "free"


@dataclass(frozen=True)
class CityPlace:
    """One business of the city; ``rank`` orders search results (lower is more prominent).

    About one in seven has no website and one in ten a page on a shared platform;
    the others have a domain of their own.
    """

    id: str
    name: str
    lat: float
    lng: float
    rank: float
    status: str = OPEN

    def as_json(self) -> dict[str, object]:
        """The place with every field the app may ask for, in Google's JSON shape."""
        digest = int(hashlib.sha256(self.id.encode()).hexdigest()[:8], 16)
        slug = self.name.lower().replace(" ", "-")
        place: dict[str, object] = {
            "id": self.id,
            "displayName": {"text": self.name, "languageCode": "en"},
            "formattedAddress": f"{digest % 9000 + 100} Grid Street, Testville",
            "location": {"latitude": self.lat, "longitude": self.lng},
            "types": ["dentist", "health", "point_of_interest", "establishment"],
            "businessStatus": self.status,
            "googleMapsUri": f"https://maps.google.com/?cid={digest}",
            "nationalPhoneNumber": f"(512) 555-{digest % 10000:04d}",
            "rating": round(3.0 + (digest % 21) / 10, 1),
            "userRatingCount": digest % 500,
        }
        if digest % 10 == 8:
            place["websiteUri"] = f"https://www.facebook.com/{slug}"  # a shared platform
        elif digest % 7:
            place["websiteUri"] = f"https://www.{slug}.com/"  # its own domain
        return place


@dataclass
class FakeCity:
    """The places of one kind of business in a city, and the locations Places knows.

    ``locations`` maps a location text (matched case-insensitively) to its
    display name and viewport ``(south, west, north, east)``.
    """

    places: Sequence[CityPlace]
    locations: Mapping[str, tuple[str, tuple[float, float, float, float]]] = field(default_factory=dict)
    drop_from_contact: set[str] = field(default_factory=set)
    queries: list[str] = field(default_factory=list)
    on_edges: tuple[str, ...] = ()
    ignore_rectangles: bool = False
    """A simpler Places: every search answers from the whole city, whatever its rectangle."""
    ignore_mask: bool = False
    """A simpler Places: every place is sent whole, whatever the field mask asks for."""
    lookup_viewport: bool = True
    """False: a location lookup sends where the location is (``location``), not its viewport."""

    def __post_init__(self) -> None:
        self.places = sorted(self.places, key=lambda p: (p.rank, p.id))
        self.by_id = {p.id: p for p in self.places}
        self.locations = {" ".join(k.lower().split()): v for k, v in self.locations.items()}

    @classmethod
    def generate(
        cls,
        count: int = 1500,
        *,
        seed: int = 11,
        name: str = "Testville",
        centre: tuple[float, float] = (30.2672, -97.7431),
        half_side_m: float = 10_000.0,
        closed_every: int = 97,
        aliases: tuple[str, ...] = ("Austin, TX",),
    ) -> FakeCity:
        """A deterministic city: a dense core, a few neighbourhood clusters, sparse suburbs.

        Places knows it as ``name`` and as each of ``aliases`` (the default centre is
        Austin's, the location the older integration tests ask for).

        Three extra places sit exactly on the lines where the area's first split
        falls (one on the centre point, shared by four tiles). Every
        ``closed_every``-th place is permanently closed.
        """
        rng = random.Random(seed)
        lat0, lng0 = centre
        d_lat = half_side_m / METRES_PER_DEGREE
        d_lng = d_lat / math.cos(math.radians(lat0))
        south, west, north, east = lat0 - d_lat, lng0 - d_lng, lat0 + d_lat, lng0 + d_lng
        hubs = [(lat0, lng0, 0.12)]
        for _ in range(3):
            lat = rng.uniform(south + d_lat / 3, north - d_lat / 3)
            hubs.append((lat, rng.uniform(west + d_lng / 3, east - d_lng / 3), 0.05))
        points: list[tuple[float, float]] = []
        while len(points) < count - 3:
            roll = rng.random()
            if roll < 0.55:
                lat, lng, spread = hubs[0] if roll < 0.3 else hubs[1 + int(roll * 100) % 3]
                point = (rng.gauss(lat, d_lat * spread), rng.gauss(lng, d_lng * spread))
            else:
                point = (rng.uniform(south, north), rng.uniform(west, east))
            if south <= point[0] <= north and west <= point[1] <= east:
                points.append(point)
        mid_lat, mid_lng = (south + north) / 2, (west + east) / 2
        points += [(mid_lat, mid_lng), (mid_lat, mid_lng + d_lng / 2), (mid_lat + d_lat / 2, mid_lng)]
        places = [
            CityPlace(
                id=f"ChIJ-CITY-{seed:03d}-{i:05d}",
                name=f"{_PREFIXES[i % len(_PREFIXES)]} Dental {i + 1}",
                lat=lat,
                lng=lng,
                rank=rng.random(),
                status=CLOSED if closed_every and i % closed_every == closed_every - 1 else OPEN,
            )
            for i, (lat, lng) in enumerate(points)
        ]
        on_edges = tuple(p.id for p in places[-3:])
        viewport = (south, west, north, east)
        known = {text: (name, viewport) for text in (name, *aliases)}
        return cls(places, known, on_edges=on_edges)

    # -- what the city holds ---------------------------------------------------------

    @property
    def open_places(self) -> list[CityPlace]:
        """The places a campaign should find (not permanently closed)."""
        return [p for p in self.places if p.status != CLOSED]

    def area_of(self, location: str) -> tuple[float, float, float, float]:
        """The viewport of a known location."""
        return self.locations[" ".join(location.lower().split())][1]

    def inside(self, low: Mapping[str, float], high: Mapping[str, float]) -> list[CityPlace]:
        """Places in a rectangle, every edge included, most prominent first."""
        s, w, n, e = low["latitude"], low["longitude"], high["latitude"], high["longitude"]
        if w > e:  # across the antimeridian
            return [p for p in self.places if s <= p.lat <= n and (w <= p.lng or p.lng <= e)]
        return [p for p in self.places if s <= p.lat <= n and w <= p.lng <= e]

    # -- answering ----------------------------------------------------------------------

    def search(self, body: Mapping[str, object], fields: set[str]) -> dict[str, object] | None:
        """Answer a text search; None when it is neither restricted nor a location lookup."""
        text = str(body.get("textQuery", ""))
        restriction = body.get("locationRestriction")
        if restriction is None:
            return self._lookup(text, fields) if "places.viewport" in fields else None
        if "locationBias" in body:
            raise PlacesFault(400, "INVALID_ARGUMENT", "locationBias cannot go with locationRestriction.")
        low, high = _rectangle(restriction)
        self.queries.append(text)
        offset = self._offset(body)
        found = list(self.places) if self.ignore_rectangles else self.inside(low, high)
        if fields & {f"places.{name}" for name in _ENTERPRISE}:
            found = [p for p in found if p.id not in self.drop_from_contact]
        found = found[:CAP]
        size = min(int(body.get("pageSize") or PAGE_SIZE), PAGE_SIZE)  # type: ignore[call-overload]
        page = found[offset : offset + size]
        answer: dict[str, object] = {}
        if page:
            answer["places"] = [self._masked(p.as_json(), fields, "places.") for p in page]
        if offset + size < len(found) and "nextPageToken" in fields:
            answer["nextPageToken"] = _token(body, offset + size)
        return answer

    def details(self, place_id: str, fields: set[str]) -> dict[str, object]:
        """Answer ``GET /v1/places/{place_id}`` with the masked place."""
        if not place_id or not all(c.isalnum() or c in "-_" for c in place_id):
            raise PlacesFault(400, "INVALID_ARGUMENT", f"Invalid place id '{place_id}'.")
        place = self.by_id.get(place_id)
        if place is None:
            raise PlacesFault(404, "NOT_FOUND", f"Requested entity was not found: places/{place_id}.")
        return self._masked(place.as_json(), fields, "")

    def _lookup(self, text: str, fields: set[str]) -> dict[str, object]:
        known = self.locations.get(" ".join(text.lower().split()))
        if known is None:
            return {}  # Places found nothing
        name, (s, w, n, e) = known
        place: dict[str, object] = {
            "id": "ChIJ-LOCATION-" + hashlib.sha256(name.encode()).hexdigest()[:10],
            "displayName": {"text": name, "languageCode": "en"},
        }
        if self.lookup_viewport:
            low, high = {"latitude": s, "longitude": w}, {"latitude": n, "longitude": e}
            place["viewport"] = {"low": low, "high": high}
        else:
            place["location"] = {"latitude": (s + n) / 2, "longitude": (w + e) / 2}
        return {"places": [self._masked(place, fields, "places.")]}

    def _masked(self, place: Mapping[str, object], fields: set[str], prefix: str) -> dict[str, object]:
        return dict(place) if self.ignore_mask else _masked(place, fields, prefix)

    @staticmethod
    def _offset(body: Mapping[str, object]) -> int:
        token = body.get("pageToken")
        if not token:
            return 0
        try:
            data = json.loads(base64.urlsafe_b64decode(str(token).encode()))
            if data["body"] != _fingerprint(body):
                raise ValueError("changed parameters")
            return int(data["offset"])
        except (ValueError, KeyError, TypeError) as exc:
            raise PlacesFault(400, "INVALID_ARGUMENT", "Invalid page token or changed parameters.") from exc


def _rectangle(restriction: object) -> tuple[dict[str, float], dict[str, float]]:
    try:
        rect = restriction["rectangle"]  # type: ignore[index]
        low = {k: float(rect["low"][k]) for k in ("latitude", "longitude")}
        high = {k: float(rect["high"][k]) for k in ("latitude", "longitude")}
    except (KeyError, TypeError, ValueError) as exc:
        raise PlacesFault(400, "INVALID_ARGUMENT", "locationRestriction must be a rectangle.") from exc
    if not (-90 <= low["latitude"] <= high["latitude"] <= 90):
        raise PlacesFault(400, "INVALID_ARGUMENT", "Invalid rectangle: low latitude above high latitude.")
    return low, high


def _fingerprint(body: Mapping[str, object]) -> str:
    """The request without its paging fields: a page token only works with the same search."""
    rest = {k: v for k, v in body.items() if k not in ("pageToken", "pageSize", "maxResultCount")}
    return hashlib.sha256(json.dumps(rest, sort_keys=True).encode()).hexdigest()[:16]


def _token(body: Mapping[str, object], offset: int) -> str:
    raw = json.dumps({"body": _fingerprint(body), "offset": offset}).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _masked(place: Mapping[str, object], fields: set[str], prefix: str) -> dict[str, object]:
    if "*" in fields or f"{prefix}*" in fields:
        return dict(place)
    return {k: v for k, v in place.items() if f"{prefix}{k}" in fields}
