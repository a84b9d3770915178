"""Density clusters of points in metres (DBSCAN), with Shapely's STRtree finding neighbours.

A point is a *core* point when at least ``min_points`` points (itself
included) lie within ``eps`` metres of it.  Core points within ``eps`` of
each other are in the same cluster; a point that is not core but lies
within ``eps`` of a core point joins that point's cluster; the rest are
noise (label -1).  Labels are numbered 0, 1, … by each cluster's first point.

>>> import numpy as np
>>> x = np.array([0.0, 10.0, 20.0, 1000.0, 1010.0, 5000.0])
>>> dbscan(x, np.zeros(6), eps=15.0, min_points=2).tolist()
[0, 0, 0, 1, 1, -1]
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

__all__ = ["dbscan"]


def dbscan(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], *, eps: float, min_points: int
) -> npt.NDArray[np.int64]:
    """Return the cluster label of every point (x, y in metres), -1 for noise."""
    n = len(x)
    labels = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return labels
    points = shapely.points(x, y)
    tree = shapely.STRtree(points)
    a, b = tree.query(points, predicate="dwithin", distance=eps)
    counts = np.bincount(a, minlength=n)
    core = counts >= min_points
    # Connected components of core points over core–core edges (one pass, scipy).
    both = core[a] & core[b]
    graph = coo_matrix((np.ones(int(both.sum()), dtype=np.int8), (a[both], b[both])), (n, n))
    _count, root = connected_components(graph, directed=False)
    root = root.astype(np.int64)
    labels[core] = root[core]
    # Border points join the cluster of their first core neighbour.
    border = ~core[a] & core[b]
    ba, bb = a[border], b[border]
    if len(ba):
        first_of, first_at = np.unique(ba, return_index=True)
        labels[first_of] = root[bb[first_at]]
    # Number the clusters 0, 1, … in order of their first point.
    idx = np.flatnonzero(labels >= 0)
    _, first_pos, inverse = np.unique(labels[idx], return_index=True, return_inverse=True)
    rank = np.empty(len(first_pos), dtype=np.int64)
    rank[np.argsort(first_pos)] = np.arange(len(first_pos))
    labels[idx] = rank[inverse]
    return labels
