"""Areas on the ellipsoid, hectares, UTM zones and metric buffers.

The reference areas are computed here from the closed-form area of an ellipsoidal
zone (via the authalic latitude), independently of pyproj.
"""

from __future__ import annotations

import math

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box
from shapely.geometry.polygon import orient

from mineaction.geo import buffer_m, geodesic_area_m2, m2_to_ha, round_ha, utm_epsg
from mineaction.geo.areas import from_local_metric, to_local_metric

# WGS84 ellipsoid
A = 6_378_137.0
F = 1 / 298.257223563
E2 = F * (2 - F)
E = math.sqrt(E2)


def q(lat_deg: float) -> float:
    """Return the authalic q(φ) of the WGS84 ellipsoid (Snyder 1987, eq. 3-12)."""
    s = math.sin(math.radians(lat_deg))
    return (1 - E2) * (s / (1 - E2 * s * s) - (1 / (2 * E)) * math.log((1 - E * s) / (1 + E * s)))


Q_POLE = q(90.0)
R_AUTHALIC = A * math.sqrt(Q_POLE / 2)


def authalic_latitude(lat_deg: float) -> float:
    """Return β, the latitude on the equal-area sphere of radius R_AUTHALIC, in radians."""
    return math.asin(q(lat_deg) / Q_POLE)


def zone_area_m2(lat1: float, lat2: float, dlon_deg: float) -> float:
    """Return the area between two parallels over dlon degrees: R_q² Δλ (sin β2 − sin β1)."""
    beta1, beta2 = authalic_latitude(lat1), authalic_latitude(lat2)
    return R_AUTHALIC**2 * math.radians(dlon_deg) * (math.sin(beta2) - math.sin(beta1))


def cell(lon: float, lat: float, size: float = 1.0) -> Polygon:
    # Edges along parallels are densified: pyproj joins corners by geodesics, which bulge
    # poleward of a parallel (about 120 m over 1° at 40°N); 0.001° steps make that negligible.
    return shapely.segmentize(box(lon, lat, lon + size, lat + size), 0.001)


def test_the_reference_formula_gives_the_surface_of_the_whole_ellipsoid() -> None:
    whole = 2 * zone_area_m2(0.0, 90.0, 360.0)
    assert whole == pytest.approx(510_065_621_724_088.4, rel=1e-12)


def test_a_one_degree_cell_at_the_equator_has_the_ellipsoidal_zone_area() -> None:
    expected = zone_area_m2(0.0, 1.0, 1.0)
    # Sanity check of the reference: about 111.32 km (1° of equator) × 110.57 km (1° of meridian).
    assert expected == pytest.approx(111_319.5 * 110_574.3, rel=1e-4)
    assert geodesic_area_m2(cell(47.0, 0.0)) == pytest.approx(expected, rel=1e-9)


def test_a_one_degree_cell_at_40_north_has_the_ellipsoidal_zone_area() -> None:
    expected = zone_area_m2(40.0, 41.0, 1.0)
    assert geodesic_area_m2(cell(47.0, 40.0)) == pytest.approx(expected, rel=1e-9)


def test_a_polygon_with_a_hole_measures_the_outer_ring_minus_the_hole() -> None:
    outer, hole = cell(47.0, 40.0, 0.1), cell(47.02, 40.02, 0.03)
    holed = Polygon(outer.exterior.coords, [hole.exterior.coords])
    expected = geodesic_area_m2(outer) - geodesic_area_m2(hole)
    assert geodesic_area_m2(holed) == pytest.approx(expected, rel=1e-9)


def test_ring_orientation_does_not_change_the_area_or_its_sign() -> None:
    outer, hole = box(47.0, 40.0, 47.1, 40.1), box(47.02, 40.02, 47.05, 40.05)
    ccw = orient(Polygon(outer.exterior.coords, [hole.exterior.coords]), sign=1.0)
    cw = orient(ccw, sign=-1.0)
    # Both rings anticlockwise: pyproj alone would add the hole instead of subtracting it.
    same_way = Polygon(outer.exterior.coords, [hole.exterior.coords])
    assert outer.exterior.is_ccw and hole.exterior.is_ccw
    assert geodesic_area_m2(cw) == pytest.approx(geodesic_area_m2(ccw), rel=1e-12)
    assert geodesic_area_m2(same_way) == pytest.approx(geodesic_area_m2(ccw), rel=1e-12)
    assert geodesic_area_m2(cw) > 0


def test_a_multipolygon_measures_the_sum_of_its_parts() -> None:
    a, b = box(47.0, 40.0, 47.1, 40.1), box(48.0, 39.0, 48.05, 39.2)
    total = geodesic_area_m2(MultiPolygon([a, b]))
    assert total == pytest.approx(geodesic_area_m2(a) + geodesic_area_m2(b), rel=1e-12)


@pytest.mark.parametrize(
    "geom",
    [Point(47.0, 40.0), LineString([(47, 40), (48, 41)]), Polygon(), MultiPolygon()],
    ids=["point", "line", "empty polygon", "empty multipolygon"],
)
def test_points_lines_and_empty_geometries_have_no_area(geom: shapely.Geometry) -> None:
    assert geodesic_area_m2(geom) == 0.0


# Random small quadrilaterals inside Azerbaijan's extent.
_lon = st.floats(44.7, 50.3)
_lat = st.floats(38.3, 41.8)
_offset = st.floats(0.001, 0.1)


@st.composite
def quadrilaterals(draw: st.DrawFn) -> Polygon:
    lon, lat = draw(_lon), draw(_lat)
    # One corner per quadrant around (lon, lat), in anticlockwise order: always simple.
    dx = [draw(_offset) for _ in range(4)]
    dy = [draw(_offset) for _ in range(4)]
    corners = [
        (lon + dx[0], lat + dy[0]),
        (lon - dx[1], lat + dy[1]),
        (lon - dx[2], lat - dy[2]),
        (lon + dx[3], lat - dy[3]),
    ]
    return Polygon(corners)


@settings(max_examples=200, deadline=None)
@given(quadrilaterals())
def test_area_agrees_with_pyproj_on_the_raw_coordinates(quad: Polygon) -> None:
    lons, lats = quad.exterior.xy
    raw, _ = Geod(ellps="WGS84").polygon_area_perimeter(lons, lats)
    assert geodesic_area_m2(quad) == pytest.approx(abs(raw), rel=1e-4)


@settings(max_examples=200, deadline=None)
@given(quadrilaterals())
def test_area_agrees_with_the_utm_area_within_its_scale_distortion(quad: Polygon) -> None:
    local, _epsg = to_local_metric(quad)
    assert geodesic_area_m2(quad) == pytest.approx(local.area, rel=2e-3)


@pytest.mark.parametrize(
    ("m2", "ha"),
    [(0.0, 0.0), (499.0, 0.0), (500.0, 0.1), (1_500.0, 0.2), (2_500.0, 0.3), (12_345.0, 1.2)],
)
def test_round_ha_rounds_halves_up_to_a_tenth_of_a_hectare(m2: float, ha: float) -> None:
    assert round_ha(m2) == ha


def test_m2_to_ha_is_exact() -> None:
    assert m2_to_ha(12_345.0) == 1.2345
    assert m2_to_ha(10_000.0) == 1.0


@pytest.mark.parametrize(
    ("lon", "lat", "epsg"),
    [
        (47.1, 39.8, 32638),  # Baku side of zone 38
        (49.9, 40.4, 32639),  # Absheron, zone 39
        (-58.4, -34.6, 32721),
        (-180.0, 10.0, 32601),
        (180.0, 10.0, 32660),
        (0.0, 0.0, 32631),
    ],
)
def test_utm_epsg_names_the_zone_holding_the_position(lon: float, lat: float, epsg: int) -> None:
    assert utm_epsg(lon, lat) == epsg


def test_utm_epsg_refuses_an_impossible_position() -> None:
    with pytest.raises(ValueError, match="UTM zone"):
        utm_epsg(200.0, 40.0)


def test_a_geometry_comes_back_from_its_utm_zone_where_it_was() -> None:
    quad = Polygon([(47.1, 39.9), (47.2, 39.9), (47.2, 40.0), (47.1, 39.9)])
    local, epsg = to_local_metric(quad)
    assert epsg == 32638
    back = from_local_metric(local, epsg)
    assert shapely.equals_exact(back, quad, tolerance=1e-9)


def test_buffer_m_grows_a_point_into_a_circle_of_that_many_metres() -> None:
    circle = buffer_m(Point(47.1, 39.8), 250.0)
    geod = Geod(ellps="WGS84")
    for lon, lat in list(circle.exterior.coords)[:-1]:
        _, _, distance = geod.inv(47.1, 39.8, lon, lat)
        assert distance == pytest.approx(250.0, rel=1e-3)


def test_buffer_m_grows_a_square_by_the_metres_asked() -> None:
    square = box(47.1, 39.8, 47.11, 39.81)
    grown = buffer_m(square, 100.0)
    perimeter = Geod(ellps="WGS84").geometry_area_perimeter(square)[1]
    # A buffer adds perimeter × d plus a (polygonised) circle of radius d.
    expected = geodesic_area_m2(square) + perimeter * 100.0 + math.pi * 100.0**2
    assert geodesic_area_m2(grown) == pytest.approx(expected, rel=2e-3)
    assert buffer_m(Polygon(), 10.0).is_empty


def test_areas_of_an_array_are_those_measured_one_at_a_time_to_the_last_bit() -> None:
    import numpy as np

    from mineaction.geo.areas import geodesic_areas_m2

    square = box(47.0, 40.0, 47.01, 40.01)
    holed = Polygon(square.exterior.coords, [box(47.002, 40.002, 47.004, 40.004).exterior.coords])
    clockwise = orient(box(46.5, 39.5, 46.52, 39.51), sign=-1.0)
    geoms = np.array(
        [
            square,
            holed,
            clockwise,
            MultiPolygon([box(45.0, 41.0, 45.01, 41.01), holed, clockwise]),
            Point(47.0, 40.0),
            LineString([(47.0, 40.0), (47.1, 40.1)]),
            Polygon(),
        ],
        dtype=object,
    )
    got = geodesic_areas_m2(geoms)
    assert got.tolist() == [geodesic_area_m2(g) for g in geoms]
    assert got[0] > got[1] > 0 and got[4] == got[5] == got[6] == 0.0
    assert geodesic_areas_m2(np.array([], dtype=object)).tolist() == []
