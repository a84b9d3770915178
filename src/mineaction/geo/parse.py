"""Reading a geometry from what a user or a file hands us: shapely, WKT or GeoJSON.

Reading only turns text into a geometry; whether that geometry is acceptable is
decided in :mod:`mineaction.geo.validate`. A GEOS or JSON error is never shown
raw: it is turned into a sentence that says what could not be read.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, NoReturn

import shapely
from shapely.errors import GeometryTypeError, ShapelyError
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from mineaction.geo.refusals import WKT_HINT, refuse

__all__ = ["parse_geometry"]

_NON_FINITE = re.compile(r"(?<![A-Za-z])(nan|inf(inity)?)(?![A-Za-z])", re.IGNORECASE)
_CLOSE_HINT = "repeat the first corner as the last one so that the ring closes"


def parse_geometry(value: object, *, field: str = "geometry") -> BaseGeometry:
    """Return the shapely geometry given as shapely, WKT, a GeoJSON dict or a GeoJSON string.

    Raises GeometryError (code ``invalid_geometry``) saying what could not be read.

    >>> parse_geometry("POINT (47.1 39.9)").wkt
    'POINT (47.1 39.9)'
    >>> parse_geometry({"type": "Point", "coordinates": [47.1, 39.9]}).wkt
    'POINT (47.1 39.9)'
    """
    if isinstance(value, BaseGeometry):
        return value
    if value is None:
        refuse("No geometry was given.", hint=WKT_HINT, field=field)
    if isinstance(value, dict):
        return _from_geojson(value, field)
    if not isinstance(value, str):
        refuse(
            f"A geometry cannot be read from a value of type {type(value).__name__}.",
            hint=WKT_HINT,
            field=field,
            value=repr(value)[:80],
        )
    text = value.strip()
    if not text:
        refuse("The geometry is blank.", hint=WKT_HINT, field=field)
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            refuse(
                f"The geometry looks like GeoJSON but could not be read: "
                f"{exc.msg} at character {exc.pos + 1}.",
                hint=WKT_HINT,
                field=field,
                value=text[:80],
            )
        return _from_geojson(data, field)
    return _from_wkt(text, field)


def _from_wkt(text: str, field: str) -> BaseGeometry:
    """Return the geometry in a WKT string, refusing NaN/inf and unreadable text."""
    if _NON_FINITE.search(text):
        _refuse_non_finite(text[:80], field)
    try:
        return shapely.from_wkt(text)
    except ShapelyError as exc:
        detail = str(exc).split(": ", 1)[-1]
        if "closed linestring" in detail:
            refuse(
                "A ring of the polygon is not closed: its last corner is not its first.",
                hint=_CLOSE_HINT,
                field=field,
                value=text[:80],
            )
        refuse(
            f"The geometry could not be read as WKT ({detail}).",
            hint=WKT_HINT,
            field=field,
            value=text[:80],
        )


def _from_geojson(data: Any, field: str) -> BaseGeometry:
    """Return the geometry of a GeoJSON geometry or Feature dict."""
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = data.get("geometry")
    if not isinstance(data, dict) or "type" not in data:
        refuse(
            "The GeoJSON has no geometry: expected an object with a 'type' and 'coordinates'.",
            hint=WKT_HINT,
            field=field,
            value=str(data)[:80],
        )
    if data["type"] == "FeatureCollection":
        refuse(
            "A GeoJSON FeatureCollection was given where one geometry is needed.",
            hint="send the geometry of one feature, or import the file as a whole",
            field=field,
        )
    if _has_non_finite(data.get("coordinates")):
        _refuse_non_finite(str(data)[:80], field)
    _check_rings(data, field)
    try:
        return shape(data)
    except (GeometryTypeError, ShapelyError, KeyError, TypeError, ValueError, IndexError) as exc:
        reason = f"no {exc}" if isinstance(exc, KeyError) else str(exc)
        refuse(
            f"The GeoJSON {data['type']} could not be read ({reason}).",
            hint=WKT_HINT,
            field=field,
            value=str(data)[:80],
        )


def _has_non_finite(coords: Any) -> bool:
    """Return True if a nested GeoJSON coordinate list holds a NaN or infinite number."""
    if isinstance(coords, list):
        return any(_has_non_finite(c) for c in coords)
    return isinstance(coords, float) and not math.isfinite(coords)


def _refuse_non_finite(value: str, field: str) -> NoReturn:
    refuse(
        "The geometry has a coordinate that is not a number (NaN or infinity).",
        hint="fill in every longitude and latitude with a decimal number",
        field=field,
        value=value,
    )


def _check_rings(data: dict[str, Any], field: str) -> None:
    """Refuse GeoJSON rings that are too short or not closed.

    shapely would silently close or pad such rings, so the check is made on the
    coordinates as they were written, before shapely sees them.
    """
    coords = data.get("coordinates")
    if not isinstance(coords, list):
        return
    if data["type"] == "Polygon":
        polygons = [coords]
    elif data["type"] == "MultiPolygon":
        polygons = coords
    else:
        return
    for p, rings in enumerate(polygons, start=1):
        for r, ring in enumerate(rings if isinstance(rings, list) else []):
            if not isinstance(ring, list):
                continue
            name = "the outer boundary" if r == 0 else f"hole {r}"
            if len(polygons) > 1:
                name += f" of part {p} of {len(polygons)}"
            if len(ring) < 4:
                refuse(
                    f"{name[0].upper()}{name[1:]} has only {len(ring)} coordinates; a polygon "
                    "needs at least 4 (3 distinct corners, then the first corner again).",
                    hint="add the missing corners, or enter the record as a point",
                    field=field,
                    value=str(ring)[:80],
                )
            if ring[0] != ring[-1]:
                refuse(
                    f"{name[0].upper()}{name[1:]} is not closed: its last corner is not its first.",
                    hint=_CLOSE_HINT,
                    field=field,
                    value=str(ring)[:80],
                )
