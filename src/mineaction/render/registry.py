"""Name → renderer registry: one base class, renderers imported only when used."""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from typing import ClassVar

from mineaction.errors import ValidationError
from mineaction.render.document import Document

#: Format name → "module:Class" of its renderer (loaded lazily: WeasyPrint and
#: matplotlib are slow to import and only some formats need them).
RENDERERS: dict[str, str] = {
    "csv": "mineaction.render.csv_renderer:CsvRenderer",
    "xlsx": "mineaction.render.xlsx_renderer:XlsxRenderer",
    "html": "mineaction.render.html_renderer:HtmlRenderer",
    "pdf": "mineaction.render.pdf_renderer:PdfRenderer",
    "text": "mineaction.render.text_renderer:TextRenderer",
}


class Renderer(ABC):
    """Writes a :class:`Document` in one format."""

    #: Format name (the registry key).
    name: ClassVar[str]
    #: Media type for HTTP answers.
    media_type: ClassVar[str]
    #: File extension with its dot, e.g. ".xlsx".
    extension: ClassVar[str]

    @abstractmethod
    def render(self, document: Document, lang: str) -> bytes:
        """Return the document in this format and language."""

    def extension_for(self, document: Document) -> str:
        """Return the extension this document gets (CSV of several tables is a zip)."""
        return self.extension

    def media_type_for(self, document: Document) -> str:
        """Return the media type this document gets."""
        return self.media_type


def get_renderer(fmt: str) -> Renderer:
    """Return the renderer of format ``fmt``; raise ValidationError naming the formats."""
    target = RENDERERS.get(fmt)
    if target is None:
        raise ValidationError(
            f"There is no {fmt!r} output format.",
            hint=f"Use one of: {', '.join(RENDERERS)} (or json for the data itself).",
        )
    module_name, _, class_name = target.partition(":")
    renderer: type[Renderer] = getattr(importlib.import_module(module_name), class_name)
    return renderer()


def render(document: Document, fmt: str, *, lang: str = "en") -> bytes:
    """Render ``document`` as ``fmt`` (csv, xlsx, html, pdf, text) in ``lang`` (en, az, ru)."""
    from mineaction.render.labels import check_lang

    return get_renderer(fmt).render(document, check_lang(lang))
