"""A CSV file's plain stretches read column by column, for the bulk import.

The line-by-line reader (``csv_reader.py``) makes a list of cells and a dict
per row; for a million rows that was a fifth of a SQLite import's time
(bench/bench_import.py).  Most files are plain: no quote marks, no NUL
character, nothing but whole lines of the file's encoding, each with one
cell per column.  For such a block of lines, splitting each line at the
delimiter gives exactly the cells the ``csv`` module gives, and pyarrow's
CSV parser does that in C, column by column.  So the file is read a block of
lines at a time: a plain block becomes a ``ColumnChunk``; the first block
that is not plain (a quoted cell, a bad byte, a line with too few cells, an
empty line, anything pyarrow does not take) and everything after it go
through the line-by-line reader, from the start of that block, with the
same row numbers.  Either way the rows, their numbers, cells and problems are
those ``CsvTable.rows`` yields.

Without pyarrow (or for a file of one column, or a stream that cannot go back
to the start of a block) every row goes through the line-by-line reader.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from functools import partial
from itertools import islice
from typing import TYPE_CHECKING, Any

import numpy as np

from mineaction.intake.readers.base import Chunk, ColumnChunk, Table, Value
from mineaction.intake.readers.csv_reader import MAX_LINE_BYTES

if TYPE_CHECKING:
    from mineaction.intake.readers.csv_reader import CsvTable

try:  # an accelerator only: without it the line-by-line reader reads every row
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.compute as pc  # type: ignore[import-untyped]
    import pyarrow.csv as pa_csv  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - a development dependency, not yet a required one
    pa = None

#: A cell that may be blank: empty, or starting with anything but a visible ASCII character
#: (its ``str.strip()`` then decides, in Python, as the line-by-line reader does).
_MAYBE_BLANK = "^([^!-~]|$)"


def csv_chunks(table: CsvTable, size: int) -> Iterator[Chunk]:
    """Yield the data rows of ``table`` in chunks of at most ``size`` rows."""
    if pa is None or len(table.columns) < 2:
        yield from Table.chunks(table, size)
        return
    with table._opener() as stream:
        if not stream.seekable():
            yield from Table.chunks(table, size)
            return
        lines = table.lines(stream)
        for number, _cells, _problems in table._records(lines):
            if number >= table.header_row:
                break  # the stream is now just after the header's last line
        number, line = table.header_row, lines.line
        read_line = partial(stream.readline, MAX_LINE_BYTES)
        while True:
            start = stream.tell()
            raw = list(islice(iter(read_line, b""), size))
            if not raw:
                return
            chunk = _plain_block(table, raw, number)
            if chunk is None:  # from here on, line by line
                stream.seek(start)
                rows = table.rows_from(table.lines(stream, line=line), number)
                while part := list(islice(rows, size)):
                    yield part
                return
            number += len(raw)
            line += len(raw)
            if len(chunk):
                yield chunk


def _plain_block(table: CsvTable, raw: list[bytes], number: int) -> ColumnChunk | None:
    """Return the lines ``raw`` (records ``number + 1`` on) by column, or None if not plain."""
    if max(map(len, raw)) >= MAX_LINE_BYTES:
        return None
    block = b"".join(raw)
    encoding = "utf-8" if table.encoding == "utf-8-sig" else table.encoding
    try:
        text = block.decode(encoding)
    except UnicodeDecodeError:
        return None
    # One record per line, split at the delimiter and nowhere else: no quote mark, no NUL,
    # and a carriage return only before a line feed (the csv module ends a record at a lone one).
    if '"' in text or "\x00" in text or text.count("\r") != text.count("\r\n"):
        return None
    data = block if encoding == "utf-8" else text.encode("utf-8")
    names = [f"c{i}" for i in range(len(table.columns))]
    try:
        parsed = pa_csv.read_csv(
            io.BytesIO(data),
            read_options=pa_csv.ReadOptions(
                column_names=names, use_threads=False, block_size=len(data) + 1
            ),
            parse_options=pa_csv.ParseOptions(
                delimiter=table.delimiter,
                quote_char=False,
                escape_char=False,
                newlines_in_values=False,
                ignore_empty_lines=False,
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                null_values=[],
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # a line with another number of cells
        return None
    if parsed.num_rows != len(raw):
        return None
    return _column_chunk(table.columns, parsed, number)


def _column_chunk(columns: list[str], parsed: Any, number: int) -> ColumnChunk:
    """Return the parsed block's cells as the line-by-line reader gives them (blank as None)."""
    n = parsed.num_rows
    blanks = np.zeros(n, dtype=np.int64)
    cells: list[list[Value]] = []
    for i in range(len(columns)):
        column = parsed.column(i)
        if pc.all(pc.equal(column, "")).as_py():  # a column left empty in the whole block
            cells.append([None] * n)
            blanks += 1
            continue
        values: list[Value] = column.to_pylist()
        maybe = pc.match_substring_regex(column, _MAYBE_BLANK).to_numpy(zero_copy_only=False)
        for j in np.flatnonzero(maybe).tolist():
            if not values[j].strip():  # type: ignore[union-attr]
                values[j] = None
                blanks[j] += 1
        cells.append(values)
    numbers = list(range(number + 1, number + 1 + n))
    empty = np.flatnonzero(blanks == len(columns))  # rows of nothing but blank cells are skipped
    if len(empty):
        keep = np.flatnonzero(blanks != len(columns)).tolist()
        numbers = [numbers[k] for k in keep]
        cells = [[values[k] for k in keep] for values in cells]
    return ColumnChunk(numbers=numbers, columns=dict(zip(columns, cells, strict=True)))
