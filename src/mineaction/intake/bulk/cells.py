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
from typing import Any, Final

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
