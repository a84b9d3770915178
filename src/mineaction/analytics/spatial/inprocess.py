"""Point–polygon joins in this process, on coordinate arrays (the SQLite path).

The points are a ``PointGrid`` (strips sorted by x, no Shapely point made):
each polygon's box, grown by the distance, gives its candidate points, and
each candidate is tested exactly: first ``shapely.intersects_xy`` with the
polygon prepared (a point in or on the polygon is at distance 0, so within
any distance), then, for the few candidates left and a distance above 0,
``shapely.dwithin`` on a point made for that candidate only.  The answers
are those of an STRtree over Shapely points queried with each polygon (the
earlier plan, and what tests compare with).  Everything is in metres (see
``metric.py``).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import shapely

from mineaction.analytics.spatial.grid import PointGrid

__all__ = ["near_any", "pairs_within"]

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Geoms = npt.NDArray[np.object_]


def _candidates(grid: PointGrid, polygons: Geoms, distance_m: float) -> tuple[Ints, Ints]:
    """Return (polygon, point) pairs whose point lies in the polygon's box grown by the distance."""
    grow = distance_m * (1 + 1e-9) + 1e-6
    boxes = shapely.bounds(polygons) + np.array([-grow, -grow, grow, grow])
    return grid.candidates(boxes)


def _exact(grid: PointGrid, polygons: Geoms, poly: Ints, point: Ints, distance_m: float) -> Bools:
    """Return whether each candidate point lies within ``distance_m`` of its polygon."""
    shapely.prepare(polygons)
    hit = np.asarray(shapely.intersects_xy(polygons[poly], grid.x[point], grid.y[point]))
    if distance_m > 0:
        rest = np.flatnonzero(~hit)
        where = shapely.points(grid.x[point[rest]], grid.y[point[rest]])
        hit[rest] = shapely.dwithin(polygons[poly[rest]], where, distance_m)
    return hit


def pairs_within(grid: PointGrid, polygons: Geoms, distance_m: float) -> tuple[Ints, Ints]:
    """Return (polygon, point) index pairs: the point lies within ``distance_m`` of the polygon."""
    if len(polygons) == 0 or len(grid) == 0:
        empty = np.empty(0, np.int64)
        return empty, empty
    poly, point = _candidates(grid, polygons, distance_m)
    keep = _exact(grid, polygons, poly, point, distance_m)
    return poly[keep], point[keep]


def near_any(
    grid: PointGrid, polygons: Geoms, distance_m: float, among: Bools | None = None
) -> Bools:
    """Return, for each point, whether it lies within ``distance_m`` of any polygon.

    Only the points ``among`` marks are tested (the others are False).  A
    point found in or on a polygon is not measured against the others.
    """
    near = np.zeros(len(grid), dtype=bool)
    if len(polygons) == 0 or len(grid) == 0:
        return near
    poly, point = _candidates(grid, polygons, distance_m)
    if among is not None:
        wanted = among[point]
        poly, point = poly[wanted], point[wanted]
    shapely.prepare(polygons)
    inside = np.asarray(shapely.intersects_xy(polygons[poly], grid.x[point], grid.y[point]))
    near[point[inside]] = True
    if distance_m > 0:
        rest = np.flatnonzero(~near[point])
        where = shapely.points(grid.x[point[rest]], grid.y[point[rest]])
        hit = shapely.dwithin(polygons[poly[rest]], where, distance_m)
        near[point[rest][hit]] = True
    return near
