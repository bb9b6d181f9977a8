"""Tests of the Area rectangle: parsing, validation, measures, half-open membership, the antimeridian."""

from __future__ import annotations

import math

import pytest

from leadgen_desktop.domain import Area, AreaError, haversine_m
from leadgen_desktop.domain.geo import METRES_PER_DEGREE

AUSTIN = Area(30.10, -97.95, 30.52, -97.56)


def test_parse_reads_south_west_north_east() -> None:
    assert Area.parse("30.10,-97.95,30.52,-97.56") == AUSTIN
    assert Area.parse(" 30.1 , -97.95,30.52 ,-97.56 ") == AUSTIN
    assert str(AUSTIN) == "30.1,-97.95,30.52,-97.56"
    assert Area.parse(str(AUSTIN)) == AUSTIN


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("30.1,-97.95,30.52", "four numbers SOUTH,WEST,NORTH,EAST"),
        ("30.1,-97.95,,-97.56", "four numbers"),
        ("30.1,west,30.52,-97.56", "WEST ('west') is not a number"),
        ("nan,-97.95,30.52,-97.56", "SOUTH must be a finite number"),
        ("30.1,-97.95,inf,-97.56", "NORTH must be a finite number"),
        ("95,-97.95,96,-97.56", "SOUTH (95) must be a latitude between -90 and 90"),
        ("30.1,-197.95,30.52,-97.56", "WEST (-197.95) must be a longitude between -180 and 180"),
        ("30.52,-97.95,30.1,-97.56", "SOUTH (30.52) must be less than NORTH (30.1)"),
        ("30.1,-97.95,30.1,-97.56", "the area is empty"),
        ("30.1,-97.56,30.52,-97.56", "must differ, or the area has no width"),
        ("20,-120,30,-70", "at most 500 km a side"),
        ("30.1,-97.56,30.52,-97.95", "did you swap WEST and EAST?"),
    ],
)
def test_bad_areas_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(AreaError, match=message.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")):
        Area.parse(text)


def test_area_error_is_a_value_error_and_booleans_are_not_numbers() -> None:
    with pytest.raises(ValueError, match="must be a number"):
        Area(True, 0.0, 1.0, 1.0)  # type: ignore[arg-type]


def test_list_round_trip_and_bad_lists() -> None:
    assert Area.from_list(AUSTIN.to_list()) == AUSTIN
    with pytest.raises(AreaError, match="list of four numbers"):
        Area.from_list([1, 2, 3])
    with pytest.raises(AreaError, match="must be a number"):
        Area.from_list([1, 2, "3", 4])


def test_measures() -> None:
    lat, lng = AUSTIN.centre
    assert (lat, lng) == pytest.approx((30.31, -97.755))
    assert AUSTIN.height_m == pytest.approx(0.42 * METRES_PER_DEGREE)
    assert AUSTIN.width_m == pytest.approx(0.39 * METRES_PER_DEGREE * math.cos(math.radians(30.10)))
    assert AUSTIN.distance_to_centre_m(lat, lng) == 0.0
    one_degree = haversine_m(0.0, 0.0, 1.0, 0.0)
    assert one_degree == pytest.approx(METRES_PER_DEGREE)


def test_around_makes_a_square_of_the_given_size() -> None:
    square = Area.around(30.0, -97.0, 250.0)
    assert square.height_m == pytest.approx(500.0)
    assert square.width_m == pytest.approx(500.0, rel=1e-4)
    assert square.centre == pytest.approx((30.0, -97.0))


def test_split_children_share_their_edges_exactly() -> None:
    sw, se, nw, ne = AUSTIN.quarters()
    assert sw.east == se.west == nw.east == ne.west
    assert sw.north == nw.south == se.north == ne.south
    assert sw.union_if_rectangle(se) == Area(sw.south, sw.west, se.north, se.east)
    assert nw.union_if_rectangle(sw) == Area(sw.south, sw.west, nw.north, nw.east)
    assert sw.union_if_rectangle(ne) is None  # diagonal: no rectangle
    assert len(AUSTIN.split(lat=False)) == 2
    assert AUSTIN.split(lat=False)[0].north == AUSTIN.north


def test_a_point_on_a_shared_edge_belongs_to_exactly_one_quarter() -> None:
    quarters = AUSTIN.quarters()
    mid_lat, mid_lng = quarters[0].north, quarters[0].east
    for point in [(mid_lat, mid_lng), (mid_lat, -97.9), (30.2, mid_lng), (AUSTIN.south, AUSTIN.west)]:
        owners = [q for q in quarters if q.contains(*point)]
        assert len(owners) == 1, point


def test_outer_edges_are_closed_only_when_asked() -> None:
    corner = (AUSTIN.north, AUSTIN.east)
    assert not AUSTIN.contains(*corner)
    assert AUSTIN.contains(*corner, closed_north=True, closed_east=True)
    ne = AUSTIN.quarters()[3]
    assert ne.contains(*corner, closed_north=True, closed_east=True)
    assert not AUSTIN.contains(math.nan, -97.7)


def test_nearest_distance() -> None:
    assert AUSTIN.nearest_distance_m(30.3, -97.7) == 0.0
    below = AUSTIN.nearest_distance_m(AUSTIN.south - 0.01, -97.7)
    assert below == pytest.approx(0.01 * METRES_PER_DEGREE, rel=1e-6)


# -- the antimeridian ------------------------------------------------------------------


FIJI = Area(-18.3, 177.0, -16.0, -179.5)


def test_an_area_across_the_antimeridian_is_split_into_two_ordinary_rectangles() -> None:
    assert FIJI.crosses_antimeridian
    east_part, west_part = FIJI.parts()
    assert (east_part.west, east_part.east) == (177.0, 180.0)
    assert (west_part.west, west_part.east) == (-180.0, -179.5)
    assert not east_part.crosses_antimeridian
    assert not west_part.crosses_antimeridian
    assert FIJI.lng_span == pytest.approx(3.5)
    assert FIJI.centre == pytest.approx((-17.15, 178.75))
    assert FIJI.width_m == pytest.approx(3.5 * METRES_PER_DEGREE * math.cos(math.radians(16.0)))
    with pytest.raises(ValueError, match="parts"):
        FIJI.split()


def test_membership_across_the_antimeridian() -> None:
    east_part, west_part = FIJI.parts()
    for lng in (178.0, 180.0, -180.0, -179.9):
        assert FIJI.contains(-17.0, lng)
        owners = [p for p in (east_part, west_part) if p.contains(-17.0, lng, closed_east=p is west_part)]
        assert len(owners) == 1, lng
    assert not FIJI.contains(-17.0, 0.0)
    assert east_part.contains(-17.0, 180.0, closed_east=True)
    # distances go the short way round the globe
    assert FIJI.nearest_distance_m(-17.0, -179.0) < 60_000
