"""Where synthetic records lie: points in districts, irregular hazard polygons, fans of them.

A hazard is a star-shaped polygon around its centre: ``K`` vertices at
increasing angles and jittered radii.  Such a polygon is always simple, and
it is cut exactly into ``K`` triangular sectors (centre, vertex i, vertex
i+1).  A run of consecutive sectors (a "fan") is again a simple polygon inside
the hazard, so land releases are fans that never overlap, and what remains
after them is the fan of the sectors not yet released.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

FloatArray = npt.NDArray[np.float64]
Shapes = npt.NDArray[np.object_]
IntArray = npt.NDArray[np.int64]

#: Vertices of every hazard polygon (and so the most releases a hazard can have).
K = 24
#: Metres per degree of latitude, and of longitude at the equator (good to 0.5 % here).
M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON = 111_320.0
#: Height of the strips that spatially ordered rows are written in, in degrees (about 5.5 km).
STRIP = 0.05


@dataclass(frozen=True)
class Districts:
    """The districts records are placed in: ids, polygons and their share of the land."""

    ids: IntArray
    names: list[str]
    geoms: npt.NDArray[np.object_]
    weights: FloatArray

    def __post_init__(self) -> None:
        shapely.prepare(self.geoms)

    def sample(self, rng: np.random.Generator, n: int) -> tuple[FloatArray, FloatArray, IntArray]:
        """Return ``n`` uniformly random points in the districts: x, y and district index."""
        which = rng.choice(len(self.ids), size=n, p=self.weights)
        x = np.empty(n)
        y = np.empty(n)
        for d in range(len(self.ids)):
            slots = np.flatnonzero(which == d)
            x[slots], y[slots] = _points_in(rng, self.geoms[d], len(slots))
        return x, y, which.astype(np.int64)

    def place(
        self, rng: np.random.Generator, n: int, make: Callable[[FloatArray, FloatArray], Shapes]
    ) -> tuple[Shapes, IntArray, FloatArray, FloatArray]:
        """Return ``n`` shapes made by ``make(x, y)``, each inside its district.

        Returns the shapes, their districts and the points they were made around;
        shapes that cross their district's border are drawn again elsewhere.
        """
        shapes = np.empty(n, dtype=object)
        district = np.empty(n, dtype=np.int64)
        xs, ys = np.empty(n), np.empty(n)
        todo = np.arange(n)
        for _attempt in range(100):
            x, y, d = self.sample(rng, len(todo))
            shapes[todo], district[todo], xs[todo], ys[todo] = make(x, y), d, x, y
            inside = shapely.contains(self.geoms[d], shapes[todo])
            todo = todo[~inside]
            if len(todo) == 0:
                return shapes, district, xs, ys
        raise RuntimeError(f"{len(todo)} shapes could not be placed inside their districts")


def _points_in(
    rng: np.random.Generator, geom: BaseGeometry, n: int
) -> tuple[FloatArray, FloatArray]:
    """Return ``n`` uniformly random points inside ``geom`` (rejection sampling in its bbox)."""
    min_x, min_y, max_x, max_y = geom.bounds
    xs: list[FloatArray] = [np.empty(0)]
    ys: list[FloatArray] = [np.empty(0)]
    found = 0
    while found < n:
        batch = max(2 * (n - found), 64)
        x = rng.uniform(min_x, max_x, batch)
        y = rng.uniform(min_y, max_y, batch)
        inside = shapely.contains_xy(geom, x, y)
        xs.append(x[inside])
        ys.append(y[inside])
        found += int(inside.sum())
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def metres_to_degrees(
    dx_m: FloatArray, dy_m: FloatArray, lat: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Return east/north offsets in metres as degrees of longitude/latitude at ``lat``."""
    return dx_m / (M_PER_DEG_LON * np.cos(np.radians(lat))), dy_m / M_PER_DEG_LAT


def star_vertices(
    rng: np.random.Generator, cx: FloatArray, cy: FloatArray, area_m2: FloatArray
) -> npt.NDArray[np.float64]:
    """Return (n, K, 2) vertices of irregular star-shaped polygons of about ``area_m2``.

    Angles increase strictly around the centre, so every polygon is simple.
    """
    n = len(cx)
    theta = 2 * np.pi * (np.arange(K) + rng.uniform(0.2, 0.8, (n, K))) / K
    theta += rng.uniform(0, 2 * np.pi, (n, 1))
    phase = rng.uniform(0, 2 * np.pi, (n, 2))
    wobble = (
        1.0
        + 0.25 * np.sin(2 * theta + phase[:, :1])
        + 0.15 * np.sin(3 * theta + phase[:, 1:])
        + rng.uniform(-0.12, 0.12, (n, K))
    )
    radius = np.sqrt(area_m2 / np.pi)[:, None] * wobble
    dx, dy = metres_to_degrees(radius * np.cos(theta), radius * np.sin(theta), cy[:, None])
    return np.stack([cx[:, None] + dx, cy[:, None] + dy], axis=-1)


def sector_areas(centres: FloatArray, verts: npt.NDArray[np.float64]) -> FloatArray:
    """Return the (n, K) areas of the triangles (centre, v_i, v_i+1), in degrees² at the equator.

    Each triangle's lon/lat area is scaled by the cosine of its mean latitude,
    so that the shares agree with geodesic areas to about one part in a million.
    """
    a = verts - centres[:, None, :]
    nxt = np.roll(verts, -1, axis=1)
    b = nxt - centres[:, None, :]
    lat = (centres[:, None, 1] + verts[..., 1] + nxt[..., 1]) / 3
    return 0.5 * np.abs(a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]) * np.cos(np.radians(lat))


def fans(
    centres: FloatArray,
    verts: npt.NDArray[np.float64],
    owner: IntArray,
    first: IntArray,
    stop: IntArray,
) -> npt.NDArray[np.object_]:
    """Return one MultiPolygon per fan: sectors ``first .. stop-1`` of polygon ``owner``.

    A fan of all K sectors is the whole polygon.
    """
    full = (stop - first) >= K
    length = np.where(full, K + 1, stop - first + 3)  # centre, vertices first..stop, centre
    ring = np.repeat(np.arange(len(owner)), length)
    step = np.arange(len(ring)) - np.repeat(np.cumsum(length) - length, length)
    rep_owner = owner[ring]
    rep_first = first[ring]
    at_centre = ~full[ring] & ((step == 0) | (step == length[ring] - 1))
    vertex = np.where(full[ring], step, rep_first + step - 1) % K
    coords = np.where(at_centre[:, None], centres[rep_owner], verts[rep_owner, vertex])
    rings = shapely.linearrings(coords, indices=ring)
    return np.asarray(shapely.multipolygons(shapely.polygons(rings)[:, None]))


def points_in_sectors(
    rng: np.random.Generator,
    centres: FloatArray,
    verts: npt.NDArray[np.float64],
    cumulative: FloatArray,
    owner: IntArray,
) -> tuple[FloatArray, FloatArray]:
    """Return one uniformly random point inside each polygon ``owner``.

    ``cumulative`` holds each polygon's cumulative sector shares (last column 1).
    """
    n = len(owner)
    sector = (cumulative[owner] < rng.uniform(0, 1, n)[:, None]).sum(axis=1).clip(0, K - 1)
    u = rng.uniform(0, 1, n)
    v = rng.uniform(0, 1, n)
    flip = u + v > 1
    u[flip], v[flip] = 1 - u[flip], 1 - v[flip]
    c = centres[owner]
    a = verts[owner, sector] - c
    b = verts[owner, (sector + 1) % K] - c
    p = c + u[:, None] * a + v[:, None] * b
    return p[:, 0], p[:, 1]


def strip_order(x: FloatArray, y: FloatArray) -> IntArray:
    """Return the order that walks the points in west-to-east strips of STRIP degrees.

    Rows written in this order touch neighbouring R*Tree and index pages, which
    halves the SQLite load compared with a random order.
    """
    return np.lexsort((x, np.floor(y / STRIP))).astype(np.int64)


def bounds(geoms: npt.NDArray[np.object_]) -> dict[str, FloatArray]:
    """Return the bbox columns (min_x, min_y, max_x, max_y) of ``geoms``; NaN when empty."""
    box = shapely.bounds(geoms)
    return {name: box[:, i] for i, name in enumerate(("min_x", "min_y", "max_x", "max_y"))}
