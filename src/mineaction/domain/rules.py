"""Checks shared by every way data comes in: collect problems, then refuse once.

>>> from mineaction.domain.vocab import RELEASE_METHOD
>>> p = Problems()
>>> p.code(RELEASE_METHOD, "clered", "method")
>>> p.items[0].hint
"Did you mean 'cleared'? Allowed: cancelled, reduced, cleared."
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from mineaction.domain.vocab import Vocabulary
from mineaction.errors import Problem, ValidationError


class Problems:
    """A list of problems found in one record (or row), raised together."""

    def __init__(self, *, source: str | None = None, row: int | None = None) -> None:
        self.items: list[Problem] = []
        self.source = source
        self.row = row

    def add(self, field: str, value: Any, reason: str, hint: str | None = None) -> None:
        """Record one problem."""
        self.items.append(
            Problem(
                reason=reason, field=field, value=value, hint=hint, row=self.row, source=self.source
            )
        )

    def code(
        self, vocab: Vocabulary, value: Any, field: str, *, required: bool = True
    ) -> str | None:
        """Return ``value`` when it is a code of ``vocab``; otherwise record why not."""
        if value is None or value == "":
            if required:
                self.add(field, value, f"{field} is required.", f"Allowed: {', '.join(vocab)}.")
            return None
        text = str(value).strip()
        if text in vocab:
            return text
        guess = vocab.suggest(text)
        hint = f"Allowed: {', '.join(vocab)}."
        if guess:
            hint = f"Did you mean {guess!r}? {hint}"
        self.add(field, value, f"{text!r} is not a known {vocab.name.replace('_', ' ')}.", hint)
        return None

    def date(
        self,
        value: dt.date | None,
        field: str,
        *,
        required: bool = True,
        today: dt.date | None = None,
    ) -> dt.date | None:
        """Return ``value`` when it is a date that is not in the future."""
        if value is None:
            if required:
                self.add(field, value, f"{field} is required.", "Write dates as YYYY-MM-DD.")
            return None
        if value > (today or dt.date.today()):
            self.add(
                field,
                value,
                f"{field} {value.isoformat()} is in the future.",
                "Check the year and the day/month order.",
            )
            return None
        return value

    def positive(self, value: float | None, field: str, *, required: bool = True) -> float | None:
        """Return ``value`` when it is a number greater than zero."""
        if value is None:
            if required:
                self.add(field, value, f"{field} is required.")
            return None
        if value <= 0:
            self.add(field, value, f"{field} must be greater than zero.")
            return None
        return value

    def position(
        self, lon: float | None, lat: float | None, *, has_district: bool, what: str
    ) -> None:
        """Record why a position is incomplete: lon without lat, or neither nor a district."""
        if (lon is None) != (lat is None):
            self.add("lon" if lon is None else "lat", None, "Give both lon and lat, or neither.")
        if lon is None and not has_district:
            self.add(
                "district",
                None,
                f"{what} needs a position (lon, lat) or a district.",
                "Add the lon and lat columns, or name the district.",
            )

    def raise_if_any(self, what: str) -> None:
        """Raise ValidationError listing every problem, if there is any."""
        if self.items:
            first = self.items[0]
            more = f" (and {len(self.items) - 1} more problems)" if len(self.items) > 1 else ""
            raise ValidationError(
                f"The {what} was not saved: {first.reason}{more}",
                hint=first.hint,
                problems=self.items,
            )


def parse_day(value: str | None, name: str) -> dt.date | None:
    """Return the day written ``YYYY-MM-DD`` (None when empty); raise ValidationError otherwise.

    >>> parse_day("2024-05-05", "to"), parse_day(" ", "to")
    (datetime.date(2024, 5, 5), None)
    """
    if value is None or not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(
            f"{name}={value!r} is not a date.", hint="Write dates as YYYY-MM-DD."
        ) from None
