"""Empty import templates: the canonical header and one example row, as CSV or XLSX."""

from __future__ import annotations

import csv
from pathlib import Path

from mineaction.errors import ValidationError
from mineaction.intake.kinds import Kind

TEMPLATE_FORMATS = ("csv", "xlsx")


def header_and_example(kind: Kind) -> tuple[list[str], list[str]]:
    """Return the template's header (``id`` first) and its example row."""
    header = ["id", *kind.column_names]
    example = [f"{kind.name.upper()[:3]}-0001", *(c.example for c in kind.columns)]
    return header, example


def write_template(kind: Kind, path: Path, fmt: str) -> Path:
    """Write the template of ``kind`` to ``path`` as ``fmt`` (csv or xlsx); return the path."""
    header, example = header_and_example(kind)
    if fmt == "csv":
        with Path(path).open("w", newline="", encoding="utf-8-sig") as out:
            writer = csv.writer(out)
            writer.writerow(header)
            writer.writerow(example)
    elif fmt == "xlsx":
        from openpyxl import Workbook
        from openpyxl.comments import Comment
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = kind.name
        sheet.append(header)
        sheet.append(example)
        descriptions = {"id": "your own id of the row: importing it again changes nothing"}
        descriptions.update({c.name: c.description for c in kind.columns})
        for number, name in enumerate(header, start=1):
            cell = sheet.cell(row=1, column=number)
            cell.font = Font(bold=True)
            if descriptions.get(name):
                cell.comment = Comment(descriptions[name], "mineaction")
            sheet.column_dimensions[get_column_letter(number)].width = max(12, len(name) + 4)
        book.save(path)
    else:
        raise ValidationError(
            f"{fmt!r} is not a template format.", hint=f"Use one of: {', '.join(TEMPLATE_FORMATS)}."
        )
    return Path(path)
