"""Validation of areas and positions on entry: refuse, explain where and why, never repair.

Everything is WGS84 longitude/latitude (x = longitude, y = latitude). A polygon
that crosses itself is refused with the place where it does, not quietly
"made valid": a repaired polygon is not the area that was surveyed.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from mineaction.geo.country import DEFAULT_TOLERANCE_M, Country
from mineaction.geo.parse import parse_geometry
from mineaction.geo.refusals import CRS_HINT, SWAP_HINT, refuse, short_wkt, where
from mineaction.geo.validity import check_valid

__all__ = [
    "parse_geometry",
    "validate_geometry",
    "validate_point",
    "validate_point_geometry",
    "validate_polygon",
]


def validate_polygon(
    value: object, *, country: Country | None = None, field: str = "geometry"
) -> Polygon | MultiPolygon:
    """Return the area given as a valid WGS84 Polygon or MultiPolygon, exterior rings anticlockwise.

    Raises GeometryError for an empty geometry, a point or line, a collection, a ring
    with too few corners, NaN/infinite or out-of-range coordinates, a self-crossing
    or otherwise invalid polygon, a zero area, swapped lon/lat, or (with ``country``)
    an area more than 1 km outside the country.

    >>> validate_polygon("POLYGON((47.1 39.9, 47.1 40, 47.2 40, 47.1 39.9))").wkt
    'POLYGON ((47.1 39.9, 47.2 40, 47.1 40, 47.1 39.9))'
    """
    geom = parse_geometry(value, field=field)
    kind = geom.geom_type
    if kind == "GeometryCollection":
        refuse(
            "A geometry collection was given where one area is needed.",
            hint="send a POLYGON or MULTIPOLYGON; points and lines belong in their own records",
            field=field,
            value=short_wkt(geom),
        )
    if geom.is_empty:
        refuse(
            f"The {kind.lower()} is empty: it has no coordinates.",
            hint="draw or enter the boundary of the area",
            field=field,
            value=short_wkt(geom),
        )
    if not isinstance(geom, Polygon | MultiPolygon):
        refuse(
            f"A {_KINDS.get(kind, kind)} was given where an area (polygon) is needed.",
            hint="send the boundary of the area as a POLYGON or MULTIPOLYGON",
            field=field,
            value=short_wkt(geom),
        )
    parts = list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom]
    for index, part in enumerate(parts, start=1):
        label = "The polygon" if len(parts) == 1 else f"Part {index} of {len(parts)}"
        _check_part(part, label, field)
    if len(parts) > 1:
        check_valid(geom, "The multipolygon", field, overlap=True)
    if country is not None:
        _check_in_country(geom, country, field)
    return shapely.orient_polygons(geom, exterior_cw=False)


def validate_point(
    lon: object, lat: object, *, country: Country | None = None, field: str = "position"
) -> Point:
    """Return Point(lon, lat) after checking it is a finite, in-range, unswapped position.

    >>> validate_point(47.1, 39.8).wkt
    'POINT (47.1 39.8)'
    """
    try:
        x, y = float(lon), float(lat)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        refuse(
            f"The position ({lon!r}, {lat!r}) is not a pair of numbers.",
            hint="enter longitude and latitude as decimal degrees, e.g. 47.1, 39.8",
            field=field,
            value=f"{lon}, {lat}",
        )
    _check_coordinate(x, y, "The position", field)
    point = Point(x, y)
    if country is not None:
        _check_in_country(point, country, field)
    return point


def validate_point_geometry(
    value: object, *, country: Country | None = None, field: str = "position"
) -> Point:
    """Return the position given as shapely, WKT or GeoJSON, validated as by validate_point."""
    geom = parse_geometry(value, field=field)
    if geom.is_empty:
        refuse(
            "The position is empty: it has no coordinates.",
            hint="enter the longitude and latitude of the position",
            field=field,
            value=short_wkt(geom),
        )
    if not isinstance(geom, Point):
        refuse(
            f"A {_KINDS.get(geom.geom_type, geom.geom_type)} was given where one position "
            "(point) is needed.",
            hint="send a single POINT(longitude latitude)",
            field=field,
            value=short_wkt(geom),
        )
    return validate_point(geom.x, geom.y, country=country, field=field)


def validate_geometry(
    value: object, *, country: Country | None = None, field: str = "geometry"
) -> BaseGeometry:
    """Return a point, line or area (single or multi) validated as its kind requires.

    For what may be drawn as any of them, e.g. a road, a power line or a solar
    park.  Areas are checked as by validate_polygon, points as by validate_point;
    a line needs two distinct positions, each finite, in range and unswapped.

    >>> validate_geometry("LINESTRING(47.1 39.8, 47.2 39.9)").geom_type
    'LineString'
    """
    geom = parse_geometry(value, field=field)
    if isinstance(geom, Polygon | MultiPolygon):
        return validate_polygon(geom, country=country, field=field)
    if isinstance(geom, Point):
        return validate_point_geometry(geom, country=country, field=field)
    if geom.is_empty or geom.geom_type not in ("LineString", "MultiLineString", "MultiPoint"):
        refuse(
            f"A {_KINDS.get(geom.geom_type, geom.geom_type)} was given; a point, line or area "
            "is needed."
            if not geom.is_empty
            else "The geometry is empty: it has no coordinates.",
            hint="send a POINT, LINESTRING or POLYGON (or their MULTI forms)",
            field=field,
            value=short_wkt(geom),
        )
    coords = shapely.get_coordinates(geom)
    for x, y in coords:
        _check_coordinate(float(x), float(y), "A position of the line", field)
    if geom.geom_type != "MultiPoint" and geom.length == 0:
        refuse(
            "The line has no length: all its positions are the same.",
            hint="give the line at least two different positions",
            field=field,
            value=short_wkt(geom),
        )
    if country is not None:
        _check_in_country(geom, country, field)
    return geom


_KINDS = {
    "Point": "point",
    "MultiPoint": "set of points",
    "LineString": "line",
    "LinearRing": "line",
    "MultiLineString": "set of lines",
    "Polygon": "polygon",
    "MultiPolygon": "multipolygon",
    "GeometryCollection": "geometry collection",
}


def _check_coordinate(x: float, y: float, label: str, field: str) -> None:
    """Refuse a NaN/infinite, out-of-range or obviously swapped lon/lat pair."""
    value = f"{x}, {y}"
    if not (math.isfinite(x) and math.isfinite(y)):
        refuse(
            f"{label} has a coordinate that is not a number ({value}).",
            hint="fill in every longitude and latitude with a decimal number",
            field=field,
            value=value,
        )
    if abs(y) > 90.0 and abs(x) <= 90.0:
        refuse(
            f"{label} has latitude {y:.6f}, which is impossible; with longitude {x:.6f} it "
            "looks like latitude and longitude are swapped.",
            hint=SWAP_HINT,
            field=field,
            value=value,
        )
    if abs(x) > 180.0 or abs(y) > 90.0:
        refuse(
            f"{label} at {where(x, y)} is out of range: longitude must be between -180 and "
            "180 and latitude between -90 and 90.",
            hint=CRS_HINT,
            field=field,
            value=value,
        )


def _check_part(part: Polygon, label: str, field: str) -> None:
    """Refuse one polygon whose rings are unreadable, too short, flat or invalid."""
    if part.is_empty:
        refuse(f"{label} is empty.", hint="remove the empty part", field=field)
    rings = [part.exterior, *part.interiors]
    for r, ring in enumerate(rings):
        ring_label = f"{label}, {'outer boundary' if r == 0 else f'hole {r}'},"
        coords = np.asarray(ring.coords)[:, :2]
        x, y = coords[:, 0], coords[:, 1]
        bad = ~np.isfinite(coords).all(axis=1) | (np.abs(x) > 180.0) | (np.abs(y) > 90.0)
        if bad.any():
            i = int(np.argmax(bad))  # the first bad corner; checked one by one for the message
            _check_coordinate(float(x[i]), float(y[i]), f"{ring_label} corner {i + 1}", field)
        distinct = len(np.unique(coords[:-1], axis=0))
        if len(coords) < 4 or distinct < 3:
            refuse(
                f"{ring_label} has only {len(coords)} coordinates ({distinct} distinct corners); "
                "a polygon needs at least 3 distinct corners and the first corner again.",
                hint="add the missing corners, or enter the record as a point",
                field=field,
                value=short_wkt(ring),
            )
    # A flat ring is one whose corners all lie on a line: its convex hull has no area.
    # (The ring's own signed area is no test: a symmetric bow-tie also sums to zero.)
    if shapely.area(shapely.convex_hull(part.exterior)) == 0.0:
        refuse(
            f"{label} has no area: all the corners of its outer boundary lie on one line.",
            hint="check that the corners were entered in order and none was copied twice",
            field=field,
            value=short_wkt(part),
        )
    check_valid(part, label, field, overlap=False)


def _check_in_country(geom: BaseGeometry, country: Country, field: str) -> None:
    """Refuse a geometry outside the country, spotting swapped lon/lat first."""
    spot = country.position_outside(geom)
    if spot is None:
        return
    centre = geom if isinstance(geom, Point) else geom.representative_point()
    x, y = centre.x, centre.y
    if abs(x) <= 90.0 and country.contains(Point(y, x)):
        refuse(
            f"Latitude and longitude look swapped: ({x:.6f}, {y:.6f}) is outside "
            f"{country.name}, ({y:.6f}, {x:.6f}) is inside.",
            hint=SWAP_HINT,
            field=field,
            value=short_wkt(geom),
        )
    tolerance = f"{DEFAULT_TOLERANCE_M / 1000:g} km"
    if isinstance(geom, Point):
        message = (
            f"{where(*spot)} is outside {country.name} (more than {tolerance} beyond its boundary)."
        )
    else:
        message = (
            f"The area reaches outside {country.name}: {where(*spot)} is more than "
            f"{tolerance} beyond its boundary."
        )
    refuse(message, hint=CRS_HINT, field=field, value=short_wkt(geom))
