"""What EORE and victim-assistance reports share: beneficiaries by sex × age band, by dimension."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Integer, Select, String, func, literal_column, or_, select, union_all
from sqlalchemy.orm import Session

from mineaction.analytics.reports import labels as T
from mineaction.analytics.reports.base import (
    Data,
    approved,
    district_names,
    operator_names,
    period,
)
from mineaction.analytics.reports.params import ReportParams
from mineaction.domain.spans import cut_months
from mineaction.domain.vocab import Vocabulary
from mineaction.render.document import Chart, Column, Section, Series, Table
from mineaction.store.tables import BENEFICIARY_COLUMNS

LABELS = {
    "female_child": T.GIRLS,
    "male_child": T.BOYS,
    "female_adult": T.WOMEN,
    "male_adult": T.MEN,
    "female_elderly": T.ELDERLY_WOMEN,
    "male_elderly": T.ELDERLY_MEN,
}


def compute(
    session: Session,
    params: ReportParams,
    *,
    model: Any,
    rollup: Any,
    date: Any,
    kind: Any,
    kind_key: str,
    count_key: str,
) -> Data:
    """Return records and beneficiaries of ``model`` in the period by district, operator, kind.

    The whole months of the period are read from ``rollup`` (kept exact by
    triggers, ``store/beneficiary_rollup_ddl.py``), the days at its ends from
    the records, grouped the roll-up's way (one dimension at a time) in the
    same statement: a few dozen rows come back, whatever the period.
    """
    total: dict[str, int] = defaultdict(int)
    by_area: dict[int | None, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_org: dict[int | None, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_kind: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    parts = cut_months(params.date_from, params.date_to)
    queries: list[Select[Any]] = []
    if parts.spans is not None:
        keys = (rollup.dimension, rollup.kind, rollup.member_id)
        queries.append(
            select(
                *keys,
                func.sum(rollup.records),
                *(func.sum(getattr(rollup, c)) for c in BENEFICIARY_COLUMNS),
            )
            .where(rollup.month_start.between(*parts.spans), approved(rollup, params))
            .group_by(*keys)
        )
    if parts.ends:
        in_ends = (or_(*(date.between(a, b) for a, b in parts.ends)), approved(model, params))
        sums = (func.count(model.id), *(func.sum(getattr(model, c)) for c in BENEFICIARY_COLUMNS))
        no_kind, no_member = literal_column("''", String()), literal_column("0", Integer())
        for dimension, kind_of, member, group in (
            ("district", no_kind, model.admin_area_id, model.admin_area_id),
            ("operator", no_kind, model.organisation_id, model.organisation_id),
            ("kind", kind, no_member, kind),
        ):
            queries.append(
                select(literal_column(f"'{dimension}'"), kind_of, member, *sums)
                .where(*in_ends)
                .group_by(group)
            )
    rows = session.execute(union_all(*queries)) if len(queries) > 1 else session.execute(queries[0])
    for dimension, k, member, n, *figures_ in rows:
        if dimension == "district":
            tallies: tuple[dict[str, int], ...] = (by_area[member or None],)
        elif dimension == "operator":
            tallies = (by_org[member or None],)
        else:  # each record counts once in the kind dimension: the totals
            tallies = (total, by_kind[k])
        for tally in tallies:
            tally[count_key] += int(n)
            for column, value in zip(BENEFICIARY_COLUMNS, figures_, strict=True):
                tally[column] += int(value or 0)

    def figures(t: dict[str, int]) -> dict[str, int]:
        out = {count_key: t[count_key], **{c: t[c] for c in BENEFICIARY_COLUMNS}}
        out["beneficiaries"] = sum(t[c] for c in BENEFICIARY_COLUMNS)
        return out

    areas = district_names(session, set(by_area))
    orgs = operator_names(session, set(by_org))
    return {
        "period": period(params),
        "totals": figures(total),
        "by_district": sorted(
            (
                {"district": None if a is None else areas[a].en, **figures(t)}
                for a, t in by_area.items()
            ),
            key=lambda r: (r["district"] is None, r["district"] or ""),
        ),
        "by_operator": sorted(
            ({"operator": orgs[o], **figures(t)} for o, t in by_org.items()),
            key=lambda r: (-r["beneficiaries"], r["operator"]),
        ),
        f"by_{kind_key}": [{kind_key: k, **figures(by_kind[k])} for k in sorted(by_kind)],
    }


def sections(
    data: Data,
    *,
    count_key: str,
    count_label: Any,
    kind_key: str,
    kind_label: Any,
    vocabulary: Vocabulary,
) -> list[Section]:
    """Return the sections: totals chart, then district, operator and kind tables."""

    def columns(first: Column) -> list[Column]:
        return [
            first,
            Column(count_key, count_label, "int"),
            *(Column(c, LABELS[c], "int") for c in BENEFICIARY_COLUMNS),
            Column("beneficiaries", T.BENEFICIARIES, "int"),
        ]

    t = data["totals"]

    def table(key: str, label: Any, rows: list[dict[str, Any]], name: str) -> Table:
        return Table(columns(Column(key, label)), rows, total={key: T.TOTAL, **t}, name=name)

    districts = [
        {**r, "district": r["district"] if r["district"] is not None else T.UNKNOWN_DISTRICT}
        for r in data["by_district"]
    ]
    kinds = [
        {**r, kind_key: vocabulary[r[kind_key]] if r[kind_key] in vocabulary else r[kind_key]}
        for r in data[f"by_{kind_key}"]
    ]
    return [
        Section(
            T.TOTALS,
            [
                Chart(
                    "bar",
                    T.BENEFICIARIES,
                    [LABELS[c] for c in BENEFICIARY_COLUMNS],
                    [Series(T.BENEFICIARIES, [t[c] for c in BENEFICIARY_COLUMNS])],
                ),
                table(kind_key, kind_label, kinds, f"by_{kind_key}"),
            ],
            name="totals",
        ),
        Section(
            T.BY_DISTRICT,
            [table("district", T.DISTRICT, districts, "by_district")],
            name="by_district",
        ),
        Section(
            T.BY_OPERATOR,
            [table("operator", T.OPERATOR, data["by_operator"], "by_operator")],
            name="by_operator",
        ),
    ]


__all__ = ["LABELS", "compute", "sections"]
