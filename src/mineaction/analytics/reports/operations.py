"""``operations``: EO neutralised by category and model, land released by method, who and where.

The weekly operations statement of the agency comes from this report's data
object; the figures are sums from the report roll-ups and the records
(``operations_sums``), folded into totals, operators, districts, models and
weeks or months.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mineaction.analytics.geography import district_areas
from mineaction.analytics.reports import labels as T
from mineaction.analytics.reports.base import (
    Data,
    ReportSpec,
    district_names,
    ha,
    operator_names,
    period,
)
from mineaction.analytics.reports.operations_sums import finding_sums, release_sums
from mineaction.analytics.reports.params import ReportParams, bucket
from mineaction.analytics.reports.statements import operations_statement
from mineaction.domain.vocab import EO_CATEGORY
from mineaction.render.document import Block, Chart, Column, DistrictMap, Section, Series, Table
from mineaction.store.tables import EOModel

#: Finding category → key in the data object.
CATEGORY_KEYS = {
    "ap_mine": "ap_mines",
    "at_mine": "at_mines",
    "uxo": "uxo",
    "submunition": "submunitions",
    "ied": "ieds",
    "abandoned_ordnance": "other",
    "other": "other",
}
ITEM_KEYS = ("ap_mines", "at_mines", "uxo", "submunitions", "ieds", "other")
AREA_KEYS = ("area_cancelled_ha", "area_reduced_ha", "area_cleared_ha")
KEYS = (*ITEM_KEYS, "items_total", *AREA_KEYS, "area_released_ha")


class _Tally:
    """Items by key and m² by method, for one operator, district or period."""

    def __init__(self) -> None:
        self.items: dict[str, int] = defaultdict(int)
        self.m2: dict[str, float] = defaultdict(float)

    def figures(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: self.items[k] for k in ITEM_KEYS}
        out["items_total"] = sum(self.items[k] for k in ITEM_KEYS)
        for method in ("cancelled", "reduced", "cleared"):
            out[f"area_{method}_ha"] = ha(self.m2[method])
        # The released total is the sum of its rounded parts, so that tables add up.
        out["area_released_ha"] = round(sum(out[k] for k in AREA_KEYS), 1)
        return out


def compute(session: Session, params: ReportParams) -> Data:
    """Return the operations figures of the period (approved records unless asked otherwise).

    The sums come from the report roll-ups for the whole spans of the period
    and from the records for the days at its ends (``operations_sums``), per
    operator, district and model, and per span or day when the report is by
    week or month (a span lies inside one week and one month).
    """
    grouping = params.group_by if params.group_by in ("week", "month") else None
    by_day = grouping is not None
    total = _Tally()
    by_org: dict[int | None, _Tally] = defaultdict(_Tally)
    by_area: dict[int | None, _Tally] = defaultdict(_Tally)
    by_time: dict[str, _Tally] = defaultdict(_Tally)
    by_model: dict[tuple[str, int | None], int] = defaultdict(int)
    for dimension, member, category, day, items in finding_sums(session, params, by_day=by_day):
        key = CATEGORY_KEYS.get(category, "other")
        quantity = int(items or 0)
        if dimension == "operator":
            total.items[key] += quantity
            by_org[member].items[key] += quantity
            if grouping and day is not None:
                by_time[bucket(day, grouping)].items[key] += quantity
        elif dimension == "district":
            by_area[member].items[key] += quantity
        else:
            by_model[(category, member)] += quantity
    for dimension, member, method, day, m2 in release_sums(session, params, by_day=by_day):
        area = float(m2 or 0.0)
        if dimension == "operator":
            total.m2[method] += area
            by_org[member].m2[method] += area
            if grouping and day is not None:
                by_time[bucket(day, grouping)].m2[method] += area
        else:
            by_area[member].m2[method] += area
    model_ids = {m for _c, m in by_model if m is not None}
    model_names: dict[int | None, str] = dict(
        session.execute(select(EOModel.id, EOModel.model).where(EOModel.id.in_(model_ids))).all()
    )
    models: dict[tuple[str, str | None], int] = defaultdict(int)
    for (category, model), quantity in by_model.items():
        models[(category, model_names.get(model))] += quantity
    orgs = operator_names(session, set(by_org))
    areas = district_names(session, set(by_area))
    data: Data = {
        "period": period(params),
        "totals": total.figures(),
        "by_operator": sorted(
            ({"operator": orgs[o], **t.figures()} for o, t in by_org.items()),
            key=lambda r: (-r["area_released_ha"], -r["items_total"], r["operator"]),
        ),
        "by_district": sorted(
            (
                {"district": None if a is None else areas[a].en, **t.figures()}
                for a, t in by_area.items()
            ),
            key=lambda r: (r["district"] is None, r["district"] or ""),
        ),
        "by_model": sorted(
            ({"category": c, "model": m, "items": n} for (c, m), n in models.items()),
            key=lambda r: (
                list(CATEGORY_KEYS).index(r["category"]) if r["category"] in CATEGORY_KEYS else 99,
                -r["items"],
                r["model"] or "",
            ),
        ),
    }
    if grouping:
        data["by_period"] = [{"period": p, **by_time[p].figures()} for p in sorted(by_time)]
    return data


def _tables(
    first: Column, rows: list[dict[str, Any]], total: dict[str, Any], name: str
) -> list[Block]:
    """Return two tables of the same rows: items found, then hectares released (fits A4)."""
    total = {**total, first.key: T.TOTAL}
    return [
        Table(_item_columns(first), rows, title=T.ITEMS, total=total, name=f"{name}_items"),
        Table(_area_columns(first), rows, title=T.RELEASED_HA, total=total, name=f"{name}_area"),
    ]


def _item_columns(first: Column) -> list[Column]:
    return [
        first,
        Column("ap_mines", T.AP_MINES, "int"),
        Column("at_mines", T.AT_MINES, "int"),
        Column("uxo", T.UXO, "int"),
        Column("submunitions", T.SUBMUNITIONS, "int"),
        Column("ieds", T.IEDS, "int"),
        Column("other", T.OTHER, "int"),
        Column("items_total", T.ITEMS_TOTAL, "int"),
    ]


def _area_columns(first: Column) -> list[Column]:
    return [
        first,
        Column("area_cancelled_ha", T.CANCELLED, "ha", T.HA),
        Column("area_reduced_ha", T.REDUCED, "ha", T.HA),
        Column("area_cleared_ha", T.CLEARED, "ha", T.HA),
        Column("area_released_ha", T.RELEASED_COL, "ha", T.HA),
    ]


def sections(session: Session, data: Data, params: ReportParams) -> list[Section]:
    """Return the document's sections: totals, models, operators, districts, periods, map."""
    totals = data["totals"]
    total_row = {"name": T.TOTAL, **totals}
    result = [
        Section(
            T.TOTALS,
            _tables(Column("name", ""), [], total_row, "totals"),
            name="totals",
        ),
        Section(
            T.BY_MODEL,
            [
                Table(
                    [
                        Column("category", T.CATEGORY),
                        Column("model", T.MODEL),
                        Column("items", T.ITEMS, "int"),
                    ],
                    [
                        {
                            "category": EO_CATEGORY[r["category"]]
                            if r["category"] in EO_CATEGORY
                            else r["category"],
                            "model": r["model"] or T.UNKNOWN,
                            "items": r["items"],
                        }
                        for r in data["by_model"]
                    ],
                    name="by_model",
                )
            ],
            name="by_model",
        ),
    ]
    operators = data["by_operator"]
    result.append(
        Section(
            T.BY_OPERATOR,
            [
                *_tables(Column("operator", T.OPERATOR), operators, total_row, "by_operator"),
                Chart(
                    "bar",
                    T.RELEASED_COL,
                    [r["operator"] for r in operators],
                    [Series(T.RELEASED_COL, [r["area_released_ha"] for r in operators])],
                    unit=T.HA,
                ),
            ],
            name="by_operator",
        )
    )
    districts = [
        {**r, "district": r["district"] if r["district"] is not None else T.UNKNOWN_DISTRICT}
        for r in data["by_district"]
    ]
    ids = _district_ids(session, params)
    result.append(
        Section(
            T.BY_DISTRICT,
            [
                *_tables(Column("district", T.DISTRICT), districts, total_row, "by_district"),
                DistrictMap(
                    T.MAP,
                    district_areas(session, ids["released"], ids["items"]),
                    value_label=T.RELEASED_HA,
                    marker_label=T.ITEMS_TOTAL,
                ),
            ],
            name="by_district",
        )
    )
    if "by_period" in data:
        rows = data["by_period"]
        title = T.BY_WEEK if params.group_by == "week" else T.BY_MONTH
        result.append(
            Section(
                title,
                [
                    *_tables(Column("period", T.PERIOD_COL), rows, total_row, "by_period"),
                    Chart(
                        "stacked_bar",
                        T.ITEMS_TOTAL,
                        [r["period"] for r in rows],
                        [
                            Series(label, [r[key] for r in rows])
                            for key, label in (
                                ("ap_mines", T.AP_MINES),
                                ("at_mines", T.AT_MINES),
                                ("uxo", T.UXO),
                                ("submunitions", T.SUBMUNITIONS),
                                ("ieds", T.IEDS),
                                ("other", T.OTHER),
                            )
                        ],
                        unit=T.ITEMS,
                    ),
                    Chart(
                        "stacked_bar",
                        T.RELEASED_COL,
                        [r["period"] for r in rows],
                        [
                            Series(T.CANCELLED, [r["area_cancelled_ha"] for r in rows]),
                            Series(T.REDUCED, [r["area_reduced_ha"] for r in rows]),
                            Series(T.CLEARED, [r["area_cleared_ha"] for r in rows]),
                        ],
                        unit=T.HA,
                    ),
                ],
                name="by_period",
            )
        )
    return result


def _district_ids(session: Session, params: ReportParams) -> dict[str, dict[int, float]]:
    """Return hectares released and items found per district id, for the map."""
    released: dict[int, float] = defaultdict(float)
    for _d, area, _m, _day, m2 in release_sums(session, params, dimensions=("district",)):
        if area is not None:
            released[area] += float(m2 or 0.0)
    items: dict[int, float] = defaultdict(float)
    for _d, area, _c, _day, n in finding_sums(session, params, dimensions=("district",)):
        if area is not None:
            items[area] += float(n or 0)
    return {"released": {a: ha(m2) for a, m2 in released.items()}, "items": dict(items)}


REPORT = ReportSpec(
    name="operations",
    title=T.OPERATIONS,
    compute=compute,
    sections=sections,
    statement=operations_statement,
    groupings=("operator", "district", "week", "month"),
)
