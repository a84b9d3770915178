"""Excel .xlsx: the records on the first sheet, then an ``about`` sheet.

The workbook is written in openpyxl's streaming (write-only) mode.  Dates
are date cells, numbers number cells; a text that starts with ``=`` is
written as text, never as a formula.  Excel holds at most 32,767 characters
in a cell and 1,048,576 rows in a sheet: a polygon's WKT or a table past
that is refused (with the record) rather than cut, and the message says to
export a GeoPackage instead.
"""

from __future__ import annotations

from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from mineaction.errors import ValidationError
from mineaction.intake.export.base import Exporter, Layer

__all__ = ["MAX_CELL_CHARS", "MAX_ROWS", "XlsxExporter"]

#: Excel's limits: characters in a cell, rows in a sheet.
MAX_CELL_CHARS = 32_767
MAX_ROWS = 1_048_576


class XlsxExporter(Exporter):
    """An Excel workbook: one sheet of records and one sheet about them."""

    name = "xlsx"
    label = "Excel workbook"
    extensions = (".xlsx",)

    def __init__(self, path: Any, *, about: dict[str, str]) -> None:
        super().__init__(path, about=about)
        self.workbook = Workbook(write_only=True)

    def write_layer(self, layer: Layer) -> int:
        """Write the layer on a sheet named after it: a bold header, then a row per record."""
        sheet = self.workbook.create_sheet(layer.name[:31])
        names = [f.name for f in layer.fields]
        sheet.append([_bold(sheet, n) for n in names])
        count = 0
        for feature in layer.features:
            count += 1
            if count + 1 > MAX_ROWS:
                raise ValidationError(
                    f"{layer.name} has more records than the {MAX_ROWS:,} rows of an Excel sheet.",
                    hint="Export them as CSV or as a GeoPackage (.gpkg).",
                )
            sheet.append([_cell(sheet, layer, feature.values, n) for n in names])
        return count

    def finish(self, counts: dict[str, int]) -> None:
        """Add the ``about`` sheet and save the workbook."""
        sheet = self.workbook.create_sheet("about")
        sheet.append([_bold(sheet, "key"), _bold(sheet, "value")])
        for key, value in self.about.items():
            sheet.append([key, value])
        self.workbook.save(self.path)


def _bold(sheet: Any, text: str) -> Any:
    cell = WriteOnlyCell(sheet, value=text)
    cell.font = Font(bold=True)
    return cell


def _cell(sheet: Any, layer: Layer, values: dict[str, Any], name: str) -> Any:
    value = values.get(name)
    if not isinstance(value, str):
        return value
    if len(value) > MAX_CELL_CHARS:
        raise ValidationError(
            f"{layer.name} {values.get('id')}: its {name} has {len(value):,} characters, more "
            f"than the {MAX_CELL_CHARS:,} an Excel cell holds.",
            hint="Export this kind as a GeoPackage (.gpkg) or GeoJSON, which hold any polygon.",
        )
    if value.startswith("="):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # text as typed, never a formula
        return cell
    return value
