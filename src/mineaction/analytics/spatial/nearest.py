"""The nearest polygon of millions of points, and the distance to it, exact, on coordinate arrays.

Every point outside the minefield records reports its nearest record and
the distance to its perimeter: two million distances at national scale.
Asking GEOS needs a Shapely point per point (the most costly part) and
measures every edge of the polygon.  Here the points are grouped into
square cells, and each cell keeps only the edges that can be nearest to one
of its points, so that each point measures a few edges, with numpy:

1. the polygons that can be nearest to a cell: those whose box is within
   reach of the cell's box (the reach: centre to the nearest vertex of any
   polygon, plus the cell's half-diagonal), found with an STRtree over the
   polygons' boxes;
2. the edges of those polygons that can be nearest to a point of the cell:
   a bound on how much the difference of two edges' distances changes
   across the cell, from the cones in which the cell sees the polygons
   (``_cell_edges_of``), drops most of them (a cell kilometres away keeps
   the few edges facing it);
3. each point measures its cell's edges with the arithmetic of GEOS's
   point-to-segment distance (``segment_distance``), so the least is the
   double ``shapely.distance`` gives, to the bit (tests check it: a GEOS
   compiled to fuse multiply-adds would differ in the last bit);
4. a point inside (or on) a polygon is at distance 0 from it, as in GEOS.

Ties (two polygons exactly as near) go to the polygon whose centroid is
nearer the point, then to the first, as the earlier KD-tree search did.

>>> import numpy as np, shapely
>>> squares = np.array([shapely.box(0, 0, 10, 10), shapely.box(100, 0, 110, 10)])
>>> nearest, distance = nearest_polygons_xy(np.array([20.0, 95.0]), np.array([5.0, 5.0]), squares)
>>> nearest.tolist(), distance.tolist()
([0, 1], [10.0, 5.0])
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import shapely

__all__ = ["nearest_polygons_xy", "segment_distance"]

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Geoms = npt.NDArray[np.object_]

#: Side of a cell in the points' units (metres): small enough that a far polygon
#: keeps only the few edges facing the cell, large enough to hold many points.
CELL = 250.0
#: (point, edge) pairs measured at a time (bounds the memory).
PAIRS = 65_536
#: Distances computed in one numpy pass (small enough to stay in cache).
SLICE = 16_384


def segment_distance(
    px: Floats, py: Floats, ax: Floats, ay: Floats, bx: Floats, by: Floats
) -> Floats:
    """Return the distance from each point p to the segment a–b, computed as GEOS computes it.

    The same operations in the same order as GEOS's ``Distance::pointToSegment``
    (the parameter r of p's projection on the line; the end nearer when r is
    outside 0–1; else the perpendicular distance), so each result is the
    same double ``shapely.distance`` gives for a point outside a polygon.

    >>> segment_distance(*map(np.array, ([0.0], [1.0], [-1.0], [0.0], [1.0], [0.0]))).tolist()
    [1.0]
    """
    dx, dy = bx - ax, by - ay
    len2 = dx * dx + dy * dy
    ux, uy = px - ax, py - ay
    vx, vy = px - bx, py - by
    with np.errstate(divide="ignore", invalid="ignore"):
        r = (ux * dx + uy * dy) / len2
        s = ((ay - py) * dx - (ax - px) * dy) / len2
    to_a = np.sqrt(ux * ux + uy * uy)
    to_b = np.sqrt(vx * vx + vy * vy)
    across = np.abs(s) * np.sqrt(len2)
    far_end = np.where(r >= 1.0, to_b, across)
    return np.where((r <= 0.0) | (len2 == 0.0), to_a, far_end)


class _Edges:
    """The edges of every ring of every polygon: ends a–b and the polygon they belong to."""

    def __init__(self, polygons: Geoms) -> None:
        parts, of_part = shapely.get_parts(polygons, return_index=True)
        rings, of_ring = shapely.get_rings(parts, return_index=True)
        coords, of_coord = shapely.get_coordinates(rings, return_index=True)
        same_ring = of_coord[1:] == of_coord[:-1]
        self.ax, self.ay = coords[:-1, 0][same_ring], coords[:-1, 1][same_ring]
        self.bx, self.by = coords[1:, 0][same_ring], coords[1:, 1][same_ring]
        self.owner = of_part[of_ring[of_coord[:-1][same_ring]]].astype(np.int64)
        # The polygons' edges are contiguous, in polygon order.
        self.first = np.searchsorted(self.owner, np.arange(len(polygons) + 1)).astype(np.int64)
        self.vertices = coords
        self.minx, self.miny, self.maxx, self.maxy = shapely.bounds(polygons).T
        # Each polygon's centroid and radius (its farthest vertex from the centroid).
        self.gx, self.gy = shapely.get_coordinates(shapely.centroid(polygons)).T
        owner = of_part[of_ring[of_coord]]
        self.radius = np.zeros(len(polygons))
        np.maximum.at(
            self.radius,
            owner,
            np.hypot(coords[:, 0] - self.gx[owner], coords[:, 1] - self.gy[owner]),
        )

    def distances(self, x: Floats, y: Floats, point: Ints, edge: Ints) -> Floats:
        """Return the distance from each point ``x[point], y[point]`` to its ``edge``.

        A slice at a time: numpy is several times faster on arrays that stay
        in the processor's cache than on millions of values at once.
        """
        out = np.empty(len(point))
        for lo in range(0, len(point), SLICE):
            p, e = point[lo : lo + SLICE], edge[lo : lo + SLICE]
            out[lo : lo + SLICE] = segment_distance(
                x[p], y[p], self.ax[e], self.ay[e], self.bx[e], self.by[e]
            )
        return out


def nearest_polygons_xy(
    x: Floats,
    y: Floats,
    polygons: Geoms,
    *,
    cell: float = CELL,
    origin: tuple[float, float] | None = None,
) -> tuple[Ints, Floats]:
    """Return, for each point (x, y), the index of the nearest polygon and the distance to it.

    Exact: the same distance as ``shapely.distance`` (0 inside a polygon).
    No polygon gives index -1 and distance NaN.  The cells' corners lie on
    ``origin`` (by default the least x and y) plus multiples of ``cell``:
    points that come mostly sorted by cell row, then by x — a
    ``PointGrid``'s order, with strips of ``cell`` from the same origin —
    are grouped into cells in a hundredth of the time of a shuffle.
    """
    n = len(x)
    nearest = np.full(n, -1, dtype=np.int64)
    distance = np.full(n, np.nan)
    kept = np.flatnonzero(~shapely.is_empty(polygons)) if len(polygons) else np.empty(0, np.int64)
    if n == 0 or len(kept) == 0:
        return nearest, distance
    polygons = polygons[kept]
    edges = _Edges(polygons)
    cells = _Cells(x, y, cell, origin)
    near_cell, near_poly = _near_polygons(cells, edges, polygons)
    cell_of_pair, edge_of_pair = _cell_edges(cells, edges, near_cell, near_poly)
    best, owner, tied = _measure(cells, edges, cell_of_pair, edge_of_pair)
    _inside(cells, polygons, near_cell, near_poly, best, owner, tied)
    if tied.any():
        _break_ties(x, y, polygons, best, owner, tied)
    return kept[owner], best


class _Cells:
    """The points grouped into square cells: each cell's points, its box, centre, half-diagonal."""

    def __init__(
        self, x: Floats, y: Floats, side: float, origin: tuple[float, float] | None
    ) -> None:
        x0, y0 = origin or (float(x.min()), float(y.min()))
        cx = np.floor((x - x0) / side).astype(np.int64)
        cy = np.floor((y - y0) / side).astype(np.int64)
        cx -= cx.min()  # points before the origin too
        cy -= cy.min()
        key = cy * (int(cx.max()) + 1) + cx
        # A cell's points may come in any order: each is measured on its own.  A stable
        # sort is as quick as numpy's SIMD one on shuffled keys, and takes a hundredth of
        # its time on keys sorted already but for a few (a PointGrid's order).
        self.order = np.argsort(key, kind="stable").astype(np.int64)
        sorted_key = key[self.order]
        self.xs, self.ys = x[self.order], y[self.order]
        self.start = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]]).astype(np.int64)
        self.count = len(self.start)
        self.size = np.diff(np.r_[self.start, len(x)]).astype(np.int64)
        # The box of each cell's points (tighter than the cell).
        self.minx = np.minimum.reduceat(self.xs, self.start)
        self.maxx = np.maximum.reduceat(self.xs, self.start)
        self.miny = np.minimum.reduceat(self.ys, self.start)
        self.maxy = np.maximum.reduceat(self.ys, self.start)
        self.cx, self.cy = (self.minx + self.maxx) / 2, (self.miny + self.maxy) / 2
        self.half = np.hypot(self.maxx - self.minx, self.maxy - self.miny) / 2


def _near_polygons(cells: _Cells, edges: _Edges, polygons: Geoms) -> tuple[Ints, Ints]:
    """Return (cell, polygon) pairs, sorted: the polygons that may be nearest to a cell's points.

    A point of the cell is within ``reach`` (centre to the nearest vertex of
    any polygon, plus the half-diagonal) of some polygon, so only polygons
    whose box is within ``reach`` of the cell's box can be its nearest, or
    hold it.
    """
    from scipy.spatial import cKDTree

    to_vertex, _ = cKDTree(edges.vertices).query(np.column_stack([cells.cx, cells.cy]))
    reach = (to_vertex + cells.half) * (1 + 1e-9) + 1e-9
    grown = shapely.box(
        cells.minx - reach, cells.miny - reach, cells.maxx + reach, cells.maxy + reach
    )
    cell, poly = shapely.STRtree(shapely.envelope(polygons)).query(grown)
    order = np.lexsort((poly, cell))
    cell, poly = cell[order].astype(np.int64), poly[order].astype(np.int64)
    dx = np.maximum(edges.minx[poly] - cells.maxx[cell], cells.minx[cell] - edges.maxx[poly])
    dy = np.maximum(edges.miny[poly] - cells.maxy[cell], cells.miny[cell] - edges.maxy[poly])
    keep = np.hypot(np.maximum(dx, 0.0), np.maximum(dy, 0.0)) <= reach[cell]
    return cell[keep], poly[keep]


def _cell_edges(cells: _Cells, edges: _Edges, cell: Ints, poly: Ints) -> tuple[Ints, Ints]:
    """Return (cell, edge) pairs, by cell: the edges that may be nearest to a point of the cell.

    A few thousand cells at a time (``_cell_edges_of``), so numpy works in cache.
    """
    runs = np.flatnonzero(np.r_[True, cell[1:] != cell[:-1]])  # each cell's pairs
    run_ends = np.r_[runs[1:], len(cell)]
    work = np.add.reduceat(edges.first[poly + 1] - edges.first[poly], runs)
    kept = [
        _cell_edges_of(
            cells, edges, cell[runs[lo] : run_ends[hi - 1]], poly[runs[lo] : run_ends[hi - 1]]
        )
        for lo, hi in _batches(work, PAIRS)
    ]
    return np.concatenate([k[0] for k in kept]), np.concatenate([k[1] for k in kept])


def _cell_edges_of(cells: _Cells, edges: _Edges, cell: Ints, poly: Ints) -> tuple[Ints, Ints]:
    """Return the edges of the (cell, polygon) pairs that may be nearest to a point of the cell.

    Let e* be the edge least distant from the cell's centre c, on polygon Q.
    For a point p of the cell, d(p, e) - d(p, e*) differs from its value at
    c by at most h (the half-diagonal) times the largest difference of the
    two distances' gradients, unit vectors from the edges to p.  Seen from
    the cell, a polygon lies in a cone of half-angle asin((h + R) / |c - g|)
    (g its centroid, R its radius), so for an edge e of polygon P both
    gradients lie in the union of the cones of P and Q, of angle Θ, and
    differ by at most 2 sin(Θ/2).  An edge whose distance from c exceeds the
    least by more than 2h sin(Θ/2) is never nearest to a point of the cell:
    a cell a few kilometres from the records keeps a few edges of 24.  A
    cell within a polygon's circle (Θ of half a turn) keeps every edge within 2h.
    """
    count = edges.first[poly + 1] - edges.first[poly]
    pair = np.repeat(np.arange(len(cell), dtype=np.int64), count)
    pair_cell = cell[pair]
    pair_edge = _ramp(count) + np.repeat(edges.first[poly], count)
    centre = edges.distances(cells.cx, cells.cy, pair_cell, pair_edge)
    # The least edge of each cell, and the (cell, polygon) pair it belongs to.
    first = np.flatnonzero(np.r_[True, pair_cell[1:] != pair_cell[:-1]])
    group = np.repeat(np.arange(len(first)), np.diff(np.r_[first, len(pair_cell)]))
    least = np.minimum.reduceat(centre, first)
    at_least = np.flatnonzero(centre == least[group])
    best_pair = pair[at_least[np.r_[True, group[at_least][1:] != group[at_least][:-1]]]][group]
    angle, half_angle, far = _cones(cells, edges, cell, poly)
    turn = np.abs(np.remainder(angle[pair] - angle[best_pair] + np.pi, 2 * np.pi) - np.pi)
    theta = np.where(
        pair == best_pair, 2 * half_angle[pair], turn + half_angle[pair] + half_angle[best_pair]
    )
    theta = np.where(far[pair] & far[best_pair], np.minimum(theta, np.pi), np.pi)
    slack = 2 * cells.half[pair_cell] * np.sin(theta / 2)
    keep = centre - least[group] <= slack * (1 + 1e-6) + 1e-6 * (1 + centre)
    return pair_cell[keep], pair_edge[keep]


def _cones(
    cells: _Cells, edges: _Edges, cell: Ints, poly: Ints
) -> tuple[Floats, Floats, npt.NDArray[np.bool_]]:
    """Return, for each (cell, polygon) pair, the cone the polygon is seen in from the cell.

    Its axis angle, its half-angle, and whether the cell is outside the
    polygon's circle (else there is no cone).
    """
    vx, vy = cells.cx[cell] - edges.gx[poly], cells.cy[cell] - edges.gy[poly]
    gap = np.hypot(vx, vy)
    reach = cells.half[cell] + edges.radius[poly]
    far = gap > reach * (1 + 1e-9)
    half_angle = np.arcsin(np.minimum(reach / np.where(far, gap, 1.0), 1.0))
    return np.arctan2(vy, vx), half_angle, far


def _measure(
    cells: _Cells, edges: _Edges, cell_of_pair: Ints, edge_of_pair: Ints
) -> tuple[Floats, Ints, npt.NDArray[np.bool_]]:
    """Measure each point against its cell's edges, a few cells at a time.

    Return each point's least distance, the polygon it is to, and whether
    another polygon is exactly as near.
    """
    n = len(cells.order)
    best, owner = np.full(n, np.inf), np.full(n, -1, dtype=np.int64)
    tied = np.zeros(n, dtype=bool)
    per_cell = np.bincount(cell_of_pair, minlength=cells.count)
    first_pair = np.cumsum(per_cell) - per_cell
    for lo, hi in _batches(per_cell * cells.size, PAIRS):
        chosen = np.arange(lo, hi, dtype=np.int64)
        _measure_cells(cells, edges, chosen, first_pair, per_cell, edge_of_pair, best, owner, tied)
    return best, owner, tied


def _measure_cells(
    cells: _Cells,
    edges: _Edges,
    chosen: Ints,
    first_pair: Ints,
    per_cell: Ints,
    edge_of_pair: Ints,
    best: Floats,
    owner: Ints,
    tied: npt.NDArray[np.bool_],
) -> None:
    """Measure every point of the ``chosen`` cells against each of its cell's edges."""
    size, count = cells.size[chosen], per_cell[chosen]
    pairs = size * count
    if pairs.sum() == 0:
        return
    # Each cell's points (rows) × its edges (columns), flattened: a point's pairs are contiguous.
    local = np.repeat(np.arange(len(chosen), dtype=np.int64), pairs)
    k = _ramp(pairs)
    width = count[local]
    row, col = k // width, k % width
    sorted_point = cells.start[chosen[local]] + row
    edge = edge_of_pair[first_pair[chosen[local]] + col]
    d = edges.distances(cells.xs, cells.ys, sorted_point, edge)
    starts = np.flatnonzero(np.r_[True, sorted_point[1:] != sorted_point[:-1]])
    least = np.minimum.reduceat(d, starts)
    group = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(d)]))
    at_least = np.flatnonzero(d == least[group])
    first_hit = at_least[np.r_[True, group[at_least][1:] != group[at_least][:-1]]]
    poly = edges.owner[edge]
    other = at_least[poly[at_least] != poly[first_hit][group[at_least]]]
    index = cells.order[sorted_point[starts]]
    best[index] = least
    owner[index] = poly[first_hit]
    tied[index] = np.bincount(group[other], minlength=len(starts)) > 0


def _inside(
    cells: _Cells,
    polygons: Geoms,
    cell: Ints,
    poly: Ints,
    best: Floats,
    owner: Ints,
    tied: npt.NDArray[np.bool_],
) -> None:
    """Set distance 0 for the points inside (or on) a polygon near their cell, as GEOS does."""
    bounds = shapely.bounds(polygons)
    meets = (
        (cells.minx[cell] <= bounds[poly, 2])
        & (cells.maxx[cell] >= bounds[poly, 0])
        & (cells.miny[cell] <= bounds[poly, 3])
        & (cells.maxy[cell] >= bounds[poly, 1])
    )
    cell, poly = cell[meets], poly[meets]
    if len(cell) == 0:
        return
    size = cells.size[cell]
    pair_poly = np.repeat(poly, size)
    sorted_point = _ramp(size) + np.repeat(cells.start[cell], size)
    shapely.prepare(polygons)
    hit = shapely.intersects_xy(polygons[pair_poly], cells.xs[sorted_point], cells.ys[sorted_point])
    index, poly_hit = cells.order[sorted_point[hit]], pair_poly[hit]
    # A point in two polygons ties between them; otherwise the one holding it wins.
    counts = np.bincount(index, minlength=len(best))
    best[index] = 0.0
    owner[index] = poly_hit
    tied[index] = counts[index] > 1


def _break_ties(
    x: Floats,
    y: Floats,
    polygons: Geoms,
    best: Floats,
    owner: Ints,
    tied: npt.NDArray[np.bool_],
) -> None:
    """Give each tied point the polygon, of those exactly as near, with the nearest centroid."""
    centres = shapely.get_coordinates(shapely.centroid(polygons))
    for i in np.flatnonzero(tied).tolist():
        measured = shapely.distance(shapely.points(x[i], y[i]), polygons)
        as_near = np.flatnonzero(measured == best[i])
        gap = np.hypot(centres[as_near, 0] - x[i], centres[as_near, 1] - y[i])
        owner[i] = as_near[np.lexsort((as_near, gap))[0]]


def _batches(work: Ints, limit: int) -> list[tuple[int, int]]:
    """Return ranges lo:hi of consecutive items whose work sums to at most ``limit`` (or one)."""
    ends = np.cumsum(work)
    out, lo = [], 0
    while lo < len(work):
        hi = max(int(np.searchsorted(ends, ends[lo] - work[lo] + limit, side="right")), lo + 1)
        out.append((lo, hi))
        lo = hi
    return out


def _ramp(counts: Ints) -> Ints:
    """Return 0 … c-1 for each count c, one after the other (``[2, 3]`` → 0 1 0 1 2)."""
    total = int(counts.sum())
    starts = np.cumsum(counts) - counts
    return np.arange(total, dtype=np.int64) - np.repeat(starts, counts)
