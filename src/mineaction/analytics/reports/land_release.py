"""``land-release``: released and remaining contaminated area by district and status, per hazard.

"Released to date" counts every approved release up to the end of the period;
"remaining" is each hazard's recorded area minus what was released from it
by then (never below zero), for the hazards recorded by the end of the period.
Hazard status is the current one.  The per-hazard list (no positions: public
output never shows where a live hazard lies) covers the hazards worked in the
period, most land released first (compared to 0.01 m²; ties by reference).

The district sums come from the report roll-ups (``operations_sums.py``); the
per-hazard sums from one pass over the releases up to the end of the period,
which the index ``ix_land_releases_hazard_report`` answers on its own; the
hazards are read once and tallied here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Collection
from typing import Any, NamedTuple

from sqlalchemy import Select, Subquery, case, func, select
from sqlalchemy.orm import Session

from mineaction.analytics.geography import district_areas
from mineaction.analytics.reports import labels as T
from mineaction.analytics.reports.base import (
    Data,
    ReportSpec,
    approved,
    district_names,
    ha,
    period,
)
from mineaction.analytics.reports.operations_sums import release_sums
from mineaction.analytics.reports.params import ReportParams
from mineaction.domain.vocab import HAZARD_STATUS
from mineaction.render.document import Chart, Column, DistrictMap, Paragraph, Section, Series, Table
from mineaction.store.tables import Hazard, HazardReleaseRollup, LandRelease

METHODS = ("cancelled", "reduced", "cleared")
#: The document lists at most this many hazards (the data object has them all).
HAZARD_ROWS = 100


class HazardRow(NamedTuple):
    """One hazard as the reports tally it, with what was released from it under the params."""

    id: int
    reference: str
    admin_area_id: int | None
    status: str
    area_m2: float
    #: Recorded by the end of the period (the hazards the tallies count).
    recorded: bool
    releases_in_period: int
    released_in_period_m2: float
    released_to_date_m2: float
    #: The recorded area less what was released by the end of the period, never below 0.
    remaining_m2: float


def released_per_hazard(session: Session, params: ReportParams) -> Subquery:
    """Return a subquery of each hazard's releases' sums under ``params``.

    Columns: ``hazard_id``, ``releases`` (in the period), ``in_period_m2`` and
    ``to_date_m2``, for the hazards released from by the end of the period.
    When the period holds every release recorded, these are the all-time sums
    of ``hazard_release_rollup``; otherwise one grouped pass over the releases
    up to ``date_to``, in hazard order, which the index
    ``ix_land_releases_hazard_report`` answers on its own.
    """
    # Two statements: SQLite reads a min() or a max() alone from the date index's ends.
    first = session.scalar(select(func.min(LandRelease.release_date)))
    last = session.scalar(select(func.max(LandRelease.release_date)))
    if (
        first is not None
        and last is not None
        and params.date_from <= first <= last <= params.date_to
    ):
        r = HazardReleaseRollup
        if not params.include_unapproved:
            # One roll-up row per hazard: a plain subquery, which the database folds into
            # the join as a primary-key lookup per hazard.
            return (
                select(
                    r.member_id.label("hazard_id"),
                    r.records.label("releases"),
                    r.area_m2.label("in_period_m2"),
                    r.area_m2.label("to_date_m2"),
                )
                .where(r.dimension == "hazard", r.approval == "approved")
                .subquery()
            )
        return (
            select(
                r.member_id.label("hazard_id"),
                func.sum(r.records).label("releases"),
                func.sum(r.area_m2).label("in_period_m2"),
                func.sum(r.area_m2).label("to_date_m2"),
            )
            .where(r.dimension == "hazard", r.member_id != 0, approved(r, params))
            .group_by(r.member_id)
            .subquery()
        )
    in_period = LandRelease.release_date >= params.date_from
    return (
        select(
            LandRelease.hazard_id,
            func.sum(case((in_period, 1), else_=0)).label("releases"),
            func.sum(case((in_period, LandRelease.area_m2), else_=0.0)).label("in_period_m2"),
            func.sum(LandRelease.area_m2).label("to_date_m2"),
        )
        .where(
            LandRelease.hazard_id.is_not(None),
            approved(LandRelease, params),
            LandRelease.release_date <= params.date_to,
        )
        .group_by(LandRelease.hazard_id)
        .subquery()
    )


def hazard_query(
    session: Session, params: ReportParams, contamination: Collection[str] | None = None
) -> Select:
    """Return the SELECT of the hazards counted under ``params`` (any recorded date).

    Columns: id, reference, district id, status, area (m²), whether the hazard
    was recorded by the end of the period, then its releases in the period,
    m² released in the period and m² released to date (0 when none).
    ``contamination`` keeps only hazards of those kinds of contamination.
    """
    released = released_per_hazard(session, params)
    query = (
        select(
            Hazard.id,
            Hazard.reference,
            Hazard.admin_area_id,
            Hazard.status,
            Hazard.area_m2,
            # 1 or 0 rather than a boolean: no conversion per row on the way out.
            case((Hazard.recorded_date <= params.date_to, 1), else_=0),
            func.coalesce(released.c.releases, 0),
            func.coalesce(released.c.in_period_m2, 0.0),
            func.coalesce(released.c.to_date_m2, 0.0),
        )
        .outerjoin(released, released.c.hazard_id == Hazard.id)
        .where(approved(Hazard, params))
    )
    if contamination is not None:
        query = query.where(Hazard.contamination.in_(tuple(contamination)))
    return query


def hazard_rows(
    session: Session, params: ReportParams, *, contamination: Collection[str] | None = None
) -> list[HazardRow]:
    """Return the hazards counted under ``params`` (any recorded date), with their releases."""
    out = []
    query = hazard_query(session, params, contamination)
    for i, ref, area, status, m2, recorded, n, now, done in session.connection().execute(query):
        left = m2 - done
        out.append(
            HazardRow(
                i, ref, area, status, m2, bool(recorded), n, now, done, left if left > 0 else 0.0
            )
        )
    return out


#: A hazard of the per-hazard list, ready to sort: (-m² released in the period to 0.01 m²,
#: reference, district id, status, area, m² released in the period, m² released to date,
#: m² remaining).
Worked = tuple[float, str, int | None, str, float, float, float, float]


def compute(session: Session, params: ReportParams) -> Data:
    """Return released and remaining area of the period by district, status and hazard.

    The hazards are read once: each adds to its district's and its status's
    tally (when recorded by the end of the period) and, when released from in
    the period, to the per-hazard list. Tens of thousands of hazards for a full
    history, so the loop keeps to tuples and lists.
    """
    districts: dict[int | None, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for _dim, area, method, _day, m2 in release_sums(session, params, dimensions=("district",)):
        districts[area][method] += float(m2 or 0)
    since_ever = dataclasses.replace(params, date_from=dt.date.min, group_by=None)
    for _dim, area, _method, _day, m2 in release_sums(
        session, since_ever, dimensions=("district",)
    ):
        districts[area]["to_date"] += float(m2 or 0)
    # [hazards, area m², remaining m²] per district and per status.
    by_area: dict[int | None, list[float]] = {}
    by_status: dict[str, list[float]] = {}
    worked: list[Worked] = []
    query = hazard_query(session, params)
    for _i, ref, area, status, m2, recorded, n, now, done in session.connection().execute(query):
        left = m2 - done
        if not left > 0:
            left = 0.0
        if recorded:
            for t in (
                by_area.get(area) or by_area.setdefault(area, [0, 0.0, 0.0]),
                by_status.get(status) or by_status.setdefault(status, [0, 0.0, 0.0]),
            ):
                t[0] += 1
                t[1] += m2
                t[2] += left
        if n:
            # Sorted on the m² to the centimetre: two sums of the same releases added in
            # another order (a roll-up, another backend) then sort the same way.
            worked.append((-round(now, 2), ref, area, status, m2, now, done, left))
    for area, (count, area_m2, remaining) in by_area.items():
        districts[area].update(hazards=count, area=area_m2, remaining=remaining)
    names = district_names(session, set(districts) | {w[2] for w in worked})

    def figures(t: dict[str, float]) -> dict[str, Any]:
        parts = {f"{m}_ha": ha(t[m]) for m in METHODS}
        return {
            **parts,
            "released_ha": round(sum(parts.values()), 1),
            "released_to_date_ha": ha(t["to_date"]),
            "hazards": int(t["hazards"]),
            "hazard_area_ha": ha(t["area"]),
            "remaining_ha": ha(t["remaining"]),
        }

    total: dict[str, float] = defaultdict(float)
    for tally in districts.values():
        for key, value in tally.items():
            total[key] += value
    return {
        "period": period(params),
        "totals": figures(total),
        "by_district": sorted(
            (
                {"district": None if a is None else names[a].en, **figures(t)}
                for a, t in districts.items()
            ),
            key=lambda r: (r["district"] is None, r["district"] or ""),
        ),
        "by_status": [
            {"status": s, "hazards": int(n), "area_ha": ha(m2), "remaining_ha": ha(left)}
            for s, (n, m2, left) in sorted(by_status.items())
        ],
        "hazards": _worked(worked, names),
    }


def _worked(worked: list[Worked], names: dict[int | None, Any]) -> list[dict[str, Any]]:
    """Return the progress of each hazard released from in the period, most released first.

    Hectares are rounded inline (as ``ha`` does) rather than through a call each.
    """
    worked.sort()  # by m² released in the period (most first), then reference (unique)
    district = {a: None if a is None else n.en for a, n in names.items()}
    return [
        {
            "hazard": ref,
            "district": district[area],
            "status": status,
            "area_ha": round(m2 / 10_000, 1),
            "released_in_period_ha": round(now / 10_000, 1),
            "released_to_date_ha": round(done / 10_000, 1),
            "remaining_ha": round(left / 10_000, 1),
            "progress_percent": round(100 * min(done / m2, 1.0), 1) if m2 else None,
        }
        for _key, ref, area, status, m2, now, done, left in worked
    ]


def sections(session: Session, data: Data, params: ReportParams) -> list[Section]:
    """Return the land-release document's sections."""
    columns = [
        Column("district", T.DISTRICT),
        Column("cancelled_ha", T.CANCELLED, "ha", T.HA),
        Column("reduced_ha", T.REDUCED, "ha", T.HA),
        Column("cleared_ha", T.CLEARED, "ha", T.HA),
        Column("released_ha", T.RELEASED_PERIOD, "ha", T.HA),
        Column("released_to_date_ha", T.RELEASED_TOTAL, "ha", T.HA),
        Column("hazards", T.HAZARD_COUNT, "int"),
        Column("remaining_ha", T.REMAINING_COL, "ha", T.HA),
    ]
    rows = [
        {**r, "district": r["district"] if r["district"] is not None else T.UNKNOWN_DISTRICT}
        for r in data["by_district"]
    ]
    in_period: dict[int, float] = defaultdict(float)
    for _dim, area, _method, _day, m2 in release_sums(session, params, dimensions=("district",)):
        if area is not None:
            in_period[area] += float(m2 or 0)
    ids = {a: ha(m2) for a, m2 in in_period.items()}
    hazards = data["hazards"]
    hazard_blocks: list[Table | Paragraph] = [
        Table(
            [
                Column("hazard", T.HAZARD),
                Column("district", T.DISTRICT),
                Column("status", T.STATUS),
                Column("area_ha", T.AREA, "ha", T.HA),
                Column("released_in_period_ha", T.RELEASED_PERIOD, "ha", T.HA),
                Column("released_to_date_ha", T.RELEASED_TOTAL, "ha", T.HA),
                Column("remaining_ha", T.REMAINING_COL, "ha", T.HA),
                Column("progress_percent", T.PROGRESS, "percent"),
            ],
            [
                {
                    **h,
                    "status": HAZARD_STATUS[h["status"]]
                    if h["status"] in HAZARD_STATUS
                    else h["status"],
                }
                for h in hazards[:HAZARD_ROWS]
            ],
            name="hazards",
        )
    ]
    if len(hazards) > HAZARD_ROWS:
        hazard_blocks.append(
            Paragraph(
                T.L(
                    f"The {HAZARD_ROWS} hazards with most land released are listed; the JSON "
                    f"output lists all {len(hazards)}.",
                    f"Ən çox ərazi azad edilmiş {HAZARD_ROWS} təhlükəli ərazi göstərilib; JSON "
                    f"çıxışında hamısı ({len(hazards)}) var.",
                    f"Показаны {HAZARD_ROWS} районов с наибольшей высвобожденной площадью; "
                    f"в выводе JSON перечислены все {len(hazards)}.",
                )
            )
        )
    return [
        Section(
            T.BY_DISTRICT,
            [
                Table(
                    columns,
                    rows,
                    total={"district": T.TOTAL, **data["totals"]},
                    name="by_district",
                ),
                Chart(
                    "stacked_bar",
                    T.RELEASED_PERIOD,
                    [r["district"] for r in rows],
                    [
                        Series(T.CANCELLED, [r["cancelled_ha"] for r in rows]),
                        Series(T.REDUCED, [r["reduced_ha"] for r in rows]),
                        Series(T.CLEARED, [r["cleared_ha"] for r in rows]),
                    ],
                    unit=T.HA,
                ),
                DistrictMap(T.RELEASED_PERIOD, district_areas(session, ids), T.RELEASED_HA),
            ],
            name="by_district",
        ),
        Section(
            T.BY_STATUS,
            [
                Table(
                    [
                        Column("status", T.STATUS),
                        Column("hazards", T.HAZARD_COUNT, "int"),
                        Column("area_ha", T.AREA, "ha", T.HA),
                        Column("remaining_ha", T.REMAINING_COL, "ha", T.HA),
                    ],
                    [
                        {
                            **s,
                            "status": HAZARD_STATUS[s["status"]]
                            if s["status"] in HAZARD_STATUS
                            else s["status"],
                        }
                        for s in data["by_status"]
                    ],
                    name="by_status",
                )
            ],
            name="by_status",
        ),
        Section(T.HAZARDS, list(hazard_blocks), name="hazards"),
    ]


REPORT = ReportSpec(name="land-release", title=T.LAND_RELEASE, compute=compute, sections=sections)
