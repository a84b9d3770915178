"""Why GEOS finds a polygon invalid, said in words a field data officer can act on.

GEOS reports a reason and a position ("Self-intersection[47.1 39.9]"); this module
turns that into a sentence with the position as lon/lat, a hint, and what an
automatic repair would have done, which is the reason it is not done silently.
"""

from __future__ import annotations

import re

import shapely
from shapely.geometry.base import BaseGeometry

from mineaction.geo.areas import geodesic_area_m2, round_ha
from mineaction.geo.refusals import refuse, short_wkt, where

__all__ = ["check_valid"]

_REASON = re.compile(r"^(?P<what>[^\[]+)\[(?P<x>\S+) (?P<y>\S+)\]$")

# GEOS validity reasons, in the words of a field data officer: (what happened, what to do).
_EXPLAIN: dict[str, tuple[str, str]] = {
    "Self-intersection": (
        "crosses itself",
        "redraw the boundary so that it does not cross itself",
    ),
    "Ring Self-intersection": (
        "touches itself",
        "redraw the boundary as a simple loop; areas meeting at one point are separate parts",
    ),
    "Hole lies outside shell": (
        "has a hole outside its outer boundary",
        "check that the hole belongs to this area; a hole must lie inside the outer boundary",
    ),
    "Holes are nested": (
        "has a hole inside another hole",
        "remove the inner hole, or enter it as a separate area",
    ),
    "Interior is disconnected": (
        "is cut into separate pieces by its holes",
        "enter the pieces as separate parts of a MULTIPOLYGON",
    ),
    "Nested shells": (
        "has one part inside another",
        "enter the inner part as a hole of the outer one, or remove it",
    ),
    "Duplicate Rings": ("has the same ring twice", "remove the repeated ring"),
    "Too few points in geometry component": (
        "has a ring with fewer than 3 distinct corners",
        "remove the repeated corners or add the missing ones",
    ),
}


def check_valid(geom: BaseGeometry, label: str, field: str, *, overlap: bool) -> None:
    """Refuse an invalid geometry, saying where GEOS found the fault and why."""
    reason = str(shapely.is_valid_reason(geom))
    if reason == "Valid Geometry":
        return
    match = _REASON.match(reason)
    what = match["what"] if match else reason
    at = f" at {where(float(match['x']), float(match['y']))}" if match else ""
    problem, hint = _EXPLAIN.get(what, (f"is not a valid polygon ({what})", "redraw it"))
    if overlap and what == "Self-intersection":
        problem, hint = "has parts that overlap", "merge overlapping parts, or redraw them"
    refuse(
        f"{label} {problem}{at}.",
        hint=f"{hint}; {_repair_would(geom)}",
        field=field,
        value=short_wkt(geom),
    )


def _repair_would(geom: BaseGeometry) -> str:
    """Return what an automatic repair would do, so the officer sees why it is not done."""
    # make_valid may nest a MultiPolygon in a collection: flatten twice to count pieces.
    parts = shapely.get_parts(shapely.get_parts(shapely.make_valid(geom)))
    pieces = [g for g in parts if g.geom_type == "Polygon"]
    sizes = ", ".join(f"{round_ha(geodesic_area_m2(p)):.1f} ha" for p in pieces[:4])
    more = ", …" if len(pieces) > 4 else ""
    count = "1 piece" if len(pieces) == 1 else f"{len(pieces)} pieces"
    return (
        f"an automatic repair (make_valid) would turn it into {count} of {sizes}{more}, "
        "which may not be the area that was surveyed"
    )
