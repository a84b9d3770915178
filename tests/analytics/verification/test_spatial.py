"""The building blocks of verification against brute force: nearest polygon, density clusters."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from mineaction.analytics.spatial import nearest as nearest_module
from mineaction.analytics.verification.clusters import dbscan
from mineaction.analytics.verification.spatial import nearest_polygons


def test_the_nearest_polygon_is_the_one_brute_force_finds() -> None:
    rng = np.random.default_rng(5)
    x, y = rng.uniform(0, 50_000, 60), rng.uniform(0, 30_000, 60)
    polygons = shapely.box(x, y, x + rng.uniform(50, 2_000, 60), y + rng.uniform(50, 800, 60))
    points = shapely.points(rng.uniform(-5_000, 55_000, 3_000), rng.uniform(-5_000, 35_000, 3_000))
    nearest, distance = nearest_polygons(points, polygons)
    brute = shapely.distance(points[:, None], polygons[None, :])
    assert np.allclose(distance, brute.min(axis=1))
    assert np.allclose(brute[np.arange(len(points)), nearest], distance)


def test_the_nearest_polygon_is_the_same_when_sought_a_chunk_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(8)
    x, y = rng.uniform(0, 20_000, 40), rng.uniform(0, 20_000, 40)
    polygons = shapely.box(x, y, x + rng.uniform(50, 900, 40), y + rng.uniform(50, 900, 40))
    points = shapely.points(rng.uniform(0, 20_000, 2_500), rng.uniform(0, 20_000, 2_500))
    monkeypatch.setattr(nearest_module, "PAIRS", 300)  # cells measured a few at a time
    monkeypatch.setattr(nearest_module, "SLICE", 64)
    nearest, distance = nearest_polygons(points, polygons)
    brute = shapely.distance(points[:, None], polygons[None, :])
    assert len(nearest) == len(points)
    assert np.allclose(distance, brute.min(axis=1))
    assert np.allclose(brute[np.arange(len(points)), nearest], distance)


def test_no_polygons_means_no_nearest() -> None:
    nearest, distance = nearest_polygons(shapely.points([[0.0, 0.0]]), np.array([], dtype=object))
    assert nearest.tolist() == [-1] and np.isnan(distance).all()


def brute_dbscan(xy: np.ndarray, eps: float, min_points: int) -> list[set[int]]:
    """Return the clusters as sets of core points (textbook DBSCAN, quadratic)."""
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    core = (d <= eps).sum(axis=1) >= min_points
    seen, clusters = set(), []
    for start in np.flatnonzero(core):
        if start in seen:
            continue
        group, todo = set(), [int(start)]
        while todo:
            i = todo.pop()
            if i in group:
                continue
            group.add(i)
            todo += [int(j) for j in np.flatnonzero((d[i] <= eps) & core) if j not in group]
        seen |= group
        clusters.append(group)
    return clusters


def test_clusters_are_those_of_textbook_dbscan() -> None:
    rng = np.random.default_rng(11)
    centres = rng.uniform(0, 20_000, (6, 2))
    xy = np.vstack(
        [c + rng.normal(0, 120, (25, 2)) for c in centres] + [rng.uniform(0, 20_000, (40, 2))]
    )
    labels = dbscan(xy[:, 0], xy[:, 1], eps=250.0, min_points=4)
    expected = brute_dbscan(xy, 250.0, 4)
    got = [set(np.flatnonzero(labels == k).tolist()) for k in range(labels.max() + 1)]
    # Same core sets (border points may join either of two neighbouring clusters).
    core = {i for group in expected for i in group}
    assert sorted(sorted(g & core) for g in got) == sorted(sorted(g) for g in expected)
    assert labels.max() + 1 == len(expected)


def test_a_border_point_joins_a_cluster_it_touches_and_a_point_exactly_eps_away_counts() -> None:
    # Two clusters of four points 120 m apart and a border point between them, 60 m
    # from the nearest core point of each; and a pair exactly 50 m apart.
    x = np.array([0.0, 10.0, 15.0, 20.0, 80.0, 140.0, 145.0, 150.0, 160.0, 1000.0, 1050.0])
    labels = dbscan(x, np.zeros(len(x)), eps=60.0, min_points=4)
    assert labels[:4].tolist() == [0] * 4 and labels[5:9].tolist() == [1] * 4
    assert labels[4] in (0, 1)
    assert labels[9:].tolist() == [-1, -1]
    pair = dbscan(np.array([0.0, 50.0]), np.zeros(2), eps=50.0, min_points=2)
    assert pair.tolist() == [0, 0]
