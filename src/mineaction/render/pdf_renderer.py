"""PDF: the HTML page laid out on A4 by WeasyPrint, with the issuer in every page's header.

WeasyPrint installs from PyPI but needs the Pango library at run time
(Debian: ``libpango-1.0-0 libpangoft2-1.0-0``); when it is missing the error
says so instead of a traceback.
"""

from __future__ import annotations

from typing import ClassVar

from mineaction.errors import ConfigurationError
from mineaction.render.document import Document, tr
from mineaction.render.html_renderer import page_html
from mineaction.render.labels import PAGE, period_text
from mineaction.render.registry import Renderer


def _print_css(document: Document, lang: str) -> str:
    def quoted(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    issuer = quoted(tr(document.issuer, lang))
    title = tr(document.title, lang)
    if document.period:
        title += " · " + period_text(document.period, lang)
    page = quoted(tr(PAGE, lang) + " ")
    return (
        "@page{size:A4;margin:22mm 16mm 18mm 16mm;"
        f"@top-left{{content:{issuer};font:bold 8pt 'DejaVu Sans';color:#08519c;width:50%}}"
        f"@top-right{{content:{quoted(title)};font:8pt 'DejaVu Sans';color:#555;width:48%}}"
        f"@bottom-right{{content:{page} counter(page) ' / ' counter(pages);"
        "font:8pt 'DejaVu Sans';color:#555}}"
        "body{margin:0;max-width:none;font-size:10pt}h2{break-after:avoid}"
        "figure,tr{break-inside:avoid}svg.chart{max-width:85%}svg.map{max-width:100%}"
        "table{font-size:8.5pt}"
    )


class PdfRenderer(Renderer):
    """A4 PDF of the HTML page."""

    name = "pdf"
    media_type: ClassVar[str] = "application/pdf"
    extension: ClassVar[str] = ".pdf"

    def render(self, document: Document, lang: str) -> bytes:
        try:
            from weasyprint import HTML
        except (ImportError, OSError) as exc:
            raise ConfigurationError(
                f"PDF output needs WeasyPrint and the Pango library, which cannot be loaded "
                f"({exc}).",
                hint="pip install weasyprint; on Debian or Ubuntu: "
                "apt-get install libpango-1.0-0 libpangoft2-1.0-0. Or use --format html.",
            ) from exc
        page = page_html(document, lang, extra_css=_print_css(document, lang))
        pdf = HTML(string=page).write_pdf()
        return bytes(pdf or b"")
