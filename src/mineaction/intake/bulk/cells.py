"""Cell parsers for the bulk path: the values of ``intake.columns``, or BAD.

Each function gives exactly the value the matching parser of
``intake/columns.py`` gives for a cell that parser accepts without a
problem, and ``BAD`` for every other cell.  The bulk path never explains a
bad cell itself: it sends the row to the per-row code, which does.

>>> number(" 46,93 "), number("nan") is BAD, whole("3.0"), whole("2.5") is BAD
(46.93, True, 3, True)
>>> date("2024-05-02T10:00"), date("2024-02-30") is BAD
(datetime.date(2024, 5, 2), True)
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any, Final

import numpy as np

from mineaction.domain.rules import Problems
from mineaction.intake.columns import parse_code, parse_text


class _Bad:
    """The marker of a cell the bulk path does not take as it is."""

    def __repr__(self) -> str:
        return "BAD"


BAD: Final = _Bad()

#: parse_text and parse_code never record a problem; they are called with this.
_UNUSED = Problems()


def text(cell: Any) -> str | None:
    """Return the cell as ``parse_text`` does."""
    return parse_text(cell, "", _UNUSED)


def code(cell: Any) -> str | None:
    """Return the cell as ``parse_code`` does."""
    return parse_code(cell, "", _UNUSED)


def number(cell: Any) -> float | _Bad | None:
    """Return the cell as ``parse_number`` does, or BAD (also for a number that is not finite)."""
    if cell is None:
        return None
    if isinstance(cell, bool):
        return BAD
    if isinstance(cell, int | float):
        value = float(cell)
    else:
        raw = str(cell)
        if not raw.strip():
            return None
        chars = raw.strip().replace(" ", "")
        if chars.count(",") == 1 and "." not in chars:
            chars = chars.replace(",", ".")
        try:
            value = float(chars)
        except ValueError:
            return BAD
    return value if math.isfinite(value) else BAD


def whole(cell: Any) -> int | _Bad | None:
    """Return the cell as ``parse_int`` does, or BAD."""
    value = number(cell)
    if value is None or value is BAD:
        return value
    assert isinstance(value, float)
    return int(value) if value.is_integer() else BAD


def date(cell: Any) -> dt.date | _Bad | None:
    """Return the cell as ``parse_date`` does, or BAD."""
    if cell is None:
        return None
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    raw = str(cell).strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw[:10])
    except ValueError:
        return BAD


# Whole columns at once: the same values as the parsers above, cell by cell, with less
# Python per cell.  Text cells (what a CSV gives) take the fast ways; a column holding
# anything else (numbers, dates, booleans from a spreadsheet) is parsed cell by cell.


def texts(column: list[Any]) -> list[str | None]:
    """Return ``text`` of each cell (for text, ``text`` is the stripped text or None)."""
    if set(map(type, column)) <= {str, type(None)}:
        # parse_text refuses a NUL character (the row then goes to the per-row code).
        return [None if c is None or "\x00" in c else (c.strip() or None) for c in column]
    return [text(c) for c in column]


def labels(column: list[Any]) -> list[str | None]:
    """Return ``texts`` of a column whose texts repeat (operators, districts, models).

    Each distinct text is stripped once: a third of the time of ``texts``
    for a column of six operators, twice it for one of distinct ids.
    """
    return _by_distinct(_label, column)


def _label(cell: Any) -> str | None:
    """Return ``texts`` of one cell."""
    if isinstance(cell, str):
        return None if "\x00" in cell else (cell.strip() or None)
    return text(cell)


def codes(column: list[Any]) -> list[str | None]:
    """Return ``code`` of each cell."""
    return _by_distinct(code, column)


def dates(column: list[Any]) -> list[dt.date | _Bad | None]:
    """Return ``date`` of each cell."""
    return _by_distinct(date, column)


def numbers(column: list[Any]) -> list[float | _Bad | None]:
    """Return ``number`` of each cell.

    A text cell that ``float`` reads as it is has no inner space or comma,
    so ``number`` reads it alike; a column with any other cell is read cell
    by cell.
    """
    if not _all_text(column):
        return [number(c) for c in column]
    try:
        values: list[Any] = list(map(float, column))
    except ValueError:
        return [number(c) for c in column]
    for i in np.flatnonzero(~np.isfinite(np.array(values, dtype=np.float64))).tolist():
        values[i] = BAD
    return values


def wholes(column: list[Any]) -> list[int | _Bad | None]:
    """Return ``whole`` of each cell (by ``int`` when every cell reads as a whole number)."""
    if not _all_text(column):
        return [whole(c) for c in column]
    try:
        values = list(map(int, column))
    except ValueError:
        return [whole(c) for c in column]
    # Past 2**53 a float (what ``whole`` goes through) no longer holds every whole number.
    return [v if -(2**53) <= v <= 2**53 else whole(c) for v, c in zip(values, column, strict=True)]


def _all_text(column: list[Any]) -> bool:
    return set(map(type, column)) <= {str}


def _by_distinct(parse: Callable[[Any], Any], column: list[Any]) -> list[Any]:
    """Return ``parse`` of each cell, parsing each distinct text once (codes and dates repeat)."""
    distinct = set(column)
    if not set(map(type, distinct)) <= {str, type(None)}:
        return [parse(c) for c in column]
    table = {c: parse(c) for c in distinct}
    return list(map(table.__getitem__, column))
