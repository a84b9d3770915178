"""``article7``: Mine Ban Treaty Article 7 tables — areas released, mines destroyed, remaining.

Areas are counted and measured in square metres, as Article 7 reports give
them: for each district, the number of releases and the area cancelled,
reduced and cleared in the period; the anti-personnel mines, anti-tank
mines and other items destroyed; and, at the end of the period, the hazards
known or suspected to contain anti-personnel mines (contamination AP mines
or mixed) with their remaining area.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy.orm import Session

from mineaction.analytics.reports import labels as T
from mineaction.analytics.reports.base import (
    Data,
    ReportSpec,
    district_names,
    period,
    whole_m2,
)
from mineaction.analytics.reports.land_release import hazard_tallies
from mineaction.analytics.reports.operations_sums import finding_sums, release_sums
from mineaction.analytics.reports.params import ReportParams
from mineaction.render.document import Column, Section, Table

METHODS = ("cancelled", "reduced", "cleared")
AP_CONTAMINATION = ("ap_mines", "mixed_mines")
RELEASE_KEYS = tuple(f"{m}_{x}" for m in METHODS for x in ("areas", "m2"))
DESTROYED_KEYS = ("ap_mines", "at_mines", "other_items")


def compute(session: Session, params: ReportParams) -> Data:
    """Return areas released, items destroyed and AP-mined areas remaining, by district."""
    rel: dict[int | None, dict[str, float]] = defaultdict(lambda: dict.fromkeys(RELEASE_KEYS, 0))
    gone: dict[int | None, dict[str, int]] = defaultdict(lambda: dict.fromkeys(DESTROYED_KEYS, 0))
    rem: dict[int | None, dict[str, float]] = {}
    district = ("district",)
    for _d, area, method, _day, n in release_sums(session, params, dimensions=district, count=True):
        rel[area][f"{method}_areas"] += int(n)
    released: dict[tuple[int | None, str], float] = defaultdict(float)
    for _d, area, method, _day, m2 in release_sums(session, params, dimensions=district):
        released[area, method] += float(m2 or 0)
    for (area, method), m2 in released.items():
        rel[area][f"{method}_m2"] = whole_m2(m2)
    for _d, area, category, _day, n in finding_sums(session, params, dimensions=district):
        key = {"ap_mine": "ap_mines", "at_mine": "at_mines"}.get(category, "other_items")
        gone[area][key] += int(n or 0)
    tallies = hazard_tallies(session, params, contamination=AP_CONTAMINATION, left_only=True)
    for area, _status, n, _m2, left in tallies:
        t = rem.setdefault(area, {"areas": 0, "m2": 0.0})
        t["areas"] += n
        t["m2"] += float(left or 0)
    for t in rem.values():
        t["m2"] = whole_m2(t["m2"])
    names = district_names(session, set(rel) | set(gone) | set(rem))

    def name(area: int | None) -> str | None:
        return None if area is None else names[area].en

    def ordered(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return sorted(rows, key=lambda r: (r["district"] is None, r["district"] or ""))

    released_rows = ordered(
        [
            {
                "district": name(a),
                **{k: int(v) for k, v in t.items()},
                "total_m2": int(sum(t[f"{m}_m2"] for m in METHODS)),
            }
            for a, t in rel.items()
        ]
    )
    destroyed_rows = ordered([{"district": name(a), **t} for a, t in gone.items()])
    remaining_rows = ordered([{"district": name(a), **t} for a, t in rem.items()])
    return {
        "period": period(params),
        "areas_released": released_rows,
        "mines_destroyed": destroyed_rows,
        "remaining_ap_areas": remaining_rows,
        "totals": {
            **{k: sum(r[k] for r in released_rows) for k in (*RELEASE_KEYS, "total_m2")},
            **{k: sum(r[k] for r in destroyed_rows) for k in DESTROYED_KEYS},
            "remaining_areas": sum(r["areas"] for r in remaining_rows),
            "remaining_m2": sum(r["m2"] for r in remaining_rows),
        },
    }


def sections(session: Session, data: Data, params: ReportParams) -> list[Section]:
    """Return the three Article 7 tables."""
    t = data["totals"]

    def named(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**r, "district": r["district"] or T.UNKNOWN_DISTRICT} for r in rows]

    release_columns = [Column("district", T.DISTRICT)]
    for method, label in (
        ("cancelled", T.CANCELLED),
        ("reduced", T.REDUCED),
        ("cleared", T.CLEARED),
    ):
        count = T.L(
            f"{label.en}: {T.AREAS_COUNT.en.lower()}",
            f"{label.az}: {T.AREAS_COUNT.az.lower()}",
            f"{label.ru}: {T.AREAS_COUNT.ru.lower()}",
        )
        release_columns += [
            Column(f"{method}_areas", count, "int"),
            Column(f"{method}_m2", label, "int", T.M2),
        ]
    release_columns.append(Column("total_m2", T.RELEASED_COL, "int", T.M2))
    return [
        Section(
            T.RELEASED,
            [
                Table(
                    release_columns,
                    named(data["areas_released"]),
                    total={"district": T.TOTAL, **t},
                    name="areas_released",
                )
            ],
            name="areas_released",
        ),
        Section(
            T.DESTROYED,
            [
                Table(
                    [
                        Column("district", T.DISTRICT),
                        Column("ap_mines", T.AP_MINES, "int"),
                        Column("at_mines", T.AT_MINES, "int"),
                        Column("other_items", T.OTHER, "int"),
                    ],
                    named(data["mines_destroyed"]),
                    total={"district": T.TOTAL, **t},
                    name="mines_destroyed",
                )
            ],
            name="mines_destroyed",
        ),
        Section(
            T.REMAINING,
            [
                Table(
                    [
                        Column("district", T.DISTRICT),
                        Column("areas", T.AREAS_COUNT, "int"),
                        Column("m2", T.AREA, "int", T.M2),
                    ],
                    named(data["remaining_ap_areas"]),
                    total={
                        "district": T.TOTAL,
                        "areas": t["remaining_areas"],
                        "m2": t["remaining_m2"],
                    },
                    name="remaining_ap_areas",
                )
            ],
            name="remaining",
        ),
    ]


REPORT = ReportSpec(name="article7", title=T.ARTICLE7, compute=compute, sections=sections)
