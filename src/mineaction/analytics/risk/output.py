"""Writing cells with their risk: CSV, or a GeoPackage / GeoJSON layer for QGIS and the web map."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from mineaction.errors import ValidationError

__all__ = ["with_explanations", "write_table"]


def write_table(
    frame: pd.DataFrame,
    path: str | Path,
    *,
    geometry: NDArray[np.object_] | None = None,
    crs: str | None = "EPSG:4326",
    layer: str | None = None,
    append: bool = False,
) -> Path:
    """Write ``frame`` to ``path``: CSV, or a GIS layer (GeoPackage, GeoJSON) with ``geometry``.

    ``geometry`` holds one WKB per row.  ``append`` adds a layer to an
    existing GeoPackage instead of replacing the file.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        frame.to_csv(path, index=False, encoding="utf-8")
        return path
    if suffix not in (".gpkg", ".geojson"):
        raise ValidationError(
            f"{path.name}: the risk output is written as .csv, .gpkg or .geojson.",
            hint="Give the output file one of those extensions.",
        )
    if geometry is None:
        raise ValidationError(
            f"{path.name} is a GIS format but the table has no geometry.",
            hint="Write a .csv, or give a feature table that came from a GeoPackage.",
        )
    import pyogrio

    names = [str(c) for c in frame.columns]
    fields = [_field_values(frame[c]) for c in frame.columns]
    pyogrio.raw.write(
        path,
        geometry=np.asarray(geometry, dtype=object),
        field_data=fields,
        fields=names,
        crs=crs,
        geometry_type="Unknown",
        layer=layer or path.stem,
        driver="GPKG" if suffix == ".gpkg" else "GeoJSON",
        append=append,
    )
    return path


def _field_values(column: pd.Series) -> NDArray[np.generic]:
    if pd.api.types.is_bool_dtype(column):
        return column.astype(int).to_numpy()
    if pd.api.types.is_numeric_dtype(column):
        return column.to_numpy(dtype=float if column.isna().any() else column.dtype)
    return column.fillna("").astype(str).to_numpy(dtype=object)


def with_explanations(
    frame: pd.DataFrame, contributions: NDArray[np.float64], features: list[str], top: int
) -> pd.DataFrame:
    """Add to ``frame`` the ``top`` features that raise each row's risk most, with their log-odds.

    >>> f = pd.DataFrame({"id": [1]})
    >>> out = with_explanations(f, np.array([[0.5, -1.0, 2.0, -3.0]]), ["a", "b", "c"], 2)
    >>> out.columns.tolist()
    ['id', 'why_1', 'why_1_logodds', 'why_2', 'why_2_logodds']
    >>> out["why_1"][0], float(out["why_1_logodds"][0]), out["why_2"][0]
    ('c', 2.0, 'a')
    """
    out = frame.copy()
    per_feature = contributions[:, : len(features)]
    order = np.argsort(-per_feature, axis=1, kind="stable")[:, :top]
    names = np.asarray(features, dtype=object)
    for k in range(min(top, len(features))):
        chosen = order[:, k]
        out[f"why_{k + 1}"] = names[chosen]
        out[f"why_{k + 1}_logodds"] = np.round(per_feature[np.arange(len(frame)), chosen], 4)
    return out
