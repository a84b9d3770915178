"""The parameters every report takes (the CLI's options, the API's query), and their periods."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from mineaction.errors import ValidationError

GROUPINGS = ("operator", "district", "week", "month")


@dataclass(frozen=True)
class ReportParams:
    """What a report covers: dates (inclusive), a grouping, and whether unapproved records count.

    >>> ReportParams(dt.date(2024, 4, 29), dt.date(2024, 5, 5)).days
    7
    """

    date_from: dt.date
    date_to: dt.date
    group_by: str | None = None
    include_unapproved: bool = False

    def __post_init__(self) -> None:
        if self.date_from > self.date_to:
            raise ValidationError(
                f"The period starts ({self.date_from}) after it ends ({self.date_to}).",
                hint="Give --from on or before --to.",
            )
        if self.group_by is not None and self.group_by not in GROUPINGS:
            raise ValidationError(
                f"A report cannot be grouped by {self.group_by!r}.",
                hint=f"Use one of: {', '.join(GROUPINGS)}.",
            )

    @property
    def days(self) -> int:
        """Number of days in the period, both ends included."""
        return (self.date_to - self.date_from).days + 1

    @classmethod
    def for_week(cls, week: str, **options: object) -> ReportParams:
        """Return parameters for an ISO week such as ``2024-W18`` (Monday to Sunday).

        >>> p = ReportParams.for_week("2024-W18")
        >>> p.date_from, p.date_to
        (datetime.date(2024, 4, 29), datetime.date(2024, 5, 5))
        """
        start, end = iso_week(week)
        return cls(start, end, **options)  # type: ignore[arg-type]


def iso_week(text: str) -> tuple[dt.date, dt.date]:
    """Return the Monday and Sunday of ISO week ``YYYY-Www``; raise ValidationError otherwise."""
    match = re.fullmatch(r"(\d{4})-?W(\d{1,2})", text.strip(), flags=re.IGNORECASE)
    try:
        if not match:
            raise ValueError(text)
        monday = dt.date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise ValidationError(
            f"{text!r} is not an ISO week.",
            hint="Write the week as YYYY-Www, e.g. 2024-W18 (Monday 29 April to Sunday 5 May).",
        ) from None
    return monday, monday + dt.timedelta(days=6)


def bucket(day: dt.date, grouping: str) -> str:
    """Return the week (``2024-W18``) or month (``2024-05``) a day falls in.

    >>> bucket(dt.date(2024, 5, 5), "week"), bucket(dt.date(2024, 5, 5), "month")
    ('2024-W18', '2024-05')
    """
    if grouping == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day.year}-{day.month:02d}"
