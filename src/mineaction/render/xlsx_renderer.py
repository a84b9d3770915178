"""XLSX: an "About" sheet (title, period, notices, statement), then one sheet per section."""

from __future__ import annotations

import io
import re
from typing import ClassVar

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from mineaction.render.document import Column, Document, Paragraph, Table, tr
from mineaction.render.labels import (
    ABOUT,
    GENERATED,
    ISSUER,
    NOTICE,
    PERIOD,
    cell_value,
    period_text,
)
from mineaction.render.registry import Renderer

FORMATS = {
    "int": "#,##0",
    "ha": "#,##0.0",
    "decimal": "#,##0.0",
    "decimal2": "#,##0.00",
    "percent": '0.0" %"',
    "date": "yyyy-mm-dd",
}
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
BOLD = Font(bold=True)
NOTICE_FONT = Font(bold=True, color="9C2A00")


def sheet_title(text: str, taken: set[str]) -> str:
    r"""Return an Excel-safe, unique sheet title (≤ 31 characters, no []:*?/\)."""
    base = re.sub(r"[\[\]:*?/\\]", " ", text).strip()[:31] or "Sheet"
    title, n = base, 2
    while title.lower() in taken:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title.lower())
    return title


class XlsxRenderer(Renderer):
    """One formatted sheet per section, numbers kept as numbers."""

    name = "xlsx"
    media_type: ClassVar[str] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    extension: ClassVar[str] = ".xlsx"

    def render(self, document: Document, lang: str) -> bytes:
        book = Workbook()
        about = book.active
        assert about is not None
        taken: set[str] = set()
        about.title = sheet_title(tr(ABOUT, lang), taken)
        _about(about, document, lang)
        for section in document.sections:
            sheet = book.create_sheet(sheet_title(tr(section.title, lang), taken))
            sheet.append([tr(section.title, lang)])
            sheet["A1"].font = Font(bold=True, size=13)
            for note in document.notices:
                sheet.append([tr(note, lang)])
                sheet.cell(sheet.max_row, 1).font = NOTICE_FONT
            for block in section.blocks:
                if isinstance(block, Table):
                    sheet.append([])
                    _table(sheet, block, lang)
                elif isinstance(block, Paragraph):
                    sheet.append([tr(block.text, lang)])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()


def _about(sheet: Worksheet, document: Document, lang: str) -> None:
    sheet.append([tr(document.title, lang)])
    sheet["A1"].font = Font(bold=True, size=14)
    if document.subtitle:
        sheet.append([tr(document.subtitle, lang)])
    sheet.append([])
    rows: list[tuple[str, str]] = []
    if document.issuer:
        rows.append((tr(ISSUER, lang), tr(document.issuer, lang)))
    if document.period:
        rows.append((tr(PERIOD, lang), period_text(document.period, lang)))
    rows += [(tr(k, lang), tr(v, lang)) for k, v in document.parameters]
    if document.generated_at:
        rows.append((tr(GENERATED, lang), document.generated_at.isoformat(timespec="seconds")))
    for key, value in rows:
        sheet.append([key, value])
        sheet.cell(sheet.max_row, 1).font = BOLD
    for note in document.notices:
        sheet.append([tr(NOTICE, lang), tr(note, lang)])
        sheet.cell(sheet.max_row, 2).font = NOTICE_FONT
    sheet.append([])
    for paragraph in document.summary:
        sheet.append([tr(paragraph, lang)])
        row = sheet.max_row
        sheet.cell(row, 1).alignment = Alignment(wrap_text=True, vertical="top")
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=6)
        sheet.row_dimensions[row].height = 15 * (1 + len(tr(paragraph, lang)) // 90)
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 60


def _table(sheet: Worksheet, table: Table, lang: str) -> None:
    if table.title:
        sheet.append([tr(table.title, lang)])
        sheet.cell(sheet.max_row, 1).font = BOLD
    sheet.append([_header(c, lang) for c in table.columns])
    header_row = sheet.max_row
    for i in range(1, len(table.columns) + 1):
        cell = sheet.cell(header_row, i)
        cell.font, cell.fill = BOLD, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in table.rows:
        _row(sheet, table.columns, row, lang)
    if table.total:
        _row(sheet, table.columns, table.total, lang, bold=True)
    for i, column in enumerate(table.columns, start=1):
        letter = get_column_letter(i)
        width = max(
            [len(_header(column, lang)) // 2 + 2, 10]
            + [len(str(cell_value(r.get(column.key), lang) or "")) + 2 for r in table.rows[:200]]
        )
        current = sheet.column_dimensions[letter].width or 0
        sheet.column_dimensions[letter].width = min(max(width, current), 48)


def _header(column: Column, lang: str) -> str:
    label = tr(column.label, lang)
    return f"{label} ({tr(column.unit, lang)})" if column.unit else label


def _row(sheet: Worksheet, columns: list[Column], row: dict, lang: str, bold: bool = False) -> None:
    sheet.append([cell_value(row.get(c.key), lang) for c in columns])
    for i, column in enumerate(columns, start=1):
        cell = sheet.cell(sheet.max_row, i)
        if column.kind in FORMATS:
            cell.number_format = FORMATS[column.kind]
        if bold:
            cell.font = BOLD
