r"""A chunk's rows as PostgreSQL ``COPY`` text, made column by column.

psycopg's ``Copy.write_row`` looks up a dumper and escapes each value of
each row on its own: for the findings and their audit rows that was a fifth
of a PostgreSQL import's client time (bench/bench_import.py).  Here each
column is turned into text once, with one test for the characters ``COPY``
must escape in the whole column; the rows are then joined and sent in a few
large ``write`` calls.  The text of a value is psycopg's own (its dumper
for the value's type, or the same rule for the common types: ``str`` of a
whole number, ``repr`` of a finite float, ``isoformat`` of a date), escaped
as psycopg escapes it, so the server stores exactly what ``write_row``
would have stored.

>>> copy_text({"a": [1, None], "b": ["x\ty", "z"], "c": 2.5}, 2, str)
'1\tx\\ty\t2.5\n\\N\tz\t2.5\n'
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

#: How COPY's text format writes NULL.
NULL = "\\N"
#: The characters psycopg escapes in COPY text, and how.
_ESCAPES = str.maketrans(
    {
        "\\": "\\\\",
        "\b": "\\b",
        "\t": "\\t",
        "\n": "\\n",
        "\v": "\\v",
        "\f": "\\f",
        "\r": "\\r",
    }
)
_SPECIAL = "\\\b\t\n\v\f\r"
#: Characters sent to the server per ``write`` call.
CHARS_PER_WRITE = 1 << 20


def copy_text(columns: Mapping[str, Any], n: int, dump: Callable[[Any], str]) -> str:
    """Return the ``n`` rows of ``columns`` as COPY text, one line each, columns in mapping order.

    Each column is a list of the rows' values or one value for all rows;
    ``dump(value)`` gives the text of a value no fast rule covers (psycopg's
    dumper, unescaped).
    """
    if n == 0:
        return ""
    texts = [_column_text(value, n, dump) for value in columns.values()]
    return "\n".join(map("\t".join, zip(*texts, strict=True))) + "\n"


def write_copy(copy: Any, text: str) -> None:
    """Send ``text`` through psycopg's ``copy`` in a few large writes."""
    for start in range(0, len(text), CHARS_PER_WRITE):
        copy.write(text[start : start + CHARS_PER_WRITE])


def _column_text(value: Any, n: int, dump: Callable[[Any], str]) -> list[str]:
    if not isinstance(value, list):
        return [_escaped(_one_text(value, dump))] * n
    every = set(map(type, value))
    kinds, nulls = every - {type(None)}, type(None) in every
    if kinds <= {str}:
        joined = "".join([v for v in value if v is not None] if nulls else value)
        if any(c in joined for c in _SPECIAL):
            return [NULL if v is None else v.translate(_ESCAPES) for v in value]
        return [NULL if v is None else v for v in value] if nulls else value
    if kinds <= {int}:
        if not nulls:
            return list(map(int.__repr__, value))
        return [NULL if v is None else int.__repr__(v) for v in value]
    if kinds <= {float} and all(math.isfinite(v) for v in value if v is not None):
        if not nulls:
            return list(map(float.__repr__, value))
        return [NULL if v is None else float.__repr__(v) for v in value]
    if kinds <= {dt.date}:
        memo: dict[Any, str] = {None: NULL}
        return [memo[v] if v in memo else memo.setdefault(v, v.isoformat()) for v in value]
    return [_escaped(_one_text(v, dump)) for v in value]


def _one_text(value: Any, dump: Callable[[Any], str]) -> str | None:
    return None if value is None else dump(value)


def _escaped(text: str | None) -> str:
    return NULL if text is None else text.translate(_ESCAPES)


def psycopg_dump(cursor: Any) -> Callable[[Any], str]:
    """Return a function giving psycopg's text for a value, as ``cursor`` would send it."""
    from psycopg.adapt import PyFormat, Transformer

    transformer = Transformer(cursor)
    encoding = cursor.connection.info.encoding

    def dump(value: Any) -> str:
        data = transformer.get_dumper(value, PyFormat.TEXT).dump(value)
        assert data is not None  # only NULL dumps to None, and NULL never reaches here
        return bytes(data).decode(encoding)

    return dump


def as_lists(values: Iterable[Any]) -> list[Any]:
    """Return ``values`` with NumPy arrays as lists of Python numbers (``tolist``)."""
    return [v.tolist() if hasattr(v, "tolist") else v for v in values]
