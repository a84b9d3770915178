"""What a verification returns: one data object, rendered to JSON, GeoJSON and GeoPackage.

``Verification.as_dict`` is the JSON contract of docs/minefield-records.md
(pinned by a test): ``summary`` and ``records`` with exactly the keys of the
issue, then ``parameters``, ``outside_distances`` and ``proposed_areas``.
``layers`` gives the same figures as GIS layers for the export writers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from mineaction.analytics.verification.rules import CLASSES, Evidence, Rules
from mineaction.intake.export.base import Feature, Field, Layer

__all__ = [
    "SUMMARY_KEYS",
    "Distances",
    "OutsideEvents",
    "ProposedArea",
    "RecordResult",
    "Verification",
]

SUMMARY_KEYS = (
    "records",
    "verified",
    "accurate",
    "partially_accurate",
    "inaccurate",
    "unverified",
    "accurate_share",
    "accidents",
    "accidents_outside_records",
    "accidents_outside_records_share",
    "accidents_outside_records_and_hazards",
    "findings",
    "findings_outside_records",
)
#: The kinds of event outside the records, by ``OutsideEvents.kind_code``.
KINDS = np.array(["finding", "accident"], dtype=object)
RECORD_KEYS = (
    "id",
    "class",
    "coverage_share",
    "expected_ap",
    "expected_at",
    "found_ap",
    "found_at",
    "findings_inside",
    "findings_buffer",
    "accidents_inside",
    "reason",
)


def _share(part: int, whole: int) -> float | None:
    """Return part/whole rounded to 4 decimals, or None when there is no whole."""
    return round(part / whole, 4) if whole else None


@dataclass
class RecordResult:
    """One record's verification."""

    record_id: int
    reference: str
    klass: str
    reason: str
    evidence: Evidence
    findings_inside: int
    findings_buffer: int
    area_m2: float
    geom: BaseGeometry

    def as_dict(self) -> dict[str, Any]:
        """Return the record's entry of the JSON contract."""
        e = self.evidence
        return {
            "id": self.reference,
            "class": self.klass,
            "coverage_share": round(e.coverage_share, 4),
            "expected_ap": e.expected_ap,
            "expected_at": e.expected_at,
            "found_ap": e.found_ap,
            "found_at": e.found_at,
            "findings_inside": self.findings_inside,
            "findings_buffer": self.findings_buffer,
            "accidents_inside": e.accidents_inside,
            "reason": self.reason,
        }


@dataclass
class OutsideEvents:
    """Findings and accidents outside every record (beyond the buffer), as arrays.

    Each event's kind is "finding" or "accident"; ``nearest`` the reference of the
    nearest record and ``distance_m`` the distance to its perimeter;
    ``in_hazard`` whether the event lies within the buffer of a known hazard.
    Kinds and categories are kept as codes (``kind_code`` a position in
    ``KINDS``, ``category_code`` in ``category_labels``): no Python object
    per event until a layer is written.
    """

    kind_code: npt.NDArray[np.int8]
    ids: npt.NDArray[np.int64]
    category_code: npt.NDArray[np.int64]
    category_labels: npt.NDArray[np.object_]
    quantity: npt.NDArray[np.int64]
    day: npt.NDArray[np.int64]
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    nearest: npt.NDArray[np.object_]
    distance_m: npt.NDArray[np.float64]
    in_hazard: npt.NDArray[np.bool_]

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def kind(self) -> npt.NDArray[np.object_]:
        """Return each event's kind: "finding" or "accident"."""
        return KINDS[self.kind_code]

    @property
    def category(self) -> npt.NDArray[np.object_]:
        """Return each event's category (of finding, or of the device of an accident)."""
        return self.category_labels[self.category_code]

    def features(self) -> Iterator[Feature]:
        """Yield one feature per event, with its nearest record and the distance to it."""
        for i in range(len(self)):
            d = float(self.distance_m[i])
            yield Feature(
                {
                    "kind": KINDS[self.kind_code[i]],
                    "event_id": int(self.ids[i]),
                    "category": self.category_labels[self.category_code[i]],
                    "quantity": int(self.quantity[i]),
                    "date": dt.date.fromordinal(int(self.day[i])),
                    "nearest_record": self.nearest[i],
                    "distance_m": None if np.isnan(d) else round(d, 1),
                    "in_hazard": "yes" if self.in_hazard[i] else "no",
                },
                Point(float(self.lon[i]), float(self.lat[i])),
            )


@dataclass(frozen=True)
class Distances:
    """How far the findings outside every record lie from the nearest one (metres)."""

    count: int
    median_m: float | None
    p90_m: float | None
    max_m: float | None
    within_500_m: int
    within_1000_m: int
    within_5000_m: int

    @classmethod
    def of(cls, distances: npt.NDArray[np.float64]) -> Distances:
        """Return the summary of ``distances`` (NaN: no record to measure to)."""
        d = distances[np.isfinite(distances)]
        if len(d) == 0:
            return cls(len(distances), None, None, None, 0, 0, 0)
        return cls(
            count=len(distances),
            median_m=round(float(np.median(d)), 1),
            p90_m=round(float(np.percentile(d, 90)), 1),
            max_m=round(float(d.max()), 1),
            within_500_m=int(np.count_nonzero(d <= 500)),
            within_1000_m=int(np.count_nonzero(d <= 1000)),
            within_5000_m=int(np.count_nonzero(d <= 5000)),
        )

    def as_dict(self) -> dict[str, Any]:
        """Return the summary as a JSON-ready dict."""
        return dict(self.__dict__)


@dataclass
class ProposedArea:
    """A cluster of finds and accidents outside every record and hazard: survey it."""

    number: int
    findings: int
    mines: int
    accidents: int
    first_date: dt.date
    last_date: dt.date
    area_m2: float
    district: str | None
    geom: BaseGeometry

    @property
    def reference(self) -> str:
        """Return the name the proposal goes by (it is not a hazard until surveyed)."""
        return f"PROPOSED-SHA-{self.number:03d}"

    def as_dict(self) -> dict[str, Any]:
        """Return the proposal as a JSON-ready dict (centre as [lon, lat])."""
        centre = self.geom.centroid
        return {
            "id": self.reference,
            "findings": self.findings,
            "mines": self.mines,
            "accidents": self.accidents,
            "first_date": self.first_date.isoformat(),
            "last_date": self.last_date.isoformat(),
            "area_ha": round(self.area_m2 / 10_000, 1),
            "district": self.district,
            "centre": [round(centre.x, 6), round(centre.y, 6)],
        }


@dataclass
class Verification:
    """Every record's verification and the national picture, for one period and rules."""

    start: dt.date | None
    end: dt.date | None
    rules: Rules
    records: list[RecordResult]
    findings: int
    findings_outside: int
    accidents: int
    accidents_outside: int
    accidents_outside_hazards: int
    distances: Distances
    outside: OutsideEvents
    proposed: list[ProposedArea] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Return the number of records in each class."""
        counts = dict.fromkeys(CLASSES, 0)
        for r in self.records:
            counts[r.klass] += 1
        return counts

    def summary(self) -> dict[str, Any]:
        """Return the summary of the JSON contract."""
        counts = self.counts()
        verified = len(self.records) - counts["unverified"]
        return {
            "records": len(self.records),
            "verified": verified,
            **counts,
            "accurate_share": _share(counts["accurate"], verified),
            "accidents": self.accidents,
            "accidents_outside_records": self.accidents_outside,
            "accidents_outside_records_share": _share(self.accidents_outside, self.accidents),
            "accidents_outside_records_and_hazards": self.accidents_outside_hazards,
            "findings": self.findings,
            "findings_outside_records": self.findings_outside,
        }

    def as_dict(self) -> dict[str, Any]:
        """Return the verification in the JSON contract of docs/minefield-records.md."""
        return {
            "summary": self.summary(),
            "records": [r.as_dict() for r in self.records],
            "parameters": {
                "from": self.start.isoformat() if self.start else None,
                "to": self.end.isoformat() if self.end else None,
                **self.rules.as_dict(),
            },
            "outside_distances": self.distances.as_dict(),
            "proposed_areas": [p.as_dict() for p in self.proposed],
        }

    def records_layer(self) -> Layer:
        """Return the records with their class and figures, the perimeter as geometry."""
        fields = [
            Field("id"),
            Field("class"),
            Field("coverage_share", "real"),
            Field("expected_ap", "int"),
            Field("expected_at", "int"),
            Field("found_ap", "int"),
            Field("found_at", "int"),
            Field("findings_inside", "int"),
            Field("findings_buffer", "int"),
            Field("accidents_inside", "int"),
            Field("area_ha", "real"),
            Field("reason"),
        ]
        features = (
            Feature({**r.as_dict(), "area_ha": round(r.area_m2 / 10_000, 2)}, r.geom)
            for r in self.records
        )
        return Layer(
            name="record_verification",
            fields=fields,
            features=features,
            geometry_type="MultiPolygon",
            description="Minefield records coloured by verification class "
            "(accurate, partially_accurate, inaccurate, unverified)",
        )

    def outside_layer(self) -> Layer:
        """Return the finds and accidents outside every record, with the nearest record."""
        return Layer(
            name="outside_records",
            fields=[
                Field("kind"),
                Field("event_id", "int"),
                Field("category"),
                Field("quantity", "int"),
                Field("date", "date"),
                Field("nearest_record"),
                Field("distance_m", "real"),
                Field("in_hazard"),
            ],
            features=self.outside.features(),
            geometry_type="Point",
            description="Mine finds and mine accidents outside every minefield record, with "
            "the distance to the nearest record",
        )

    def proposed_layer(self) -> Layer:
        """Return the proposed suspected hazardous areas as polygons."""
        from mineaction.domain.ledger import polygonal

        names = ["id", "findings", "mines", "accidents", "first_date", "last_date", "area_ha"]
        fields = [
            Field("id"),
            Field("findings", "int"),
            Field("mines", "int"),
            Field("accidents", "int"),
            Field("first_date", "date"),
            Field("last_date", "date"),
            Field("area_ha", "real"),
            Field("district"),
        ]
        features = (
            Feature(
                {
                    **{n: p.as_dict()[n] for n in names},
                    "first_date": p.first_date,
                    "last_date": p.last_date,
                    "district": p.district,
                },
                polygonal(p.geom),
            )
            for p in self.proposed
        )
        return Layer(
            name="proposed_areas",
            fields=fields,
            features=features,
            geometry_type="MultiPolygon",
            description="Clusters of mine finds and accidents outside every record and every "
            "known hazard: proposed suspected hazardous areas for survey",
        )
