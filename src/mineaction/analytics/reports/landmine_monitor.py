"""``landmine-monitor``: the Landmine Monitor casualty table, year by year.

Killed / injured / unknown outcome × civilian / military / deminer / unknown
status, children (under 18), and sex, as the Monitor's country profiles
tabulate casualties.  The system records every victim as killed or injured,
so the "unknown outcome" column is kept for the Monitor's layout and is 0.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mineaction.analytics.reports import labels as T
from mineaction.analytics.reports.base import Data, ReportSpec, period
from mineaction.analytics.reports.casualties import GROUPS
from mineaction.analytics.reports.casualty_counts import victim_counts
from mineaction.analytics.reports.params import ReportParams
from mineaction.domain.vocab import VICTIM_GROUP
from mineaction.render.document import Column, Section, Table
from mineaction.store.tables import Accident

KEYS = (
    "casualties",
    "killed",
    "injured",
    "unknown_outcome",
    "civilian",
    "military",
    "deminer",
    "unknown_status",
    "children",
    "children_killed",
    "children_injured",
    "male",
    "female",
    "unknown_sex",
)


def compute(session: Session, params: ReportParams) -> Data:
    """Return the casualty table by year, plus the group × outcome cross-table of the period.

    Each year of the period (within the years that have accidents) is counted
    as the casualties report counts a period (``casualty_counts.py``: whole
    months from the roll-ups, the days at the ends from the records), one
    dimension at a time: every figure of the table is one dimension × outcome.
    """
    years: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(KEYS, 0))
    groups = {g: {"killed": 0, "injured": 0, "unknown": 0} for g in GROUPS}
    for year, part in _years(session, params):
        for dimension, member, outcome, n in victim_counts(session, part):
            t = years[year]
            if dimension == "group":
                group = member if member in groups else "unknown"
                t["casualties"] += n
                t[outcome] += n
                t["unknown_status" if group == "unknown" else group] += n
                groups[group][outcome] += n
            elif dimension == "age" and member == "child":
                t["children"] += n
                t[f"children_{outcome}"] += n
            elif dimension == "sex":
                t[member if member in ("male", "female") else "unknown_sex"] += n
    table = [{"year": y, **years[y]} for y in sorted(years)]
    totals = {k: sum(r[k] for r in table) for k in KEYS}
    return {"period": period(params), "by_year": table, "totals": totals, "by_group": groups}


def _years(session: Session, params: ReportParams) -> list[tuple[int, ReportParams]]:
    """Return each calendar year of the period that has accidents, as its own period."""
    first = session.scalar(select(func.min(Accident.accident_date)))
    last = session.scalar(select(func.max(Accident.accident_date)))
    if first is None or last is None:
        return []
    out = []
    for year in range(max(params.date_from, first).year, min(params.date_to, last).year + 1):
        start = max(params.date_from, dt.date(year, 1, 1))
        end = min(params.date_to, dt.date(year, 12, 31))
        out.append((year, dataclasses.replace(params, date_from=start, date_to=end, group_by=None)))
    return out


def sections(session: Session, data: Data, params: ReportParams) -> list[Section]:
    """Return the Monitor's two tables."""
    labels: dict[str, Any] = {
        "casualties": T.L("Casualties", "Qurbanlar", "Жертвы"),
        "killed": T.KILLED,
        "injured": T.INJURED,
        "unknown_outcome": T.L("Outcome unknown", "Nəticə naməlum", "Исход неизвестен"),
        "civilian": VICTIM_GROUP["civilian"],
        "military": VICTIM_GROUP["military"],
        "deminer": VICTIM_GROUP["deminer"],
        "unknown_status": T.L("Status unknown", "Status naməlum", "Статус неизвестен"),
        "children": T.CHILDREN,
        "children_killed": T.L("Children killed", "Həlak olmuş uşaqlar", "Погибшие дети"),
        "children_injured": T.L("Children injured", "Yaralanmış uşaqlar", "Раненые дети"),
        "male": T.MEN,
        "female": T.WOMEN,
        "unknown_sex": T.L("Sex unknown", "Cinsi naməlum", "Пол неизвестен"),
    }
    return [
        Section(
            T.BY_YEAR,
            [
                Table(
                    [Column("year", T.YEAR), *(Column(k, labels[k], "int") for k in KEYS)],
                    data["by_year"],
                    total={"year": T.TOTAL, **data["totals"]},
                    name="casualties_by_year",
                )
            ],
            name="by_year",
        ),
        Section(
            T.BY_GROUP,
            [
                Table(
                    [
                        Column("group", T.GROUP),
                        Column("killed", T.KILLED, "int"),
                        Column("injured", T.INJURED, "int"),
                        Column("unknown", labels["unknown_outcome"], "int"),
                        Column("total", T.TOTAL, "int"),
                    ],
                    [
                        {"group": VICTIM_GROUP[g], **v, "total": sum(v.values())}
                        for g, v in data["by_group"].items()
                    ],
                    total={
                        "group": T.TOTAL,
                        "killed": data["totals"]["killed"],
                        "injured": data["totals"]["injured"],
                        "unknown": data["totals"]["unknown_outcome"],
                        "total": data["totals"]["casualties"],
                    },
                    name="group_by_outcome",
                )
            ],
            name="by_group",
        ),
    ]


REPORT = ReportSpec(
    name="landmine-monitor", title=T.LANDMINE_MONITOR, compute=compute, sections=sections
)
