"""Export format name → writer class, imported only when a file of that format is written.

Every class named here is a ``base.Exporter``.  ``choose_format`` picks the
format: the one asked for, else the one the file name's extension says; when
neither works the error lists every format and its extension.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

from mineaction.errors import ValidationError
from mineaction.intake.export.base import Exporter

__all__ = ["EXPORTERS", "EXTENSIONS", "choose_format", "exporter_class"]

_PACKAGE = "mineaction.intake.export"

EXPORTERS: dict[str, str] = {
    "csv": "csv_writer:CsvExporter",
    "xlsx": "xlsx_writer:XlsxExporter",
    "geojson": "gis_writer:GeoJsonExporter",
    "gpkg": "gis_writer:GpkgExporter",
    "shp": "shapefile_writer:ShapefileExporter",
}

#: Extension → format (kept here so that choosing a format imports no writer).
EXTENSIONS: dict[str, str] = {
    ".csv": "csv",
    ".xlsx": "xlsx",
    ".geojson": "geojson",
    ".json": "geojson",
    ".gpkg": "gpkg",
    ".zip": "shp",
}

_LISTED = (
    "csv (.csv), xlsx (.xlsx), geojson (.geojson), gpkg (.gpkg), shp (a zipped Shapefile, .zip)"
)


def exporter_class(name: str) -> type[Exporter]:
    """Return the writer class registered as ``name`` (KeyError if there is none)."""
    module_name, class_name = EXPORTERS[name].split(":")
    cls: type[Exporter] = getattr(import_module(f"{_PACKAGE}.{module_name}"), class_name)
    return cls


def choose_format(path: Path, explicit: str | None = None) -> str:
    """Return the format to write ``path`` in: ``explicit``, else by extension; refuse otherwise."""
    if explicit is not None:
        name = explicit.strip().lower()
        if name not in EXPORTERS:
            raise ValidationError(
                f"{explicit!r} is not an export format.",
                hint=f"Use one of: {_LISTED}.",
            )
        return name
    suffix = path.suffix.lower()
    if suffix == ".shp":
        raise ValidationError(
            f"{path.name}: a Shapefile is several files, so it is written as one zip.",
            hint=f"Name the file {path.with_suffix('.zip').name} (or give --format shp).",
        )
    if suffix not in EXTENSIONS:
        said = f"its extension {suffix!r}" if suffix else "it has no extension"
        raise ValidationError(
            f"The format to write {path.name} in is not known: {said} names no export format.",
            hint=f"End the name with the format's extension, or give --format: {_LISTED}.",
        )
    return EXTENSIONS[suffix]
