"""The demo's calendar: weeks from the ceasefire to the end of 2024, and how work ramped up.

The ramps are shaped after ANAMA's public weekly summaries: a slow start in
the winter of 2020–21, growing capacity through 2022–23, and about 2,000 ha
and 50 AT / 25 AP / 350 UXO items a week in 2024.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator

#: The day after the ceasefire statement of 10 November 2020.
START = dt.date(2020, 11, 10)
#: The last day of the demo data.
END = dt.date(2024, 12, 31)
#: Days in 2024 / 7: the number of weeks the 2024 weekly averages divide by.
WEEKS_2024 = 366 / 7

#: Weekly figures of 2024 that the demo aims at (full scale).
AT_PER_WEEK = 50.0
AP_PER_WEEK = 25.0
UXO_PER_WEEK = 350.0
HA_PER_WEEK = 2_000.0

# (date, hectares released per week): piecewise-linear between these points.
_RELEASE_RAMP = (
    (dt.date(2020, 11, 9), 15.0),
    (dt.date(2021, 6, 1), 200.0),
    (dt.date(2021, 12, 31), 450.0),
    (dt.date(2022, 12, 31), 1_100.0),
    (dt.date(2023, 12, 31), 1_800.0),
    (dt.date(2024, 1, 31), HA_PER_WEEK),
    (dt.date(2024, 12, 31), HA_PER_WEEK),
)


def weeks() -> Iterator[dt.date]:
    """Yield the Monday of every week from the ceasefire week to the last week of 2024."""
    monday = START - dt.timedelta(days=START.weekday())
    while monday <= END:
        yield monday
        monday += dt.timedelta(days=7)


def week_days(monday: dt.date) -> list[dt.date]:
    """Return the days of the week starting ``monday`` that lie inside the demo period."""
    days = (monday + dt.timedelta(days=i) for i in range(7))
    return [d for d in days if START <= d <= END]


def release_ha_per_week(day: dt.date) -> float:
    """Return the hectares released in a week around ``day`` (full scale)."""
    points = _RELEASE_RAMP
    if day <= points[0][0]:
        return points[0][1]
    for (d0, v0), (d1, v1) in itertools.pairwise(points):
        if d0 <= day <= d1:
            share = (day - d0).days / max((d1 - d0).days, 1)
            return v0 + share * (v1 - v0)
    return points[-1][1]


def mine_factor(day: dt.date) -> float:
    """Return the weekly mine finds around ``day`` as a share of 2024's."""
    return max(release_ha_per_week(day) / HA_PER_WEEK, 0.15)


def uxo_factor(day: dt.date) -> float:
    """Return the weekly UXO finds around ``day`` as a share of 2024's.

    Battle-area clearance found much UXO from the start, so this ramp starts higher.
    """
    return max(release_ha_per_week(day) / HA_PER_WEEK, 0.55)


def random_date(rng_random: float, first: dt.date, last: dt.date) -> dt.date:
    """Return the date a share ``rng_random`` (0–1) of the way from ``first`` to ``last``."""
    span = (last - first).days
    return first + dt.timedelta(days=min(int(rng_random * (span + 1)), span))
