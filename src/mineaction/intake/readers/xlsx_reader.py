"""Excel .xlsx workbooks, read in openpyxl's streaming (read-only) mode.

Formulas are read as the values Excel last calculated and stored; dates as
datetimes. The header is the first row with anything in it; empty rows are
skipped. Merged cells in the header are refused: only the first cell of a merge
keeps its text, so the other columns would lose their names.
"""

from __future__ import annotations

import re
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, NoReturn

from openpyxl import load_workbook
from openpyxl.utils import range_boundaries

from mineaction.intake.readers.base import (
    OpenOptions,
    SourceRow,
    Table,
    Value,
    clean_header,
    refuse,
    row_values,
)
from mineaction.intake.readers.zip_safety import DEFAULT_LIMITS, ZIP_DAMAGE, ZipLimits, check_zip

__all__ = ["XlsxTable"]

_LABEL = "column {letter}"
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)"')
_CHUNK = 1024 * 1024
#: What reading a damaged sheet raises: XML that does not parse (ParseError is a
#: SyntaxError, lxml's too), an entity declaration defusedxml forbids (a ValueError),
#: a cell openpyxl cannot convert, or a damaged zip member.
_SHEET_DAMAGE = (SyntaxError, ValueError, TypeError, LookupError, AttributeError, *ZIP_DAMAGE)


class XlsxTable(Table):
    """One sheet of an .xlsx workbook, streamed row by row."""

    kind = "Excel workbook"

    def __init__(
        self,
        path: Path,
        *,
        sheet: str | None,
        crs: str | None,
        zip_limits: ZipLimits = DEFAULT_LIMITS,
    ) -> None:
        super().__init__(source=path.name, columns=[], crs=crs)
        self._path = path
        _check_archive(path, zip_limits)
        with _load(path) as wb:
            self.sheet = _pick_sheet(wb.sheetnames, sheet, self.source)
            try:
                ws = wb[self.sheet]
                self._max_row = ws.max_row if isinstance(ws.max_row, int) else None
                ws.reset_dimensions()  # some writers store a wrong size; read what is there
                self.header_row, cells = self._find_header(ws)
                self._refuse_merged_header(ws)
            except _SHEET_DAMAGE as exc:
                _refuse_not_xlsx(path, exc)
        self.columns = clean_header(cells, source=self.source, row=self.header_row, label=_LABEL)

    @classmethod
    def open(cls, path: Path, options: OpenOptions) -> XlsxTable:
        """Return the sheet asked for (or the first) of the workbook at ``path``."""
        return cls(
            path,
            sheet=options.sheet,
            crs=options.crs,
            zip_limits=options.zip_limits or DEFAULT_LIMITS,
        )

    def count_hint(self) -> int | None:
        """Return the row count the workbook declares, less the header, if it declares one."""
        return None if self._max_row is None else max(0, self._max_row - self.header_row)

    def rows(self) -> Iterator[SourceRow]:
        """Yield the non-empty rows after the header, numbered as Excel shows them."""
        with _load(self._path) as wb:
            ws = wb[self.sheet]
            ws.reset_dimensions()
            number = 0
            rows = ws.iter_rows(min_row=1, values_only=True)
            while True:
                try:
                    raw = next(rows)
                except StopIteration:
                    return
                except _SHEET_DAMAGE as exc:
                    self._refuse_damaged(number + 1, exc)
                number += 1
                if number <= self.header_row or _blank(raw):
                    continue
                cells = [_value(c) for c in raw]
                values, problems = row_values(
                    self.columns, cells, source=self.source, number=number, label=_LABEL
                )
                yield SourceRow(number=number, values=values, problems=problems)

    def _refuse_damaged(self, number: int, exc: Exception) -> NoReturn:
        refuse(
            self.source,
            f"{self.source}: the sheet {self.sheet!r} is damaged from row {number} on and "
            f"cannot be read ({type(exc).__name__}: {str(exc)[:120]}).",
            hint="open it in Excel and save it again as 'Excel Workbook (.xlsx)', or as "
            "'CSV UTF-8'",
            row=number,
        )

    def _find_header(self, ws: Any) -> tuple[int, list[object]]:
        for number, raw in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1):
            if not _blank(raw):
                return number, list(raw)
        refuse(
            self.source,
            f"{self.source}: the sheet {self.sheet!r} is empty.",
            hint="put the table on the first sheet, or name its sheet with --sheet",
        )

    def _refuse_merged_header(self, ws: Any) -> None:
        """Refuse the sheet if a merged range covers the header row."""
        # Read-only worksheets do not expose merged ranges: they are listed after the
        # rows in the sheet's XML, so the XML is scanned for them chunk by chunk.
        tail = b""
        with ws._get_source() as xml:
            while chunk := xml.read(_CHUNK):
                data = tail + chunk
                for match in _MERGE.finditer(data):
                    ref = match.group(1).decode()
                    _c1, r1, _c2, r2 = range_boundaries(ref)
                    if r1 is not None and r2 is not None and r1 <= self.header_row <= r2:
                        refuse(
                            self.source,
                            f"{self.source}: the header (row {self.header_row} of sheet "
                            f"{self.sheet!r}) has merged cells {ref}, so some columns "
                            "have no name.",
                            hint="select the header row, choose Unmerge Cells, and give "
                            "every column its own name in one header row",
                            field=ref,
                            row=self.header_row,
                        )
                tail = data[-200:]


def _check_archive(path: Path, limits: ZipLimits) -> None:
    """Refuse a workbook that is a zip bomb or holds unsafe paths (an .xlsx is a zip)."""
    try:
        with zipfile.ZipFile(path) as zf:
            check_zip(zf, source=path.name, limits=limits)
    except ZIP_DAMAGE as exc:
        _refuse_not_xlsx(path, exc)


@contextmanager
def _load(path: Path) -> Iterator[Any]:
    """Yield the workbook opened read-only with cached formula values; refuse a bad file."""
    # Given a file object, openpyxl does not insist on an .xlsx name (a .csv may be a workbook).
    with path.open("rb") as f:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions
                wb = load_workbook(f, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            _refuse_not_xlsx(path, exc)
        try:
            yield wb
        finally:
            wb.close()


def _refuse_not_xlsx(path: Path, exc: Exception) -> NoReturn:
    refuse(
        path.name,
        f"{path.name} is not an Excel .xlsx file, or it is damaged "
        f"({type(exc).__name__}): it cannot be opened.",
        hint="an old .xls or a password-protected workbook? open it in Excel and save it "
        "as 'Excel Workbook (.xlsx)' without a password, or as 'CSV UTF-8'",
    )


def _pick_sheet(names: list[str], wanted: str | None, source: str) -> str:
    if not names:
        refuse(
            source,
            f"{source} has no sheets: the workbook is damaged.",
            hint="open it in Excel and save it again as 'Excel Workbook (.xlsx)'",
        )
    if wanted is None:
        return names[0]
    if wanted in names:
        return wanted
    # Kobo cuts sheet names to Excel's 31 characters; accept the full repeat name.
    cut = [n for n in names if len(n) == 31 and wanted.startswith(n)]
    if len(cut) == 1:
        return cut[0]
    refuse(
        source,
        f"{source} has no sheet named {wanted!r}.",
        hint="its sheets are: " + ", ".join(repr(n) for n in names),
        field="sheet",
        value=wanted,
    )


def _blank(raw: tuple[object, ...]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in raw)


def _value(cell: object) -> Value:
    """Return a cell as one of the value types rows carry."""
    if cell is None or isinstance(cell, str | int | float | datetime):
        return cell
    if isinstance(cell, date):
        return datetime(cell.year, cell.month, cell.day)
    if isinstance(cell, time | timedelta):
        return str(cell)
    return str(cell)
