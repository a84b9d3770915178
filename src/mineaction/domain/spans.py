"""Spans: the time grain of the report roll-ups — the part of an ISO week inside one month.

A span starts on a Monday or on the first of a month, whichever comes later,
and ends on the Sunday or the last day of the month, whichever comes first.
Every span lies inside one ISO week and one calendar month, so sums kept per
span add up exactly to weeks and to months; a year has about 64 of them.
A report's period is cut into the whole spans inside it (read from the
roll-up) and at most two runs of days at its ends (read from the records).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

ONE_DAY = dt.timedelta(days=1)


def span_start(day: dt.date) -> dt.date:
    """Return the first day of the span holding ``day``.

    >>> span_start(dt.date(2024, 5, 5)), span_start(dt.date(2024, 4, 30))
    (datetime.date(2024, 5, 1), datetime.date(2024, 4, 29))
    """
    monday = day - dt.timedelta(days=day.weekday())
    return max(monday, day.replace(day=1))


def next_span_start(day: dt.date) -> dt.date:
    """Return the first day of the span after the one holding ``day``.

    >>> next_span_start(dt.date(2024, 4, 29)), next_span_start(dt.date(2024, 5, 1))
    (datetime.date(2024, 5, 1), datetime.date(2024, 5, 6))
    """
    next_monday = day + dt.timedelta(days=7 - day.weekday())
    first_of_next_month = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return min(next_monday, first_of_next_month)


@dataclass(frozen=True)
class PeriodCut:
    """A period cut into whole spans (``spans``, first and last day) and the days at its ends.

    ``cut_months`` cuts by calendar months instead; ``spans`` then holds the first
    day of the first whole month and the last day of the last.
    """

    spans: tuple[dt.date, dt.date] | None
    ends: tuple[tuple[dt.date, dt.date], ...]


def cut(date_from: dt.date, date_to: dt.date) -> PeriodCut:
    """Cut the period (both ends included) into its whole spans and the days left at its ends.

    >>> cut(dt.date(2024, 4, 29), dt.date(2024, 5, 5))  # an ISO week across two months
    PeriodCut(spans=(datetime.date(2024, 4, 29), datetime.date(2024, 5, 5)), ends=())
    >>> c = cut(dt.date(2024, 4, 3), dt.date(2024, 4, 16))
    >>> c.spans, [(a.day, b.day) for a, b in c.ends]
    ((datetime.date(2024, 4, 8), datetime.date(2024, 4, 14)), [(3, 7), (15, 16)])
    >>> cut(dt.date(2024, 4, 3), dt.date(2024, 4, 4))
    PeriodCut(spans=None, ends=((datetime.date(2024, 4, 3), datetime.date(2024, 4, 4)),))
    """
    return _cut(date_from, date_to, span_start, next_span_start)


def month_start(day: dt.date) -> dt.date:
    """Return the first day of the month holding ``day``."""
    return day.replace(day=1)


def next_month_start(day: dt.date) -> dt.date:
    """Return the first day of the month after the one holding ``day``.

    >>> next_month_start(dt.date(2024, 1, 31)), next_month_start(dt.date(2024, 12, 1))
    (datetime.date(2024, 2, 1), datetime.date(2025, 1, 1))
    """
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def cut_months(date_from: dt.date, date_to: dt.date) -> PeriodCut:
    """Cut the period into its whole calendar months and the days left at its ends.

    >>> c = cut_months(dt.date(2024, 1, 15), dt.date(2024, 4, 30))
    >>> c.spans, [(a.isoformat(), b.isoformat()) for a, b in c.ends]
    ((datetime.date(2024, 2, 1), datetime.date(2024, 4, 30)), [('2024-01-15', '2024-01-31')])
    >>> cut_months(dt.date(2024, 4, 29), dt.date(2024, 5, 5)).spans is None
    True
    """
    return _cut(date_from, date_to, month_start, next_month_start)


def _cut(
    date_from: dt.date,
    date_to: dt.date,
    start: Callable[[dt.date], dt.date],
    next_start: Callable[[dt.date], dt.date],
) -> PeriodCut:
    first = date_from if start(date_from) == date_from else next_start(date_from)
    ends_a_span = next_start(date_to) == date_to + ONE_DAY
    last = date_to if ends_a_span else start(date_to) - ONE_DAY
    if first > last:
        return PeriodCut(None, ((date_from, date_to),))
    ends = []
    if date_from < first:
        ends.append((date_from, first - ONE_DAY))
    if last < date_to:
        ends.append((last + ONE_DAY, date_to))
    return PeriodCut((first, last), tuple(ends))
