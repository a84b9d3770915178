"""A CSV read column by column gives the rows the line-by-line reader gives.

Story: the national IM officer imports a season of findings from a large CSV.
The bulk import reads its plain stretches column by column
(``readers/csv_columns.py``); whatever the file holds — quotes, blank lines,
a bad byte, a short row, another encoding — the rows, their numbers, cells
and problems must be exactly those of ``CsvTable.rows``, the reader every
other path uses and every message is written from.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mineaction.errors import ValidationError
from mineaction.intake.readers import open_table
from mineaction.intake.readers.base import ColumnChunk, SourceRow, Table

HEADER = b"id,date,category,quantity,lon,lat\n"


def plain(n: int, start: int = 0, end: bytes = b"\n") -> bytes:
    return b"".join(
        b"F-%d,2024-05-%02d,uxo,%d,46.%d,39.%d%s" % (i, 1 + i % 28, 1 + i % 3, i, i, end)
        for i in range(start, start + n)
    )


def read(path: Path, size: int) -> tuple[list[SourceRow], list[str]]:
    """Return the rows ``chunks`` gives, flattened, and the kind of each chunk."""
    table = open_table(path)
    rows: list[SourceRow] = []
    kinds = []
    for chunk in table.chunks(size):
        kinds.append("columns" if isinstance(chunk, ColumnChunk) else "rows")
        rows.extend(chunk.row(i) for i in range(len(chunk))) if isinstance(
            chunk, ColumnChunk
        ) else rows.extend(chunk)
    return rows, kinds


def same_as_rows(path: Path, size: int = 7) -> list[str]:
    """Check that ``chunks`` gives what ``rows`` gives (rows or refusal); return the kinds."""
    try:
        expected = list(open_table(path).rows())
    except ValidationError as exc:
        with pytest.raises(ValidationError) as refused:
            read(path, size)
        assert refused.value.message == exc.message
        return []
    got, kinds = read(path, size)
    assert got == expected
    return kinds


CASES = {
    "plain": HEADER + plain(30),
    "crlf, no newline at the end": HEADER.replace(b"\n", b"\r\n") + plain(30, end=b"\r\n")[:-2],
    "a quoted cell in the third block": HEADER
    + plain(15)
    + b'"F-x","2024-01-01",uxo,1,46,39\n'
    + plain(10, 100),
    "a quoted line break": HEADER + plain(8) + b'F-q,2024-01-01,"u\nxo",1,46,39\n' + plain(9, 50),
    "blank lines and a row of commas": HEADER
    + plain(5)
    + b"\n"
    + plain(5, 10)
    + b",,,,,\n"
    + b" , ,\t, , ,\n"
    + plain(12, 20),
    "a short row and a long one": HEADER
    + plain(9)
    + b"F-s,2024-01-01,uxo\n"
    + plain(3, 40)
    + b"F-l,2024-01-01,uxo,1,46,39,extra\n"
    + plain(8, 60),
    "a bad byte in a later block": HEADER
    + plain(16)
    + b"F-b,2024-01-01,\xff\xfe,1,46,39\n"
    + plain(6, 70),
    "blank-looking cells": HEADER
    + plain(4)
    + "F-w,\u00a02024-01-01,\u2003,\x1c,  46.1 ,\t\n".encode()
    + b"F-e,,,,,\n"
    + plain(9, 30),
    "a lone carriage return": HEADER + plain(10) + b"F-r,2024-01-01,u\rxo,1,46,39\n" + plain(3, 80),
    "a NUL character": HEADER + plain(10) + b"F-n,2024-01-01,u\x00xo,1,46,39\n" + plain(3, 80),
    "blank lines before the header": b"\n\n" + HEADER + plain(20),
    "a byte-order mark": b"\xef\xbb\xbf" + HEADER + plain(20),
    "header only": HEADER,
}


@pytest.mark.parametrize("name", list(CASES))
def test_every_file_gives_the_rows_the_line_by_line_reader_gives(name: str, tmp_path: Path) -> None:
    path = tmp_path / "season.csv"
    path.write_bytes(CASES[name])
    for size in (1, 7, 1000):
        same_as_rows(path, size)


def test_plain_stretches_are_read_column_by_column_until_the_first_odd_line(
    tmp_path: Path,
) -> None:
    path = tmp_path / "season.csv"
    path.write_bytes(CASES["a quoted cell in the third block"])
    kinds = same_as_rows(path, size=7)
    # 26 rows: two plain blocks of 7, then the quoted one's block and the rest line by line
    assert kinds == ["columns", "columns", "rows", "rows"]
    rows, _ = read(path, 7)
    assert [r.number for r in rows[:3]] == [2, 3, 4] and rows[15].number == 17


def test_windows_1251_and_semicolons_are_read_column_by_column(tmp_path: Path) -> None:
    text = "id;район;category;quantity\n" + "".join(f"F-{i};Шуша {i};uxo;{i}\n" for i in range(40))
    path = tmp_path / "season.csv"
    path.write_bytes(text.encode("cp1251"))
    kinds = same_as_rows(path, size=16)
    assert set(kinds) == {"columns"}
    rows, _ = read(path, 16)
    assert rows[3].values == {"id": "F-3", "район": "Шуша 3", "category": "uxo", "quantity": "3"}


def test_without_pyarrow_every_row_goes_line_by_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mineaction.intake.readers import csv_columns

    monkeypatch.setattr(csv_columns, "pa", None)
    path = tmp_path / "season.csv"
    path.write_bytes(CASES["plain"])
    assert set(same_as_rows(path)) == {"rows"}
    assert list(Table.chunks(open_table(path), 7)) == list(open_table(path).chunks(7))


CELL = st.text(alphabet=st.sampled_from('ab1 .,"\t\r\n\x00\u00a0\u2003Шé'), max_size=6)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lines=st.lists(st.lists(CELL, min_size=1, max_size=5), max_size=25),
    size=st.integers(1, 9),
)
def test_any_text_gives_the_same_rows(tmp_path: Path, lines: list[list[str]], size: int) -> None:
    path = tmp_path / "any.csv"
    body = "".join(",".join(cells) + "\n" for cells in lines)
    path.write_bytes(("a,b,c,d\n" + body).encode("utf-8"))
    same_as_rows(path, size)
