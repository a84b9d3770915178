"""A surveyor's traverse from a minefield record, checked against hand-worked cases.

The expected positions are worked out here from the WGS84 ellipsoid's own
constants (semi-major axis and flattening), not from pyproj: along the
equator a metre east is 1/a radians of longitude; due north a metre is 1/M
radians of latitude, M being the meridian's radius of curvature.
"""

from __future__ import annotations

import math

import pytest

from mineaction.domain.traverse import (
    Leg,
    TraverseError,
    grid_convergence_deg,
    to_true_bearing,
    walk_traverse,
)
from mineaction.geo import geodesic_area_m2

A = 6_378_137.0
F = 1 / 298.257223563
E2 = F * (2 - F)


def meridian_radius(lat_deg: float) -> float:
    """Return M, the radius of curvature of the meridian at ``lat_deg`` (metres)."""
    s = math.sin(math.radians(lat_deg))
    return A * (1 - E2) / (1 - E2 * s * s) ** 1.5


def test_a_leg_due_north_on_the_equator_moves_by_the_meridian_radius() -> None:
    t = walk_traverse((0.0, 0.0), [Leg(0.0, 1000.0)])
    lon, lat = t.points[1]
    assert lon == pytest.approx(0.0, abs=1e-12)
    assert lat == pytest.approx(math.degrees(1000.0 / meridian_radius(0.0)), abs=1e-9)


def test_a_leg_due_east_along_the_equator_moves_by_the_semi_major_axis() -> None:
    t = walk_traverse((0.0, 0.0), [Leg(90.0, 1000.0)])
    lon, lat = t.points[1]
    assert lon == pytest.approx(math.degrees(1000.0 / A), abs=1e-9)
    assert lat == pytest.approx(0.0, abs=1e-12)


def test_a_leg_due_north_at_forty_degrees_uses_the_local_meridian_radius() -> None:
    # At 40° N a degree of latitude is longer than at the equator (the earth is flattened).
    t = walk_traverse((46.9, 40.0), [Leg(0.0, 500.0)])
    # Over 500 m M barely changes: take it at the middle of the leg.
    mid = 40.0 + math.degrees(250.0 / meridian_radius(40.0))
    assert t.points[1][1] - 40.0 == pytest.approx(
        math.degrees(500.0 / meridian_radius(mid)), abs=1e-10
    )
    assert t.points[1][0] == pytest.approx(46.9, abs=1e-12)


def test_a_square_traverse_closes_and_encloses_a_square_kilometre() -> None:
    square = [Leg(0, 1000), Leg(90, 1000), Leg(180, 1000), Leg(270, 1000)]
    t = walk_traverse((0.0, 0.0), square)
    assert t.misclosure_m < 0.01
    polygon = t.polygon()
    assert len(polygon.exterior.coords) == 5  # four corners, closed: no sliver edge
    assert geodesic_area_m2(polygon) == pytest.approx(1_000_000.0, rel=1e-5)


def test_an_open_traverse_reports_its_misclosure_and_is_closed_by_a_straight_edge() -> None:
    # North 300 m, east 400 m: the last point is 500 m from the first (3-4-5).
    t = walk_traverse((46.9, 40.0), [Leg(0, 300), Leg(90, 400)])
    assert t.misclosure_m == pytest.approx(500.0, rel=1e-3)
    assert geodesic_area_m2(t.polygon()) == pytest.approx(300 * 400 / 2, rel=1e-3)


def test_the_approach_legs_lead_to_the_perimeter_and_are_not_part_of_it() -> None:
    legs = [Leg(0, 500), Leg(90, 200), Leg(0, 200), Leg(270, 200)]
    t = walk_traverse((46.9, 40.0), legs, approach_legs=1)
    assert t.reference_point == (46.9, 40.0)
    assert len(t.perimeter) == 4  # the last edge, back south, closes the polygon
    assert t.misclosure_m == pytest.approx(200.0, rel=1e-3)
    polygon = t.polygon()
    assert geodesic_area_m2(polygon) == pytest.approx(200 * 200, rel=1e-3)
    # The minefield starts 500 m north of the landmark, which lies outside it.
    assert polygon.bounds[1] == pytest.approx(40.0 + math.degrees(500 / meridian_radius(40.0)))


def test_magnetic_bearings_are_turned_by_the_declination_given() -> None:
    magnetic = walk_traverse(
        (0.0, 0.0), [Leg(84.0, 1000.0)], bearing_reference="magnetic", declination_deg=6.0
    )
    true = walk_traverse((0.0, 0.0), [Leg(90.0, 1000.0)])
    assert magnetic.points[1] == pytest.approx(true.points[1], abs=1e-12)
    assert to_true_bearing(355.0, "magnetic", at=(0, 0), declination_deg=-7.0) == 348.0


def test_it_refuses_magnetic_bearings_without_a_declination() -> None:
    with pytest.raises(TraverseError, match="declination"):
        walk_traverse((0.0, 0.0), [Leg(10.0, 100.0)], bearing_reference="magnetic")


def test_grid_bearings_equal_true_ones_on_the_central_meridian() -> None:
    # 45° E is the central meridian of UTM zone 38.
    grid = walk_traverse((45.0, 40.0), [Leg(30.0, 800.0)], bearing_reference="grid")
    true = walk_traverse((45.0, 40.0), [Leg(30.0, 800.0)])
    assert grid.points[1] == pytest.approx(true.points[1], abs=1e-9)


def test_grid_convergence_matches_the_transverse_mercator_series() -> None:
    # gamma = dl sin(phi) [1 + dl^2 cos^2(phi) / 3 (1 + 3 eta^2)], eta^2 = e'^2 cos^2(phi)
    lon, lat, central = 47.0, 40.0, 45.0
    dl, phi = math.radians(lon - central), math.radians(lat)
    eta2 = E2 / (1 - E2) * math.cos(phi) ** 2
    gamma = dl * math.sin(phi) * (1 + dl**2 * math.cos(phi) ** 2 / 3 * (1 + 3 * eta2))
    assert grid_convergence_deg(lon, lat) == pytest.approx(math.degrees(gamma), abs=1e-5)
    # West of the central meridian grid north lies west of true north.
    assert grid_convergence_deg(43.0, 40.0) == pytest.approx(-math.degrees(gamma), abs=1e-5)


def test_a_grid_bearing_is_the_true_bearing_less_the_convergence() -> None:
    at = (47.0, 40.0)
    gamma = grid_convergence_deg(*at)
    grid = walk_traverse(at, [Leg(90.0, 1000.0)], bearing_reference="grid")
    true = walk_traverse(at, [Leg(90.0 + gamma, 1000.0)])
    assert grid.points[1] == pytest.approx(true.points[1], abs=1e-9)


@pytest.mark.parametrize(
    ("leg", "message"),
    [
        (Leg(400.0, 100.0), "Leg 2: the bearing 400.0"),
        (Leg(45.0, -5.0), "Leg 2: the distance -5.0 m"),
        (Leg(float("nan"), 5.0), "Leg 2: the bearing nan"),
    ],
)
def test_it_refuses_a_bad_leg_and_names_it(leg: Leg, message: str) -> None:
    with pytest.raises(TraverseError, match=message):
        walk_traverse((46.9, 40.0), [Leg(0.0, 100.0), leg])


def test_it_refuses_a_perimeter_of_two_points() -> None:
    with pytest.raises(TraverseError, match="at least 3"):
        walk_traverse((46.9, 40.0), [Leg(0.0, 100.0), Leg(90.0, 100.0)], approach_legs=1).polygon()
