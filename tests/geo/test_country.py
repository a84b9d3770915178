"""The country boundary check: coarse boundaries, a tolerance in metres, GeoJSON loading."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely
from pyproj import Geod
from shapely.geometry import Point, Polygon, box, mapping

from mineaction.errors import GeometryError
from mineaction.geo import Country

# The stand-in for Azerbaijan's extent; the `azerbaijan` fixture (conftest) is this box.
AZ_BOX = (44.7, 38.3, 50.4, 41.9)

GEOD = Geod(ellps="WGS84")


def north_of_the_box(metres: float, lon: float = 47.0) -> Point:
    lon2, lat, _ = GEOD.fwd(lon, AZ_BOX[3], 0.0, metres)
    return Point(lon2, lat)


def test_a_point_inside_or_on_the_boundary_is_inside(azerbaijan: Country) -> None:
    assert azerbaijan.contains(Point(47.1, 39.8))
    assert azerbaijan.contains(Point(AZ_BOX[0], 40.0))
    assert azerbaijan.position_outside(Point(47.1, 39.8)) is None


@pytest.mark.parametrize(("metres", "inside"), [(900.0, True), (1_100.0, False)])
def test_the_tolerance_is_measured_in_metres_on_the_ground(
    azerbaijan: Country, metres: float, inside: bool
) -> None:
    assert azerbaijan.contains(north_of_the_box(metres)) is inside


def test_the_tolerance_can_be_changed(azerbaijan: Country) -> None:
    point = north_of_the_box(2_000.0)
    assert not azerbaijan.contains(point)
    assert azerbaijan.contains(point, tolerance_m=2_100.0)
    assert not azerbaijan.contains(north_of_the_box(10.0), tolerance_m=0.0)


def test_a_polygon_is_inside_only_if_all_of_it_is_near_enough(azerbaijan: Country) -> None:
    edge = AZ_BOX[3]
    near = box(47.0, edge - 0.01, 47.01, north_of_the_box(800.0).y)
    far = box(47.0, edge - 0.01, 47.01, north_of_the_box(5_000.0).y)
    assert azerbaijan.contains(near)
    spot = azerbaijan.position_outside(far)
    assert spot is not None
    lon, lat = spot
    assert 47.0 <= lon <= 47.01
    # The reported place is on the part that lies beyond the tolerance.
    assert lat > north_of_the_box(1_000.0).y


def test_a_geometry_far_away_is_outside_without_a_metric_check(azerbaijan: Country) -> None:
    assert azerbaijan.position_outside(Point(39.8, 47.1)) == (39.8, 47.1)
    assert not azerbaijan.contains(Point(-70.0, -40.0))
    assert not azerbaijan.contains(Polygon())


def test_bounds_are_the_boundary_extent(azerbaijan: Country) -> None:
    assert azerbaijan.bounds == AZ_BOX


def test_it_loads_and_unions_every_feature_of_a_geojson_file(tmp_path: Path) -> None:
    west, east = box(44.7, 38.3, 47.0, 41.9), box(47.0, 38.3, 50.4, 41.9)
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"n": 1}, "geometry": mapping(west)},
            {"type": "Feature", "properties": {"n": 2}, "geometry": mapping(east)},
            {"type": "Feature", "properties": {}, "geometry": mapping(Point(47, 40))},
            {"type": "Feature", "properties": {}, "geometry": None},
        ],
    }
    path = tmp_path / "aze.geojson"
    path.write_text(json.dumps(collection), encoding="utf-8")
    for source in (path, str(path), collection):
        country = Country.from_geojson(source, name="Azerbaijan", iso3="AZE")
        assert country.geometry.geom_type == "Polygon"
        assert shapely.equals(country.geometry, box(*AZ_BOX))
        assert country.iso3 == "AZE"


def test_a_file_with_no_polygon_is_refused() -> None:
    with pytest.raises(GeometryError, match="not a valid, non-empty polygon"):
        Country.from_geojson({"type": "Point", "coordinates": [47, 40]}, "Nowhere", "NOW")


def test_a_boundary_in_metres_is_refused() -> None:
    with pytest.raises(GeometryError, match="not in WGS84"):
        Country(name="Projected", iso3="PRJ", geometry=box(400_000, 4_400_000, 500_000, 4_500_000))
