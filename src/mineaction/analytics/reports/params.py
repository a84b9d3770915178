"""The parameters every report takes (the CLI's options, the API's query), and their periods."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from mineaction.domain.rules import parse_day
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


def params_from_text(
    *,
    date_from: str | None,
    date_to: str | None,
    week: str | None,
    group_by: str | None = None,
    include_unapproved: bool = False,
) -> ReportParams:
    """Return the parameters of a query or form: ``week``, else ``from`` and ``to`` (text).

    >>> params_from_text(date_from=None, date_to=None, week="2024-W18").date_to
    datetime.date(2024, 5, 5)
    """
    options: dict[str, object] = {
        "group_by": group_by or None,
        "include_unapproved": include_unapproved,
    }
    if week and week.strip():
        return ReportParams.for_week(week, **options)
    start, end = parse_day(date_from, "from"), parse_day(date_to, "to")
    if start is None or end is None:
        raise ValidationError(
            "A report needs a period: from and to, or week.",
            hint="E.g. from 2024-04-29 to 2024-05-05, or week 2024-W18.",
        )
    return ReportParams(start, end, **options)  # type: ignore[arg-type]


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
