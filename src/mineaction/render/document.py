"""The neutral document model every report, verification and forecast renders through.

A :class:`Document` is a title, the period and parameters it covers, notices
(synthetic data, unapproved records included), an optional lead statement and
sections of blocks: tables, charts, a fan chart, a district map, paragraphs.
Every text is either a plain ``str`` or a :class:`~mineaction.domain.vocab.Labels`
(en, az, ru); renderers pick the language with :func:`tr`, so one document
renders in any of the three languages.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from shapely.geometry.base import BaseGeometry

from mineaction.domain.vocab import Labels

#: A text shown to people: one string for every language, or its en/az/ru labels.
Text = str | Labels

#: How a column's values are written: ``int`` (1,234), ``ha`` and ``decimal``
#: (one decimal: 2,046.3), ``decimal2``, ``percent`` (12.5 %), ``date``, ``text``.
OBSERVED = Labels("Observed", "Müşahidə", "Факт")

ColumnKind = Literal["text", "int", "ha", "decimal", "decimal2", "percent", "date"]


def tr(text: Text | None, lang: str) -> str:
    """Return ``text`` in ``lang`` ("" for None).

    >>> tr(Labels("Killed", "Həlak olub", "Погиб"), "ru"), tr("PMN-2", "az")
    ('Погиб', 'PMN-2')
    """
    if text is None:
        return ""
    if isinstance(text, Labels):
        return str(getattr(text, lang))
    return text


@dataclass(frozen=True)
class Column:
    """A table column: the row key it reads, its label, how its numbers are written."""

    key: str
    label: Text
    kind: ColumnKind = "text"
    unit: Text | None = None


@dataclass
class Table:
    """Rows of values keyed by column key; ``total`` is an optional bold totals row.

    ``name`` is a short file-safe name (CSV file, sheet); cells may hold a
    ``str``, a number, a date, a :class:`Labels` or None (written empty).
    """

    columns: list[Column]
    rows: list[dict[str, Any]]
    title: Text | None = None
    total: dict[str, Any] | None = None
    name: str | None = None


@dataclass
class Series:
    """One series of a chart: a label and one value per category."""

    label: Text
    values: list[float]


@dataclass
class Chart:
    """A bar, stacked-bar or line chart over ``categories`` (weeks, districts …)."""

    kind: Literal["bar", "stacked_bar", "line"]
    title: Text
    categories: list[Text]
    series: list[Series]
    unit: Text | None = None


@dataclass
class FanBand:
    """A second forecast drawn over a fan chart (a what-if): its label and P10/P50/P90."""

    label: Text
    p10: list[float | None]
    p50: list[float | None]
    p90: list[float | None]


@dataclass
class FanChart:
    """A forecast: observed values, then P10/P50/P90 bands over the same ``x`` labels.

    Use None where a series has no value (observed in the future, bands in the past).
    ``compare`` is an optional second band over the same ``x`` (a what-if scenario).
    """

    title: Text
    x: list[Text]
    observed: list[float | None]
    p10: list[float | None]
    p50: list[float | None]
    p90: list[float | None]
    unit: Text | None = None
    observed_label: Text = OBSERVED
    compare: FanBand | None = None


@dataclass
class MapArea:
    """One district of a map: its shape, a shaded ``value`` and an optional circle ``marker``."""

    code: str
    name: Text
    geometry: BaseGeometry
    value: float | None = None
    marker: float | None = None


@dataclass
class DistrictMap:
    """A choropleth of districts (``value``) with proportional circles (``marker``)."""

    title: Text
    areas: list[MapArea]
    value_label: Text
    marker_label: Text | None = None


@dataclass
class Paragraph:
    """A paragraph of running text."""

    text: Text


Block = Table | Chart | FanChart | DistrictMap | Paragraph


@dataclass
class Section:
    """A titled part of a document: one sheet in XLSX, one heading in HTML and PDF."""

    title: Text
    blocks: list[Block] = field(default_factory=list)
    name: str | None = None

    def tables(self) -> list[Table]:
        """Return the section's tables, in order."""
        return [b for b in self.blocks if isinstance(b, Table)]


@dataclass
class Document:
    """A report, verification or forecast ready to render in any format and language.

    ``summary`` holds the lead statement (the ``text`` format prints it as a
    press statement); ``notices`` are printed prominently in every format.
    """

    title: Text
    subtitle: Text | None = None
    issuer: Text | None = None
    period: tuple[dt.date, dt.date] | None = None
    parameters: list[tuple[Text, Text]] = field(default_factory=list)
    notices: list[Text] = field(default_factory=list)
    summary: list[Text] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    generated_at: dt.datetime | None = None
    name: str = "report"

    def tables(self) -> list[tuple[Section, Table]]:
        """Return every table with its section, in document order."""
        return [(s, t) for s in self.sections for t in s.tables()]
