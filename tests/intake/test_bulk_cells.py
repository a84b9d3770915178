"""A chunk's columns are parsed to exactly the values its cells give one by one.

The bulk path reads whole columns at once (``cells.texts``, ``labels``, ``numbers``,
``wholes``...), taking shortcuts for text cells; whatever is in the cells,
each column function must give what the cell parser gives cell by cell, or
a row would be stored differently from the per-row path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mineaction.intake.bulk import cells

TRICKY = [
    None, "", "  ", "1", " 2 ", "+3", "-4", "007", "1_000", "1.0", "2.5", "46,93", "1 000",
    "1e3", "nan", "NaN", "inf", "-Infinity", "99999999999999999999", "2147483648", "١٢",
    "0x10", "abc", "2024-05-02", "2024-02-30", "2024-05-02T10:00", " AT mine ", "ap-mine",
    "Ağdam", 3, 2.0, 2.5, True, float("nan"), dt.date(2024, 1, 1),
]  # fmt: skip

PAIRS: list[tuple[Callable[[list[Any]], list[Any]], Callable[[Any], Any]]] = [
    (cells.texts, cells.text),
    (cells.labels, cells.text),
    (cells.codes, cells.code),
    (cells.dates, cells.date),
    (cells.numbers, cells.number),
    (cells.wholes, cells.whole),
]


def same(column: list[Any]) -> None:
    for whole_column, one_cell in PAIRS:
        got = whole_column(column)
        expected = [one_cell(c) for c in column]
        assert [(type(v), v) for v in got] == [(type(v), v) for v in expected], one_cell


def test_tricky_cells_are_parsed_alike_one_by_one_and_by_column() -> None:
    same(TRICKY)
    for cell in TRICKY:
        same([cell, cell])
    text_only = [c for c in TRICKY if isinstance(c, str)]
    same(text_only)
    for cell in text_only:
        same(["12", cell, "13.5"])


numeric_text = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(alphabet="0123456789 ,.-+_eE", max_size=12),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(numeric_text, st.none(), st.text(max_size=6)), max_size=20))
def test_any_column_of_cells_is_parsed_alike(column: list[Any]) -> None:
    same(column)
