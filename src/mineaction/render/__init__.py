"""The shared rendering layer: one neutral document model, five output formats.

Reports, minefield-record verification and forecasts build a
:class:`Document` and call :func:`render`; none of them writes CSV, XLSX,
HTML or PDF itself.  JSON is not a rendering: it stays each module's own data
object (its contract), so build the document *from* that data object.

Build a document::

    from mineaction.domain.vocab import Labels
    from mineaction.render import (
        Chart, Column, DistrictMap, Document, MapArea, Paragraph, Section, Series, Table,
        render,
    )

    doc = Document(
        title=Labels("Record verification", "Qeydlərin yoxlanması", "Проверка формуляров"),
        issuer="Mine Action Agency",               # printed in every page's header
        period=(dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
        parameters=[("Record", "MF-0042")],         # (label, value) pairs shown under the title
        notices=[SYNTHETIC],                        # from mineaction.render.labels
        summary=["Two records of five matched what clearance found."],  # lead statement
        sections=[
            Section(
                title="Records",
                name="records",                     # file name in the CSV zip
                blocks=[
                    Table(
                        columns=[
                            Column("record", "Record"),
                            Column("found", "Mines found", "int"),
                            Column("area_ha", "Area", "ha", unit="ha"),
                        ],
                        rows=[{"record": "MF-0042", "found": 12, "area_ha": 3.25}],
                        total={"record": "Total", "found": 12, "area_ha": 3.25},
                    ),
                    Chart("bar", "Mines found", categories=["MF-0042"],
                          series=[Series("found", [12])]),
                    Paragraph("Matched within 50 m."),
                ],
            )
        ],
    )
    pdf: bytes = render(doc, "pdf", lang="az")

Every ``Text`` (title, label, cell) is either a ``str`` or a
:class:`~mineaction.domain.vocab.Labels` ``(en, az, ru)``: the renderer picks
the language, so build the document once and render it in any language.
Vocabulary codes become labels with ``Labels(*VOCAB[code])`` or
``VOCAB[code]`` directly (it *is* a ``Labels``).

Blocks:

- :class:`Table` — ``Column(key, label, kind, unit)`` with ``kind`` one of
  ``text int ha decimal decimal2 percent date``; rows are dicts keyed by
  column key; numbers stay numbers in CSV and XLSX.
- :class:`Chart` — ``kind`` ``bar``, ``stacked_bar`` or ``line`` over categories.
- :class:`FanChart` — a forecast: ``observed`` then ``p10``/``p50``/``p90``
  (None where a series has no value) over the same ``x`` labels; ``compare``
  (a :class:`FanBand`) draws a what-if scenario's band over it.
- :class:`DistrictMap` — :class:`MapArea` (code, name, shapely geometry,
  ``value`` shaded, ``marker`` as a circle); load the polygons with
  ``mineaction.analytics.geography.district_areas(session, values, markers)``.
- :class:`Paragraph` — running text.

Formats (``render(document, fmt, lang=…)`` returns bytes):

- ``csv``: one table → one CSV (UTF-8 with BOM; notices as leading ``# ``
  lines); several tables → a zip of one CSV per table plus ``about.csv``.
  ``get_renderer("csv").extension_for(doc)`` says ``.csv`` or ``.zip``.
- ``xlsx``: an About sheet, then one formatted sheet per section.
- ``html``: a standalone page; charts (matplotlib) and the map as inline SVG.
- ``pdf``: the same page on A4 (WeasyPrint), the issuer in every page header.
- ``text``: the summary as a press statement; without one, the tables as text.

Renderers live in :data:`RENDERERS` (name → ``"module:Class"``, loaded on
first use); a new format is a :class:`Renderer` subclass added there.
"""

from mineaction.render.document import (
    Block,
    Chart,
    Column,
    DistrictMap,
    Document,
    FanBand,
    FanChart,
    MapArea,
    Paragraph,
    Section,
    Series,
    Table,
    Text,
    tr,
)
from mineaction.render.registry import RENDERERS, Renderer, get_renderer, render

FORMATS = tuple(RENDERERS)

__all__ = [
    "FORMATS",
    "RENDERERS",
    "Block",
    "Chart",
    "Column",
    "DistrictMap",
    "Document",
    "FanBand",
    "FanChart",
    "MapArea",
    "Paragraph",
    "Renderer",
    "Section",
    "Series",
    "Table",
    "Text",
    "get_renderer",
    "render",
    "tr",
]
