"""Zipped Shapefile: KIND.shp, .shx, .dbf, .prj and .cpg in one zip, with two small notes.

A Shapefile's attribute table (dBASE) limits it in ways the other formats
are not, and the export says so rather than hide it:

* **Field names have at most 10 characters.**  Longer canonical names are
  cut (``activity_id`` → ``activity_i``, ``accident_id`` → ``accident_i``,
  ``accident_type`` → ``accident_t``, ``device_category`` → ``device_cat``);
  ``KIND_fields.csv`` in the zip lists every field's full name.  The
  importer reads columns by their full names, so a Shapefile of accidents or
  victims does not import back as it is: use a GeoPackage for that.
* **A text value holds at most 254 bytes** (UTF-8: fewer letters for
  Azerbaijani or Russian text).  Longer values are cut, and the export's
  notes name the first record cut.
* **Every Shapefile has a geometry type.**  A kind without geometry
  (organisations, victims) is written as points that are all null shapes;
  a record without a position is a null shape.
* **Decimal numbers keep 15 decimals** (dBASE's width); geometries are exact.

``about.txt`` says where the data came from (and if it is synthetic).
"""

from __future__ import annotations

import csv
import tempfile
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from mineaction.errors import ValidationError
from mineaction.intake.export.base import Exporter, Feature, Field, Layer
from mineaction.intake.export.gis_writer import CRS, GdalExporter, gis_layer_name

__all__ = ["MAX_NAME", "MAX_TEXT_BYTES", "ShapefileExporter", "short_names"]

MAX_NAME = 10
MAX_TEXT_BYTES = 254
_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def short_names(names: list[str]) -> dict[str, str]:
    """Return each name cut to the 10 characters of a dBASE field, kept unique.

    >>> short_names(["id", "device_category", "device_catalogue"])
    {'id': 'id', 'device_category': 'device_cat', 'device_catalogue': 'device_c_1'}
    """
    short: dict[str, str] = {}
    for name in names:
        cut = name[:MAX_NAME]
        n = 0
        while cut in short.values():
            n += 1
            suffix = f"_{n}"
            cut = name[: MAX_NAME - len(suffix)] + suffix
        short[name] = cut
    return short


class _ShapefileLayer(GdalExporter):
    driver = "ESRI Shapefile"

    def layer_options(self, layer: Layer) -> dict[str, str]:
        return {"ENCODING": "UTF-8"}


class ShapefileExporter(Exporter):
    """A zip holding one Shapefile and the full names of its fields."""

    name = "shp"
    label = "zipped Shapefile"
    extensions = (".zip",)

    def __init__(self, path: Path, *, about: dict[str, str]) -> None:
        super().__init__(path, about=about)
        self._dir = tempfile.TemporaryDirectory(prefix="mineaction-shp-")
        self._stem = ""
        self._names: dict[str, str] = {}

    def write_layer(self, layer: Layer) -> int:
        """Write the layer as a Shapefile in a scratch folder, field names cut to 10."""
        self._stem = gis_layer_name(layer.name)
        fields = layer.gis_fields()
        self._names = short_names([f.name for f in fields])
        geometry_type = layer.geometry_type or "Point"
        if geometry_type == "Unknown":
            layer, geometry_type = _one_geometry_type(layer)
        cut = Layer(
            name=self._stem,
            fields=[Field(self._names[f.name], f.type) for f in fields],
            features=self._renamed(layer, fields),
            geometry_type=geometry_type,
        )
        writer = _ShapefileLayer(Path(self._dir.name) / f"{self._stem}.shp", about=self.about)
        with warnings.catch_warnings():
            # GDAL warns once per layer of a cut text; the export's notes say so instead.
            warnings.filterwarnings("ignore", message=".*truncated", category=RuntimeWarning)
            return writer.write_layer(cut)

    def _renamed(self, layer: Layer, fields: list[Field]) -> Iterator[Feature]:
        texts = [f.name for f in fields if f.type == "text"]
        for feature in layer.features:
            values = feature.values
            for name in texts:
                value = values.get(name)
                if (
                    not self.notes
                    and isinstance(value, str)
                    and len(value.encode("utf-8")) > MAX_TEXT_BYTES
                ):
                    self.notes.append(
                        f"Shapefile text is cut at {MAX_TEXT_BYTES} bytes: {name} of "
                        f"{values.get('id')} (and maybe others) was cut; a GeoPackage keeps it."
                    )
            renamed = {short: values.get(full) for full, short in self._names.items()}
            yield Feature(renamed, feature.geometry)

    def finish(self, counts: dict[str, int]) -> None:
        """Zip the Shapefile's parts with KIND_fields.csv and about.txt."""
        folder = Path(self._dir.name)
        fields = folder / f"{self._stem}_fields.csv"
        with fields.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["field", "column"])
            writer.writerows((short, full) for full, short in self._names.items())
        about = folder / "about.txt"
        about.write_text(
            "".join(f"{k}: {v}\n" for k, v in {**self.about, "crs": CRS}.items()),
            encoding="utf-8",
        )
        with zipfile.ZipFile(self.path, "w", zipfile.ZIP_DEFLATED) as zf:
            for suffix in _PARTS:
                part = folder / f"{self._stem}{suffix}"
                zf.write(part, part.name)
            zf.write(fields, fields.name)
            zf.write(about, about.name)
        self._dir.cleanup()

    def discard(self) -> None:
        """Remove the scratch folder and any zip begun."""
        self._dir.cleanup()
        super().discard()


def _one_geometry_type(layer: Layer) -> tuple[Layer, str]:
    """Return the layer (read into memory) and its one geometry type; refuse a mix.

    A Shapefile holds points, lines or areas, never a mix; single and multi
    parts of one type are written as the multi type.
    """
    features = list(layer.features)
    types = {
        "Multi" + f.geometry.geom_type.removeprefix("Multi")
        for f in features
        if f.geometry is not None
    }
    if len(types) > 1:
        words = {"Point": "point", "LineString": "line", "Polygon": "polygon"}
        mixed = ", ".join(sorted(words.get(t.removeprefix("Multi"), t) for t in types))
        raise ValidationError(
            f"{layer.name} mixes {mixed} geometries, and a Shapefile holds only one type.",
            hint="Export to GeoPackage (.gpkg) or GeoJSON, which keep every type.",
        )
    return replace(layer, features=features), types.pop() if types else "Point"
