"""Reading geometries from WKT, GeoJSON and shapely, with readable refusals."""

from __future__ import annotations

import pytest
from shapely.geometry import Point

from mineaction.errors import GeometryError
from mineaction.geo import parse_geometry


def test_a_shapely_geometry_is_returned_as_it_is() -> None:
    point = Point(47.1, 39.8)
    assert parse_geometry(point) is point


@pytest.mark.parametrize(
    "value",
    [
        "POINT (47.1 39.8)",
        "  point(47.1 39.8)\n",
        {"type": "Point", "coordinates": [47.1, 39.8]},
        '{"type": "Point", "coordinates": [47.1, 39.8]}',
        {
            "type": "Feature",
            "properties": {},
            "geometry": {"type": "Point", "coordinates": [47.1, 39.8]},
        },
    ],
)
def test_wkt_and_geojson_are_read_alike(value: object) -> None:
    assert parse_geometry(value) == Point(47.1, 39.8)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "No geometry was given."),
        ("   ", "The geometry is blank."),
        (42, "A geometry cannot be read from a value of type int."),
        (
            "POINT(47.1)",
            "The geometry could not be read as WKT (Expected number but encountered ')').",
        ),
        ('{"type": "Point", "coordinates": [47.1, }', "looks like GeoJSON but could not be read"),
        ({"type": "Pointy", "coordinates": [47.1, 39.8]}, "The GeoJSON Pointy could not be read"),
        ({"type": "Polygon"}, "The GeoJSON Polygon could not be read (no 'coordinates')."),
        ({"coordinates": [47.1, 39.8]}, "The GeoJSON has no geometry"),
        ({"type": "FeatureCollection", "features": []}, "FeatureCollection was given"),
    ],
)
def test_it_says_what_could_not_be_read_and_how_to_write_it(value: object, message: str) -> None:
    with pytest.raises(GeometryError) as caught:
        parse_geometry(value, field="finding_position")
    error = caught.value
    assert message in error.message
    assert error.hint is not None
    assert error.problems[0].field == "finding_position"
