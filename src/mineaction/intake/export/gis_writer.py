"""GeoJSON and GeoPackage through GDAL (pyogrio), handed over a batch of features at a time.

Each layer is one GDAL write fed the batches as an Arrow stream: a
GeoPackage builds its spatial index once, at the end, and a GeoJSON file is
written once from start to end.  (Written a batch at a time, each append
reopened the file: a million findings took 51 s to a GeoPackage, and
200,000 took 134 s to GeoJSON, which GDAL read and wrote again whole at each
append.)

Geometries are WGS84 longitude/latitude (EPSG:4326).  Point kinds keep their
``lon``/``lat`` columns beside the point; land releases' polygon is the
feature's geometry and the ``geometry`` WKT column is left out.  A record
without a geometry is a feature with a null geometry; a kind without
geometry (organisations, victims) is a table without one: a GeoPackage
attribute table, GeoJSON features whose geometry is null.

A GeoPackage of one kind holds that one layer, so that it imports back
without ``--layer``; what is said about the data goes in the layer's
description.  A GeoPackage of several layers (``export all``) also gets a
``mineaction_about`` table of key/value rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa  # type: ignore[import-untyped]
import shapely
from pyogrio import raw

from mineaction.intake.export.base import Exporter, Feature, Field, Layer

__all__ = [
    "BATCH_FEATURES",
    "CRS",
    "GdalExporter",
    "GeoJsonExporter",
    "GpkgExporter",
    "columns",
    "gis_layer_name",
]

#: Features handed to GDAL at a time.
BATCH_FEATURES = 5_000
CRS = "EPSG:4326"
#: The geometry column of a streamed layer (GDAL's own name for a GeoPackage's).
GEOMETRY_COLUMN = "geom"
_ARROW_TYPES = {"text": pa.string(), "int": pa.int64(), "real": pa.float64(), "date": pa.date32()}
#: How a value of each field type (but dates) is made ready for its Arrow type.
_CASTS: dict[str, Callable[[Any], Any]] = {"text": str, "int": int, "real": float}
ABOUT_LAYER = "mineaction_about"


def gis_layer_name(name: str) -> str:
    """Return a layer name GIS software takes everywhere (``land-releases`` → ``land_releases``)."""
    return name.replace("-", "_")


class GdalExporter(Exporter):
    """A file written by one of GDAL's vector drivers."""

    #: GDAL's name of the driver.
    driver: ClassVar[str] = ""

    def __init__(self, path: Any, *, about: dict[str, str]) -> None:
        super().__init__(path, about=about)
        self.layers_written: list[str] = []

    def write_layer(self, layer: Layer) -> int:
        """Write ``layer`` batch by batch in one GDAL write; an empty layer is still created."""
        name = gis_layer_name(layer.name)
        count = self._stream(name, layer, layer.gis_fields())
        self.layers_written.append(name)
        return count

    def layer_options(self, layer: Layer) -> dict[str, str]:
        """Return GDAL's creation options for ``layer``."""
        return {"DESCRIPTION": describe(layer, self.about)}

    def _stream(self, name: str, layer: Layer, fields: list[Field]) -> int:
        """Write the whole layer in one GDAL write fed batch by batch; return its features."""
        spatial = layer.geometry_type is not None
        schema = pa.schema(
            [pa.field(f.name, _ARROW_TYPES[f.type]) for f in fields]
            + ([pa.field(GEOMETRY_COLUMN, pa.binary())] if spatial else [])
        )
        written = 0

        def batches() -> Iterator[pa.RecordBatch]:
            nonlocal written
            for batch in _batches(layer.features, BATCH_FEATURES):
                arrays = columns(fields, batch)
                if spatial:
                    arrays.append(pa.array(_wkb(batch), type=pa.binary()))
                written += len(batch)
                yield pa.record_batch(arrays, schema=schema)

        raw.write_arrow(
            pa.RecordBatchReader.from_batches(schema, batches()),
            str(self.path),
            layer=name,
            driver=self.driver,
            geometry_name=GEOMETRY_COLUMN if spatial else None,
            geometry_type=layer.geometry_type,
            crs=CRS if spatial else None,
            layer_options=self.layer_options(layer),
        )
        return written


class GeoJsonExporter(GdalExporter):
    """A GeoJSON FeatureCollection of one layer."""

    name = "geojson"
    label = "GeoJSON file"
    extensions = (".geojson", ".json")
    driver = "GeoJSON"


class GpkgExporter(GdalExporter):
    """A GeoPackage: one layer per kind, and an about table when it holds several."""

    name = "gpkg"
    label = "GeoPackage"
    extensions = (".gpkg",)
    multi_layer = True
    driver = "GPKG"

    def layer_options(self, layer: Layer) -> dict[str, str]:
        """Return the description and a title (identifier) unique in the package."""
        return {**super().layer_options(layer), "IDENTIFIER": gis_layer_name(layer.name)}

    def finish(self, counts: dict[str, int]) -> None:
        """Add the ``mineaction_about`` table to a package of several layers."""
        if len(self.layers_written) < 2:
            return
        rows = [*self.about.items()]
        rows += [(f"features:{gis_layer_name(k)}", str(n)) for k, n in counts.items()]
        raw.write(
            str(self.path),
            geometry=None,
            field_data=[
                np.array([k for k, _ in rows], dtype=object),
                np.array([v for _, v in rows], dtype=object),
            ],
            fields=["key", "value"],
            layer=ABOUT_LAYER,
            driver=self.driver,
            layer_options={"DESCRIPTION": "What this GeoPackage holds and where it came from"},
        )


def describe(layer: Layer, about: dict[str, str]) -> str:
    """Return the layer's description, saying first when the data is synthetic."""
    if about.get("synthetic", "no") != "no":
        return f"SYNTHETIC DEMO DATA, not real. {layer.description}".strip()
    return layer.description


def columns(fields: list[Field], batch: list[Feature]) -> list[pa.Array]:
    """Return one Arrow array per field, a missing value null (never NaN, which GDAL writes)."""
    arrays = []
    for f in fields:
        values = [feature.values.get(f.name) for feature in batch]
        if f.type == "date":  # dates, datetimes or ISO texts; None is NaT, then null
            ready: Any = np.array(values, dtype="datetime64[D]")
        else:
            cast = _CASTS[f.type]
            ready = [None if v is None else cast(v) for v in values]
        arrays.append(pa.array(ready, type=_ARROW_TYPES[f.type]))
    return arrays


def _wkb(batch: list[Feature]) -> npt.NDArray[Any]:
    """Return the batch's geometries as WKB, made at once (a missing one stays None)."""
    return np.asarray(shapely.to_wkb(np.array([f.geometry for f in batch], dtype=object)))


def _batches(features: Iterable[Feature], size: int) -> Iterator[list[Feature]]:
    it = iter(features)
    while batch := list(islice(it, size)):
        yield batch
