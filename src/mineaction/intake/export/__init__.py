"""Exporting the national database: every kind to CSV, XLSX, GeoJSON, GeoPackage or Shapefile.

``export_kind(db, kind, path)`` writes the records of one kind with the
columns of ``mineaction import KIND``, so the file imports back unchanged;
``export_all(db, path)`` writes one GeoPackage with a layer per kind, the
districts and the hazards, for QGIS.  Each format's writer is an
``Exporter`` named in ``EXPORTERS`` and imported only when used.  See
docs/export.md.
"""

from mineaction.intake.export.base import (
    Exporter,
    ExportFailed,
    ExportReport,
    Feature,
    Field,
    Layer,
)
from mineaction.intake.export.registry import EXPORTERS, choose_format, exporter_class
from mineaction.intake.export.run import export_all, export_kind

__all__ = [
    "EXPORTERS",
    "ExportFailed",
    "ExportReport",
    "Exporter",
    "Feature",
    "Field",
    "Layer",
    "choose_format",
    "export_all",
    "export_kind",
    "exporter_class",
]
