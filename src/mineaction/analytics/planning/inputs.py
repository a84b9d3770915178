"""What planning reads from the database, as it stood on a given day.

Everything is read once into plain columns (lists and NumPy arrays) so that
scoring, learning and simulation never go back to the database.  ``as_of``
cuts the history: a hazard recorded later, a release or a progress report
dated on or after ``as_of`` is not seen, which is what the backtest needs.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from mineaction.store.tables import (
    Accident,
    Activity,
    AdminArea,
    Hazard,
    HazardBlockage,
    LandRelease,
    Organisation,
    ProgressReport,
    Project,
    Team,
)

#: Hazards with less than this left (m²) count as finished: rounding of release polygons.
FINISHED_M2 = 1.0


@dataclass
class HazardRows:
    """The hazards open on the day, one entry per hazard in every column."""

    ids: list[int]
    references: list[str]
    districts: list[str]
    contamination: list[str]
    hazard_type: list[str]
    evidence: list[str | None]
    beneficiaries: np.ndarray
    remaining_m2: np.ndarray
    blockages: list[list[str]]
    shapes: list[BaseGeometry]

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(slots=True)
class ReportRow:
    """One progress report with what it was about."""

    day: dt.date
    method: str
    operator: str
    contamination: str | None
    area_m2: float
    team_days: float


@dataclass(slots=True)
class ReleaseRow:
    """One land release: when, where, how much, and which kind of work did it."""

    day: dt.date
    district: str
    hazard_id: int | None
    area_m2: float
    release_method: str
    activity_type: str | None
    contamination: str | None


@dataclass
class ProjectRow:
    """A development project waiting for land."""

    id: int
    name: str
    project_type: str
    priority: int
    planned_start: dt.date | None
    shape: BaseGeometry


@dataclass
class PlanningData:
    """Everything planning needs, as the database knew it on ``as_of``."""

    as_of: dt.date
    hazards: HazardRows
    reports: list[ReportRow]
    releases: list[ReleaseRow]
    projects: list[ProjectRow]
    accidents: list[tuple[dt.date, BaseGeometry]]
    #: (operator, method) → number of active teams registered.
    teams: dict[tuple[str, str], int] = field(default_factory=dict)


def load(session: Session, *, as_of: dt.date | None = None) -> PlanningData:
    """Read the planning data as it stood on the morning of ``as_of`` (default: all of it)."""
    day = as_of or _after_everything(session)
    districts = dict(session.execute(select(AdminArea.id, AdminArea.name)).all())
    operators = dict(session.execute(select(Organisation.id, Organisation.code)).all())
    releases = _releases(session, day, districts)
    hazards = _hazards(session, day, districts, releases)
    return PlanningData(
        as_of=day,
        hazards=hazards,
        reports=_reports(session, day, operators),
        releases=releases,
        projects=_projects(session),
        accidents=[
            (d, g)
            for d, g in session.execute(
                select(Accident.accident_date, Accident.geom).where(
                    Accident.accident_date < day, Accident.geom.is_not(None)
                )
            )
        ],
        teams=_teams(session, operators),
    )


def _after_everything(session: Session) -> dt.date:
    """Return the day after the last dated record: 'now' for the data, not the clock."""
    last = max(
        (
            d
            for d in (
                session.scalar(
                    select(ProgressReport.report_date)
                    .order_by(ProgressReport.report_date.desc())
                    .limit(1)
                ),
                session.scalar(
                    select(LandRelease.release_date)
                    .order_by(LandRelease.release_date.desc())
                    .limit(1)
                ),
                session.scalar(
                    select(Hazard.recorded_date).order_by(Hazard.recorded_date.desc()).limit(1)
                ),
            )
            if d is not None
        ),
        default=dt.date.today() - dt.timedelta(days=1),
    )
    return last + dt.timedelta(days=1)


def _releases(session: Session, day: dt.date, districts: dict[int, str]) -> list[ReleaseRow]:
    rows = session.execute(
        select(
            LandRelease.release_date,
            LandRelease.admin_area_id,
            LandRelease.hazard_id,
            LandRelease.area_m2,
            LandRelease.method,
            Activity.activity_type,
            Hazard.contamination,
            Hazard.admin_area_id,
        )
        .outerjoin(Activity, Activity.id == LandRelease.activity_id)
        .outerjoin(Hazard, Hazard.id == LandRelease.hazard_id)
        .order_by(LandRelease.release_date, LandRelease.id)
    )
    return [
        ReleaseRow(
            day=d,
            district=districts.get(area or hazard_area or -1, "unknown"),
            hazard_id=hazard_id,
            area_m2=float(m2),
            release_method=method,
            activity_type=activity_type,
            contamination=contamination,
        )
        for d, area, hazard_id, m2, method, activity_type, contamination, hazard_area in rows
    ]


def _hazards(
    session: Session, day: dt.date, districts: dict[int, str], releases: list[ReleaseRow]
) -> HazardRows:
    released_before: dict[int, float] = defaultdict(float)
    for r in releases:
        if r.hazard_id is not None and r.day < day:
            released_before[r.hazard_id] += r.area_m2
    blocked: dict[int, list[str]] = defaultdict(list)
    for hazard_id, blockage in session.execute(
        select(HazardBlockage.hazard_id, HazardBlockage.blockage).order_by(HazardBlockage.id)
    ):
        blocked[hazard_id].append(blockage)
    columns = (
        Hazard.id,
        Hazard.reference,
        Hazard.admin_area_id,
        Hazard.contamination,
        Hazard.hazard_type,
        Hazard.evidence,
        Hazard.expected_beneficiaries,
        Hazard.area_m2,
        Hazard.released_m2,
        Hazard.status,
        Hazard.closed_date,
    )
    keep = []
    for row in session.execute(
        select(*columns).where(Hazard.recorded_date < day).order_by(Hazard.id)
    ):
        remaining = max(row.area_m2 - released_before[row.id], 0.0)
        if row.closed_date is not None and row.closed_date < day:
            continue
        if row.status != "open" and row.closed_date is None:
            continue  # closed without a date: it cannot be placed in time, so it is not work
        if remaining >= FINISHED_M2:
            keep.append((row, remaining))
    shapes = _shapes(session, [(row.id, _now(row, m2)) for row, m2 in keep])
    return HazardRows(
        ids=[h.id for h, _ in keep],
        references=[h.reference for h, _ in keep],
        districts=[districts.get(h.admin_area_id or -1, "unknown") for h, _ in keep],
        contamination=[h.contamination for h, _ in keep],
        hazard_type=[h.hazard_type for h, _ in keep],
        evidence=[h.evidence for h, _ in keep],
        beneficiaries=np.array([float(h.expected_beneficiaries or 0) for h, _ in keep]),
        remaining_m2=np.array([m2 for _, m2 in keep], dtype=float),
        blockages=[blocked.get(h.id, []) for h, _ in keep],
        shapes=shapes,
    )


def _now(row: Any, remaining: float) -> bool:
    """Tell whether the stored remaining shape is the shape on the day asked for."""
    stored = max(row.area_m2 - row.released_m2, 0.0)
    return math.isclose(stored, remaining, rel_tol=1e-6, abs_tol=1.0)


def _shapes(session: Session, wanted: list[tuple[int, bool]]) -> list[BaseGeometry]:
    """Return each hazard's shape: the remaining one when it is today's, else the recorded one.

    Read for the hazards planning keeps only, a few thousand at a time.
    """
    found: dict[int, BaseGeometry] = {}
    ids = [hazard_id for hazard_id, _ in wanted]
    current = dict(wanted)
    for start in range(0, len(ids), 5_000):
        chunk = ids[start : start + 5_000]
        for hazard_id, geom, remaining in session.execute(
            select(Hazard.id, Hazard.geom, Hazard.remaining_geom).where(Hazard.id.in_(chunk))
        ):
            found[hazard_id] = remaining if remaining is not None and current[hazard_id] else geom
    return [found[hazard_id] for hazard_id in ids]


def _reports(session: Session, day: dt.date, operators: dict[int, str]) -> list[ReportRow]:
    rows = session.execute(
        select(
            ProgressReport.report_date,
            Activity.activity_type,
            Activity.organisation_id,
            Hazard.contamination,
            ProgressReport.area_m2,
            ProgressReport.team_days,
        )
        .join(Activity, Activity.id == ProgressReport.activity_id)
        .outerjoin(Hazard, Hazard.id == Activity.hazard_id)
        .where(ProgressReport.report_date < day)
        .order_by(ProgressReport.report_date, ProgressReport.id)
    )
    return [
        ReportRow(d, method, operators.get(org, "unknown"), cont, float(m2), float(td))
        for d, method, org, cont, m2, td in rows
    ]


def _projects(session: Session) -> list[ProjectRow]:
    return [
        ProjectRow(p.id, p.name, p.project_type, p.priority, p.planned_start, p.geom)
        for p in session.scalars(select(Project).order_by(Project.priority, Project.id))
    ]


def _teams(session: Session, operators: dict[int, str]) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for org, capability in session.execute(
        select(Team.organisation_id, Team.capability).where(Team.active.is_(True))
    ):
        counts[(operators.get(org, "unknown"), capability)] += 1
    return dict(counts)


def to_metres(shapes: list[BaseGeometry], lat0: float) -> list[BaseGeometry]:
    """Project WGS84 shapes to a plane in metres, equirectangular about latitude ``lat0``.

    Good to a fraction of a percent over a country the size of Azerbaijan, which is
    all that buffers of a few hundred metres and distances to accidents need.
    """
    kx, ky = 111_320.0 * math.cos(math.radians(lat0)), 110_574.0
    scale = np.array([kx, ky])
    return [shapely.transform(s, lambda c: c * scale) for s in shapes]


def middle_latitude(shapes: list[BaseGeometry]) -> float:
    """Return the mean latitude of the shapes' centroids (0 when there are none)."""
    return float(np.mean([s.centroid.y for s in shapes])) if shapes else 0.0
