"""The operations report's sums: roll-ups for the whole spans of the period, records for its ends.

The period is cut (``domain/spans.py``) into the whole spans inside it, read
from the roll-up tables that the database keeps exact on every write
(``store/rollup_ddl.py``), and at most two runs of days at its ends (under a
week each), read from ``findings`` and ``land_releases`` through their date
indexes. So any ``--from``/``--to`` is exact, and a full-history report reads
a few tens of thousands of roll-up rows instead of millions of records.

Each sum is one tuple ``(dimension, member, kind, day, value)``: the dimension
(``operator``, ``district`` or, for findings, ``model``), its member's id
(None when not recorded), the category or method, the first day of the span
or the day (only when asked for, else None), and the items or square metres.
Every record counts once in each dimension.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, literal, or_, select
from sqlalchemy.orm import Session

from mineaction.analytics.reports.base import approved
from mineaction.analytics.reports.params import ReportParams
from mineaction.domain.spans import cut
from mineaction.store.tables import Finding, FindingRollup, LandRelease, ReleaseRollup

#: A sum of the report: (dimension, member id, category or method, day, items or m²).
Sum = tuple[str, int | None, str, dt.date | None, Any]

FINDING_DIMENSIONS = ("operator", "district", "model")
RELEASE_DIMENSIONS = ("operator", "district")


def finding_sums(
    session: Session,
    params: ReportParams,
    *,
    by_day: bool = False,
    dimensions: tuple[str, ...] = FINDING_DIMENSIONS,
) -> list[Sum]:
    """Return the items found in the period, per dimension member and category (and day)."""
    members = {
        "operator": Finding.organisation_id,
        "district": Finding.admin_area_id,
        "model": Finding.eo_model_id,
    }
    return _sums(
        session,
        params,
        rollup=FindingRollup,
        kind=FindingRollup.category,
        measure=FindingRollup.items,
        source=Finding,
        date=Finding.found_date,
        source_kind=Finding.category,
        value=Finding.quantity,
        members={d: members[d] for d in dimensions},
        by_day=by_day,
    )


def release_sums(
    session: Session,
    params: ReportParams,
    *,
    by_day: bool = False,
    dimensions: tuple[str, ...] = RELEASE_DIMENSIONS,
    count: bool = False,
) -> list[Sum]:
    """Return the square metres released in the period, per dimension member and method.

    With ``count``, the number of releases instead of their area.
    """
    members = {"operator": LandRelease.organisation_id, "district": LandRelease.admin_area_id}
    return _sums(
        session,
        params,
        rollup=ReleaseRollup,
        kind=ReleaseRollup.method,
        measure=ReleaseRollup.records if count else ReleaseRollup.area_m2,
        source=LandRelease,
        date=LandRelease.release_date,
        source_kind=LandRelease.method,
        value=literal(1) if count else LandRelease.area_m2,
        members={d: members[d] for d in dimensions},
        by_day=by_day,
    )


def _sums(
    session: Session,
    params: ReportParams,
    *,
    rollup: Any,
    kind: Any,
    measure: Any,
    source: Any,
    date: Any,
    source_kind: Any,
    value: Any,
    members: dict[str, Any],
    by_day: bool,
) -> list[Sum]:
    parts = cut(params.date_from, params.date_to)
    out: list[Sum] = []
    if parts.spans is not None:
        keys = [rollup.dimension, rollup.member_id, kind]
        if by_day:
            keys.append(rollup.span_start)
        rows = session.execute(
            select(*keys, func.sum(measure))
            .where(
                rollup.span_start.between(*parts.spans),
                rollup.dimension.in_(tuple(members)),
                approved(rollup, params),
            )
            .group_by(*keys)
        )
        for dimension, member, k, *rest in rows:
            day, total = (rest[0], rest[1]) if by_day else (None, rest[0])
            out.append((dimension, member or None, k, day, total))
    if parts.ends:
        keys = [source_kind, *members.values()]
        if by_day:
            keys.append(date)
        rows = session.execute(
            select(*keys, func.sum(value))
            .where(or_(*(date.between(a, b) for a, b in parts.ends)), approved(source, params))
            .group_by(*keys)
        )
        names = tuple(members)
        for k, *rest in rows:
            day = rest[len(names)] if by_day else None
            total = rest[-1]
            for dimension, member in zip(names, rest, strict=False):
                out.append((dimension, member, k, day, total))
    return out
