"""The nearest polygon on coordinate arrays gives GEOS's own distances, to the bit."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from mineaction.analytics.spatial import nearest
from mineaction.analytics.spatial.grid import PointGrid
from mineaction.analytics.spatial.nearest import nearest_polygons_xy, segment_distance

rng = np.random.default_rng(20261130)


def bits(values: np.ndarray) -> np.ndarray:
    """Return the doubles' bit patterns, so that equality means the same double."""
    return np.ascontiguousarray(values, dtype=np.float64).view(np.int64)


def records(n: int, spread: float) -> np.ndarray:
    """Return ``n`` irregular polygons (some with a hole, some of two parts) in metres."""
    shapes = []
    for k in range(n):
        cx, cy = rng.uniform(0, spread, 2) + np.array([400_000.0, 4_400_000.0])
        angles = np.sort(rng.uniform(0, 2 * np.pi, int(rng.integers(5, 30))))
        radii = rng.uniform(60, 400, len(angles))
        ring = np.column_stack([cx + radii * np.cos(angles), cy + radii * np.sin(angles)])
        shape = shapely.make_valid(shapely.Polygon(ring))
        if k % 5 == 0:
            shape = shape.difference(shapely.Point(cx, cy).buffer(30))
        if k % 7 == 0:
            shape = shape.union(shapely.box(cx + 900, cy, cx + 1_000, cy + 80))
        shapes.append(shape)
    return np.array(shapes, dtype=object)


def brute(x: np.ndarray, y: np.ndarray, polygons: np.ndarray) -> np.ndarray:
    """Return every point's distance to every polygon, as GEOS measures it."""
    return shapely.distance(shapely.points(x, y)[:, None], polygons[None, :])


def test_segment_distance_is_geos_point_to_segment_to_the_bit() -> None:
    px, py = rng.uniform(-1e5, 1e5, (2, 20_000))
    ax, ay, bx, by = rng.uniform(-1e5, 1e5, (4, 20_000))
    bx[:50], by[:50] = ax[:50], ay[:50]  # degenerate segments: a point
    lines = shapely.linestrings(np.stack([np.column_stack([ax, ay]), np.column_stack([bx, by])], 1))
    geos = shapely.distance(shapely.points(px, py), lines)
    assert (bits(segment_distance(px, py, ax, ay, bx, by)) == bits(geos)).all()


@pytest.mark.parametrize("cell", [40.0, 250.0, 5_000.0])
def test_the_nearest_polygon_and_its_distance_are_those_of_brute_force(cell: float) -> None:
    polygons = records(60, 40_000.0)
    x = rng.uniform(395_000, 445_000, 8_000)
    y = rng.uniform(4_395_000, 4_445_000, 8_000)
    # Points on vertices, on edges' midpoints and inside polygons too.
    coords = shapely.get_coordinates(shapely.boundary(polygons[:10]))
    x = np.r_[x, coords[:, 0], (coords[:-1, 0] + coords[1:, 0]) / 2]
    y = np.r_[y, coords[:, 1], (coords[:-1, 1] + coords[1:, 1]) / 2]
    index, distance = nearest_polygons_xy(x, y, polygons, cell=cell)
    every = brute(x, y, polygons)
    least = every.min(axis=1)
    assert (bits(distance) == bits(least)).all()
    assert (every[np.arange(len(x)), index] == least).all()
    assert (distance == 0).sum() > 100  # some points were inside or on a polygon


def test_cells_measured_a_few_at_a_time_give_the_same_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    polygons = records(30, 20_000.0)
    x, y = rng.uniform(395_000, 425_000, (2, 5_000)) + np.array([[0.0], [4_000_000.0]])
    whole = nearest_polygons_xy(x, y, polygons)
    monkeypatch.setattr(nearest, "PAIRS", 200)
    monkeypatch.setattr(nearest, "SLICE", 32)
    pieces = nearest_polygons_xy(x, y, polygons)
    assert (whole[0] == pieces[0]).all() and (bits(whole[1]) == bits(pieces[1])).all()


def test_a_tie_goes_to_the_polygon_whose_centre_is_nearer() -> None:
    # A point midway between two boxes is exactly 5 m from each; the second box is the
    # narrower, so its centroid is nearer (6 m against 10 m).
    wide, narrow = shapely.box(0, 0, 10, 10), shapely.box(20, 0, 22, 10)
    assert shapely.distance(shapely.Point(15, 5), wide) == 5.0
    assert shapely.distance(shapely.Point(15, 5), narrow) == 5.0
    xs, ys = np.array([15.0, -3.0]), np.array([5.0, 5.0])
    index, distance = nearest_polygons_xy(xs, ys, np.array([wide, narrow]))
    assert index.tolist() == [1, 0]
    assert distance.tolist() == [5.0, 3.0]


def test_points_inside_two_polygons_and_empty_polygons() -> None:
    polygons = np.array(
        [shapely.Polygon(), shapely.box(0, 0, 100, 100), shapely.box(40, 40, 50, 50)]
    )
    index, distance = nearest_polygons_xy(np.array([45.0, 20.0]), np.array([45.0, 20.0]), polygons)
    assert distance.tolist() == [0.0, 0.0]
    assert index.tolist() == [2, 1]  # in both: the nearer centroid; the empty one is never chosen
    none = nearest_polygons_xy(np.array([1.0]), np.array([1.0]), np.array([shapely.Polygon()]))
    assert none[0].tolist() == [-1] and np.isnan(none[1]).all()


def test_points_in_a_grids_order_from_its_origin_give_the_same_answers() -> None:
    polygons = records(40, 30_000.0)
    x = rng.uniform(400_000, 430_000, 6_000)
    y = rng.uniform(4_400_000, 4_430_000, 6_000)
    grid = PointGrid(x, y, strip=250.0)
    # The grid's points in its order, then points outside it (some before its origin).
    ox, oy = rng.uniform(390_000, 440_000, (2, 500))
    oy += 4_000_000.0
    gx, gy = np.r_[grid.xs, ox], np.r_[grid.ys, oy]
    index, distance = nearest_polygons_xy(
        gx, gy, polygons, cell=grid.strip, origin=(grid.x0, grid.y0)
    )
    plain_index, plain_distance = nearest_polygons_xy(gx, gy, polygons, cell=250.0)
    assert (index == plain_index).all()
    assert (bits(distance) == bits(plain_distance)).all()
    assert (bits(distance) == bits(brute(gx, gy, polygons).min(axis=1))).all()
