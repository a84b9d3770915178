"""The rules of a column mapping: how one canonical value is made from a source row.

A rule reads cells of the source row and returns a value for one canonical
column, or records a problem naming the source column and the mapping file
and returns None.  It never raises for a cell's content.

>>> row = SourceRow(7, {"ano": "2,006", "mes": "3", "estado": "Muerto"})
>>> out: list[Problem] = []
>>> DateRule("ano", "mes").apply(row, out)
Dated(date=datetime.date(2006, 3, 1), precision='month')
>>> FromRule("estado", values=ValueMap({"Herido": "injured", "muerto": "killed"})).apply(row, out)
'killed'
>>> TemplateRule("COL-V-{row}").apply(row, out), out
('COL-V-7', [])
"""

from __future__ import annotations

import datetime as dt
import re
import string
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Protocol

from mineaction.errors import Problem
from mineaction.intake.readers.base import SourceRow


def cell_text(value: Any) -> str | None:
    """Return a cell as stripped text (12.0 as "12"), None when it is empty."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def fold(text: str) -> str:
    """Return ``text`` without case, accents or repeated spaces, for lenient matching.

    >>> fold("  Sin  Información "), fold("FUERZA PÚBLICA")
    ('sin informacion', 'fuerza publica')
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", bare).strip()


@dataclass(frozen=True)
class Dated:
    """A date and how much of it the source gave: day, month or year."""

    date: dt.date
    precision: str


class Rule(Protocol):
    """How one canonical value is made from a source row."""

    def sources(self) -> list[str]:
        """Return the source columns the rule reads."""
        ...

    def apply(self, row: SourceRow, problems: list[Problem]) -> Any:
        """Return the canonical value for ``row``; add to ``problems`` when it cannot."""
        ...


@dataclass
class Where:
    """Where a rule sits, for messages: the mapping file, its key and the canonical column."""

    mapping: str = "the mapping"
    key: str = "columns"
    column: str = ""

    def problem(self, row: SourceRow, source: str, value: Any, reason: str, hint: str) -> Problem:
        """Return a problem of ``row`` in the source column ``source``."""
        return Problem(reason=reason, field=source, value=value, hint=hint, row=row.number)


@dataclass
class ValueMap:
    """Source values and what they mean: an exact match first, then without case or accents."""

    values: dict[str, Any]
    _folded: dict[str, Any] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._folded = {fold(k): v for k, v in self.values.items()}

    def get(self, text: str) -> tuple[bool, Any]:
        """Return (found, meaning) for the source value ``text``."""
        if text in self.values:
            return True, self.values[text]
        key = fold(text)
        if key in self._folded:
            return True, self._folded[key]
        return False, None

    def listing(self, limit: int = 12) -> str:
        """Return the mapped source values for a hint."""
        keys = list(self.values)
        more = f" … ({len(keys) - limit} more)" if len(keys) > limit else ""
        return ", ".join(repr(k) for k in keys[:limit]) + more


@dataclass
class ValueRule:
    """A constant: every row gets ``value``."""

    value: Any

    def sources(self) -> list[str]:
        """Return no source column: a constant reads none."""
        return []

    def apply(self, row: SourceRow, problems: list[Problem]) -> Any:
        """Return the constant."""
        return self.value


@dataclass
class TemplateRule:
    """Text made of source values: ``{row}`` is the file row number, ``{name}`` a cell."""

    template: str

    def _fields(self) -> list[tuple[str, str | None, str]]:
        return [
            (literal, name, spec or "")
            for literal, name, spec, _conversion in string.Formatter().parse(self.template)
        ]

    def sources(self) -> list[str]:
        """Return the source columns named in the template."""
        return [name for _lit, name, _spec in self._fields() if name and name != "row"]

    def apply(self, row: SourceRow, problems: list[Problem]) -> Any:
        """Return the template filled in with the row's values."""
        parts: list[str] = []
        for literal, name, spec in self._fields():
            parts.append(literal)
            if name == "row":
                parts.append(format(row.number, spec))
            elif name:
                parts.append(format(cell_text(row.values.get(name)) or "", spec))
        return "".join(parts)


@dataclass
class FromRule:
    """A source column's value: as it is, through a value map, as a number or as a date."""

    column: str
    values: ValueMap | None = None
    default: Any = None
    number: bool = False
    thousands: str | None = None
    format: str | None = None
    where: Where = field(default_factory=Where)

    def sources(self) -> list[str]:
        """Return the one source column the rule reads."""
        return [self.column]

    def apply(self, row: SourceRow, problems: list[Problem]) -> Any:
        """Return the cell's value after the value map, number or date rule."""
        raw = row.values.get(self.column)
        text = cell_text(raw)
        if text is None:
            return self.default
        if self.values is not None:
            return self._mapped(row, raw, text, problems)
        if self.format is not None:
            return self._date(row, raw, text, problems)
        if self.number or self.thousands:
            return self._number(row, raw, text, problems)
        return raw.strip() if isinstance(raw, str) else raw

    def _mapped(self, row: SourceRow, raw: Any, text: str, problems: list[Problem]) -> Any:
        assert self.values is not None
        found, meaning = self.values.get(text)
        if found:
            return meaning
        if self.default is not None:
            return self.default
        problems.append(
            self.where.problem(
                row,
                self.column,
                raw,
                f"{text!r} in column {self.column!r} is not in the values that "
                f"{self.where.mapping} maps to {self.where.column}.",
                f"Mapped values: {self.values.listing()}. Add {text!r} to "
                f"{self.where.key}.values in {self.where.mapping}, or correct the cell.",
            )
        )
        return None

    def _number(self, row: SourceRow, raw: Any, text: str, problems: list[Problem]) -> Any:
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            return raw
        number = parse_number_text(text, self.thousands)
        if number is None:
            separator = f" (thousands separator {self.thousands!r})" if self.thousands else ""
            problems.append(
                self.where.problem(
                    row,
                    self.column,
                    raw,
                    f"{text!r} in column {self.column!r} is not a number{separator}.",
                    f"Correct the cell, or change {self.where.key} in {self.where.mapping}.",
                )
            )
        return number

    def _date(self, row: SourceRow, raw: Any, text: str, problems: list[Problem]) -> Any:
        assert self.format is not None
        precision = format_precision(self.format)
        if isinstance(raw, dt.datetime):
            return Dated(raw.date(), precision)
        if isinstance(raw, dt.date):
            return Dated(raw, precision)
        try:
            return Dated(dt.datetime.strptime(text, self.format).date(), precision)
        except ValueError:
            problems.append(
                self.where.problem(
                    row,
                    self.column,
                    raw,
                    f"{text!r} in column {self.column!r} is not a date written as {self.format!r}.",
                    f"Correct the cell, or the format of {self.where.key} in "
                    f"{self.where.mapping} (e.g. %d/%m/%Y for 02/05/2024).",
                )
            )
            return None


def parse_number_text(text: str, thousands: str | None) -> int | float | None:
    """Return the number written in ``text`` without its thousands separators, or None.

    >>> parse_number_text("2,170,631.03", ","), parse_number_text("1.234", ".")
    (2170631.03, 1234)
    >>> parse_number_text("x", None) is None
    True
    """
    cleaned = text.replace(" ", "").replace("\u00a0", "")
    if thousands:
        cleaned = cleaned.replace(thousands, "")
    try:
        number = float(cleaned)
    except ValueError:
        return None
    if number != number or number in (float("inf"), float("-inf")):
        return None
    return int(number) if number.is_integer() and "." not in cleaned else number


def format_precision(fmt: str) -> str:
    """Return how much of a date a strptime format gives: day, month or year.

    >>> format_precision("%d/%m/%Y"), format_precision("%m/%Y"), format_precision("%Y")
    ('day', 'month', 'year')
    """
    if re.search(r"%[dj]", fmt):
        return "day"
    if re.search(r"%[mbB]", fmt):
        return "month"
    return "year"


_YEAR_SEPARATORS = str.maketrans("", "", ",.'  \u00a0")


@dataclass
class DateRule:
    """A date built from year, month and day columns; what is missing sets the precision.

    A month-only date is the first of the month with precision 'month'; a
    year-only date is 1 January with precision 'year'.  Thousands separators
    in the year ("2,006") are always dropped.
    """

    year: str
    month: str | None = None
    day: str | None = None
    where: Where = field(default_factory=Where)

    def sources(self) -> list[str]:
        """Return the year, month and day columns."""
        return [c for c in (self.year, self.month, self.day) if c]

    def apply(self, row: SourceRow, problems: list[Problem]) -> Any:
        """Return the date of the row with its precision, or None."""
        year_text = cell_text(row.values.get(self.year))
        if year_text is None:
            return None
        before = len(problems)
        year = self._part(row, self.year, year_text.translate(_YEAR_SEPARATORS), 1, 9999, problems)
        month = day = None
        if self.month and (text := cell_text(row.values.get(self.month))) is not None:
            month = self._part(row, self.month, text, 1, 12, problems)
        if self.day and month and (text := cell_text(row.values.get(self.day))) is not None:
            day = self._part(row, self.day, text, 1, 31, problems)
        if year is None or len(problems) > before:
            return None
        try:
            date = dt.date(year, month or 1, day or 1)
        except ValueError:
            problems.append(
                self.where.problem(
                    row,
                    self.day or self.month or self.year,
                    f"{year}-{month}-{day}",
                    f"{year}-{month:02}-{day:02} is not a day of the calendar.",
                    "Correct the day or the month in the file.",
                )
            )
            return None
        precision = "day" if day else "month" if month else "year"
        return Dated(date, precision)

    def _part(
        self, row: SourceRow, column: str, text: str, low: int, high: int, problems: list[Problem]
    ) -> int | None:
        number = parse_number_text(text, None)
        if isinstance(number, int) and low <= number <= high:
            return number
        problems.append(
            self.where.problem(
                row,
                column,
                text,
                f"{text!r} in column {column!r} is not a whole number from {low} to {high}, "
                f"as the date of {self.where.column} needs.",
                f"Correct the cell, or change {self.where.key} in {self.where.mapping}.",
            )
        )
        return None


@dataclass
class Condition:
    """A test on a source value (``in`` or ``not in`` a list), without case or accents."""

    column: str
    values: frozenset[str]
    negate: bool = False

    def holds(self, row: SourceRow) -> bool:
        """Tell whether ``row`` passes the test; an empty cell is the value ""."""
        text = fold(cell_text(row.values.get(self.column)) or "")
        return (text in self.values) != self.negate
