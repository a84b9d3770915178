"""Point–polygon joins in this process with Shapely 2's STRtree (the SQLite path).

The tree is built over the *points* and queried with each polygon, so that
every polygon is prepared once and tests all the points in its box: the
same plan as the PostGIS joins, which drive from the polygons into the
points' index.  Everything is in metres (see ``metric.py``).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import shapely

__all__ = ["near_any", "pairs_within"]

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Geoms = npt.NDArray[np.object_]


def pairs_within(tree: shapely.STRtree, polygons: Geoms, distance_m: float) -> tuple[Ints, Ints]:
    """Return (polygon, point) index pairs: the point lies within ``distance_m`` of the polygon."""
    if len(polygons) == 0 or len(tree) == 0:
        empty = np.empty(0, np.int64)
        return empty, empty
    if distance_m > 0:
        poly, point = tree.query(polygons, predicate="dwithin", distance=distance_m)
    else:
        poly, point = tree.query(polygons, predicate="intersects")
    return poly.astype(np.int64), point.astype(np.int64)


def near_any(tree: shapely.STRtree, polygons: Geoms, distance_m: float) -> Bools:
    """Return, for each point of ``tree``, whether it lies within ``distance_m`` of any polygon."""
    near = np.zeros(len(tree), dtype=bool)
    _poly, point = pairs_within(tree, polygons, distance_m)
    near[point] = True
    return near
