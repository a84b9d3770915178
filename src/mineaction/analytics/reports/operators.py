"""``operators``: productivity (m² per team-day by method), items per hectare, share of release.

Productivity comes from activities' progress reports in the period (area and
team-days by activity type); items per hectare and the share of national
output from the period's findings and land releases.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mineaction.analytics.reports import labels as T
from mineaction.analytics.reports.base import (
    Data,
    ReportSpec,
    approved,
    ha,
    in_period,
    operator_names,
    period,
)
from mineaction.analytics.reports.operations_sums import finding_sums, release_sums
from mineaction.analytics.reports.params import ReportParams
from mineaction.domain.vocab import ACTIVITY_TYPE
from mineaction.render.document import Chart, Column, Section, Series, Table
from mineaction.store.tables import Activity, ProgressReport


def compute(session: Session, params: ReportParams) -> Data:
    """Return each operator's output, productivity and share of the national release."""
    work = session.execute(
        select(
            Activity.organisation_id,
            Activity.activity_type,
            func.sum(ProgressReport.area_m2),
            func.sum(ProgressReport.team_days),
        )
        .join(Activity, Activity.id == ProgressReport.activity_id)
        .where(
            in_period(ProgressReport.report_date, params),
            approved(ProgressReport, params),
            approved(Activity, params),
        )
        .group_by(Activity.organisation_id, Activity.activity_type)
    ).all()
    # Released area and items by operator: from the roll-ups for the period's
    # whole spans and the records at its ends, as the operations report reads them.
    released: dict[int | None, float] = defaultdict(float)
    for _d, org, _method, _day, m2 in release_sums(session, params, dimensions=("operator",)):
        released[org] += float(m2 or 0)
    items: dict[int | None, int] = defaultdict(int)
    for _d, org, _category, _day, n in finding_sums(session, params, dimensions=("operator",)):
        items[org] += int(n or 0)
    methods: dict[int | None, list[dict[str, Any]]] = defaultdict(list)
    for org_id, kind, area, days in work:
        area, days = float(area or 0), float(days or 0)
        methods[org_id].append(
            {
                "activity_type": kind,
                "area_m2": round(area, 1),
                "team_days": round(days, 1),
                "m2_per_team_day": round(area / days, 1) if days else None,
            }
        )
    orgs: set[int | None] = set(methods) | set(released) | set(items)
    names = operator_names(session, orgs)
    national = sum(float(v or 0) for v in released.values())
    rows: list[dict[str, Any]] = []
    for org in orgs:
        m2 = float(released.get(org) or 0)
        found = int(items.get(org) or 0)
        rows.append(
            {
                "operator": names[org],
                "released_ha": ha(m2),
                "share_of_release_percent": round(100 * m2 / national, 1) if national else 0.0,
                "items": found,
                "items_per_ha": round(found / (m2 / 10_000), 2) if m2 else None,
                "by_activity": sorted(methods.get(org, []), key=lambda r: r["activity_type"]),
            }
        )
    rows.sort(key=lambda r: (-r["released_ha"], r["operator"]))
    return {
        "period": period(params),
        "totals": {
            "released_ha": ha(national),
            "items": sum(int(v or 0) for v in items.values()),
            "operators": len(rows),
        },
        "operators": rows,
    }


def sections(session: Session, data: Data, params: ReportParams) -> list[Section]:
    """Return the operators document's sections."""
    rows = data["operators"]
    productivity = [
        {
            "operator": r["operator"],
            **a,
            "activity_type": ACTIVITY_TYPE[a["activity_type"]]
            if a["activity_type"] in ACTIVITY_TYPE
            else a["activity_type"],
        }
        for r in rows
        for a in r["by_activity"]
    ]
    return [
        Section(
            T.OPERATORS,
            [
                Table(
                    [
                        Column("operator", T.OPERATOR),
                        Column("released_ha", T.RELEASED_COL, "ha", T.HA),
                        Column("share_of_release_percent", T.SHARE, "percent"),
                        Column("items", T.ITEMS, "int"),
                        Column("items_per_ha", T.ITEMS_PER_HA, "decimal2"),
                    ],
                    rows,
                    total={"operator": T.TOTAL, **data["totals"], "share_of_release_percent": 100.0}
                    if rows
                    else None,
                    name="operators",
                ),
                Chart(
                    "bar",
                    T.SHARE,
                    [r["operator"] for r in rows],
                    [Series(T.SHARE, [r["share_of_release_percent"] for r in rows])],
                    unit="%",
                ),
            ],
            name="operators",
        ),
        Section(
            T.PRODUCTIVITY,
            [
                Table(
                    [
                        Column("operator", T.OPERATOR),
                        Column("activity_type", T.METHOD),
                        Column("area_m2", T.AREA, "int", T.M2),
                        Column("team_days", T.TEAM_DAYS, "decimal"),
                        Column("m2_per_team_day", T.PRODUCTIVITY, "decimal"),
                    ],
                    productivity,
                    name="productivity",
                )
            ],
            name="productivity",
        ),
    ]


REPORT = ReportSpec(name="operators", title=T.OPERATORS, compute=compute, sections=sections)
