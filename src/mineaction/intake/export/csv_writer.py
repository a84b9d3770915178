"""CSV: UTF-8 with a header row, comma-separated, one row per record.

Values are written as the importer reads them: dates as YYYY-MM-DD,
numbers as Python writes them (46.93, 12500.0), nothing for an empty value.
A polygon is its WKT in the ``geometry`` column.  CSV has no room to say
anything about the data, so nothing is said there (not even that it is
synthetic; the command says so when it runs).
"""

from __future__ import annotations

import csv

from mineaction.intake.export.base import Exporter, Layer, iso

__all__ = ["CsvExporter"]


class CsvExporter(Exporter):
    """A CSV file of one layer."""

    name = "csv"
    label = "CSV file"
    extensions = (".csv",)

    def write_layer(self, layer: Layer) -> int:
        """Write the header and every feature's values, row by row."""
        names = [f.name for f in layer.fields]
        count = 0
        with self.path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(names)
            for feature in layer.features:
                writer.writerow([_cell(feature.values.get(n)) for n in names])
                count += 1
        return count


def _cell(value: object) -> object:
    return "" if value is None else iso(value)
