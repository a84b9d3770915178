"""Validation on entry: a data officer's polygons and positions, refused with reasons.

The country is a box standing in for Azerbaijan (see conftest), never a boundary file.
"""

from __future__ import annotations

import json
import math

import pytest
import shapely
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pyproj import Geod
from shapely.geometry import MultiPoint, Point, Polygon

from mineaction.errors import GeometryError
from mineaction.geo import (
    Country,
    geodesic_area_m2,
    validate_point,
    validate_point_geometry,
    validate_polygon,
)

# The stand-in for Azerbaijan's extent; the `azerbaijan` fixture (conftest) is this box.
AZ_BOX = (44.7, 38.3, 50.4, 41.9)

BOW_TIE = "POLYGON((47 39, 47.01 39.01, 47.01 39, 47 39.01, 47 39))"
SQUARE = "POLYGON((47 39, 47.01 39, 47.01 39.01, 47 39.01, 47 39))"
GEOD = Geod(ellps="WGS84")


def refusal(value: object, **kwargs: object) -> GeometryError:
    """Return the GeometryError validate_polygon raises for value."""
    with pytest.raises(GeometryError) as caught:
        validate_polygon(value, **kwargs)  # type: ignore[arg-type]
    return caught.value


def east_of_the_box(metres: float, lat: float = 40.0) -> tuple[float, float]:
    """Return the position ``metres`` due east of the box's eastern edge."""
    lon, lat2, _ = GEOD.fwd(AZ_BOX[2], lat, 90.0, metres)
    return lon, lat2


# --- shapes that are not areas -------------------------------------------------------------


def test_it_rejects_a_self_intersecting_polygon_and_says_where() -> None:
    error = refusal(BOW_TIE)
    assert error.code == "invalid_geometry"
    assert error.message == "The polygon crosses itself at lon 47.005000, lat 39.005000."
    assert error.hint is not None
    assert error.hint.startswith("redraw the boundary so that it does not cross itself")
    assert "make_valid" in error.hint and "2 pieces" in error.hint
    [problem] = error.problems
    assert problem.field == "geometry"
    assert problem.reason == error.message
    assert str(problem.value).startswith("POLYGON ((47 39, 47.01 39.01")


def test_it_rejects_a_hole_outside_the_shell() -> None:
    error = refusal(
        "POLYGON((47 39, 47.1 39, 47.1 39.1, 47 39.1, 47 39),"
        " (47.2 39.2, 47.3 39.2, 47.3 39.3, 47.2 39.2))"
    )
    assert "has a hole outside its outer boundary at lon 47.200000, lat 39.200000" in error.message


@pytest.mark.parametrize(
    ("value", "count"),
    [
        ("POLYGON((47 39, 47.1 39.1, 47 39))", "only 3 coordinates"),
        ({"type": "Polygon", "coordinates": [[[47, 39], [47.1, 39.1], [47, 39]]]}, "only 3"),
        ("POLYGON((47 39, 47.1 39.1, 47.1 39.1, 47 39))", "2 distinct corners"),
    ],
    ids=["wkt", "geojson", "repeated corner"],
)
def test_it_rejects_a_ring_with_too_few_corners_and_says_how_many(
    value: object, count: str
) -> None:
    error = refusal(value)
    assert count in error.message
    assert "outer boundary" in error.message


@pytest.mark.parametrize(
    "value",
    [
        "POLYGON((47 39, 47.1 39, 47.1 39.1, 47 39.1))",
        {"type": "Polygon", "coordinates": [[[47, 39], [47.1, 39], [47.1, 39.1], [47, 39.1]]]},
    ],
    ids=["wkt", "geojson"],
)
def test_it_rejects_a_ring_that_is_not_closed_instead_of_closing_it(value: object) -> None:
    error = refusal(value)
    assert "not closed" in error.message
    assert error.hint is not None and "repeat the first corner" in error.hint


@pytest.mark.parametrize("value", ["POLYGON EMPTY", Polygon(), "MULTIPOLYGON EMPTY"])
def test_it_rejects_an_empty_geometry(value: object) -> None:
    assert "is empty" in refusal(value).message


@pytest.mark.parametrize(
    "value",
    [
        "POLYGON((NaN 39, 47.1 39, 47.1 39.1, NaN 39))",
        {"type": "Polygon", "coordinates": [[[47, 39], [math.nan, 39], [47, 39.1], [47, 39]]]},
        Polygon([(47, 39), (math.inf, 39), (47, 39.1), (47, 39)]),
    ],
    ids=["wkt", "geojson", "shapely"],
)
def test_it_rejects_coordinates_that_are_not_numbers(value: object) -> None:
    assert "not a number" in refusal(value).message


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("LINESTRING(47 39, 47.1 39.1)", "A line"),
        ("POINT(47 39)", "A point"),
        ("MULTIPOINT((47 39), (48 40))", "A set of points"),
    ],
)
def test_it_rejects_a_line_or_point_where_an_area_is_needed(value: str, kind: str) -> None:
    error = refusal(value)
    assert error.message == f"{kind} was given where an area (polygon) is needed."


def test_it_rejects_a_geometry_collection_rather_than_picking_from_it() -> None:
    error = refusal(f"GEOMETRYCOLLECTION({SQUARE}, POINT(47 39))")
    assert "geometry collection" in error.message


def test_it_rejects_a_polygon_whose_corners_lie_on_one_line() -> None:
    error = refusal("POLYGON((47 39, 47.1 39.1, 47.2 39.2, 47 39))")
    assert "has no area" in error.message


def test_it_rejects_a_longitude_out_of_range_and_names_the_corner() -> None:
    error = refusal("POLYGON((47 39, 200 39, 47.1 39.1, 47 39))")
    assert error.message.startswith("The polygon, outer boundary, corner 2 at lon 200.000000")
    assert "out of range" in error.message


def test_it_says_latitude_and_longitude_are_swapped_when_latitude_is_impossible() -> None:
    error = refusal("POLYGON((39 147, 39.1 147, 39.1 147.1, 39 147))")
    assert "looks like latitude and longitude are swapped" in error.message
    assert error.hint is not None and "longitude first" in error.hint


def test_it_names_the_part_of_a_multipolygon_that_is_wrong() -> None:
    error = refusal(f"MULTIPOLYGON(({SQUARE[8:-1]}), ({BOW_TIE[8:-1].replace('47', '48')}))")
    assert error.message.startswith("Part 2 of 2 crosses itself at lon 48.005000")


def test_it_rejects_overlapping_parts_of_a_multipolygon() -> None:
    shifted = SQUARE.replace("47.01", "47.015").replace("47 ", "47.005 ")
    error = refusal(f"MULTIPOLYGON(({SQUARE[8:-1]}), ({shifted[8:-1]}))")
    assert error.message.startswith("The multipolygon has parts that overlap at")


# --- what is accepted ----------------------------------------------------------------------


def test_it_accepts_a_valid_polygon_unchanged_but_anticlockwise() -> None:
    clockwise = Polygon([(47, 39), (47, 39.01), (47.01, 39.01), (47.01, 39), (47, 39)])
    assert not clockwise.exterior.is_ccw
    result = validate_polygon(clockwise)
    assert result.exterior.is_ccw
    assert result.normalize().equals_exact(clockwise.normalize(), tolerance=0)


@pytest.mark.parametrize(
    "value",
    [
        SQUARE,
        shapely.from_wkt(SQUARE),
        shapely.geometry.mapping(shapely.from_wkt(SQUARE)),
        json.dumps(shapely.geometry.mapping(shapely.from_wkt(SQUARE))),
        {
            "type": "Feature",
            "properties": {},
            "geometry": json.loads(shapely.to_geojson(shapely.from_wkt(SQUARE))),
        },
    ],
    ids=["wkt", "shapely", "geojson dict", "geojson string", "geojson feature"],
)
def test_it_accepts_wkt_geojson_and_shapely_alike(value: object, azerbaijan: Country) -> None:
    result = validate_polygon(value, country=azerbaijan)
    assert result.equals(shapely.from_wkt(SQUARE))


def test_it_explains_unreadable_text_without_showing_geos_alone() -> None:
    error = refusal("POLYGN((47 39, 47.1 39, 47.1 39.1, 47 39))")
    assert error.message.startswith("The geometry could not be read as WKT")
    assert error.hint is not None and "POLYGON((47.1 39.9" in error.hint


def test_the_error_renders_as_json_with_its_problem(azerbaijan: Country) -> None:
    body = refusal(BOW_TIE, field="hazard_polygon").as_dict()
    assert body["error"]["code"] == "invalid_geometry"
    assert body["error"]["problems"][0]["field"] == "hazard_polygon"
    json.dumps(body)


# --- the country ---------------------------------------------------------------------------


def test_it_spots_a_swapped_point_in_azerbaijan(azerbaijan: Country) -> None:
    with pytest.raises(GeometryError) as caught:
        validate_point(39.8, 47.1, country=azerbaijan)
    assert caught.value.message == (
        "Latitude and longitude look swapped: (39.800000, 47.100000) is outside Azerbaijan, "
        "(47.100000, 39.800000) is inside."
    )
    assert caught.value.hint == "swap the columns, longitude first (x = longitude, y = latitude)"


def test_it_spots_a_swapped_polygon_in_azerbaijan(azerbaijan: Country) -> None:
    swapped = shapely.transform(shapely.from_wkt(SQUARE), lambda c: c[:, ::-1])
    assert "look swapped" in refusal(swapped, country=azerbaijan).message


def test_it_rejects_a_point_outside_the_country_and_says_where(azerbaijan: Country) -> None:
    with pytest.raises(GeometryError) as caught:
        validate_point(52.3, 40.1, country=azerbaijan)
    assert caught.value.message == (
        "lon 52.300000, lat 40.100000 is outside Azerbaijan (more than 1 km beyond its boundary)."
    )
    assert caught.value.hint == (
        "check the coordinates and their CRS; positions must be WGS84 longitude/latitude"
    )


def test_it_accepts_a_point_500_m_beyond_the_coarse_boundary(azerbaijan: Country) -> None:
    lon, lat = east_of_the_box(500.0)
    assert validate_point(lon, lat, country=azerbaijan) == Point(lon, lat)


def test_it_refuses_a_point_3_km_beyond_the_boundary(azerbaijan: Country) -> None:
    lon, lat = east_of_the_box(3_000.0)
    with pytest.raises(GeometryError, match="outside Azerbaijan"):
        validate_point(lon, lat, country=azerbaijan)


def test_it_refuses_a_polygon_reaching_3_km_beyond_the_boundary_and_says_where(
    azerbaijan: Country,
) -> None:
    far, _ = east_of_the_box(3_000.0)
    near, _ = east_of_the_box(500.0)
    validate_polygon(shapely.box(50.3, 40.0, near, 40.01), country=azerbaijan)
    error = refusal(shapely.box(50.3, 40.0, far, 40.01), country=azerbaijan)
    assert error.message.startswith("The area reaches outside Azerbaijan: lon 50.4")


def test_a_point_given_as_geometry_is_validated_the_same_way(azerbaijan: Country) -> None:
    assert validate_point_geometry("POINT(47.1 39.8)", country=azerbaijan) == Point(47.1, 39.8)
    with pytest.raises(GeometryError, match="look swapped"):
        validate_point_geometry({"type": "Point", "coordinates": [39.8, 47.1]}, country=azerbaijan)
    with pytest.raises(GeometryError, match="where one position"):
        validate_point_geometry(SQUARE)
    with pytest.raises(GeometryError, match="empty"):
        validate_point_geometry("POINT EMPTY")


@pytest.mark.parametrize(("lon", "lat"), [("x", 40.0), (None, 40.0), (math.nan, 40.0)])
def test_it_rejects_a_position_that_is_not_two_numbers(lon: object, lat: object) -> None:
    with pytest.raises(GeometryError, match="not a"):
        validate_point(lon, lat)


def test_it_says_a_point_is_swapped_without_a_country_when_latitude_is_impossible() -> None:
    with pytest.raises(GeometryError, match="swapped"):
        validate_point(40.1, 147.1)


# --- properties ----------------------------------------------------------------------------

_lon = st.floats(AZ_BOX[0], AZ_BOX[2])
_lat = st.floats(AZ_BOX[1], AZ_BOX[3])


@settings(max_examples=100, deadline=None)
@given(corners=st.lists(st.tuples(_lon, _lat), min_size=3, max_size=12))
def test_any_convex_polygon_inside_the_box_passes_and_keeps_its_area(
    corners: list[tuple[float, float]], azerbaijan: Country
) -> None:
    hull = MultiPoint(corners).convex_hull
    assume(isinstance(hull, Polygon) and hull.area > 1e-12)
    result = validate_polygon(hull, country=azerbaijan)
    assert geodesic_area_m2(result) == pytest.approx(geodesic_area_m2(hull), rel=1e-12)
    assert sorted(result.exterior.coords) == sorted(hull.exterior.coords)


@settings(max_examples=100, deadline=None)
@given(lon=_lon, lat=_lat)
def test_any_point_in_the_box_given_swapped_gets_the_swap_message(
    lon: float, lat: float, azerbaijan: Country
) -> None:
    assert validate_point(lon, lat, country=azerbaijan) == Point(lon, lat)
    with pytest.raises(GeometryError, match="Latitude and longitude look swapped"):
        validate_point(lat, lon, country=azerbaijan)
