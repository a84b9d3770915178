"""``land-release``: released and remaining contaminated area by district and status, per hazard.

"Released to date" counts every approved release up to the end of the period;
"remaining" is each hazard's recorded area minus what was released from it
by then (never below zero), for the hazards recorded by the end of the period.
Hazard status is the current one.  The per-hazard list (no positions: public
output never shows where a live hazard lies) covers the hazards worked in the
period.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Subquery

from mineaction.analytics.geography import district_areas
from mineaction.analytics.reports import labels as T
from mineaction.analytics.reports.base import (
    Data,
    ReportSpec,
    approved,
    district_names,
    ha,
    in_period,
    period,
)
from mineaction.analytics.reports.params import ReportParams
from mineaction.domain.vocab import HAZARD_STATUS
from mineaction.render.document import Chart, Column, DistrictMap, Paragraph, Section, Series, Table
from mineaction.store.tables import AdminArea, Hazard, LandRelease

METHODS = ("cancelled", "reduced", "cleared")
#: The document lists at most this many hazards (the data object has them all).
HAZARD_ROWS = 100


def released_by_hazard(params: ReportParams, *, in_period_only: bool = False) -> Subquery:
    """Return a subquery (hazard_id, released_m2) of releases up to the end of the period."""
    when = (
        in_period(LandRelease.release_date, params)
        if in_period_only
        else LandRelease.release_date <= params.date_to
    )
    return (
        select(LandRelease.hazard_id, func.sum(LandRelease.area_m2).label("released_m2"))
        .where(LandRelease.hazard_id.is_not(None), when, approved(LandRelease, params))
        .group_by(LandRelease.hazard_id)
        .subquery()
    )


def remaining_m2(released: Subquery) -> Any:
    """Return the SQL expression of a hazard's remaining area given ``released``."""
    left = Hazard.area_m2 - func.coalesce(released.c.released_m2, 0.0)
    return case((left > 0, left), else_=0.0)


def compute(session: Session, params: ReportParams) -> Data:
    """Return released and remaining area of the period by district, status and hazard."""
    in_time = session.execute(
        select(LandRelease.admin_area_id, LandRelease.method, func.sum(LandRelease.area_m2))
        .where(in_period(LandRelease.release_date, params), approved(LandRelease, params))
        .group_by(LandRelease.admin_area_id, LandRelease.method)
    ).all()
    to_date = session.execute(
        select(LandRelease.admin_area_id, func.sum(LandRelease.area_m2))
        .where(LandRelease.release_date <= params.date_to, approved(LandRelease, params))
        .group_by(LandRelease.admin_area_id)
    ).all()
    released = released_by_hazard(params)
    hazards = session.execute(
        select(
            Hazard.admin_area_id,
            Hazard.status,
            func.count(Hazard.id),
            func.sum(Hazard.area_m2),
            func.sum(remaining_m2(released)),
        )
        .outerjoin(released, released.c.hazard_id == Hazard.id)
        .where(Hazard.recorded_date <= params.date_to, approved(Hazard, params))
        .group_by(Hazard.admin_area_id, Hazard.status)
    ).all()
    districts: dict[int | None, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    statuses: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for area, method, m2 in in_time:
        districts[area][method] += float(m2 or 0)
    for area, m2 in to_date:
        districts[area]["to_date"] += float(m2 or 0)
    for area, status, n, area_m2, left in hazards:
        for tally in (districts[area], statuses[status]):
            tally["hazards"] += n
            tally["area"] += float(area_m2 or 0)
            tally["remaining"] += float(left or 0)
    names = district_names(session, set(districts))

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
            {
                "status": s,
                "hazards": int(t["hazards"]),
                "area_ha": ha(t["area"]),
                "remaining_ha": ha(t["remaining"]),
            }
            for s, t in sorted(statuses.items())
        ],
        "hazards": _hazards(session, params),
    }


def _hazards(session: Session, params: ReportParams) -> list[dict[str, Any]]:
    """Return the progress of each hazard released from in the period."""
    to_date = released_by_hazard(params)
    now = released_by_hazard(params, in_period_only=True)
    rows = session.execute(
        select(
            Hazard.reference,
            AdminArea.name,
            Hazard.status,
            Hazard.area_m2,
            now.c.released_m2,
            to_date.c.released_m2,
            remaining_m2(to_date),
        )
        .join(now, now.c.hazard_id == Hazard.id)
        .outerjoin(to_date, to_date.c.hazard_id == Hazard.id)
        .outerjoin(AdminArea, AdminArea.id == Hazard.admin_area_id)
        .where(approved(Hazard, params))
        .order_by(now.c.released_m2.desc(), Hazard.reference)
    ).all()
    return [
        {
            "hazard": ref,
            "district": district,
            "status": status,
            "area_ha": ha(area),
            "released_in_period_ha": ha(in_time),
            "released_to_date_ha": ha(done),
            "remaining_ha": ha(left),
            "progress_percent": round(100 * min((done or 0) / area, 1.0), 1) if area else None,
        }
        for ref, district, status, area, in_time, done, left in rows
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
    ids = {
        a: ha(m2)
        for a, m2 in session.execute(
            select(LandRelease.admin_area_id, func.sum(LandRelease.area_m2))
            .where(in_period(LandRelease.release_date, params), approved(LandRelease, params))
            .group_by(LandRelease.admin_area_id)
        ).all()
        if a is not None
    }
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
