"""``land-release``: released and remaining contaminated area by district and status, per hazard.

"Released to date" counts every approved release up to the end of the period;
"remaining" is each hazard's recorded area minus what was released from it
by then (never below zero), for the hazards recorded by the end of the period.
Hazard status is the current one.  The per-hazard list (no positions: public
output never shows where a live hazard lies) covers the hazards worked in the
period, most land released first (compared to 0.01 m²; ties by reference).

The district sums come from the report roll-ups (``operations_sums.py``); each
hazard's releases from ``hazard_release_rollup`` when the period holds every
release, otherwise from one pass over the releases up to the end of the
period, which the index ``ix_land_releases_hazard_report`` answers on its own
(``released_per_hazard``). The tallies per district and status are summed in
the database (from the covering index ``ix_hazards_report``); only the
hazards worked in the period are read back.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Collection
from typing import Any

import numpy as np
from sqlalchemy import Subquery, case, func, select
from sqlalchemy.orm import Session

from mineaction import collector
from mineaction.analytics.geography import district_areas
from mineaction.analytics.reports import labels as T
from mineaction.analytics.reports.base import (
    Data,
    ReportSpec,
    approved,
    district_names,
    ha,
    ha_list,
    period,
    tenths_list,
)
from mineaction.analytics.reports.operations_sums import release_sums
from mineaction.analytics.reports.params import ReportParams
from mineaction.domain.vocab import HAZARD_STATUS
from mineaction.render.document import Chart, Column, DistrictMap, Paragraph, Section, Series, Table
from mineaction.store.plain_rows import plain_rows
from mineaction.store.tables import Hazard, HazardReleaseRollup, LandRelease

METHODS = ("cancelled", "reduced", "cleared")
#: The document lists at most this many hazards (the data object has them all).
HAZARD_ROWS = 100


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


def remaining_m2(released: Subquery) -> Any:
    """Return the SQL of a hazard's area less what ``released`` says went by then, never < 0."""
    left = Hazard.area_m2 - func.coalesce(released.c.to_date_m2, 0.0)
    return case((left > 0, left), else_=0.0)


def hazard_tallies(
    session: Session,
    params: ReportParams,
    *,
    contamination: Collection[str] | None = None,
    left_only: bool = False,
    released: Subquery | None = None,
) -> list[Any]:
    """Return the hazards recorded by the end of the period, per district and status.

    Rows: (district id, status, hazards, area m², remaining m²). ``contamination``
    keeps only hazards of those kinds of contamination; ``left_only`` only
    those with area remaining. ``released`` is ``released_per_hazard``'s, when
    already made.
    """
    if released is None:
        released = released_per_hazard(session, params)
    query = (
        select(
            Hazard.admin_area_id,
            Hazard.status,
            func.count(),
            func.sum(Hazard.area_m2),
            func.sum(remaining_m2(released)),
        )
        .outerjoin(released, released.c.hazard_id == Hazard.id)
        .where(approved(Hazard, params), Hazard.recorded_date <= params.date_to)
        .group_by(Hazard.admin_area_id, Hazard.status)
    )
    if contamination is not None:
        query = query.where(Hazard.contamination.in_(tuple(contamination)))
    if left_only:
        query = query.where(remaining_m2(released) > 0)
    return list(session.connection().execute(query))


def worked_hazards(
    session: Session, params: ReportParams, released: Subquery
) -> list[tuple[str, int | None, str, float, float, float]]:
    """Return the hazards released from in the period (any recorded date), most released first.

    Rows: (reference, district id, status, area m², m² released in the period, m² released
    to date), as the driver hands them over (``plain_rows``): a national full history
    has some 35,000. ``released`` is ``released_per_hazard``'s. The database's order
    (most released first) is nearly the report's, which ``hazard_rows`` finishes.
    """
    query = (
        select(
            Hazard.reference,
            Hazard.admin_area_id,
            Hazard.status,
            Hazard.area_m2,
            released.c.in_period_m2,
            released.c.to_date_m2,
        )
        .join(released, released.c.hazard_id == Hazard.id)
        .where(approved(Hazard, params), released.c.releases > 0)
        .order_by(released.c.in_period_m2.desc())
    )
    return plain_rows(session, query)


def compute(session: Session, params: ReportParams) -> Data:
    """Return released and remaining area of the period by district, status and hazard."""
    districts: dict[int | None, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    statuses: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for _dim, area, method, _day, m2 in release_sums(session, params, dimensions=("district",)):
        districts[area][method] += float(m2 or 0)
    since_ever = dataclasses.replace(params, date_from=dt.date.min, group_by=None)
    for _dim, area, _method, _day, m2 in release_sums(
        session, since_ever, dimensions=("district",)
    ):
        districts[area]["to_date"] += float(m2 or 0)
    released = released_per_hazard(session, params)
    for area, status, n, area_m2, left in hazard_tallies(session, params, released=released):
        for tally in (districts[area], statuses[status]):
            tally["hazards"] += n
            tally["area"] += float(area_m2 or 0)
            tally["remaining"] += float(left or 0)
    with collector.paused():
        worked = worked_hazards(session, params, released)
        names = district_names(session, set(districts) | {w[1] for w in worked})
        hazards = hazard_rows(worked, names)

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
        "hazards": hazards,
    }


def hazard_rows(
    worked: list[tuple[str, int | None, str, float, float, float]], names: dict[int | None, Any]
) -> list[dict[str, Any]]:
    """Return the progress of each of ``worked_hazards``'s hazards, most released first.

    Sorted on the land released in the period in whole 0.01 m² (as ``ha`` counts
    them), then by reference (unique): two sums of the same releases added in
    another order (a roll-up, another backend) then sort the same way. What is
    left is the area less what went by the end of the period, never below 0 (as
    ``remaining_m2``). The figures are rounded a column at a time (``ha_list``,
    ``tenths_list``: the same floats as ``ha`` and ``round``): a national full
    history lists some 35,000 hazards, and the rounding one by one was a sixth
    of the report's time.
    """
    if not worked:
        return []
    district = {a: None if a is None else n.en for a, n in names.items()}
    refs, areas, statuses, area_m2, now_m2, done_m2 = zip(*worked, strict=True)
    m2 = np.array(area_m2, dtype=np.float64)
    now = np.array(now_m2, dtype=np.float64)
    done = np.array(done_m2, dtype=np.float64)
    cents = np.rint(now * 100)
    with np.errstate(divide="ignore", invalid="ignore"):
        progress: list[float | None] = [*tenths_list(100 * np.where(done < m2, done / m2, 1.0))]
    for i in np.flatnonzero(m2 == 0).tolist():
        progress[i] = None
    keyed = [
        (
            -key,
            ref,
            {
                "hazard": ref,
                "district": district[area],
                "status": status,
                "area_ha": area_ha,
                "released_in_period_ha": now_ha,
                "released_to_date_ha": done_ha,
                "remaining_ha": left_ha,
                "progress_percent": percent,
            },
        )
        for key, ref, area, status, area_ha, now_ha, done_ha, left_ha, percent in zip(
            cents.tolist(),
            refs,
            areas,
            statuses,
            ha_list(m2),
            (np.rint(cents / 100_000) / 10).tolist(),
            ha_list(done),
            ha_list(np.where(m2 > done, m2 - done, 0.0)),
            progress,
            strict=True,
        )
    ]
    keyed.sort()  # nearly sorted already: one pass; (cents, reference) is unique
    return [row for _cents, _ref, row in keyed]


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
