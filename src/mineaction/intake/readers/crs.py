"""Which CRS a file's coordinates are in, and moving them to WGS84 longitude/latitude.

The CRS the file declares is used; ``--crs`` fills in for a file that declares
none, and is refused if it contradicts the one declared. A file with neither is
read as WGS84 only when every coordinate is a plausible longitude/latitude.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from mineaction.intake.readers.base import refuse

__all__ = ["WGS84", "parse_crs", "resolve_crs", "to_wgs84"]

WGS84 = CRS.from_epsg(4326)
_CRS_HINT = "give the CRS as an EPSG code, e.g. --crs EPSG:32638 for UTM zone 38N"


def parse_crs(text: str, *, source: str, what: str = "--crs") -> CRS:
    """Return the CRS named by ``text`` (EPSG:32638, a WKT, a PROJ string); refuse nonsense."""
    try:
        return CRS.from_user_input(text)
    except CRSError:
        refuse(
            source,
            f"The CRS given with {what} ({text!r}) is not one that is known.",
            hint=_CRS_HINT,
            field="crs",
            value=text,
        )


def same_crs(a: CRS, b: CRS) -> bool:
    """Return True if two CRSs describe the same coordinates (axis order aside)."""
    if a.equals(b, ignore_axis_order=True):
        return True
    code_a, code_b = a.to_epsg(min_confidence=70), b.to_epsg(min_confidence=70)
    return code_a is not None and code_a == code_b


def resolve_crs(
    declared: str | None,
    given: str | None,
    *,
    source: str,
    bounds: tuple[float, float, float, float] | None,
) -> CRS:
    """Return the CRS a layer's coordinates are in: declared, else given, else WGS84 degrees."""
    given_crs = parse_crs(given, source=source) if given else None
    if declared:
        declared_crs = parse_crs(declared, source=source, what="the file")
        if same_crs(declared_crs, WGS84) and bounds is not None and not _degrees(bounds):
            # GeoJSON is WGS84 by definition, so GDAL says so even for a file in metres.
            declared = None
    if declared:
        if given_crs is not None and not same_crs(declared_crs, given_crs):
            refuse(
                source,
                f"{source} declares its coordinates in {_name(declared_crs)}, "
                f"but --crs says {_name(given_crs)}.",
                hint="leave out --crs (the file's own CRS is used), or fix the CRS in the file",
                field="crs",
                value=given,
            )
        return declared_crs
    if given_crs is not None:
        return given_crs
    if bounds is None or _degrees(bounds):
        return WGS84
    minx, miny, maxx, maxy = bounds
    refuse(
        source,
        f"{source} does not say which CRS its coordinates are in, and they are not "
        f"longitude/latitude (they run from {minx:.0f}, {miny:.0f} to {maxx:.0f}, {maxy:.0f}).",
        hint=_CRS_HINT + "; for a Shapefile, include its .prj file in the zip",
        field="crs",
    )


def to_wgs84(geoms: npt.NDArray[Any], crs: CRS) -> npt.NDArray[Any]:
    """Return an array of shapely geometries moved from ``crs`` to WGS84 lon/lat."""
    if same_crs(crs, WGS84):
        return geoms
    transformer = Transformer.from_crs(crs, WGS84, always_xy=True)

    def move(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return np.asarray(shapely.transform(geoms, move))


def _degrees(bounds: tuple[float, float, float, float]) -> bool:
    minx, miny, maxx, maxy = bounds
    return -180.0 <= minx <= maxx <= 180.0 and -90.0 <= miny <= maxy <= 90.0


def _name(crs: CRS) -> str:
    code = crs.to_epsg(min_confidence=70)
    return f"EPSG:{code} ({crs.name})" if code else crs.name
