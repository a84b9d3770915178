"""The land-release ledger (IMAS 07.11): each square metre is released once.

``apply_release`` is a pure function: given a hazard's recorded shape, what
is left of it and how much has been released, it decides how much of a new
release counts, what remains afterwards, or refuses the release with a
reason.  Invariants it keeps (and the property tests check):

- the counted part of a release lies inside the hazard and inside what was
  still unreleased, so overlapping releases are never counted twice;
- released area never exceeds the hazard's recorded area, even when some
  releases are reported as a bare number without a polygon;
- remaining shape = recorded shape minus every released polygon.
"""

from __future__ import annotations

from dataclasses import dataclass

import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from mineaction.errors import LedgerError, Problem
from mineaction.geo.areas import geodesic_area_m2, m2_to_ha

#: A release may poke out of its hazard by this share of its own area
#: (digitising differences), but no further.
OUTSIDE_TOLERANCE = 0.01
#: Areas below this many m² are rounding noise, not land.
NOISE_M2 = 0.5
#: Geodesic areas of pieces cut in degrees differ from the whole by up to
#: ~1e-5 of it (geodesic edges vs straight cuts): comparisons allow 0.01 %.
AREA_TOLERANCE = 1e-4


#: How far a reported area may be from its polygon's before the difference is flagged.
REPORTED_AREA_TOLERANCE = 0.05


def reported_area_gap(polygon_m2: float, reported_m2: float | None) -> float | None:
    """Return how far (as a fraction of the polygon's area) a reported area is off, if too far.

    The polygon's area is what counts; a report more than 5 % off it is flagged.

    >>> reported_area_gap(10_000.0, 10_400.0) is None
    True
    >>> round(reported_area_gap(10_000.0, 12_000.0), 2)
    0.2
    """
    if reported_m2 is None or polygon_m2 <= 0:
        return None
    gap = abs(reported_m2 - polygon_m2) / polygon_m2
    return gap if gap > REPORTED_AREA_TOLERANCE else None


def slack_m2(area_m2: float) -> float:
    """Return how far two area sums of a hazard of ``area_m2`` may differ and still agree."""
    return max(NOISE_M2, AREA_TOLERANCE * area_m2)


@dataclass(frozen=True)
class HazardLedger:
    """What the ledger needs to know about a hazard."""

    reference: str
    geom: BaseGeometry
    remaining_geom: BaseGeometry
    area_m2: float
    released_m2: float

    @property
    def remaining_m2(self) -> float:
        """Area not yet released, in m²."""
        return max(self.area_m2 - self.released_m2, 0.0)


@dataclass(frozen=True)
class ReleaseOutcome:
    """How much of a release counts and what the hazard looks like afterwards."""

    counted_geom: MultiPolygon | None
    counted_m2: float
    overlap_m2: float
    outside_m2: float
    remaining_geom: MultiPolygon
    released_m2: float

    def closes(self, hazard_area_m2: float) -> bool:
        """Tell whether the hazard is fully released after this release."""
        return hazard_area_m2 - self.released_m2 <= slack_m2(hazard_area_m2)


def polygonal(geom: BaseGeometry | None) -> MultiPolygon:
    """Return the polygon parts of ``geom`` as one MultiPolygon (slivers of lines dropped)."""
    if geom is None or geom.is_empty:
        return MultiPolygon()
    parts = shapely.get_parts(geom)
    polys: list[Polygon] = []
    for part in parts:
        if isinstance(part, Polygon) and not part.is_empty:
            polys.append(part)
        elif isinstance(part, MultiPolygon):
            polys.extend(p for p in part.geoms if not p.is_empty)
        elif part.geom_type == "GeometryCollection":
            polys.extend(polygonal(part).geoms)
    return MultiPolygon(polys)


def apply_release(
    hazard: HazardLedger,
    *,
    geom: BaseGeometry | None = None,
    reported_m2: float | None = None,
    outside_tolerance: float = OUTSIDE_TOLERANCE,
) -> ReleaseOutcome:
    """Decide how a release of ``geom`` (or of ``reported_m2`` alone) changes ``hazard``.

    Raises LedgerError, and changes nothing, when the release lies outside the
    hazard, releases land already released, or would release more than remains.
    """
    if geom is None:
        return _apply_reported_area(hazard, reported_m2)
    release_m2 = geodesic_area_m2(geom)
    if release_m2 <= NOISE_M2:
        _refuse(
            hazard,
            f"The released polygon for hazard {hazard.reference} has no area "
            f"({release_m2:.2f} m²).",
            "Draw the released land as a polygon, or give its area in m² instead.",
        )
    outside = polygonal(shapely.difference(geom, hazard.geom))
    outside_m2 = geodesic_area_m2(outside)
    if outside_m2 > max(NOISE_M2, outside_tolerance * release_m2):
        _refuse(
            hazard,
            f"The release extends {m2_to_ha(outside_m2):,.2f} ha outside hazard "
            f"{hazard.reference} ({outside_m2 / release_m2:.0%} of the release).",
            "Redraw the released polygon inside the hazard's boundary, or correct the "
            "hazard's shape first if the survey found it larger.",
        )
    counted = polygonal(shapely.intersection(geom, hazard.remaining_geom))
    counted_m2 = geodesic_area_m2(counted)
    inside_m2 = geodesic_area_m2(polygonal(shapely.intersection(geom, hazard.geom)))
    overlap_m2 = max(inside_m2 - counted_m2, 0.0)
    if counted_m2 <= NOISE_M2:
        _refuse(
            hazard,
            f"All of this land in hazard {hazard.reference} was released before; "
            "nothing new would be released.",
            "Check that the release is not a duplicate of an earlier one.",
        )
    if counted_m2 > hazard.remaining_m2 + slack_m2(hazard.area_m2):
        _refuse(
            hazard,
            f"The release would count {m2_to_ha(counted_m2):,.2f} ha, but only "
            f"{m2_to_ha(hazard.remaining_m2):,.2f} ha of hazard {hazard.reference} remain "
            "unreleased (some releases were reported as a number without a polygon).",
            "Give the earlier releases their polygons, or report this one's area only.",
        )
    remaining = polygonal(shapely.difference(hazard.remaining_geom, geom))
    counted_m2 = min(counted_m2, hazard.remaining_m2)  # within the slack: the rest is rounding
    return ReleaseOutcome(
        counted_geom=counted,
        counted_m2=counted_m2,
        overlap_m2=overlap_m2,
        outside_m2=outside_m2,
        remaining_geom=remaining,
        released_m2=min(hazard.released_m2 + counted_m2, hazard.area_m2),
    )


def _apply_reported_area(hazard: HazardLedger, reported_m2: float | None) -> ReleaseOutcome:
    if reported_m2 is None or reported_m2 <= 0:
        _refuse(
            hazard,
            "A release needs a polygon or a reported area greater than zero.",
            "Give the released polygon (WKT) or the area in m².",
        )
        raise AssertionError("unreachable")  # pragma: no cover - _refuse raises
    if reported_m2 > hazard.remaining_m2 + slack_m2(hazard.area_m2):
        _refuse(
            hazard,
            f"The release reports {m2_to_ha(reported_m2):,.2f} ha, but only "
            f"{m2_to_ha(hazard.remaining_m2):,.2f} ha of hazard {hazard.reference} remain "
            "unreleased.",
            "Check the reported area (m², not hectares?) and the hazard it belongs to.",
        )
    return ReleaseOutcome(
        counted_geom=None,
        counted_m2=min(reported_m2, hazard.remaining_m2),
        overlap_m2=0.0,
        outside_m2=0.0,
        remaining_geom=polygonal(hazard.remaining_geom),
        released_m2=min(hazard.released_m2 + reported_m2, hazard.area_m2),
    )


def _refuse(hazard: HazardLedger, message: str, hint: str) -> None:
    raise LedgerError(
        message,
        hint=hint,
        problems=[Problem(reason=message, field="geometry", value=hazard.reference, hint=hint)],
    )
