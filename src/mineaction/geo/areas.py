"""Areas in square metres and hectares, and buffers in metres, for WGS84 geometries.

Areas are measured on the WGS84 ellipsoid (geodesic), never on lon/lat degrees or
on a projection, so that a hectare reported here is a hectare on the ground.
Buffers are the one place where a projection is used: a geometry is moved into
its local UTM zone, buffered in metres and moved back.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import Geod, Transformer
from shapely.geometry.base import BaseGeometry

__all__ = [
    "WGS84_EPSG",
    "buffer_m",
    "from_local_metric",
    "geodesic_area_m2",
    "geodesic_areas_m2",
    "m2_to_ha",
    "round_ha",
    "to_local_metric",
    "utm_epsg",
]

WGS84_EPSG = 4326

# One shared instance: a Geod holds only the ellipsoid parameters and is safe to reuse.
_GEOD = Geod(ellps="WGS84")

_M2_PER_HA = 10_000
_TENTH = Decimal("0.1")


def geodesic_area_m2(geom: BaseGeometry) -> float:
    """Return the area of a WGS84 (Multi)Polygon on the WGS84 ellipsoid, in m².

    Holes are subtracted and the result is always positive, whichever way the
    rings are wound. Points, lines and empty geometries have no area: 0.0.

    >>> from shapely import box
    >>> round(geodesic_area_m2(box(47.0, 40.0, 47.01, 40.01)))
    948099
    >>> geodesic_area_m2(shapely.Point(47.0, 40.0))
    0.0
    """
    if geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
        return 0.0
    # pyproj adds the signed ring areas together, so holes are only subtracted when
    # shells run counter-clockwise and holes clockwise: enforce that first.
    oriented = shapely.orient_polygons(geom, exterior_cw=False)
    area, _perimeter = _GEOD.geometry_area_perimeter(oriented)
    return abs(float(area))


def geodesic_areas_m2(geoms: npt.NDArray[np.object_]) -> npt.NDArray[np.float64]:
    """Return ``geodesic_area_m2`` of each geometry of an array, the same figures, faster.

    The polygons are oriented in one call and their outer rings' coordinates
    taken in one call; pyproj then measures each ring as ``geodesic_area_m2``
    would (and adds the parts of a multipolygon in the same order), so each
    figure is the same to the last bit. Geometries with holes are measured
    one by one.

    >>> from shapely import box
    >>> [round(a) for a in geodesic_areas_m2(np.array([box(47.0, 40.0, 47.01, 40.01)]))]
    [948099]
    """
    areas = np.zeros(len(geoms))
    if len(geoms) == 0:
        return areas
    oriented = shapely.orient_polygons(geoms, exterior_cw=False)
    kind = shapely.get_type_id(oriented)
    polygonal = np.flatnonzero(np.isin(kind, (3, 6)) & ~shapely.is_empty(oriented))
    parts, owner = shapely.get_parts(oriented[polygonal], return_index=True)
    holed = np.zeros(len(geoms), dtype=bool)
    holed[polygonal[owner[shapely.get_num_interior_rings(parts) > 0]]] = True
    coords, ring = shapely.get_coordinates(shapely.get_exterior_ring(parts), return_index=True)
    bounds = np.searchsorted(ring, np.arange(len(parts) + 1))
    lons, lats = coords[:, 0], coords[:, 1]
    signed = np.zeros(len(geoms))
    for k, g in enumerate(polygonal[owner].tolist()):
        if not holed[g]:
            part, _perimeter = _GEOD.polygon_area_perimeter(
                lons[bounds[k] : bounds[k + 1]], lats[bounds[k] : bounds[k + 1]]
            )
            signed[g] += part
    for g in np.flatnonzero(holed).tolist():
        signed[g], _perimeter = _GEOD.geometry_area_perimeter(oriented[g])
    areas[:] = np.abs(signed)
    return areas


def m2_to_ha(m2: float) -> float:
    """Return square metres converted to hectares, unrounded (1 ha = 10 000 m²).

    >>> m2_to_ha(12_345.0)
    1.2345
    """
    return m2 / _M2_PER_HA


def round_ha(m2: float) -> float:
    """Return square metres as hectares rounded to 0.1 ha, halves rounded up.

    Round-half-up (not Python's round-half-even) is what people expect on a
    report: 500 m² is 0.05 ha and shows as 0.1 ha.

    >>> round_ha(500.0), round_ha(1_499.0), round_ha(1_500.0), round_ha(2_500.0)
    (0.1, 0.1, 0.2, 0.3)
    """
    # Decimal(str(...)) keeps the decimal digits a person would read, so 0.05 is
    # really 0.05 and not 0.04999… in binary.
    hectares = Decimal(str(m2)) / _M2_PER_HA
    return float(hectares.quantize(_TENTH, rounding=ROUND_HALF_UP))


def utm_epsg(lon: float, lat: float) -> int:
    """Return the EPSG code of the WGS84 UTM zone holding lon/lat (326xx north, 327xx south).

    The regular 6° zones are used everywhere (the Norway and Svalbard exceptions
    are ignored; they only change which zone, not the accuracy in a small area).

    >>> utm_epsg(47.1, 39.8), utm_epsg(-58.4, -34.6), utm_epsg(180.0, 0.0)
    (32638, 32721, 32660)
    """
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise ValueError(f"cannot choose a UTM zone for lon {lon}, lat {lat}")
    # lon 180 belongs to the last zone (60), not to a 61st.
    zone = min(math.floor((lon + 180.0) / 6.0), 59) + 1
    return (32600 if lat >= 0 else 32700) + zone


@lru_cache(maxsize=64)
def _transformer(source_epsg: int, target_epsg: int) -> Transformer:
    # Building a Transformer costs milliseconds; there are only 120 UTM zones.
    return Transformer.from_crs(source_epsg, target_epsg, always_xy=True)


_Coords = npt.NDArray[np.float64]


def _apply(transformer: Transformer) -> Callable[[_Coords], _Coords]:
    def move(coords: _Coords) -> _Coords:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return move


def to_local_metric(geom: BaseGeometry, epsg: int | None = None) -> tuple[BaseGeometry, int]:
    """Return the geometry projected to a UTM zone, and that zone's EPSG code.

    The zone is the one holding the centre of the geometry's extent unless ``epsg``
    names another (to put two geometries in the same zone). Keep the returned code:
    :func:`from_local_metric` needs it to come back to WGS84.
    """
    if epsg is None:
        minx, miny, maxx, maxy = geom.bounds
        epsg = utm_epsg((minx + maxx) / 2.0, (miny + maxy) / 2.0)
    return shapely.transform(geom, _apply(_transformer(WGS84_EPSG, epsg))), epsg


def from_local_metric(geom: BaseGeometry, epsg: int) -> BaseGeometry:
    """Return a geometry in the metric CRS ``epsg`` moved back to WGS84 lon/lat."""
    return shapely.transform(geom, _apply(_transformer(epsg, WGS84_EPSG)))


def buffer_m(geom: BaseGeometry, metres: float) -> BaseGeometry:
    """Return the geometry grown (or, for negative ``metres``, shrunk) by ``metres``, in WGS84.

    The buffer is computed in the geometry's local UTM zone, where a metre is a
    metre to within 0.1 %, and the result is returned as WGS84 lon/lat.

    >>> from mineaction.geo.areas import geodesic_area_m2
    >>> circle = buffer_m(shapely.Point(47.1, 39.8), 100.0)
    >>> round(geodesic_area_m2(circle) / (math.pi * 100.0**2), 2)
    1.0
    """
    if geom.is_empty:
        return geom
    local, epsg = to_local_metric(geom)
    return from_local_metric(local.buffer(metres), epsg)
