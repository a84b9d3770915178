"""CSV: one table as a plain CSV; several tables as a zip of CSVs with an about.csv.

A plain CSV starts with ``# `` lines when the document carries notices
(synthetic data, unapproved records), so nobody mistakes it for official
figures; read it with ``pandas.read_csv(f, comment="#")``.  Files are UTF-8
with a byte-order mark so that Excel opens Azerbaijani and Russian text.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from typing import ClassVar

from mineaction.render.document import Document, Section, Table, tr
from mineaction.render.labels import ABOUT, GENERATED, ISSUER, NOTICE, PERIOD, TITLE, cell_value
from mineaction.render.registry import Renderer


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "table"


def table_csv(table: Table, lang: str, notes: list[str] | None = None) -> bytes:
    """Return one table as CSV bytes (header of column labels with their units)."""
    out = io.StringIO()
    for note in notes or []:
        out.write(f"# {note}\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([_header(c.label, c.unit, lang) for c in table.columns])
    for row in [*table.rows, *([table.total] if table.total else [])]:
        writer.writerow([_cell(row.get(c.key), lang) for c in table.columns])
    return out.getvalue().encode("utf-8-sig")


def _header(label: object, unit: object, lang: str) -> str:
    text = tr(label, lang)  # type: ignore[arg-type]
    return f"{text} ({tr(unit, lang)})" if unit else text  # type: ignore[arg-type]


def _cell(value: object, lang: str) -> object:
    value = cell_value(value, lang)
    return "" if value is None else value


def file_names(document: Document) -> list[str]:
    """Return the zip member name of each table, in document order."""
    names: list[str] = []
    for number, (section, table) in enumerate(document.tables(), start=1):
        base = table.name or _slug(tr(table.title or section.title, "en"))
        names.append(f"{number:02d}-{base}.csv")
    return names


class CsvRenderer(Renderer):
    """One table → CSV; several → zip of CSVs."""

    name = "csv"
    media_type: ClassVar[str] = "text/csv; charset=utf-8"
    extension: ClassVar[str] = ".csv"

    def render(self, document: Document, lang: str) -> bytes:
        tables = document.tables()
        notes = [tr(n, lang) for n in document.notices]
        if len(tables) == 1:
            return table_csv(tables[0][1], lang, notes)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("about.csv", _about(document, lang, notes))
            for name, (_section, table) in zip(file_names(document), tables, strict=True):
                archive.writestr(name, table_csv(table, lang))
        return buffer.getvalue()

    def extension_for(self, document: Document) -> str:
        return ".csv" if len(document.tables()) == 1 else ".zip"

    def media_type_for(self, document: Document) -> str:
        return self.media_type if len(document.tables()) == 1 else "application/zip"


def _about(document: Document, lang: str, notes: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([tr(ABOUT, lang), ""])
    writer.writerow([tr(TITLE, lang), tr(document.title, lang)])
    if document.issuer:
        writer.writerow([tr(ISSUER, lang), tr(document.issuer, lang)])
    if document.period:
        writer.writerow([tr(PERIOD, lang), f"{document.period[0]}/{document.period[1]}"])
    for key, value in document.parameters:
        writer.writerow([tr(key, lang), tr(value, lang)])
    for note in notes:
        writer.writerow([tr(NOTICE, lang), note])
    if document.generated_at:
        writer.writerow([tr(GENERATED, lang), document.generated_at.isoformat(timespec="seconds")])
    return out.getvalue().encode("utf-8-sig")


__all__ = ["CsvRenderer", "Section", "file_names", "table_csv"]
