"""Reader name → reader class, imported only when a file of that kind is opened.

Every class here is a ``base.Table`` whose ``open(path, options)`` returns the
table; ``sniff.detect_format`` chooses the name for a file.
"""

from __future__ import annotations

from importlib import import_module

from mineaction.intake.readers.base import Table

__all__ = ["READERS", "reader_class"]

_PACKAGE = "mineaction.intake.readers"

READERS: dict[str, str] = {
    "csv": "csv_reader:CsvTable",
    "xlsx": "xlsx_reader:XlsxTable",
    "geojson": "gis_reader:GeoJsonTable",
    "gpkg": "gis_reader:GpkgTable",
    "shp": "gis_reader:ShapefileTable",
    "zip": "zip_reader:ZipTable",
}


def reader_class(name: str) -> type[Table]:
    """Return the reader class registered as ``name`` (KeyError if there is none)."""
    module_name, class_name = READERS[name].split(":")
    cls: type[Table] = getattr(import_module(f"{_PACKAGE}.{module_name}"), class_name)
    return cls
