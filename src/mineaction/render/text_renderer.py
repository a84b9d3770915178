"""Plain text: the lead statement as a press statement, else the tables in fixed width."""

from __future__ import annotations

import textwrap
from typing import ClassVar

from mineaction.render.document import Document, Paragraph, Table, tr
from mineaction.render.labels import PERIOD, cell_text, period_text
from mineaction.render.registry import Renderer

WIDTH = 78


class TextRenderer(Renderer):
    """A press statement (the document's summary) or, without one, its tables as text."""

    name = "text"
    media_type: ClassVar[str] = "text/plain; charset=utf-8"
    extension: ClassVar[str] = ".txt"

    def render(self, document: Document, lang: str) -> bytes:
        lines = [tr(document.title, lang).upper()]
        if document.issuer:
            lines.append(tr(document.issuer, lang))
        if document.period:
            lines.append(f"{tr(PERIOD, lang)}: {period_text(document.period, lang)}")
        lines.append("")
        for paragraph in document.summary:
            lines += [*textwrap.wrap(tr(paragraph, lang), WIDTH), ""]
        if not document.summary:
            for section in document.sections:
                lines += [tr(section.title, lang), "-" * len(tr(section.title, lang))]
                for block in section.blocks:
                    if isinstance(block, Table):
                        lines += [*table_lines(block, lang), ""]
                    elif isinstance(block, Paragraph):
                        lines += [*textwrap.wrap(tr(block.text, lang), WIDTH), ""]
        lines += [f"* {tr(n, lang)}" for n in document.notices]
        return ("\n".join(lines).rstrip() + "\n").encode("utf-8")


def table_lines(table: Table, lang: str) -> list[str]:
    """Return a table as aligned text lines (numbers right-aligned)."""
    header = [tr(c.label, lang) for c in table.columns]
    body = [
        [cell_text(row.get(c.key), c, lang) for c in table.columns]
        for row in [*table.rows, *([table.total] if table.total else [])]
    ]
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    right = [c.kind != "text" for c in table.columns]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right, strict=True)
        ).rstrip()

    title = [tr(table.title, lang)] if table.title else []
    return [*title, line(header), line(["-" * w for w in widths]), *map(line, body)]
