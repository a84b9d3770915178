"""``casualties``: accidents and victims by group × outcome, sex, age band, device, district, time.

Victims are counted by the date of their accident; an accident and its
victims count when both are approved (unless unapproved records are asked
for).  Elderly victims count as adults in ``by_age_band`` (children are under
18), as the Landmine Monitor does.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy.orm import Session

from mineaction.analytics.geography import district_areas
from mineaction.analytics.reports import labels as T
from mineaction.analytics.reports.base import (
    Data,
    ReportSpec,
    district_names,
    period,
)
from mineaction.analytics.reports.casualty_counts import accident_count, victim_counts
from mineaction.analytics.reports.params import ReportParams
from mineaction.analytics.reports.statements import casualties_statement
from mineaction.domain.vocab import AGE_BAND, EO_CATEGORY, SEX, VICTIM_GROUP
from mineaction.render.document import Chart, Column, DistrictMap, Section, Series, Table

GROUPS = ("civilian", "military", "deminer", "unknown")
OUTCOMES = ("killed", "injured")
SEXES = ("male", "female", "unknown")
AGE_BANDS = ("child", "adult", "unknown")
#: Age band codes → the report's three bands.
AGE_FOLD = {"child": "child", "adult": "adult", "elderly": "adult"}


def compute(session: Session, params: ReportParams) -> Data:
    """Return the casualty figures of the period."""
    accidents = accident_count(session, params)
    by_group = {g: {o: 0 for o in OUTCOMES} for g in GROUPS}
    by_sex = dict.fromkeys(SEXES, 0)
    by_age = dict.fromkeys(AGE_BANDS, 0)
    by_device: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(OUTCOMES, 0))
    by_area: dict[int | None, dict[str, int]] = defaultdict(lambda: dict.fromkeys(OUTCOMES, 0))
    by_month: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(OUTCOMES, 0))
    by_year: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(OUTCOMES, 0))
    for dimension, member, outcome, n in victim_counts(session, params):
        if dimension == "group":
            by_group[member if member in by_group else "unknown"][outcome] += n
        elif dimension == "sex":
            by_sex[member if member in by_sex else "unknown"] += n
        elif dimension == "age":
            by_age[AGE_FOLD.get(member, "unknown")] += n
        elif dimension == "device":
            by_device[member][outcome] += n
        elif dimension == "district":
            by_area[member][outcome] += n
        else:
            by_month[member][outcome] += n
            by_year[int(member[:4])][outcome] += n
    killed = sum(g["killed"] for g in by_group.values())
    injured = sum(g["injured"] for g in by_group.values())
    names = district_names(session, set(by_area))
    return {
        "period": period(params),
        "totals": {
            "accidents": int(accidents or 0),
            "victims": killed + injured,
            "killed": killed,
            "injured": injured,
        },
        "by_group": by_group,
        "by_sex": by_sex,
        "by_age_band": by_age,
        "by_device": [
            {"device": d, **v}
            for d, v in sorted(by_device.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
        ],
        "by_district": sorted(
            ({"district": None if a is None else names[a].en, **v} for a, v in by_area.items()),
            key=lambda r: (r["district"] is None, r["district"] or ""),
        ),
        "by_month": [{"month": m, **by_month[m]} for m in sorted(by_month)],
        "by_year": [{"year": y, **by_year[y]} for y in sorted(by_year)],
    }


def _outcome_columns(first: Column) -> list[Column]:
    return [
        first,
        Column("killed", T.KILLED, "int"),
        Column("injured", T.INJURED, "int"),
        Column("total", T.TOTAL, "int"),
    ]


def _with_total(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**r, "total": r["killed"] + r["injured"]} for r in rows]


def sections(session: Session, data: Data, params: ReportParams) -> list[Section]:
    """Return the casualty document's sections."""
    t = data["totals"]
    total_row = {"killed": t["killed"], "injured": t["injured"], "total": t["victims"]}
    groups = _with_total([{"group": VICTIM_GROUP[g], **data["by_group"][g]} for g in GROUPS])
    result = [
        Section(
            T.TOTALS,
            [
                Table(
                    [
                        Column("accidents", T.ACCIDENTS, "int"),
                        Column("victims", T.VICTIMS, "int"),
                        Column("killed", T.KILLED, "int"),
                        Column("injured", T.INJURED, "int"),
                    ],
                    [t],
                    name="totals",
                ),
                Table(
                    _outcome_columns(Column("group", T.GROUP)),
                    groups,
                    title=T.BY_GROUP,
                    total={"group": T.TOTAL, **total_row},
                    name="by_group",
                ),
                Chart(
                    "stacked_bar",
                    T.BY_GROUP,
                    [VICTIM_GROUP[g] for g in GROUPS],
                    [
                        Series(T.KILLED, [data["by_group"][g]["killed"] for g in GROUPS]),
                        Series(T.INJURED, [data["by_group"][g]["injured"] for g in GROUPS]),
                    ],
                    unit=T.VICTIMS,
                ),
            ],
            name="totals",
        ),
        Section(
            T.BY_SEX,
            [
                Table(
                    [Column("sex", T.SEX), Column("victims", T.VICTIMS, "int")],
                    [{"sex": SEX[s], "victims": data["by_sex"][s]} for s in SEXES],
                    total={"sex": T.TOTAL, "victims": t["victims"]},
                    name="by_sex",
                ),
                Table(
                    [Column("age", T.AGE), Column("victims", T.VICTIMS, "int")],
                    [
                        {"age": AGE_BAND[a] if a != "adult" else T.ADULTS, "victims": n}
                        for a, n in data["by_age_band"].items()
                    ],
                    total={"age": T.TOTAL, "victims": t["victims"]},
                    title=T.BY_AGE,
                    name="by_age_band",
                ),
            ],
            name="by_sex_age",
        ),
        Section(
            T.BY_DEVICE,
            [
                Table(
                    _outcome_columns(Column("device", T.DEVICE)),
                    _with_total(
                        [
                            {
                                **r,
                                "device": EO_CATEGORY[r["device"]]
                                if r["device"] in EO_CATEGORY
                                else r["device"],
                            }
                            for r in data["by_device"]
                        ]
                    ),
                    total={"device": T.TOTAL, **total_row},
                    name="by_device",
                )
            ],
            name="by_device",
        ),
    ]
    districts = _with_total(
        [
            {**r, "district": r["district"] if r["district"] is not None else T.UNKNOWN_DISTRICT}
            for r in data["by_district"]
        ]
    )
    per_area = {a: float(n) for a, _o, n in _area_totals(session, params) if a is not None}
    result.append(
        Section(
            T.BY_DISTRICT,
            [
                Table(
                    _outcome_columns(Column("district", T.DISTRICT)),
                    districts,
                    total={"district": T.TOTAL, **total_row},
                    name="by_district",
                ),
                DistrictMap(T.CASUALTY_MAP, district_areas(session, per_area), T.VICTIMS),
            ],
            name="by_district",
        )
    )
    monthly = len(data["by_month"]) <= 36
    series = data["by_month"] if monthly else data["by_year"]
    key = "month" if monthly else "year"
    result.append(
        Section(
            T.BY_MONTH if monthly else T.BY_YEAR,
            [
                Chart(
                    "stacked_bar",
                    T.VICTIMS,
                    [str(r[key]) for r in series],
                    [
                        Series(T.KILLED, [r["killed"] for r in series]),
                        Series(T.INJURED, [r["injured"] for r in series]),
                    ],
                    unit=T.VICTIMS,
                ),
                Table(
                    _outcome_columns(Column(key, T.MONTH if monthly else T.YEAR)),
                    _with_total(series),
                    name=f"by_{key}",
                ),
            ],
            name=f"by_{key}",
        )
    )
    return result


def _area_totals(session: Session, params: ReportParams) -> list[Any]:
    totals: dict[int | None, int] = defaultdict(int)
    for dimension, area, _outcome, n in victim_counts(session, params):
        if dimension == "district":
            totals[area] += n
    return [(a, None, n) for a, n in totals.items()]


REPORT = ReportSpec(
    name="casualties",
    title=T.CASUALTIES,
    compute=compute,
    sections=sections,
    statement=casualties_statement,
)
