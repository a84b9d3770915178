"""The casualties report's counts: victims by a few small groupings, in one statement.

The report needs each dimension on its own (victims by group, by sex, by
device, by day…), never all their combinations. Grouping by all of them at
once gives nearly one row per victim (34,586 groups for 49,977 victims at
national scale), which the database has to sort and Python to fold. So the
victims are grouped three ways, each small: by the victim's group, sex, age
band and outcome (at most 96 rows); by the accident's device and district
and the outcome; by the accident's day and the outcome. One statement does
the three over the period's joined rows:

- PostgreSQL groups by ``GROUPING SETS`` (hash aggregation, one pass);
- SQLite, which has no grouping sets, reads the join once into a
  materialised common table expression and groups it three times
  (``UNION ALL``).

Both give rows ``(grouping, group, sex, age, device, district, day, outcome,
victims)`` with None in the columns outside the row's grouping. ``day`` is
the accident date: a ``datetime.date`` from PostgreSQL, its ISO text from
SQLite (use ``str(day)``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, literal, null, select, tuple_, union_all
from sqlalchemy.orm import Session

from mineaction.analytics.reports.base import approved, in_period, prefers_scan
from mineaction.analytics.reports.params import ReportParams
from mineaction.store.tables import Accident, Victim

#: A row of counts: grouping name, the seven members (None outside the grouping), victims.
Count = tuple[Any, ...]

#: The columns the groupings use, in the order of the rows.
COLUMNS = ("group", "sex", "age", "device", "district", "day", "outcome")
#: The groupings: name → the columns it groups by.
GROUPINGS = {
    "victim": ("group", "sex", "age", "outcome"),
    "place": ("device", "district", "outcome"),
    "day": ("day", "outcome"),
}


def _members() -> dict[str, Any]:
    return {
        "group": Victim.victim_group,
        "sex": Victim.sex,
        "age": Victim.age_band,
        "device": Accident.device_category,
        "district": Accident.admin_area_id,
        "day": Accident.accident_date,
        "outcome": Victim.outcome,
    }


def _filters(session: Session, params: ReportParams) -> list[ColumnElement[bool]]:
    scan = prefers_scan(session, params)
    return [
        in_period(Accident.accident_date, params, scan=scan),
        approved(Accident, params),
        approved(Victim, params),
    ]


def accident_count(session: Session, params: ReportParams) -> int:
    """Return the number of the period's accidents."""
    scan = prefers_scan(session, params)
    n = session.scalar(
        select(func.count(Accident.id)).where(
            in_period(Accident.accident_date, params, scan=scan), approved(Accident, params)
        )
    )
    return int(n or 0)


def victim_counts(session: Session, params: ReportParams) -> list[Count]:
    """Return the period's victims counted by each grouping (see the module's note)."""
    if session.get_bind().dialect.name == "postgresql":
        return _grouping_sets(session, params)
    return _union(session, params)


def _grouping_sets(session: Session, params: ReportParams) -> list[Count]:
    members = _members()
    width = len(COLUMNS)
    grouping_of = {_left_out(kept): name for name, kept in GROUPINGS.items()}
    columns = [members[c] for c in COLUMNS]
    query = (
        select(*columns, func.grouping(*columns), func.count(Victim.id))
        .join_from(Victim, Accident, Accident.id == Victim.accident_id)
        .where(*_filters(session, params))
        .group_by(
            func.grouping_sets(
                *(tuple_(*(members[c] for c in kept)) for kept in GROUPINGS.values())
            )
        )
    )
    return [(grouping_of[r[width]], *r[:width], int(r[width + 1])) for r in session.execute(query)]


def _left_out(kept: tuple[str, ...]) -> int:
    """Return what ``GROUPING(all COLUMNS)`` gives for a set keeping ``kept``.

    It has a 1 bit for each column left out of the set, the first column being
    the highest bit.

    >>> bin(_left_out(("day", "outcome")))
    '0b1111100'
    """
    width = len(COLUMNS)
    return sum(1 << (width - 1 - i) for i, c in enumerate(COLUMNS) if c not in kept)


def _union(session: Session, params: ReportParams) -> list[Count]:
    joined = (
        select(*(column.label(name) for name, column in _members().items()))
        .join_from(Victim, Accident, Accident.id == Victim.accident_id)
        .where(*_filters(session, params))
        .cte("joined")
        .prefix_with("MATERIALIZED")
    )
    query = union_all(
        *(
            select(
                literal(name),
                *(joined.c[c] if c in kept else null() for c in COLUMNS),
                func.count(),
            ).group_by(*(joined.c[c] for c in kept))
            for name, kept in GROUPINGS.items()
        )
    )
    return [(*r[:-1], int(r[-1])) for r in session.execute(query)]
