"""The casualties report's counts: roll-ups for the period's whole months, records for its ends.

The report needs each dimension on its own (victims by group, by sex, by
device, by month…), never all their combinations. The period is cut
(``domain/spans.py``) into its whole calendar months, read from the casualty
roll-ups the database keeps exact on every write to victims and accidents
(``store/casualty_rollup_ddl.py``: victims per month × approval states ×
dimension member × outcome, accidents per month × approval), and at most two
runs of days at its ends (under a month each). An end is read from the
records, or, when the rest of its month is shorter, as the whole month from
the roll-ups less the rest read from the records (``reading``). So any
``--from``/``--to`` is exact, and a full-history report reads a few
thousand roll-up rows instead of joining every victim to its accident.

The ends are counted from the joined records in three small groupings — by
the victim's group, sex, age band and outcome; by the accident's device and
district and the outcome; by the accident's day and the outcome — in one
statement: ``GROUPING SETS`` on PostgreSQL, a materialised join grouped
three times (``UNION ALL``) on SQLite, which has no grouping sets.

Every count is ``(dimension, member, outcome, victims)``: the dimension is
``group``, ``sex``, ``age``, ``device``, ``district`` (member: the
district's id, None when not recorded) or ``month`` (member: ``YYYY-MM``).
Each victim counts once in each dimension.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal, null, or_, select, tuple_, union_all
from sqlalchemy.orm import Session

from mineaction.analytics.reports.base import approved, approved_column
from mineaction.analytics.reports.params import ReportParams
from mineaction.domain.spans import ONE_DAY, cut_months
from mineaction.store.tables import Accident, AccidentRollup, Victim, VictimRollup

#: A count: dimension, member, outcome, victims (see the module's note).
Count = tuple[str, Any, str, int]
#: Runs of days read from the records, both ends included.
Days = tuple[tuple[dt.date, dt.date], ...]

#: The columns the record groupings use, in the order of their rows.
COLUMNS = ("group", "sex", "age", "device", "district", "day", "outcome")
#: The record groupings: name → the columns it groups by.
GROUPINGS = {
    "victim": ("group", "sex", "age", "outcome"),
    "place": ("device", "district", "outcome"),
    "day": ("day", "outcome"),
}
#: The roll-up dimension any victim counts once in, read for the months' trend.
TREND_DIMENSION = "group"


@dataclass(frozen=True)
class Reading:
    """How a period is read: whole months from the roll-ups, days added or taken from records."""

    months: tuple[tuple[dt.date, dt.date], ...]
    add: Days
    take: Days


def reading(date_from: dt.date, date_to: dt.date) -> Reading:
    """Return how to read the period: its whole months, and each end the cheaper way.

    An end (the days before the first whole month or after the last) is read
    from the records, unless the rest of its month is shorter: then the whole
    month is read from the roll-ups and the rest taken away, read from the
    records. A history from 2 January reads January and takes the 1st away.

    >>> def show(days): return [f"{a:%d %b}–{b:%d %b %Y}" for a, b in days]
    >>> r = reading(dt.date(2021, 1, 2), dt.date(2025, 12, 10))
    >>> show(r.months), show(r.take), show(r.add)
    (['01 Feb–30 Nov 2025', '01 Jan–01 Jan 2021'], ['01 Jan–01 Jan 2021'], ['01 Dec–10 Dec 2025'])
    """
    parts = cut_months(date_from, date_to)
    months = [parts.spans] if parts.spans is not None else []
    add: list[tuple[dt.date, dt.date]] = []
    take: list[tuple[dt.date, dt.date]] = []
    for a, b in parts.ends:
        first = a.replace(day=1)
        last = (first + dt.timedelta(days=31)).replace(day=1) - ONE_DAY
        rest = [(x, y) for x, y in ((first, a - ONE_DAY), (b + ONE_DAY, last)) if x <= y]
        if b <= last and sum((y - x).days + 1 for x, y in rest) < (b - a).days + 1:
            months.append((first, first))
            take.extend(rest)
        else:
            add.append((a, b))
    return Reading(tuple(months), tuple(add), tuple(take))


def accident_count(session: Session, params: ReportParams) -> int:
    """Return the number of the period's accidents."""
    plan = reading(params.date_from, params.date_to)
    n = 0
    if plan.months:
        in_months = or_(*(AccidentRollup.month_start.between(a, b) for a, b in plan.months))
        query = select(func.sum(AccidentRollup.accidents)).where(
            in_months, approved_column(AccidentRollup.approval, params)
        )
        n += int(session.scalar(query) or 0)
    for days, sign in ((plan.add, 1), (plan.take, -1)):
        if days:
            on_days = select(func.count(Accident.id)).where(
                _on_days(days), approved(Accident, params)
            )
            n += sign * int(session.scalar(on_days) or 0)
    return n


def victim_counts(session: Session, params: ReportParams) -> list[Count]:
    """Return the period's victims counted in each dimension (see the module's note)."""
    plan = reading(params.date_from, params.date_to)
    if not plan.take:
        out: list[Count] = []
        if plan.months:
            out.extend(_from_rollup(session, params, plan.months))
        if plan.add:
            out.extend(_from_records(session, params, plan.add))
        return out
    net: Counter[tuple[str, Any, str]] = Counter()
    for dimension, member, outcome, n in _from_rollup(session, params, plan.months):
        net[(dimension, member, outcome)] += n
    for days, sign in ((plan.add, 1), (plan.take, -1)):
        if days:
            for dimension, member, outcome, n in _from_records(session, params, days):
                net[(dimension, member, outcome)] += sign * n
    # A member whose victims all fell on the days taken away is not in the period.
    return [(d, m, o, n) for (d, m, o), n in net.items() if n]


def _from_rollup(
    session: Session, params: ReportParams, months: tuple[tuple[dt.date, dt.date], ...]
) -> list[Count]:
    where = (
        or_(*(VictimRollup.month_start.between(a, b) for a, b in months)),
        approved_column(VictimRollup.accident_approval, params),
        approved_column(VictimRollup.victim_approval, params),
    )
    r = VictimRollup
    members = select(r.dimension, r.member, r.member_id, null(), r.outcome, func.sum(r.victims))
    trend = select(
        literal("month"), literal(""), literal(0), r.month_start, r.outcome, func.sum(r.victims)
    )
    query: Any = union_all(
        members.where(*where).group_by(r.dimension, r.member, r.member_id, r.outcome),
        trend.where(*where, r.dimension == TREND_DIMENSION).group_by(r.month_start, r.outcome),
    )
    out: list[Count] = []
    for dimension, member, member_id, month, outcome, n in session.execute(query):
        if dimension == "district":
            member = member_id or None
        elif dimension == "month":
            member = str(month)[:7]  # a date from PostgreSQL, its ISO text from SQLite
        out.append((dimension, member, outcome, int(n)))
    return out


def _on_days(days: Days) -> ColumnElement[bool]:
    return or_(*(Accident.accident_date.between(a, b) for a, b in days))


def _from_records(session: Session, params: ReportParams, days: Days) -> list[Count]:
    where = and_(_on_days(days), approved(Accident, params), approved(Victim, params))
    if session.get_bind().dialect.name == "postgresql":
        rows = _grouping_sets(session, where)
    else:
        rows = _union(session, where)
    out: list[Count] = []
    for grouping, group, sex, age, device, district, day, outcome, n in rows:
        if grouping == "victim":
            out += [
                ("group", group, outcome, n),
                ("sex", sex, outcome, n),
                ("age", age, outcome, n),
            ]
        elif grouping == "place":
            out += [("device", device, outcome, n), ("district", district, outcome, n)]
        else:
            out.append(("month", str(day)[:7], outcome, n))
    return out


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


def _grouping_sets(session: Session, where: ColumnElement[bool]) -> list[tuple[Any, ...]]:
    members = _members()
    width = len(COLUMNS)
    grouping_of = {_left_out(kept): name for name, kept in GROUPINGS.items()}
    columns = [members[c] for c in COLUMNS]
    query = (
        select(*columns, func.grouping(*columns), func.count(Victim.id))
        .join_from(Victim, Accident, Accident.id == Victim.accident_id)
        .where(where)
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


def _union(session: Session, where: ColumnElement[bool]) -> list[tuple[Any, ...]]:
    joined = (
        select(*(column.label(name) for name, column in _members().items()))
        .join_from(Victim, Accident, Accident.id == Victim.accident_id)
        .where(where)
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
