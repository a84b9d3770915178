"""The in-process joins on a point grid give the answers of an STRtree over Shapely points."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from mineaction.analytics.spatial import grid, inprocess
from mineaction.analytics.spatial.grid import PointGrid

rng = np.random.default_rng(7)


def world() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return hazards in metres and points scattered among them, many right at 50 m."""
    cx, cy = rng.uniform(0, 30_000, (2, 400))
    polygons = shapely.buffer(shapely.points(cx, cy), rng.uniform(40, 400, 400), quad_segs=3)
    x, y = rng.uniform(-500, 30_500, (2, 30_000))
    # Points exactly on boundaries, and 49.99 / 50 / 50.01 m outside them.
    ring = shapely.get_coordinates(shapely.boundary(polygons[:40]))
    centre = shapely.get_coordinates(shapely.centroid(polygons[:40]))
    owner = np.repeat(np.arange(40), shapely.get_num_coordinates(shapely.boundary(polygons[:40])))
    away = ring - centre[owner]
    away /= np.hypot(*away.T)[:, None]
    extra = [ring] + [ring + away * d for d in (49.99, 50.0, 50.01)]
    x = np.r_[x, np.concatenate([e[:, 0] for e in extra])]
    y = np.r_[y, np.concatenate([e[:, 1] for e in extra])]
    return polygons, x, y


def tree_pairs(polygons: np.ndarray, x: np.ndarray, y: np.ndarray, d: float) -> set:
    """Return the (polygon, point) pairs the earlier plan found: STRtree over the points."""
    tree = shapely.STRtree(shapely.points(x, y))
    if d > 0:
        poly, point = tree.query(polygons, predicate="dwithin", distance=d)
    else:
        poly, point = tree.query(polygons, predicate="intersects")
    return set(zip(poly.tolist(), point.tolist(), strict=True))


def test_a_box_gets_every_point_in_it_and_none_far_outside() -> None:
    x, y = rng.uniform(0, 10_000, (2, 50_000))
    points = PointGrid(x, y, strip=37.0)
    corners = np.sort(
        rng.uniform(-100, 10_100, (300, 2, 2)), axis=1
    )  # [[minx, miny], [maxx, maxy]]
    boxes = corners.reshape(300, 4)
    boxes[:5] = [x[0], y[0], x[0], y[0]]  # a box that is one point
    box, point = points.candidates(boxes)
    got = set(zip(box.tolist(), point.tolist(), strict=True))
    inside = (x >= boxes[:, :1]) & (x <= boxes[:, 2:3]) & (y >= boxes[:, 1:2]) & (y <= boxes[:, 3:])
    expected = set(zip(*np.nonzero(inside), strict=True))
    assert expected <= got
    slop = 1e-6 * points.width
    assert all(boxes[b, 0] - slop <= x[p] <= boxes[b, 2] + slop for b, p in got - expected)
    assert (0, 0) in got


@pytest.mark.parametrize("distance", [0.0, 50.0])
def test_pairs_within_are_those_of_an_strtree_over_points(distance: float) -> None:
    polygons, x, y = world()
    poly, point = inprocess.pairs_within(PointGrid(x, y), polygons, distance)
    got = list(zip(poly.tolist(), point.tolist(), strict=True))
    assert len(got) == len(set(got))
    assert set(got) == tree_pairs(polygons, x, y, distance)


def test_near_any_is_that_of_an_strtree_over_points_for_the_points_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    polygons, x, y = world()
    expected = np.zeros(len(x), dtype=bool)
    expected[[p for _, p in tree_pairs(polygons, x, y, 50.0)]] = True
    assert inprocess.near_any(PointGrid(x, y), polygons, 50.0).tolist() == expected.tolist()
    among = rng.random(len(x)) < 0.3
    monkeypatch.setattr(grid, "CHUNK", 1_000)  # candidates made a thousand at a time
    some = inprocess.near_any(PointGrid(x, y), polygons, 50.0, among)
    assert some.tolist() == (expected & among).tolist()


def test_boxes_beyond_every_strip_of_points_get_no_point() -> None:
    points = PointGrid(np.array([0.0, 10.0, 20.0]), np.array([0.0, 5.0, 9.0]))
    above, below = [0.0, 500.0, 30.0, 600.0], [0.0, -600.0, 30.0, -500.0]
    box, point = points.candidates(np.array([above, below]))
    assert (box.tolist(), point.tolist()) == ([], [])
    assert not inprocess.near_any(points, np.array([shapely.box(0, 500, 30, 600)]), 50.0).any()
