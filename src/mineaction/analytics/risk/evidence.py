"""The evidence the database holds, as arrays of geometries: one query per kind, never per cell.

Findings and accidents are points, minefield records, hazards and land
releases polygons.  ``before`` keeps only what was known before a date (for
a temporal backtest): findings found, accidents that happened, records
received, hazards recorded and land released before it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from mineaction.store.tables.casualties import Accident
from mineaction.store.tables.operations import Finding, Hazard, LandRelease
from mineaction.store.tables.records import MinefieldRecord

__all__ = ["Evidence", "load_evidence"]


@dataclass
class Layer:
    """Geometries (WGS84) with the date each became known and an optional tag."""

    geoms: NDArray[np.object_]
    dates: NDArray[np.datetime64]
    tags: NDArray[np.object_] = field(default_factory=lambda: np.array([], dtype=object))

    @classmethod
    def of(
        cls,
        rows: list[tuple[BaseGeometry | None, dt.date, str | None]],
    ) -> Layer:
        rows = [r for r in rows if r[0] is not None and not r[0].is_empty]
        return cls(
            geoms=np.array([r[0] for r in rows], dtype=object),
            dates=np.array([r[1] for r in rows], dtype="datetime64[D]"),
            tags=np.array([r[2] or "" for r in rows], dtype=object),
        )

    def known_before(self, day: dt.date | None) -> Layer:
        """Return the part of the layer dated before ``day`` (all of it for None)."""
        if day is None:
            return self
        keep = self.dates < np.datetime64(day, "D")
        return Layer(self.geoms[keep], self.dates[keep], self.tags[keep])

    def __len__(self) -> int:
        return len(self.geoms)


@dataclass
class Evidence:
    """Every kind of evidence the grid's features and labels are computed from."""

    findings: Layer
    accidents: Layer
    minefield_records: Layer
    hazards: Layer
    releases: Layer

    def known_before(self, day: dt.date | None) -> Evidence:
        """Return the evidence as it stood before ``day``."""
        return Evidence(
            findings=self.findings.known_before(day),
            accidents=self.accidents.known_before(day),
            minefield_records=self.minefield_records.known_before(day),
            hazards=self.hazards.known_before(day),
            releases=self.releases.known_before(day),
        )

    def extent(self) -> BaseGeometry | None:
        """Return the bounding box of all evidence, or None when there is none."""
        everything = np.concatenate(
            [
                layer.geoms
                for layer in (
                    self.findings,
                    self.accidents,
                    self.minefield_records,
                    self.hazards,
                    self.releases,
                )
            ]
        )
        if len(everything) == 0:
            return None
        return shapely.box(*shapely.total_bounds(everything))


def load_evidence(session: Session) -> Evidence:
    """Read every finding, accident, minefield record, hazard and land release with a geometry."""
    findings = session.execute(select(Finding.geom, Finding.found_date, Finding.category)).all()
    accidents = session.execute(
        select(Accident.geom, Accident.accident_date, Accident.device_category)
    ).all()
    records = session.execute(
        select(MinefieldRecord.geom, MinefieldRecord.received_date, MinefieldRecord.reference)
    ).all()
    hazards = session.execute(select(Hazard.geom, Hazard.recorded_date, Hazard.reference)).all()
    releases = session.execute(
        select(LandRelease.geom, LandRelease.release_date, LandRelease.method)
    ).all()
    return Evidence(
        findings=Layer.of([tuple(r) for r in findings]),
        accidents=Layer.of([tuple(r) for r in accidents]),
        minefield_records=Layer.of([tuple(r) for r in records]),
        hazards=Layer.of([tuple(r) for r in hazards]),
        releases=Layer.of([tuple(r) for r in releases]),
    )
