"""What every export writer receives, and the base class a writer implements.

An export is a list of ``Layer``s, each a named table with typed ``Field``s
whose ``Feature``s stream in from the database: a writer never holds a whole
layer.  ``Exporter`` is the base class of every format's writer; the
registry (``registry.EXPORTERS``) names them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal, NamedTuple

from shapely.geometry.base import BaseGeometry

from mineaction.errors import MineActionError

__all__ = ["ExportFailed", "ExportReport", "Exporter", "Feature", "Field", "FieldType", "Layer"]

#: How a field is typed in the file: text, whole number, decimal number, day.
FieldType = Literal["text", "int", "real", "date"]


class ExportFailed(MineActionError):
    """The file could not be written (no such folder, no permission, disk full)."""

    code = "export_failed"
    http_status = 500


@dataclass(frozen=True)
class Field:
    """One column of a layer."""

    name: str
    type: FieldType = "text"


class Feature(NamedTuple):
    """One row: its values by field name (str, int, float, date or None) and its geometry."""

    values: dict[str, Any]
    geometry: BaseGeometry | None = None


@dataclass
class Layer:
    """A table to write: its name, fields, geometry type and streamed features.

    ``geometry_type`` is "Point", "MultiPolygon", "Unknown" (points, lines and
    areas mixed, as projects are) or None (no geometry).
    ``wkt_field`` names a text field that repeats the geometry as WKT: kept in
    CSV and XLSX (which have no geometry), left out of GIS files, whose own
    geometry carries it.
    """

    name: str
    fields: list[Field]
    features: Iterable[Feature]
    geometry_type: str | None = None
    wkt_field: str | None = None
    description: str = ""

    def gis_fields(self) -> list[Field]:
        """Return the fields a GIS file holds (without the WKT repetition)."""
        return [f for f in self.fields if f.name != self.wkt_field]


@dataclass
class ExportReport:
    """What an export wrote: the file, its format, each layer's feature count, notes."""

    path: Path
    format: str
    layers: dict[str, int] = field(default_factory=dict)
    synthetic: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Return the number of features written, over every layer."""
        return sum(self.layers.values())

    def as_dict(self) -> dict[str, Any]:
        """Return the report as a JSON-ready dict."""
        return {
            "path": str(self.path),
            "format": self.format,
            "layers": self.layers,
            "synthetic": self.synthetic,
            "notes": self.notes,
        }


class Exporter:
    """Writes layers to one file; every export format subclasses this.

    One instance writes one file: ``write_layer`` once per layer (only once
    unless ``multi_layer``), then ``finish`` once.  ``path`` is where to
    write (a temporary name: the caller moves the finished file into place, so
    a failed export never leaves half a file).  ``about`` holds what is said
    about the data as a whole (source, date, whether it is synthetic); a
    format that has room for it writes it (an "about" sheet, a layer
    description, a metadata table).  Problems a user must know of that do not
    stop the export go on ``notes``.
    """

    #: Name used with --format and in the registry.
    name: ClassVar[str] = ""
    #: How the format is named in messages ("GeoPackage").
    label: ClassVar[str] = "file"
    #: File extensions that choose this format (the first is the usual one).
    extensions: ClassVar[tuple[str, ...]] = ()
    #: Whether one file can hold several layers.
    multi_layer: ClassVar[bool] = False

    def __init__(self, path: Path, *, about: dict[str, str]) -> None:
        self.path = path
        self.about = about
        self.notes: list[str] = []

    def write_layer(self, layer: Layer) -> int:
        """Write ``layer`` and return how many features it had."""
        raise NotImplementedError

    def finish(self, counts: dict[str, int]) -> None:
        """Complete the file once every layer is written (``counts``: features per layer)."""

    def discard(self) -> None:
        """Remove what was written so far (the export failed)."""
        self.path.unlink(missing_ok=True)


def export_name(kind_name: str, source_id: str | None, record_id: int) -> str:
    """Return the ``id`` a record is exported with: its source id, else KIND-NUMBER."""
    return str(source_id or f"{kind_name}-{record_id}")


def iso(value: Any) -> Any:
    """Return a date as YYYY-MM-DD text; any other value as it is."""
    return value.isoformat() if isinstance(value, dt.date) else value
