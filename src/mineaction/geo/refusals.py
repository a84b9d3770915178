"""How the geo layer refuses an input: one GeometryError carrying one Problem.

Every refusal says where (a lon/lat, a part, a corner) and why in a sentence a
field data officer can act on, plus a hint saying what to do next.
"""

from __future__ import annotations

from typing import NoReturn

import shapely
from shapely.geometry.base import BaseGeometry

from mineaction.errors import GeometryError, Problem

__all__ = ["CRS_HINT", "SWAP_HINT", "WKT_HINT", "refuse", "short_wkt", "where"]

WKT_HINT = (
    "write it as WKT, e.g. POLYGON((47.1 39.9, 47.2 39.9, 47.2 40.0, 47.1 39.9)), "
    'or as a GeoJSON geometry, e.g. {"type": "Point", "coordinates": [47.1, 39.9]}'
)
SWAP_HINT = "swap the columns, longitude first (x = longitude, y = latitude)"
CRS_HINT = "check the coordinates and their CRS; positions must be WGS84 longitude/latitude"

_SHORT = 80


def where(lon: float, lat: float) -> str:
    """Return a position as people read it: ``lon 47.123456, lat 39.654321``."""
    return f"lon {lon:.6f}, lat {lat:.6f}"


def short_wkt(geom: BaseGeometry) -> str:
    """Return the geometry as WKT with 6 decimals, cut to 80 characters for messages."""
    text = str(shapely.to_wkt(geom, rounding_precision=6, trim=True))
    return text if len(text) <= _SHORT else text[: _SHORT - 1] + "…"


def refuse(message: str, *, hint: str, field: str, value: object = None) -> NoReturn:
    """Raise a GeometryError whose single Problem repeats the message for ``field``."""
    raise GeometryError(
        message,
        hint=hint,
        problems=[Problem(reason=message, field=field, value=value, hint=hint)],
    )
