"""A country's boundary, used to check that positions and areas fall inside it.

Country boundaries kept for this check are coarse (a few hundred metres off along
rivers and coasts), so a geometry within a tolerance of the boundary, 1 km by
default, counts as inside. The decision is taken in metres in the local UTM zone.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, shape
from shapely.geometry.base import BaseGeometry

from mineaction.errors import GeometryError, Problem
from mineaction.geo.areas import from_local_metric, to_local_metric

__all__ = ["DEFAULT_TOLERANCE_M", "Country"]

DEFAULT_TOLERANCE_M = 1000.0

# Metres per degree of latitude is 110.6–111.7 km; the smaller value makes the
# degree margin below err on the generous side.
_M_PER_DEG = 110_000.0


@dataclass(frozen=True)
class Country:
    """A named country with its boundary as a WGS84 (Multi)Polygon."""

    name: str
    iso3: str
    geometry: Polygon | MultiPolygon
    _bounds: tuple[float, float, float, float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        geom = self.geometry
        if not isinstance(geom, Polygon | MultiPolygon) or geom.is_empty or not geom.is_valid:
            raise GeometryError(
                f"The boundary given for {self.name} is not a valid, non-empty polygon.",
                hint="load the country from a GeoJSON file of its boundary polygons",
                problems=[Problem(reason="invalid country boundary", field="country")],
            )
        minx, miny, maxx, maxy = geom.bounds
        if minx < -180.0 or maxx > 180.0 or miny < -90.0 or maxy > 90.0:
            raise GeometryError(
                f"The boundary given for {self.name} is not in WGS84 longitude/latitude.",
                hint="reproject the boundary to EPSG:4326 before loading it",
                problems=[Problem(reason="country boundary out of range", field="country")],
            )
        # Preparing builds a spatial index once, making covers() fast for every later check.
        shapely.prepare(geom)
        object.__setattr__(self, "_bounds", (minx, miny, maxx, maxy))

    @classmethod
    def from_geojson(cls, source: str | Path | dict[str, Any], name: str, iso3: str) -> Country:
        """Return a Country whose boundary is the union of every polygon in a GeoJSON file or dict.

        ``source`` may be a path to a GeoJSON file, or an already-read FeatureCollection,
        Feature or geometry dict. Non-polygon features are ignored.
        """
        data = source if isinstance(source, dict) else json.loads(Path(source).read_text("utf-8"))
        parts = [_polygonal(shape(g)) for g in _geometries(data)]
        merged = shapely.union_all([p for p in parts if not p.is_empty])
        if isinstance(merged, Polygon | MultiPolygon):
            return cls(name=name, iso3=iso3, geometry=merged)
        polygons = list(getattr(merged, "geoms", []))
        return cls(name=name, iso3=iso3, geometry=MultiPolygon(_flatten(polygons)))

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """Return the boundary's extent as (min lon, min lat, max lon, max lat)."""
        return self._bounds

    def contains(self, geom: BaseGeometry, *, tolerance_m: float = DEFAULT_TOLERANCE_M) -> bool:
        """Return True if all of ``geom`` is inside the country or within ``tolerance_m`` of it."""
        return self.position_outside(geom, tolerance_m=tolerance_m) is None

    def position_outside(
        self, geom: BaseGeometry, *, tolerance_m: float = DEFAULT_TOLERANCE_M
    ) -> tuple[float, float] | None:
        """Return a (lon, lat) of ``geom`` more than ``tolerance_m`` beyond the country, or None.

        None means the geometry is inside (or near enough). An empty geometry is
        never inside: its position is (nan, nan).
        """
        if geom.is_empty:
            return (math.nan, math.nan)
        window = self._window(geom, tolerance_m)
        if window is None:
            return _somewhere_on(geom)
        if self.geometry.covers(geom):
            return None
        near = shapely.intersection(self.geometry, window)
        if near.is_empty:
            return _somewhere_on(geom)
        # Distances are taken in the UTM zone of the geometry: the nearby piece of
        # boundary is small, so the projection's scale error (< 0.1 %) does not matter.
        local, epsg = to_local_metric(geom)
        near_local, _ = to_local_metric(near, epsg)
        if isinstance(local, Point):
            return None if local.distance(near_local) <= tolerance_m else (geom.x, geom.y)
        beyond = local.difference(near_local.buffer(tolerance_m))
        if beyond.is_empty:
            return None
        spot = from_local_metric(beyond.representative_point(), epsg)
        return (spot.x, spot.y)

    def _window(self, geom: BaseGeometry, tolerance_m: float) -> BaseGeometry | None:
        """Return the geometry's bbox grown by the tolerance in degrees, or None if it misses."""
        minx, miny, maxx, maxy = geom.bounds
        dlat = 1.5 * tolerance_m / _M_PER_DEG
        widest = min(max(abs(miny), abs(maxy)) + dlat, 89.9)
        # A degree of longitude shrinks with cos(latitude): take the highest latitude.
        dlon = min(dlat / math.cos(math.radians(widest)), 360.0)
        cminx, cminy, cmaxx, cmaxy = self._bounds
        if (
            maxx + dlon < cminx
            or minx - dlon > cmaxx
            or maxy + dlat < cminy
            or miny - dlat > cmaxy
            or not all(math.isfinite(v) for v in (minx, miny, maxx, maxy))
        ):
            return None
        return shapely.box(minx - dlon, miny - dlat, maxx + dlon, maxy + dlat)


def _somewhere_on(geom: BaseGeometry) -> tuple[float, float]:
    point = geom if isinstance(geom, Point) else geom.representative_point()
    return (point.x, point.y)


def _geometries(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the geometry dicts held by a GeoJSON FeatureCollection, Feature or geometry."""
    kind = data.get("type")
    if kind == "FeatureCollection":
        return [f["geometry"] for f in data.get("features", []) if f.get("geometry")]
    if kind == "Feature":
        return [data["geometry"]] if data.get("geometry") else []
    return [data]


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Return only the polygons of a boundary geometry, repaired if it is invalid.

    Boundary files are reference data, not survey data: a sliver or bow-tie in a
    national outline should not stop the system, so it is repaired here, whereas a
    surveyed polygon with the same fault is refused (see ``validate``).
    """
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    polygons = _flatten([geom])
    return MultiPolygon(polygons) if polygons else Polygon()


def _flatten(geoms: list[BaseGeometry]) -> list[Polygon]:
    out: list[Polygon] = []
    for g in geoms:
        if isinstance(g, Polygon) and not g.is_empty:
            out.append(g)
        elif hasattr(g, "geoms"):
            out.extend(_flatten(list(g.geoms)))
    return out
