"""Feature tables as people make them: CSV (commas, accents, semicolons) or GeoPackage.

A feature table has one row per place (a grid cell, a village, a polygon),
a label column (1 = mines found, 0 = searched with nothing found, -1 or
empty = unlabelled), optionally a group column (municipality, district) for
spatial cross-validation, and numeric feature columns.  Column names are
kept exactly as written, commas and accents included.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from mineaction.errors import Problem, ValidationError

__all__ = [
    "SUSPECTED",
    "FeatureTable",
    "align",
    "feature_columns",
    "read_groups",
    "read_labels",
    "read_table",
]

GEO_SUFFIXES = (".gpkg", ".geojson", ".json")
#: A grid's column marking cells that touch a recorded hazard or minefield record.
SUSPECTED = "cell_suspected"
_SAVE_AS_UTF8 = "Save the file as UTF-8 (in Excel: Save As → 'CSV UTF-8 (Comma delimited)')."


@dataclass
class FeatureTable:
    """A table read from ``source``; ``geometry`` holds WKB when it came from a GIS file."""

    source: str
    frame: pd.DataFrame
    geometry: NDArray[np.object_] | None = None
    crs: str | None = None


def read_table(path: str | Path) -> FeatureTable:
    """Read a CSV, GeoPackage or GeoJSON feature table; refuse what cannot be read."""
    path = Path(path)
    if not path.is_file():
        raise ValidationError(
            f"The feature table {path} does not exist.",
            hint="Check the path; `mineaction risk build-grid` writes one from the database.",
        )
    if path.suffix.lower() in GEO_SUFFIXES:
        return _read_gis(path)
    return FeatureTable(source=path.name, frame=_read_csv(path))


def _read_csv(path: Path) -> pd.DataFrame:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ValidationError(
            f"{path.name} is not UTF-8 text (a byte on line {line} cannot be read).",
            hint=_SAVE_AS_UTF8,
        ) from exc
    first = text.split("\n", 1)[0]
    try:
        delimiter = csv.Sniffer().sniff(first, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    try:
        frame = pd.read_csv(StringIO(text), sep=delimiter, low_memory=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ValidationError(
            f"{path.name} cannot be read as a table: {exc}",
            hint="Check that every row has as many fields as the header and that "
            "names holding the delimiter are quoted.",
        ) from exc
    if frame.columns.duplicated().any():
        dup = sorted(set(frame.columns[frame.columns.duplicated()]))
        raise ValidationError(
            f"{path.name} has the column name(s) {dup} more than once.",
            hint="Give every column its own name.",
        )
    return frame


def _read_gis(path: Path) -> FeatureTable:
    import pyogrio

    try:
        # A risk map holds several layers; the cells come first.
        first = str(pyogrio.list_layers(path)[0][0])
        meta, _, geometry, values = pyogrio.raw.read(path, layer=first)
    except Exception as exc:  # pyogrio raises its own DataSourceError family
        raise ValidationError(
            f"{path.name} cannot be read as a GIS layer: {exc}",
            hint="Give a GeoPackage or GeoJSON file, e.g. the output of `risk build-grid`.",
        ) from exc
    frame = pd.DataFrame(
        {str(name): column for name, column in zip(meta["fields"], values, strict=True)}
    )
    return FeatureTable(source=path.name, frame=frame, geometry=geometry, crs=meta.get("crs"))


def _require_column(table: FeatureTable, column: str, role: str) -> None:
    if column not in table.frame.columns:
        shown = ", ".join(map(str, list(table.frame.columns)[:12]))
        raise ValidationError(
            f"{table.source} has no {role} column {column!r}.",
            hint=f"Name one of its columns (the first are: {shown}).",
        )


def read_labels(table: FeatureTable, column: str) -> NDArray[np.float64]:
    """Return the labels: 1.0, 0.0, or NaN for unlabelled rows (-1 or empty).

    Refuses any other value, naming each bad row (1-based, header = row 1).
    """
    _require_column(table, column, "label")
    raw = table.frame[column]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    bad = ~(np.isnan(values) | np.isin(values, (-1.0, 0.0, 1.0)))
    bad |= (
        np.isnan(values) & raw.notna().to_numpy() & (raw.astype(str).str.strip() != "").to_numpy()
    )
    if bad.any():
        rows = np.flatnonzero(bad)
        problems = [
            Problem(
                reason="a label must be 1 (found), 0 (nothing found) or -1 / empty (unlabelled)",
                field=column,
                value=raw.iloc[i],
                row=int(i) + 2,
                source=table.source,
            )
            for i in rows[:20]
        ]
        raise ValidationError(
            f"{table.source}: {len(rows)} row(s) have a label other than 1, 0 or -1.",
            hint=f"Fix the {column!r} column; leave it empty or -1 where nothing is known.",
            problems=problems,
        )
    values[values == -1] = np.nan
    return values


def read_groups(table: FeatureTable, column: str) -> NDArray[np.object_]:
    """Return the group of each row as text (empty groups become one group, '')."""
    _require_column(table, column, "group")
    return table.frame[column].fillna("").astype(str).to_numpy(dtype=object)


def feature_columns(frame: pd.DataFrame, *, exclude: list[str]) -> tuple[list[str], list[str]]:
    """Return (numeric feature columns, non-numeric columns left out), minus ``exclude``.

    A column counts as numeric when every non-empty value parses as a number.
    """
    features: list[str] = []
    skipped: list[str] = []
    for name in frame.columns:
        if name in exclude:
            continue
        column = frame[name]
        numeric = pd.to_numeric(column, errors="coerce")
        if column.dtype == bool or column.notna().sum() == numeric.notna().sum():
            features.append(str(name))
        else:
            skipped.append(str(name))
    return features, skipped


def align(frame: pd.DataFrame, features: list[str]) -> tuple[NDArray[np.float64], list[str]]:
    """Return the matrix of ``features`` in that order and the names ``frame`` lacks.

    Missing columns are filled with NaN (missing), never with zero.
    """
    missing = [name for name in features if name not in frame.columns]
    matrix = np.full((len(frame), len(features)), np.nan)
    for j, name in enumerate(features):
        if name in frame.columns:
            matrix[:, j] = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)
    return matrix, missing
