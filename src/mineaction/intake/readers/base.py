"""What every reader hands back: a Table of SourceRows, and how a reader refuses a file.

A reader never loads a whole file: ``Table.rows()`` streams one ``SourceRow`` at a
time and can be called again to read the file from the start. A file that cannot
be read at all is refused with a ``ValidationError`` naming the file (and the row
and column when there is one); a row that can be read but is wrong in itself
carries its ``problems`` and the reading goes on.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, NoReturn

from shapely.geometry.base import BaseGeometry

from mineaction.errors import Problem, ValidationError

if TYPE_CHECKING:
    from mineaction.intake.readers.zip_safety import ZipLimits

__all__ = [
    "Chunk",
    "ColumnChunk",
    "OpenOptions",
    "SourceRow",
    "Table",
    "Value",
    "clean_header",
    "refuse",
    "row_values",
]

Value = str | int | float | datetime | None


@dataclass
class SourceRow:
    """One row or feature of a file, with the number a person sees for it.

    ``number`` counts the header as row 1 in a spreadsheet or CSV, and features
    from 1 in a GIS layer. ``geometry`` is the file's own geometry in WGS84, if it
    has one. ``problems`` is empty unless this row could be read but is wrong.
    """

    number: int
    values: dict[str, Value]
    geometry: BaseGeometry | None = None
    problems: list[Problem] = field(default_factory=list)


@dataclass
class ColumnChunk:
    """Consecutive rows of a table, cell by cell per column: what ``rows`` yields for them.

    A reader gives these for the plain stretches of a file (``Table.chunks``):
    rows read without a problem, every one with every column, no cell holding
    a NUL character.  ``columns`` maps each of the table's columns to its
    cells (text, or None for an empty cell); ``row`` makes one row's
    ``SourceRow`` only when it is asked for.
    """

    numbers: list[int]
    columns: dict[str, list[Value]]

    def __len__(self) -> int:
        return len(self.numbers)

    def row(self, i: int) -> SourceRow:
        """Return the ``i``-th row as ``rows`` yields it."""
        return SourceRow(
            number=self.numbers[i], values={k: cells[i] for k, cells in self.columns.items()}
        )


#: What ``Table.chunks`` yields: rows one by one, or a plain stretch column by column.
Chunk = list[SourceRow] | ColumnChunk


@dataclass(frozen=True)
class OpenOptions:
    """What the user asked for when opening a file: a layer, a sheet, a CRS.

    ``zip_limits`` overrides ``zip_safety.DEFAULT_LIMITS`` (tests lower them).
    """

    layer: str | None = None
    crs: str | None = None
    sheet: str | None = None
    zip_limits: ZipLimits | None = None


class Table:
    """A file opened for reading, row by row.

    Readers subclass this and are named in ``registry.READERS``; ``open`` checks
    the file far enough to know its columns and refuses it if it cannot be read.
    """

    #: How the format is named in messages ("CSV file", "GeoPackage", ...).
    kind: ClassVar[str] = "file"

    def __init__(
        self,
        *,
        source: str,
        columns: list[str],
        has_geometry: bool = False,
        crs: str | None = None,
    ) -> None:
        self.source = source
        self.columns = columns
        self.has_geometry = has_geometry
        self.crs = crs

    @classmethod
    def open(cls, path: Path, options: OpenOptions) -> Table:
        """Return the file at ``path`` opened as this format; readers override this."""
        raise NotImplementedError(f"{cls.__name__} cannot open files by itself")

    def rows(self) -> Iterator[SourceRow]:
        """Yield the rows from the start of the file, one at a time."""
        raise NotImplementedError

    def chunks(self, size: int) -> Iterator[Chunk]:
        """Yield the rows in chunks of ``size``, as lists or (a reader's choice) column by column.

        The rows and their order are those of ``rows``; a reader that can hand
        over plain stretches column by column overrides this (``csv_columns.py``).
        """
        rows = self.rows()
        try:
            while chunk := list(islice(rows, size)):
                yield chunk
        finally:
            close = getattr(rows, "close", None)
            if close is not None:
                close()

    def count_hint(self) -> int | None:
        """Return about how many rows there are (for a progress bar), or None if unknown."""
        return None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.source!r} columns={self.columns!r}>"


def refuse(
    source: str,
    message: str,
    *,
    hint: str,
    reason: str | None = None,
    row: int | None = None,
    field: str | None = None,
    value: object = None,
) -> NoReturn:
    """Raise a ValidationError about the file ``source`` with one Problem saying where."""
    problem = Problem(
        reason=reason or message,
        field=field,
        value=value,
        hint=hint,
        row=row,
        source=source,
    )
    raise ValidationError(message, hint=hint, problems=[problem])


_INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060"


def clean_header(
    cells: Sequence[object], *, source: str, row: int, label: str = "column {n}"
) -> list[str]:
    """Return the header's names stripped of spaces and BOMs; refuse empty or repeated names.

    Empty cells at the end of the header are dropped (spreadsheets often carry
    formatted but empty columns). ``label`` names a column in messages, e.g.
    ``"column {n}"`` or ``"column {letter}"``.
    """
    names = ["" if c is None else str(c).strip(" \t\r\n\xa0" + _INVISIBLE) for c in cells]
    while names and not names[-1]:
        names.pop()
    if not names:
        refuse(
            source,
            f"{source} has no header: row {row} is empty.",
            hint="put the column names in the first row of the file",
            row=row,
        )
    seen: dict[str, int] = {}
    for n, name in enumerate(names, start=1):
        where = _label(label, n)
        if not name:
            refuse(
                source,
                f"{source}: the header in row {row} has no name in {where}.",
                hint="give every column a name in the header row, or delete the empty column",
                row=row,
                field=where,
            )
        if name in seen:
            first = _label(label, seen[name])
            refuse(
                source,
                f"{source}: the header in row {row} names {name!r} twice, "
                f"in {first} and in {where}.",
                hint="give each column its own name, or delete the repeated column",
                row=row,
                field=name,
                value=name,
            )
        seen[name] = n
    return names


def _label(template: str, n: int) -> str:
    """Return a column's name for messages: ``column 3`` or ``column C``."""
    from openpyxl.utils import get_column_letter

    return template.format(n=n, letter=get_column_letter(n))


def row_values(
    columns: list[str],
    cells: Sequence[Value],
    *,
    source: str,
    number: int,
    label: str = "column {n}",
) -> tuple[dict[str, Value], list[Problem]]:
    """Return a row's cells keyed by column, and a problem if it has cells past the header.

    Short rows are padded with None; empty strings become None.
    """
    values: dict[str, Value] = {}
    for i, name in enumerate(columns):
        cell = cells[i] if i < len(cells) else None
        values[name] = None if isinstance(cell, str) and not cell.strip() else cell
    problems: list[Problem] = []
    extra = [
        (i + 1, c)
        for i, c in enumerate(cells[len(columns) :], start=len(columns))
        if c is not None and not (isinstance(c, str) and not c.strip())
    ]
    if extra:
        first_n, first_value = extra[0]
        problems.append(
            Problem(
                reason=f"row {number} has more cells than the header's {len(columns)} columns: "
                f"{_label(label, first_n)} has a value but no column name",
                field=_label(label, first_n),
                value=first_value,
                hint="check this row for a stray delimiter or a cell typed past the last column",
                row=number,
                source=source,
            )
        )
    return values, problems
