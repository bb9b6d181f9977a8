"""The demo world: invented towns whose businesses sit at coordinates, searched by rectangle.

The world is a grid of 1° cells; each cell holds one town, centred at a hashed
spot in the middle of the cell and named from the demo word lists. A location
text picks a cell by hash (within the latitudes and longitudes of the
continental US, like the page-by-page demo) and the town's viewport is the
campaign's area. For every business query a town holds 1,400-1,900 places,
about 3% of them permanently closed: half in a dense core (σ ≈ 2 km), half
spread wider (σ ≈ 5.5 km), so tiling splits the core and leaves the suburbs
whole, as in a real city. A search returns the places inside a rectangle (its
edges included), most prominent first, at most 60, in pages of 20: the same
rules as Google Places, so the demo shows what a live run does.

A place id carries the query's slug and hash, the town's cell and the place's
number (``demo-<slug>-<hash>-<cell>-<n>``), so Place Details can rebuild any
place from its id alone, in any process.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
from dataclasses import dataclass

from leadgen_desktop.domain import RESULTS_PER_QUERY, Area
from leadgen_desktop.net.providers.demo_data import DemoData, _rng, _seed, _slug

CELL_DEG = 1.0
"""Size of a world cell (one town each), in degrees."""
VIEW_HALF_DEG = 0.12
"""Half the height of a town's viewport, in degrees of latitude (about 13 km)."""
CORE_SIGMA_DEG = 0.02
WIDE_SIGMA_DEG = 0.05
PLACES_PER_TOWN = (1400, 1900)
"""Least and most places of one business query in a town."""
CLOSED_SHARE = 0.03
_SUFFIXES = ("ville", "ton", "field", "ford", "burg", "port", " Springs", " Falls")
_PLACE_ID = re.compile(r"^demo-([a-z0-9-]{1,40})-([0-9a-f]{10})-(\d{3})(\d{3})-(\d{4})$")


@dataclass(frozen=True, slots=True)
class TownQuery:
    """A business query as the demo world knows it: its slug (for names) and its hash (for seeds)."""

    slug: str
    key: str

    @classmethod
    def of(cls, text: str) -> TownQuery:
        """The query for a search text ("emergency dentist")."""
        normal = " ".join(text.split()).casefold()
        if not normal:
            raise ValueError("a demo search needs a business query")
        return cls(_slug(normal), hashlib.sha256(normal.encode("utf-8")).hexdigest()[:10])

    @property
    def title(self) -> str:
        """The kind of business, as names use it ("Emergency Dentist")."""
        return " ".join(word.capitalize() for word in self.slug.split("-"))


@dataclass(frozen=True, slots=True)
class TownPlace:
    """One place of a query in a town; lower ``rank`` is more prominent."""

    place_id: str
    index: int
    lat: float
    lng: float
    rank: float
    closed: bool


@dataclass(frozen=True, slots=True)
class Town:
    """The town of one world cell."""

    row: int
    col: int
    lat: float
    lng: float
    name: str

    @property
    def place_id(self) -> str:
        """The town's own id (what a location lookup answers)."""
        return f"demo-town-{self.row + 90:03d}{self.col + 180:03d}"

    @property
    def viewport(self) -> Area:
        """The town's area: about 26 km a side around its centre."""
        half_lng = VIEW_HALF_DEG / math.cos(math.radians(self.lat))
        return Area(
            self.lat - VIEW_HALF_DEG, self.lng - half_lng, self.lat + VIEW_HALF_DEG, self.lng + half_lng
        )


def _centre(row: int, col: int) -> tuple[float, float]:
    r = _rng("town", row, col)
    return row + r.uniform(0.3, 0.7) * CELL_DEG, col + r.uniform(0.3, 0.7) * CELL_DEG


def town(row: int, col: int, data: DemoData) -> Town:
    """The town of world cell (``row``, ``col``) = (floor(lat), floor(lng))."""
    r = _rng("town name", row, col)
    return Town(row, col, *_centre(row, col), f"{r.choice(data['nouns'])}{r.choice(_SUFFIXES)}")


def town_for(location: str, data: DemoData) -> Town:
    """The town a location text stands for in the demo world (any text names some town)."""
    r = _rng("center", " ".join(location.split()).casefold())
    return town(math.floor(r.uniform(26.0, 47.0)), math.floor(r.uniform(-122.0, -72.0)), data)


@functools.lru_cache(maxsize=16)
def town_places(key: str, slug: str, row: int, col: int) -> tuple[TownPlace, ...]:
    """Every place of a query in a town, most prominent first (generated once per process)."""
    r = _rng(key, "town", row, col)
    c_lat, c_lng = _centre(row, col)
    low, high = PLACES_PER_TOWN
    count = low + _seed(key, "count", row, col) % (high - low + 1)
    cos_lat = math.cos(math.radians(c_lat))
    places: list[TownPlace] = []
    for index in range(count):
        sigma = CORE_SIGMA_DEG if index % 2 == 0 else WIDE_SIGMA_DEG
        while True:  # stay inside the town's cell (the spread is far smaller than the cell)
            lat, lng = r.gauss(c_lat, sigma), r.gauss(c_lng, sigma / cos_lat)
            if row < lat < row + CELL_DEG and col < lng < col + CELL_DEG:
                break
        place_id = f"demo-{slug}-{key}-{row + 90:03d}{col + 180:03d}-{index:04d}"
        places.append(
            TownPlace(place_id, index, round(lat, 6), round(lng, 6), r.random(), r.random() < CLOSED_SHARE)
        )
    return tuple(sorted(places, key=lambda p: p.rank))


def places_in(query: TownQuery, rect: Area) -> list[TownPlace]:
    """The query's places inside ``rect`` (edges included), most prominent first, at most 60."""
    found: list[TownPlace] = []
    for part in rect.parts():
        rows = range(math.floor(part.south / CELL_DEG), math.floor(part.north / CELL_DEG) + 1)
        cols = range(math.floor(part.west / CELL_DEG), math.floor(part.east / CELL_DEG) + 1)
        for row in rows:
            for col in cols:
                found.extend(
                    p
                    for p in town_places(query.key, query.slug, row, col)
                    if part.south <= p.lat <= part.north and part.west <= p.lng <= part.east
                )
    return sorted(found, key=lambda p: p.rank)[:RESULTS_PER_QUERY]


def place_by_id(place_id: str) -> tuple[TownQuery, TownPlace] | None:
    """The query and place an id names, or None when no demo place has that id."""
    match = _PLACE_ID.match(place_id)
    if match is None:
        return None
    slug, key, row, col, index = match.groups()
    places = town_places(key, slug, int(row) - 90, int(col) - 180)
    place = next((p for p in places if p.index == int(index)), None)
    return (TownQuery(slug, key), place) if place is not None and place.place_id == place_id else None
