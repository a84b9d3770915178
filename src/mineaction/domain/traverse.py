"""A minefield record as drawn on paper: a reference point and a traverse, turned into a polygon.

Minefield records (CCW Amended Protocol II, technical annex) seldom give
coordinates.  They give a reference point (a landmark that can be found
again) and a traverse: from it, a bearing and a distance to the first
turning point of the minefield, then bearing and distance from turning
point to turning point around the perimeter.  This module walks such a
traverse on the WGS84 ellipsoid (pyproj ``Geod``, geodesic forward problem),
so that a 1,000 m leg is 1,000 m on the ground wherever it lies.

Bearings are accepted in three references (``BEARING_REFERENCES``):

- ``true``: clockwise from geographic (true) north — used as they are.
- ``grid``: clockwise from grid north of the UTM zone holding the reference
  point.  Turned to true by adding the meridian convergence at the start of
  each leg (the angle from true north to grid north, east positive; about
  +1.3° at 47° E 40° N in UTM zone 38).
- ``magnetic``: clockwise from magnetic north.  Turned to true by adding the
  magnetic declination (east positive), which the user must give: it is
  printed in the margin of the map, and it drifts by years, so no model
  guesses it here.

Distances are ground distances in metres.  Bearings in mils or grads must
be turned into degrees by the caller.

>>> t = walk_traverse((0.0, 0.0), [Leg(0.0, 1000.0), Leg(90.0, 1000.0), Leg(180.0, 1000.0)])
>>> round(t.points[1][1], 6), round(t.points[2][0], 6)
(0.009044, 0.008983)
>>> round(t.misclosure_m)
1000
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from pyproj import Geod, Proj
from shapely.geometry import Polygon

__all__ = [
    "BEARING_REFERENCES",
    "Leg",
    "Traverse",
    "TraverseError",
    "grid_convergence_deg",
    "to_true_bearing",
    "walk_traverse",
]

BEARING_REFERENCES = ("true", "grid", "magnetic")
_GEOD = Geod(ellps="WGS84")


class TraverseError(ValueError):
    """The traverse cannot be walked (a bad bearing, distance or reference); says which leg."""


@dataclass(frozen=True)
class Leg:
    """One leg of a traverse: a bearing in degrees (0–360, clockwise) and a distance in metres."""

    bearing_deg: float
    distance_m: float


@dataclass(frozen=True)
class Traverse:
    """A walked traverse.

    ``points`` are (lon, lat): the reference point first, then the end of every
    leg.  ``perimeter`` are the turning points of the minefield (the points
    after the approach legs).  ``misclosure_m`` is how far the last point lies
    from the first turning point: a survey that closes well has a few metres.
    """

    points: list[tuple[float, float]]
    approach_legs: int
    misclosure_m: float

    @property
    def reference_point(self) -> tuple[float, float]:
        """Return the reference point (lon, lat)."""
        return self.points[0]

    @property
    def perimeter(self) -> list[tuple[float, float]]:
        """Return the turning points of the perimeter, in order."""
        return self.points[self.approach_legs :]

    def polygon(self) -> Polygon:
        """Return the perimeter as a polygon (closed by a straight edge to its first point).

        A last point within a metre of the first is the first point again,
        not a sliver edge.
        """
        ring = list(self.perimeter)
        if len(ring) > 1 and self.misclosure_m < 1.0:
            ring = ring[:-1]
        if len(ring) < 3:
            raise TraverseError(
                f"The perimeter has {len(ring)} turning point(s); a polygon needs at least 3."
            )
        return Polygon(ring)


@lru_cache(maxsize=128)
def _utm(zone_epsg: int) -> Proj:
    return Proj(f"EPSG:{zone_epsg}")


def _utm_epsg(lon: float, lat: float) -> int:
    zone = min(math.floor((lon + 180.0) / 6.0), 59) + 1
    return (32600 if lat >= 0 else 32700) + zone


def grid_convergence_deg(lon: float, lat: float, *, zone_epsg: int | None = None) -> float:
    """Return the meridian convergence at lon/lat in degrees: true north → grid north, east +.

    The zone is the UTM zone holding the point unless ``zone_epsg`` names one.
    On a zone's central meridian it is 0; east of it in the northern
    hemisphere it is positive (to first order, Δλ · sin φ).

    >>> grid_convergence_deg(45.0, 40.0)
    0.0
    >>> round(grid_convergence_deg(47.0, 40.0), 3)
    1.286
    """
    epsg = zone_epsg or _utm_epsg(lon, lat)
    value = float(_utm(epsg).get_factors(lon, lat).meridian_convergence)
    return 0.0 if abs(value) < 1e-12 else value


def to_true_bearing(
    bearing_deg: float,
    reference: str,
    *,
    at: tuple[float, float],
    declination_deg: float | None = None,
    zone_epsg: int | None = None,
) -> float:
    """Return ``bearing_deg`` (in ``reference``: true, grid or magnetic) as a true bearing.

    >>> to_true_bearing(85.0, "magnetic", at=(47.0, 40.0), declination_deg=5.0)
    90.0
    >>> to_true_bearing(350.0, "magnetic", at=(47.0, 40.0), declination_deg=15.0)
    5.0
    """
    if reference == "true":
        true = bearing_deg
    elif reference == "magnetic":
        if declination_deg is None:
            raise TraverseError(
                "Magnetic bearings need the magnetic declination (degrees east of true north, "
                "west negative), as printed on the map."
            )
        true = bearing_deg + declination_deg
    elif reference == "grid":
        true = bearing_deg + grid_convergence_deg(*at, zone_epsg=zone_epsg)
    else:
        raise TraverseError(
            f"{reference!r} is not a bearing reference; use one of {', '.join(BEARING_REFERENCES)}."
        )
    return true % 360.0


def walk_traverse(
    reference_point: tuple[float, float],
    legs: Sequence[Leg],
    *,
    approach_legs: int = 0,
    bearing_reference: str = "true",
    declination_deg: float | None = None,
) -> Traverse:
    """Walk ``legs`` from ``reference_point`` (lon, lat) on the WGS84 ellipsoid.

    The first ``approach_legs`` legs lead from the reference point to the
    first turning point of the perimeter; the others go round it.  Grid
    bearings are read in the UTM zone of the reference point, whichever zone
    a leg ends in (as on the paper map).
    """
    lon, lat = reference_point
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise TraverseError(f"The reference point ({lon}, {lat}) is not a WGS84 lon/lat.")
    if approach_legs < 0 or approach_legs > len(legs):
        raise TraverseError(
            f"approach legs must be between 0 and the number of legs ({len(legs)})."
        )
    zone = _utm_epsg(lon, lat)
    points = [(lon, lat)]
    for number, leg in enumerate(legs, start=1):
        if not (math.isfinite(leg.bearing_deg) and 0.0 <= leg.bearing_deg <= 360.0):
            raise TraverseError(
                f"Leg {number}: the bearing {leg.bearing_deg} is not between 0 and 360 degrees."
            )
        if not (math.isfinite(leg.distance_m) and leg.distance_m > 0.0):
            raise TraverseError(
                f"Leg {number}: the distance {leg.distance_m} m is not a positive number."
            )
        here = points[-1]
        azimuth = to_true_bearing(
            leg.bearing_deg,
            bearing_reference,
            at=here,
            declination_deg=declination_deg,
            zone_epsg=zone,
        )
        end_lon, end_lat, _back = _GEOD.fwd(here[0], here[1], azimuth, leg.distance_m)
        points.append((float(end_lon), float(end_lat)))
    first = points[approach_legs]
    last = points[-1]
    _a, _b, misclosure = _GEOD.inv(first[0], first[1], last[0], last[1])
    return Traverse(points=points, approach_legs=approach_legs, misclosure_m=float(misclosure))
