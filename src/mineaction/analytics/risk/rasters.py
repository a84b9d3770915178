"""User rasters as grid features: a GeoTIFF or an XYZ/CSV grid, sampled at each cell's centre.

``risk build-grid --raster NAME=FILE`` adds the column ``NAME``: the value of
the raster's pixel under each cell's centre (the centre is reprojected to
the raster's CRS with pyproj), missing where the centre falls outside the
raster or on a nodata pixel.

GeoTIFF is read with tifffile (pure Python; no second GDAL beside
pyogrio's): the georeferencing comes from the GeoTIFF tags
(ModelTransformation, or ModelTiepoint with ModelPixelScale; PixelIsPoint
rasters are shifted half a pixel as GDAL does), the CRS from the EPSG code
in the GeoKey directory, nodata from GDAL's ``GDAL_NODATA`` tag.  The first
band is used.  Uncompressed, Deflate, PackBits, LZMA and Zstandard files are
read as they are; LZW and JPEG need the ``imagecodecs`` package.

An XYZ or CSV grid has one row per pixel centre: columns ``x,y,value`` (or
``lon,lat,…``; the first three numeric columns otherwise) in WGS84
degrees, on a regular spacing.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from pyproj import CRS, Transformer

from mineaction.errors import ValidationError

__all__ = ["Raster", "parse_raster_option", "read_raster"]

_GEOKEY_GEOGRAPHIC = 2048
_GEOKEY_PROJECTED = 3072
_GEOKEY_RASTER_TYPE = 1025
_PIXEL_IS_POINT = 2
_USER_DEFINED = 32767
_HINT = "Give a GeoTIFF (.tif) or an XYZ/CSV grid (.xyz, .csv) of x,y,value in WGS84."


@dataclass
class Raster:
    """A single-band raster: its values (NaN where missing), affine transform and CRS.

    ``transform`` is GDAL's geotransform: ``x = t0 + col·t1 + row·t2``,
    ``y = t3 + col·t4 + row·t5``, at pixel corners.
    """

    name: str
    values: NDArray[np.float64]
    transform: tuple[float, float, float, float, float, float]
    crs: CRS

    def sample(self, lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.float64]:
        """Return the value under each WGS84 point, NaN outside the raster or on nodata.

        >>> r = Raster("v", np.array([[1.0, 2.0], [3.0, np.nan]]),
        ...            (10.0, 1.0, 0.0, 20.0, 0.0, -1.0), CRS.from_epsg(4326))
        >>> r.sample(np.array([10.5, 11.5, 10.5, 11.5, 9.0]),
        ...          np.array([19.5, 19.5, 18.5, 18.5, 19.5])).tolist()
        [1.0, 2.0, 3.0, nan, nan]
        """
        if self.crs == CRS.from_epsg(4326):
            x, y = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        else:
            to_raster = Transformer.from_crs(4326, self.crs, always_xy=True)
            x, y = (np.asarray(v, dtype=float) for v in to_raster.transform(lon, lat))
        t0, t1, t2, t3, t4, t5 = self.transform
        det = t1 * t5 - t2 * t4
        if det == 0:
            raise ValidationError(
                f"The raster {self.name} has a degenerate geotransform.", hint=_HINT
            )
        dx, dy = x - t0, y - t3
        col = np.floor((t5 * dx - t2 * dy) / det)
        row = np.floor((-t4 * dx + t1 * dy) / det)
        rows, cols = self.values.shape
        inside = np.isfinite(col) & np.isfinite(row)
        inside &= (col >= 0) & (col < cols) & (row >= 0) & (row < rows)
        out = np.full(len(x), np.nan)
        out[inside] = self.values[row[inside].astype(np.intp), col[inside].astype(np.intp)]
        return out


def parse_raster_option(value: str) -> tuple[str, Path]:
    """Return the column name and file of a ``NAME=FILE`` option.

    >>> parse_raster_option("elevation=dem.tif")
    ('elevation', PosixPath('dem.tif'))
    """
    name, sep, file = value.partition("=")
    column = re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")
    if not sep or not column or not file.strip():
        raise ValidationError(
            f"--raster {value!r} is not NAME=FILE.",
            hint="E.g. --raster elevation=dem.tif: the column is named elevation.",
        )
    return column, Path(file.strip())


def read_raster(name: str, path: Path) -> Raster:
    """Read a GeoTIFF or an XYZ/CSV grid as the raster ``name``; refuse what cannot be used."""
    if not path.is_file():
        raise ValidationError(f"The raster {path} does not exist.", hint="Check the path.")
    suffix = path.suffix.lower()
    if suffix in (".tif", ".tiff"):
        return _read_geotiff(name, path)
    if suffix in (".xyz", ".csv", ".txt"):
        return _read_xyz(name, path)
    raise ValidationError(
        f"{path.name}: {suffix or 'no extension'} is not a raster format.", hint=_HINT
    )


def _read_geotiff(name: str, path: Path) -> Raster:
    import tifffile

    try:
        with tifffile.TiffFile(path) as tif:
            page = tif.pages.first
            tags = {tag.name: tag.value for tag in page.tags}
            data = page.asarray()
    except ValueError as exc:  # a codec tifffile lacks, or a damaged file
        raise ValidationError(
            f"{path.name} cannot be read as a GeoTIFF: {exc}",
            hint="LZW and JPEG GeoTIFFs need `pip install imagecodecs`; or write it uncompressed "
            "or with Deflate (gdal_translate -co COMPRESS=DEFLATE).",
        ) from exc
    except (tifffile.TiffFileError, OSError) as exc:
        raise ValidationError(f"{path.name} is not a TIFF file: {exc}", hint=_HINT) from exc
    values = np.asarray(data, dtype=float)
    if values.ndim == 3:  # several bands: keep the first (pixel- or band-interleaved)
        planar = page.planarconfig == 2 or values.shape[0] < values.shape[-1]
        values = values[0] if planar else values[..., 0]
    if values.ndim != 2:
        raise ValidationError(f"{path.name} is not a two-dimensional raster.", hint=_HINT)
    nodata = tags.get("GDAL_NODATA")
    if nodata is not None:
        # "nan" parses too; text that is no number names no value to mask.
        with contextlib.suppress(ValueError):
            values[values == float(str(nodata).strip("\x00 "))] = np.nan
    transform = _geotransform(path, tags)
    return Raster(name, values, transform, _crs(path, tags.get("GeoKeyDirectoryTag")))


def _geotransform(
    path: Path, tags: dict[str, object]
) -> tuple[float, float, float, float, float, float]:
    matrix = tags.get("ModelTransformationTag")
    tie = tags.get("ModelTiepointTag")
    scale = tags.get("ModelPixelScaleTag")
    if matrix is not None:
        m = [float(v) for v in matrix]  # type: ignore[attr-defined]
        t = [m[3], m[0], m[1], m[7], m[4], m[5]]
    elif tie is not None and scale is not None:
        i, j, _k, x, y, _z = (float(v) for v in list(tie)[:6])  # type: ignore[call-overload]
        sx, sy = (float(v) for v in list(scale)[:2])  # type: ignore[call-overload]
        t = [x - i * sx, sx, 0.0, y + j * sy, 0.0, -sy]
    else:
        raise ValidationError(
            f"{path.name} is a TIFF without georeferencing (no GeoTIFF tags).",
            hint="Georeference it (e.g. gdal_translate -a_srs EPSG:4326 -a_ullr …).",
        )
    keys = _geokeys(tags.get("GeoKeyDirectoryTag"))
    if keys.get(_GEOKEY_RASTER_TYPE) == _PIXEL_IS_POINT:
        # The tie point names a pixel's centre: move the grid half a pixel, as GDAL does.
        t[0] -= 0.5 * (t[1] + t[2])
        t[3] -= 0.5 * (t[4] + t[5])
    return (t[0], t[1], t[2], t[3], t[4], t[5])


def _geokeys(directory: object) -> dict[int, int]:
    """Return the GeoKeys stored inline in the directory (EPSG codes and raster type)."""
    if directory is None:
        return {}
    values = [int(v) for v in directory]  # type: ignore[attr-defined]
    count = values[3] if len(values) >= 4 else 0
    keys = {}
    for n in range(count):
        key, location, _count, value = values[4 + 4 * n : 8 + 4 * n]
        if location == 0:
            keys[key] = value
    return keys


def _crs(path: Path, directory: object) -> CRS:
    keys = _geokeys(directory)
    code = keys.get(_GEOKEY_PROJECTED) or keys.get(_GEOKEY_GEOGRAPHIC)
    if code is None or code == _USER_DEFINED:
        raise ValidationError(
            f"{path.name} names no EPSG code for its coordinate reference system.",
            hint="Reproject it to an EPSG system, e.g. gdalwarp -t_srs EPSG:4326 in.tif out.tif.",
        )
    try:
        return CRS.from_epsg(code)
    except Exception as exc:  # pyproj's CRSError
        raise ValidationError(f"{path.name}: EPSG:{code} is unknown.", hint=_HINT) from exc


def _read_xyz(name: str, path: Path) -> Raster:
    try:
        frame = pd.read_csv(path, sep=None, engine="python")
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise ValidationError(
            f"{path.name} cannot be read as an XYZ grid: {exc}", hint=_HINT
        ) from exc
    lower = {str(c).strip().lower(): c for c in frame.columns}
    named = next(
        ((lower[a], lower[b]) for a, b in (("x", "y"), ("lon", "lat"), ("longitude", "latitude"))
         if a in lower and b in lower),
        None,
    )  # fmt: skip
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    if named is not None:
        rest = [c for c in numeric if c not in named]
        columns = [*named, *rest[:1]]
    else:
        columns = numeric[:3]
    if len(columns) < 3 or len(frame) < 2:
        raise ValidationError(
            f"{path.name} needs three numeric columns (x, y, value) and two rows or more.",
            hint=_HINT,
        )
    x, y, v = (frame[c].to_numpy(dtype=float) for c in columns)
    if not (np.abs(x) <= 180).all() or not (np.abs(y) <= 90).all():
        raise ValidationError(
            f"{path.name}: x and y must be WGS84 longitude and latitude in degrees.", hint=_HINT
        )
    xs, ys = np.unique(x), np.unique(y)
    dx = float(np.min(np.diff(xs))) if len(xs) > 1 else 1.0
    dy = float(np.min(np.diff(ys))) if len(ys) > 1 else dx
    if len(xs) == 1:
        dx = dy
    col = np.rint((x - xs[0]) / dx).astype(np.intp)
    row = np.rint((ys[-1] - y) / dy).astype(np.intp)
    off_grid = (np.abs(xs[0] + col * dx - x) > dx * 1e-3) | (
        np.abs(ys[-1] - row * dy - y) > dy * 1e-3
    )
    if off_grid.any():
        first = int(np.flatnonzero(off_grid)[0])
        raise ValidationError(
            f"{path.name}, row {first + 2}: ({x[first]:g}, {y[first]:g}) is not on the grid's "
            f"regular spacing ({dx:g}° × {dy:g}°).",
            hint="An XYZ grid has one row per pixel centre on a regular spacing.",
        )
    values = np.full((int(row.max()) + 1, int(col.max()) + 1), np.nan)
    values[row, col] = v
    transform = (xs[0] - dx / 2, dx, 0.0, ys[-1] + dy / 2, 0.0, -dy)
    return Raster(name, values, transform, CRS.from_epsg(4326))
