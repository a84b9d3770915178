"""Synthetic shapes in WGS84: irregular hazard polygons, points inside areas, metric offsets.

Shapes are drawn in local metres around a centre and converted to lon/lat
with the local length of a degree; over a few kilometres that is exact enough
for synthetic data, and every area stored is measured geodesically anyway.
"""

from __future__ import annotations

import math
import random

import shapely
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from mineaction.domain.ledger import polygonal

M_PER_DEG_LAT = 111_132.0


def m_per_deg_lon(lat: float) -> float:
    """Return the length in metres of one degree of longitude at latitude ``lat``."""
    return 111_320.0 * math.cos(math.radians(lat))


def offset(lon: float, lat: float, east_m: float, north_m: float) -> tuple[float, float]:
    """Return the position ``east_m`` and ``north_m`` metres from (lon, lat)."""
    return lon + east_m / m_per_deg_lon(lat), lat + north_m / M_PER_DEG_LAT


def irregular_polygon(rng: random.Random, lon: float, lat: float, area_m2: float) -> Polygon:
    """Return a simple, irregular polygon of about ``area_m2`` centred on (lon, lat).

    The corners go round the centre at strictly increasing angles, so the ring
    never crosses itself; a random stretch and rotation (a linear map, which
    keeps the ring simple) make it elongated like a real hazard.
    """
    n = rng.randint(9, 18)
    step = 2 * math.pi / n
    angles = [i * step + rng.uniform(-0.4, 0.4) * step for i in range(n)]
    radii = [rng.uniform(0.65, 1.3) for _ in range(n)]
    stretch = rng.uniform(0.6, 1.6)
    turn = rng.uniform(0, math.pi)
    cos_t, sin_t = math.cos(turn), math.sin(turn)
    unit = []
    for a, r in zip(angles, radii, strict=True):
        x, y = r * math.cos(a) * stretch, r * math.sin(a) / stretch
        unit.append((x * cos_t - y * sin_t, x * sin_t + y * cos_t))
    scale = math.sqrt(area_m2 / Polygon(unit).area)
    return Polygon([offset(lon, lat, x * scale, y * scale) for x, y in unit])


def rectangle(lon: float, lat: float, width_m: float, height_m: float, turn: float) -> Polygon:
    """Return a rectangle centred on (lon, lat), turned by ``turn`` radians."""
    cos_t, sin_t = math.cos(turn), math.sin(turn)
    corners = []
    for x, y in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
        ex, ny = x * width_m / 2, y * height_m / 2
        corners.append(offset(lon, lat, ex * cos_t - ny * sin_t, ex * sin_t + ny * cos_t))
    return Polygon(corners)


def point_in(rng: random.Random, area: BaseGeometry, tries: int = 500) -> Point:
    """Return a random point inside ``area`` (its representative point if none is hit)."""
    min_x, min_y, max_x, max_y = area.bounds
    shapely.prepare(area)
    for _ in range(tries):
        point = Point(rng.uniform(min_x, max_x), rng.uniform(min_y, max_y))
        if area.contains(point):
            return point
    return area.representative_point()


def bands(geom: BaseGeometry, count: int) -> list[MultiPolygon]:
    """Cut ``geom`` into ``count`` slices by equal-width vertical bands of its bounding box.

    The outer bands reach past the bounding box, so the slices cover the
    whole area: releasing every slice releases all of it.
    """
    min_x, min_y, max_x, max_y = geom.bounds
    width = (max_x - min_x) / count
    pad = max(max_x - min_x, max_y - min_y)
    slices = []
    for i in range(count):
        x0 = min_x - pad if i == 0 else min_x + i * width
        x1 = max_x + pad if i == count - 1 else min_x + (i + 1) * width
        band = shapely.box(x0, min_y - pad, x1, max_y + pad)
        part = polygonal(shapely.intersection(geom, band))
        if not part.is_empty:
            slices.append(part)
    return slices
