"""Rectangles on the globe: the area a campaign covers and the tiles it is searched in.

An :class:`Area` is a latitude/longitude rectangle given as ``SOUTH,WEST,NORTH,EAST``
in degrees, the order of ``--area`` and of Google's ``low``/``high`` corners.

The antimeridian: an area whose WEST is greater than its EAST crosses the 180°
meridian (a viewport around Fiji, say). Such an area is accepted and
:meth:`Area.parts` splits it into two ordinary rectangles, one on each side;
tiles are always ordinary rectangles (``crosses_antimeridian`` False), so a
search never sends an inverted rectangle. A WEST east of EAST by mistake (the
two swapped) makes an area that wraps nearly around the globe, which the size
limit refuses with a hint.

Membership is half-open so that tiles sharing an edge never both own a point:
a tile holds ``south <= lat < north`` and ``west <= lng < east``; the area's
own north and east edges are closed by the caller (``closed_north`` /
``closed_east``) so a point on the outer boundary still belongs to one tile.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius in metres (IUGG)."""

METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180.0
"""Length of one degree of latitude (and of longitude at the equator), about 111.2 km."""

MAX_SIDE_M = 500_000.0
"""Longest side accepted for an area: a city or a region, not a country."""

AREA_FORMAT = "SOUTH,WEST,NORTH,EAST"
AREA_EXAMPLE = "30.10,-97.95,30.52,-97.56"


class AreaError(ValueError):
    """An area that cannot be searched; the message says what is wrong and how to fix it."""


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres between two points (wraps around the antimeridian)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lng2 - lng1)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def normalize_lng(lng: float) -> float:
    """A longitude in [-180, 180): 180 and -180 are the same meridian."""
    return ((lng + 180.0) % 360.0) - 180.0


def _number(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AreaError(f"The area's {name} must be a number of degrees, not {value!r}.")
    number = float(value)
    if not math.isfinite(number):
        raise AreaError(f"The area's {name} must be a finite number of degrees, not {value!r}.")
    return number


def _km(metres: float) -> str:
    return f"{metres / 1000:,.0f} km" if metres >= 10_000 else f"{metres / 1000:,.1f} km"


@dataclass(frozen=True, slots=True)
class Area:
    """A latitude/longitude rectangle; validated on creation (raises :class:`AreaError`)."""

    south: float
    west: float
    north: float
    east: float

    def __post_init__(self) -> None:
        south, west = _number("SOUTH", self.south), _number("WEST", self.west)
        north, east = _number("NORTH", self.north), _number("EAST", self.east)
        for name, lat in (("SOUTH", south), ("NORTH", north)):
            if not -90.0 <= lat <= 90.0:
                raise AreaError(f"{name} ({lat:g}) must be a latitude between -90 and 90 degrees.")
        for name, lng in (("WEST", west), ("EAST", east)):
            if not -180.0 <= lng <= 180.0:
                raise AreaError(f"{name} ({lng:g}) must be a longitude between -180 and 180 degrees.")
        if south >= north:
            raise AreaError(
                f"SOUTH ({south:g}) must be less than NORTH ({north:g}), or the area is empty: "
                f"give it as {AREA_FORMAT}, e.g. {AREA_EXAMPLE}."
            )
        if west == east or {west, east} == {-180.0, 180.0}:
            raise AreaError(f"WEST and EAST ({west:g}, {east:g}) must differ, or the area has no width.")
        width, height = self.width_m, self.height_m
        if max(width, height) > MAX_SIDE_M:
            hint = (
                f" WEST ({west:g}) is east of EAST ({east:g}), so the area wraps across the 180° "
                "meridian: did you swap WEST and EAST?"
                if west > east
                else ""
            )
            raise AreaError(
                f"The area is {_km(width)} wide and {_km(height)} high; at most {_km(MAX_SIDE_M)} a side "
                f"can be searched.{hint} Choose a city or a region."
            )
        for name, value in (("south", south), ("west", west), ("north", north), ("east", east)):
            object.__setattr__(self, name, value)

    # -- text and plain data ------------------------------------------------------

    @classmethod
    def parse(cls, text: str) -> Area:
        """Read ``SOUTH,WEST,NORTH,EAST`` (degrees, commas, spaces allowed)."""
        parts = [part.strip() for part in str(text).split(",")]
        if len(parts) != 4 or not all(parts):
            raise AreaError(
                f"An area is four numbers {AREA_FORMAT} in degrees, e.g. {AREA_EXAMPLE}; got {text!r}."
            )
        numbers: list[float] = []
        for name, part in zip(AREA_FORMAT.split(","), parts, strict=True):
            try:
                numbers.append(float(part))
            except ValueError:
                raise AreaError(
                    f"{name} ({part!r}) is not a number; give the area as {AREA_FORMAT}, e.g. {AREA_EXAMPLE}."
                ) from None
        return cls(*numbers)

    @classmethod
    def from_list(cls, values: object) -> Area:
        """Inverse of :meth:`to_list` (``[south, west, north, east]``)."""
        if not isinstance(values, list | tuple) or len(values) != 4:
            raise AreaError(f"An area is a list of four numbers [south, west, north, east], not {values!r}.")
        return cls(*(_number(name, v) for name, v in zip(AREA_FORMAT.split(","), values, strict=True)))

    @classmethod
    def around(cls, lat: float, lng: float, half_side_m: float) -> Area:
        """A square of ``2 * half_side_m`` a side centred on a point (clamped at the poles)."""
        d_lat = half_side_m / METRES_PER_DEGREE
        d_lng = min(d_lat / max(math.cos(math.radians(lat)), 0.01), 179.0)
        east = normalize_lng(lng + d_lng)
        return cls(
            max(lat - d_lat, -90.0),
            normalize_lng(lng - d_lng),
            min(lat + d_lat, 90.0),
            180.0 if east == -180.0 else east,
        )

    def to_list(self) -> list[float]:
        """``[south, west, north, east]``: the JSON form (``area`` in ``--json``)."""
        return [self.south, self.west, self.north, self.east]

    def __str__(self) -> str:
        return f"{self.south:.6g},{self.west:.7g},{self.north:.6g},{self.east:.7g}"

    # -- measures -------------------------------------------------------------------

    @property
    def crosses_antimeridian(self) -> bool:
        """True when the area spans the 180° meridian (WEST greater than EAST)."""
        return self.west > self.east

    @property
    def lng_span(self) -> float:
        """Degrees of longitude covered (positive, also across the antimeridian)."""
        return self.east - self.west if not self.crosses_antimeridian else self.east + 360.0 - self.west

    @property
    def centre(self) -> tuple[float, float]:
        """(lat, lng) of the middle of the rectangle."""
        return (self.south + self.north) / 2.0, normalize_lng(self.west + self.lng_span / 2.0)

    @property
    def height_m(self) -> float:
        """North-south size in metres."""
        return (self.north - self.south) * METRES_PER_DEGREE

    @property
    def width_m(self) -> float:
        """East-west size in metres at the latitude closest to the equator (the widest)."""
        widest = 0.0 if self.south <= 0.0 <= self.north else min(abs(self.south), abs(self.north))
        return self.lng_span * METRES_PER_DEGREE * math.cos(math.radians(widest))

    def distance_to_centre_m(self, lat: float, lng: float) -> float:
        """Metres from a point to the centre of this area."""
        c_lat, c_lng = self.centre
        return haversine_m(c_lat, c_lng, lat, lng)

    def nearest_distance_m(self, lat: float, lng: float) -> float:
        """Metres from a point to the closest point of this rectangle (0 inside)."""
        if self.contains(lat, lng, closed_north=True, closed_east=True):
            return 0.0
        near_lat = min(max(lat, self.south), self.north)
        if self._lng_inside(lng, closed=True):
            near_lng = lng
        else:  # the nearer of the two longitude edges, measured around the globe
            near_lng = min((self.west, self.east), key=lambda edge: abs(normalize_lng(lng - edge)))
        return haversine_m(lat, lng, near_lat, near_lng)

    # -- membership and splitting -------------------------------------------------------

    def _lng_inside(self, lng: float, *, closed: bool) -> bool:
        lng = normalize_lng(lng)  # in [-180, 180): a point on the 180° meridian reads -180
        before_east = lng <= self.east if closed else lng < self.east
        if self.crosses_antimeridian:
            return lng >= self.west or before_east
        if self.west <= lng and before_east:
            return True
        return closed and self.east == 180.0 and lng == -180.0

    def contains(
        self, lat: float, lng: float, *, closed_north: bool = False, closed_east: bool = False
    ) -> bool:
        """Half-open membership: ``south <= lat < north`` and ``west <= lng < east``.

        ``closed_north`` / ``closed_east`` include that edge (the area's outer boundary),
        so the tiles of an area own every point of it exactly once.
        """
        if not math.isfinite(lat) or not math.isfinite(lng):
            return False
        in_lat = self.south <= lat <= self.north if closed_north else self.south <= lat < self.north
        return in_lat and self._lng_inside(lng, closed=closed_east)

    def parts(self) -> tuple[Area, ...]:
        """This area as ordinary rectangles: itself, or two halves either side of the 180° meridian."""
        if not self.crosses_antimeridian:
            return (self,)
        return Area(self.south, self.west, self.north, 180.0), Area(self.south, -180.0, self.north, self.east)

    def split(self, *, lat: bool = True, lng: bool = True) -> tuple[Area, ...]:
        """Halve the latitude span, the longitude span or both; children ordered south-west first.

        Children share their inner edges exactly (the same midpoint value), so
        neighbouring tiles can be recognised and packed later.
        """
        if self.crosses_antimeridian:
            raise ValueError("split the parts of an area that crosses the antimeridian, not the area")
        lats = (self.south, (self.south + self.north) / 2.0, self.north) if lat else (self.south, self.north)
        lngs = (self.west, (self.west + self.east) / 2.0, self.east) if lng else (self.west, self.east)
        return tuple(
            Area(lats[i], lngs[j], lats[i + 1], lngs[j + 1])
            for i in range(len(lats) - 1)
            for j in range(len(lngs) - 1)
        )

    def quarters(self) -> tuple[Area, Area, Area, Area]:
        """The four quarters: south-west, south-east, north-west, north-east."""
        sw, se, nw, ne = self.split()
        return sw, se, nw, ne

    def union_if_rectangle(self, other: Area) -> Area | None:
        """The rectangle covering both when they share a whole edge, else None."""
        if self.south == other.south and self.north == other.north:
            if self.east == other.west:
                return Area(self.south, self.west, self.north, other.east)
            if other.east == self.west:
                return Area(self.south, other.west, self.north, self.east)
        if self.west == other.west and self.east == other.east:
            if self.north == other.south:
                return Area(self.south, self.west, other.north, self.east)
            if other.north == self.south:
                return Area(other.south, self.west, self.north, self.east)
        return None
