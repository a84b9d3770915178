"""Canonical import columns and the parsers that turn a cell into a typed value.

A parser returns the value, or records a problem (with the column name) and
returns None; it never raises for a user's mistake.

>>> p = Problems()
>>> parse_date(dt.datetime(2024, 5, 2, 0, 0), "date", p), parse_date("2024-05-02", "date", p)
(datetime.date(2024, 5, 2), datetime.date(2024, 5, 2))
>>> parse_int("3.0", "quantity", p), parse_number("46,93", "lon", p), p.items
(3, 46.93, [])
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mineaction.domain.rules import Problems

Parser = Callable[[Any, str, Problems], Any]


@dataclass(frozen=True)
class Column:
    """One canonical column of an import file."""

    name: str
    parse: Parser
    required: bool = False
    example: str = ""
    description: str = ""


def is_blank(value: Any) -> bool:
    """Tell whether a cell holds nothing (None, empty or white space)."""
    return value is None or (isinstance(value, str) and not value.strip())


def parse_text(value: Any, column: str, problems: Problems) -> str | None:
    """Return the cell as stripped text (numbers as written, e.g. 12 not 12.0)."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    if "\x00" in text:
        # PostgreSQL cannot store it and SQLite would keep it invisibly: refuse it on both.
        problems.add(column, text.replace("\x00", "\\0"), f"{column} holds a NUL character.")
        return None
    return text


def parse_code(value: Any, column: str, problems: Problems) -> str | None:
    """Return a vocabulary code as lower-case text; the service checks it is known."""
    text = parse_text(value, column, problems)
    return text.lower().replace(" ", "_").replace("-", "_") if text else None


def parse_number(value: Any, column: str, problems: Problems) -> float | None:
    """Return a decimal number; a decimal comma (46,93) is read as a point."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        problems.add(column, value, f"{column} must be a number.")
        return None
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().replace(" ", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        problems.add(
            column,
            value,
            f"{value!r} is not a number.",
            "Write numbers with a decimal point and no thousands separator, e.g. 46.93.",
        )
        return None
    if number != number or number in (float("inf"), float("-inf")):
        problems.add(column, value, f"{column} must be a finite number.")
        return None
    return number


def parse_int(value: Any, column: str, problems: Problems) -> int | None:
    """Return a whole number (3, "3" and "3.0" are all 3; 2.5 is refused)."""
    number = parse_number(value, column, problems)
    if number is None:
        return None
    if not number.is_integer():
        problems.add(column, value, f"{column} must be a whole number, not {value}.")
        return None
    return int(number)


def parse_date(value: Any, column: str, problems: Problems) -> dt.date | None:
    """Return a date from an ISO text (YYYY-MM-DD) or a spreadsheet date."""
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        problems.add(
            column,
            value,
            f"{value!r} is not a date.",
            "Write dates as YYYY-MM-DD, e.g. 2024-05-02 (or declare the format in a "
            "column mapping).",
        )
        return None


def parse_bool(value: Any, column: str, problems: Problems) -> bool | None:
    """Return yes/no from true/false, yes/no, 1/0 (also 'bəli/xeyr', 'да/нет')."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if text in ("true", "yes", "y", "1", "bəli", "да"):
        return True
    if text in ("false", "no", "n", "0", "xeyr", "нет"):
        return False
    problems.add(column, value, f"{value!r} is not yes or no.", "Write yes or no.")
    return None
