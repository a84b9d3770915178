"""GIS layers through GDAL (pyogrio): GeoJSON, GeoPackage and Shapefile.

Features are read in batches of ``BATCH_FEATURES`` and their geometries moved to
WGS84 a batch at a time. GDAL's GeoJSON driver holds a whole file in memory, so
GeoJSON is read in one batch and refused above ``MAX_GEOJSON_BYTES``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, NoReturn

import numpy as np
import pyogrio
import shapely
from pyogrio import raw
from pyogrio.errors import DataLayerError, DataSourceError

from mineaction.errors import Problem
from mineaction.intake.readers.base import OpenOptions, SourceRow, Table, Value, refuse
from mineaction.intake.readers.crs import resolve_crs, to_wgs84

__all__ = ["BATCH_FEATURES", "MAX_GEOJSON_BYTES", "GeoJsonTable", "GisTable", "GpkgTable"]

#: Features read from a GeoPackage or Shapefile at a time.
BATCH_FEATURES = 5_000
#: Largest GeoJSON file read; larger layers must come as a GeoPackage.
MAX_GEOJSON_BYTES = 256 * 1024**2


class GisTable(Table):
    """One layer of a GIS file, streamed feature by feature in WGS84."""

    kind = "GIS file"
    #: Features read at a time; None reads the layer in one go.
    batch: ClassVar[int | None] = BATCH_FEATURES
    #: GDAL's open options for the driver.
    gdal_options: ClassVar[dict[str, str]] = {}

    def __init__(self, gdal_path: str, *, source: str, layer: str | None, crs: str | None):
        self._gdal_path = gdal_path
        self.layer = layer
        try:
            info = pyogrio.read_info(
                gdal_path, layer=layer, force_total_bounds=True, **self.gdal_options
            )
        except UnicodeDecodeError:
            _refuse_not_utf8(source)
        except (DataSourceError, DataLayerError) as exc:
            refuse(
                source,
                f"{source} cannot be read as a {self.kind}: "
                f"{_gdal_message(exc, gdal_path, source)}.",
                hint="export the layer again from your GIS, or send it as a GeoPackage",
            )
        self._count = int(info["features"]) if info["features"] >= 0 else None
        self._int_fields = [t.startswith("OFTInteger") for t in info["ogr_types"]]
        has_geometry = info["geometry_type"] is not None
        names = [str(f) for f in info["fields"]]
        bounds = info["total_bounds"] if has_geometry else None
        self._from = resolve_crs(info["crs"], crs, source=source, bounds=bounds)
        super().__init__(
            source=source, columns=names, has_geometry=has_geometry, crs=info["crs"] or crs
        )
        if self._count == 0:
            refuse(
                source,
                f"{source} has no features" + (f" in layer {layer!r}." if layer else "."),
                hint="check that you exported the right layer, with its features",
            )

    def count_hint(self) -> int | None:
        """Return the layer's feature count, when GDAL can tell it cheaply."""
        return self._count

    def rows(self) -> Iterator[SourceRow]:
        """Yield the features, numbered from 1, with their geometry in WGS84."""
        start = 0
        while True:
            _meta, _fids, wkb, fields = self._read(start)
            n = len(fields[0]) if fields else (0 if wkb is None else len(wkb))
            if n == 0:
                return
            geoms = None
            if wkb is not None:
                # A geometry GEOS cannot build (a ring that does not close) becomes None
                # and a problem on its feature, not the end of the file.
                geoms = to_wgs84(shapely.from_wkb(wkb, on_invalid="ignore"), self._from)
            for i in range(n):
                values = {
                    name: _value(column[i], is_int)
                    for name, column, is_int in zip(
                        self.columns, fields, self._int_fields, strict=True
                    )
                }
                geom = None if geoms is None else geoms[i]
                number = start + i + 1
                problems = []
                if geom is None and wkb is not None and wkb[i] is not None:
                    problems.append(_unreadable_geometry(self.source, number))
                yield SourceRow(number=number, values=values, geometry=geom, problems=problems)
            start += n
            if self.batch is None or n < self.batch:
                return

    def _read(self, start: int) -> Any:
        try:
            return raw.read(
                self._gdal_path,
                layer=self.layer,
                skip_features=start,
                max_features=self.batch,
                **self.gdal_options,
            )
        except UnicodeDecodeError:
            _refuse_not_utf8(self.source, row=start + 1)
        except (DataSourceError, DataLayerError) as exc:
            refuse(
                self.source,
                f"{self.source}: features from number {start + 1} on cannot be read: "
                f"{_gdal_message(exc, self._gdal_path, self.source)}.",
                hint="export the layer again from your GIS, or send it as a GeoPackage",
                row=start + 1,
            )
        except (ValueError, TypeError) as exc:
            # pyogrio cannot put some attribute values GDAL reads into its columns (a list of
            # true/false in one feature only, under a blank name): the file is refused whole.
            refuse(
                self.source,
                f"{self.source}: features from number {start + 1} on cannot be read: "
                f"an attribute holds a value its column cannot take ({str(exc).rstrip('.')}).",
                hint="give every attribute a name and one plain value (text or a number) in "
                "each feature, or export the layer again from your GIS as a GeoPackage",
                row=start + 1,
            )


class GeoJsonTable(GisTable):
    """A GeoJSON file: one FeatureCollection, in WGS84 unless it says otherwise."""

    kind = "GeoJSON file"
    batch = None
    #: JSON has no dates: GDAL takes every text in a property that looks like one for a
    #: date (a model named "0-01-01" became 1 January 2000); the import reads the texts.
    gdal_options: ClassVar[dict[str, str]] = {"DATE_AS_STRING": "YES"}

    @classmethod
    def open(cls, path: Path, options: OpenOptions) -> GeoJsonTable:
        """Return the GeoJSON file at ``path``; refuse one too large to hold in memory."""
        size = path.stat().st_size
        if size > MAX_GEOJSON_BYTES:
            refuse(
                path.name,
                f"{path.name} is {size / 1024**2:,.0f} MB, more than the "
                f"{MAX_GEOJSON_BYTES / 1024**2:,.0f} MB read as GeoJSON.",
                hint="save the layer as a GeoPackage (.gpkg), which is read piece by piece",
            )
        return cls(str(path), source=path.name, layer=None, crs=options.crs)


class GpkgTable(GisTable):
    """A GeoPackage: its only layer, or the one named with ``layer``."""

    kind = "GeoPackage"

    @classmethod
    def open(cls, path: Path, options: OpenOptions) -> GpkgTable:
        """Return the layer asked for of the GeoPackage at ``path``."""
        try:
            layers = [str(name) for name, _kind in pyogrio.list_layers(str(path))]
        except UnicodeDecodeError:
            _refuse_not_utf8(path.name)
        except (DataSourceError, DataLayerError) as exc:
            refuse(
                path.name,
                f"{path.name} cannot be read as a GeoPackage: "
                f"{_gdal_message(exc, str(path), path.name)}.",
                hint="export the layer again from your GIS as a GeoPackage",
            )
        layer = pick_layer(layers, options.layer, source=path.name)
        return cls(str(path), source=path.name, layer=layer, crs=options.crs)


class ShapefileTable(GisTable):
    """A Shapefile given directly as .shp, with its .dbf, .shx and .prj beside it."""

    kind = "Shapefile"

    @classmethod
    def open(cls, path: Path, options: OpenOptions) -> ShapefileTable:
        """Return the Shapefile at ``path``."""
        return cls(str(path), source=path.name, layer=None, crs=options.crs)


def pick_layer(layers: list[str], wanted: str | None, *, source: str) -> str:
    """Return the layer named ``wanted``, or the only one; refuse otherwise, listing them."""
    listed = ", ".join(repr(name) for name in layers)
    if wanted is not None:
        if wanted in layers:
            return wanted
        refuse(
            source,
            f"{source} has no layer named {wanted!r}.",
            hint=f"its layers are: {listed}; name one with --layer",
            field="layer",
            value=wanted,
        )
    if len(layers) == 1:
        return layers[0]
    if not layers:
        refuse(source, f"{source} has no layers.", hint="check that you sent the right file")
    refuse(
        source,
        f"{source} has {len(layers)} layers and it is not said which one to read.",
        hint=f"name one with --layer; its layers are: {listed}",
        field="layer",
    )


def _value(cell: Any, is_int: bool) -> Value:
    """Return a numpy cell as a plain Python value; NaN and NaT become None."""
    if cell is None:
        return None
    if isinstance(cell, np.datetime64):
        if np.isnat(cell):
            return None
        return datetime.fromisoformat(str(cell.astype("datetime64[ms]")))
    if isinstance(cell, np.floating | float):
        if math.isnan(cell):
            return None
        return int(cell) if is_int else float(cell)
    if isinstance(cell, np.integer | np.bool_):
        return int(cell)
    if isinstance(cell, bytes):
        return cell.hex()
    return str(cell)


def _unreadable_geometry(source: str, number: int) -> Problem:
    return Problem(
        reason=f"feature {number}'s geometry cannot be read: it is damaged, or a polygon's "
        "ring does not close or has fewer than four corners",
        field="geometry",
        hint="fix the feature's geometry in your GIS (e.g. QGIS: Vector > Geometry Tools > "
        "Check Validity) and export the layer again",
        row=number,
        source=source,
    )


def _refuse_not_utf8(source: str, *, row: int | None = None) -> NoReturn:
    """Refuse a layer whose names or text are not UTF-8 (GDAL hands them over undecoded)."""
    where = f" (from feature {row} on)" if row else ""
    refuse(
        source,
        f"{source} holds names or text{where} that are not UTF-8, so they cannot be read.",
        hint="export the layer again from your GIS with the encoding set to UTF-8, "
        "or send it as a GeoPackage",
        row=row,
    )


def _gdal_message(exc: Exception, gdal_path: str, source: str) -> str:
    """Return GDAL's message naming the file as the user knows it, without driver advice."""
    text = str(exc).split("; It might help", 1)[0].strip().rstrip(".")
    return text.replace(gdal_path, source).replace("\n", " ")
