"""HTML: one standalone page (inline CSS, charts and map as inline SVG, no external asset)."""

from __future__ import annotations

import html
from typing import ClassVar

from mineaction.render.charts import chart_svg, fan_svg
from mineaction.render.document import (
    Chart,
    DistrictMap,
    Document,
    FanChart,
    Paragraph,
    Table,
    Text,
    tr,
)
from mineaction.render.labels import GENERATED, ISSUER, NO_DATA, PERIOD, cell_text, period_text
from mineaction.render.maps import map_svg
from mineaction.render.registry import Renderer

CSS = """
body{font-family:'DejaVu Sans',Arial,sans-serif;color:#1b1b1b;margin:2rem auto;max-width:60rem;
 padding:0 1rem;line-height:1.4;font-size:14px}
header.agency{border-bottom:3px solid #08519c;padding-bottom:.4rem;margin-bottom:1rem}
header.agency .issuer{font-weight:bold;color:#08519c;text-transform:uppercase;font-size:12px;
 letter-spacing:.04em}
h1{font-size:1.6rem;margin:.3rem 0}h2{font-size:1.2rem;margin-top:2rem;color:#08519c;
 border-bottom:1px solid #ccd;padding-bottom:.2rem}h3{font-size:1rem;margin:1rem 0 .3rem}
.meta{color:#555;margin:.1rem 0}.notice{background:#fff3e0;border-left:4px solid #D55E00;
 padding:.4rem .7rem;margin:.5rem 0;font-weight:bold}
.summary{font-size:1.05rem;background:#f4f7fb;padding:.6rem 1rem;border-radius:4px}
table{border-collapse:collapse;margin:.4rem 0 1rem;font-size:12.5px;width:auto}
th,td{border:1px solid #ccd;padding:3px 7px;vertical-align:top}
th{background:#dde4ee;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums;
 white-space:nowrap}tr.total td{font-weight:bold;background:#f4f4f4}
svg.chart,svg.map{width:100%;height:auto;max-width:46rem;display:block;margin:.5rem 0}
figure{margin:0 0 1rem}figcaption{font-weight:bold;font-size:.95rem}
.empty{color:#777;font-style:italic}
"""


def _e(text: Text | None, lang: str) -> str:
    return html.escape(tr(text, lang))


def table_html(table: Table, lang: str) -> str:
    """Return a table as HTML (numbers right-aligned, totals row in bold)."""
    parts = [f"<h3>{_e(table.title, lang)}</h3>"] if table.title else []
    if not table.rows and not table.total:
        return "".join(parts) + f'<p class="empty">{_e(NO_DATA, lang)}</p>'
    head = "".join(
        f"<th>{_e(c.label, lang)}" + (f" ({_e(c.unit, lang)})" if c.unit else "") + "</th>"
        for c in table.columns
    )
    rows = []
    for row, css in [(r, "") for r in table.rows] + (
        [(table.total, ' class="total"')] if table.total else []
    ):
        cells = "".join(
            f"<td{'' if c.kind == 'text' else ' class=num'}>"
            f"{html.escape(cell_text(row.get(c.key), c, lang))}</td>"
            for c in table.columns
        )
        rows.append(f"<tr{css}>{cells}</tr>")
    body = "".join(rows)
    return "".join(parts) + f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def body_html(document: Document, lang: str) -> str:
    """Return the page's body: agency header, title, notices, statement, sections."""
    parts = ['<header class="agency">']
    if document.issuer:
        parts.append(f'<div class="issuer">{_e(document.issuer, lang)}</div>')
    parts.append(f"<h1>{_e(document.title, lang)}</h1>")
    if document.subtitle:
        parts.append(f'<p class="meta">{_e(document.subtitle, lang)}</p>')
    if document.period:
        period = html.escape(period_text(document.period, lang))
        parts.append(f'<p class="meta">{_e(PERIOD, lang)}: {period}</p>')
    for key, value in document.parameters:
        parts.append(f'<p class="meta">{_e(key, lang)}: {_e(value, lang)}</p>')
    parts.append("</header>")
    parts += [f'<p class="notice">{_e(n, lang)}</p>' for n in document.notices]
    if document.summary:
        parts.append('<div class="summary">')
        parts += [f"<p>{_e(p, lang)}</p>" for p in document.summary]
        parts.append("</div>")
    for section in document.sections:
        parts.append(f"<section><h2>{_e(section.title, lang)}</h2>")
        for block in section.blocks:
            parts.append(block_html(block, lang))
        parts.append("</section>")
    footer = []
    if document.issuer:
        footer.append(f"{_e(ISSUER, lang)}: {_e(document.issuer, lang)}")
    if document.generated_at:
        stamp = document.generated_at.strftime("%Y-%m-%d %H:%M UTC")
        footer.append(f"{_e(GENERATED, lang)}: {stamp}")
    parts.append(f'<footer class="meta">{" · ".join(footer)}</footer>')
    return "\n".join(parts)


def block_html(block: object, lang: str) -> str:
    """Return one block (table, chart, fan chart, map, paragraph) as HTML."""
    if isinstance(block, Table):
        return table_html(block, lang)
    if isinstance(block, Chart):
        if not block.categories:
            return ""
        return f"<figure>{chart_svg(block, lang)}</figure>"
    if isinstance(block, FanChart):
        return f"<figure>{fan_svg(block, lang)}</figure>"
    if isinstance(block, DistrictMap):
        svg = map_svg(block, lang)
        if not svg:
            return ""
        return f"<figure><figcaption>{_e(block.title, lang)}</figcaption>{svg}</figure>"
    if isinstance(block, Paragraph):
        return f"<p>{_e(block.text, lang)}</p>"
    raise TypeError(f"cannot render a {type(block).__name__} block")


def page_html(document: Document, lang: str, *, extra_css: str = "") -> str:
    """Return the whole standalone page."""
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(document.title, lang)}</title><style>{CSS}{extra_css}</style></head>"
        f"<body>\n{body_html(document, lang)}\n</body></html>\n"
    )


class HtmlRenderer(Renderer):
    """A standalone HTML page."""

    name = "html"
    media_type: ClassVar[str] = "text/html; charset=utf-8"
    extension: ClassVar[str] = ".html"

    def render(self, document: Document, lang: str) -> bytes:
        return page_html(document, lang).encode("utf-8")
