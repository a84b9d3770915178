"""Zip archives: a zipped Shapefile, or ODK Central's export of CSV files.

The archive is checked first (``zip_safety``). A Shapefile is read straight out
of the zip through GDAL's /vsizip/; CSV files are streamed out of it.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO, cast

from mineaction.intake.readers.base import OpenOptions, SourceRow, Table, refuse
from mineaction.intake.readers.csv_reader import CsvTable
from mineaction.intake.readers.gis_reader import ShapefileTable
from mineaction.intake.readers.zip_safety import (
    DEFAULT_LIMITS,
    ZIP_DAMAGE,
    check_zip,
    data_entries,
    open_zip,
    refuse_damaged,
)

__all__ = ["ZipTable", "csv_in_zip", "main_csv"]


class ZipTable(Table):
    """Opens what a zip holds: its Shapefile, or the main CSV of an ODK Central export."""

    kind = "zip archive"

    @classmethod
    def open(cls, path: Path, options: OpenOptions) -> Table:
        """Return the Shapefile (or main CSV) inside the zip at ``path``."""
        source = path.name
        with open_zip(path, source=source) as zf:
            check_zip(zf, source=source, limits=options.zip_limits or DEFAULT_LIMITS)
            shapefiles = data_entries(zf, ".shp")
            csvs = data_entries(zf, ".csv")
            if shapefiles:
                entry = _pick_shapefile(shapefiles, options.layer, source)
                full_names = _full_field_names(zf, entry)
        if shapefiles:
            table = ShapefileTable(
                f"/vsizip/{path.resolve()}/{entry}",
                source=f"{source} ({entry})",
                layer=None,
                crs=options.crs,
            )
            return RenamedTable(table, full_names) if full_names else table
        if csvs:
            return csv_in_zip(path, main_csv(csvs, source), options)
        refuse(
            source,
            f"{source} holds no Shapefile (.shp) and no CSV file.",
            hint="zip the .shp together with its .shx, .dbf and .prj files",
        )


class RenamedTable(Table):
    """A table whose columns are given back their full names (a Shapefile cuts them to 10)."""

    kind = "zipped Shapefile"

    def __init__(self, inner: Table, names: dict[str, str]) -> None:
        super().__init__(
            source=inner.source,
            columns=[names.get(c, c) for c in inner.columns],
            has_geometry=inner.has_geometry,
            crs=inner.crs,
        )
        self._inner = inner
        self._names = names

    def rows(self) -> Iterator[SourceRow]:
        """Yield the inner table's rows with their columns renamed."""
        for row in self._inner.rows():
            row.values = {self._names.get(k, k): v for k, v in row.values.items()}
            yield row

    def count_hint(self) -> int | None:
        """Return the inner table's row count hint."""
        return self._inner.count_hint()


def _full_field_names(zf: zipfile.ZipFile, shapefile: str) -> dict[str, str]:
    """Return short → full field names from the ``STEM_fields.csv`` beside a Shapefile.

    mineaction's own Shapefile exports carry it; any other zip simply has none.
    """
    stem = str(PurePosixPath(shapefile).with_suffix(""))
    try:
        with zf.open(f"{stem}_fields.csv") as raw:
            rows = list(csv.reader(io.TextIOWrapper(raw, "utf-8-sig")))
    except (KeyError, UnicodeDecodeError, csv.Error):
        return {}
    except ZIP_DAMAGE as exc:
        refuse_damaged(f"{Path(zf.filename or '').name} ({stem}_fields.csv)", exc)
    return {r[0]: r[1] for r in rows[1:] if len(r) == 2 and r[0] and r[1] and r[0] != r[1]}


def csv_in_zip(path: Path, entry: str, options: OpenOptions) -> CsvTable:
    """Return the CSV file ``entry`` of the zip at ``path``, streamed out of the archive."""
    with open_zip(path, source=path.name) as zf:
        size = zf.getinfo(entry).file_size

    source = f"{path.name} ({entry})"

    def opener() -> IO[bytes]:
        with open_zip(path, source=path.name) as archive:
            # An open member keeps the file open after the archive is closed, until it closes.
            try:
                member = archive.open(entry)
            except ZIP_DAMAGE as exc:
                refuse_damaged(source, exc)
            return cast(IO[bytes], CheckedMember(member, source))

    return CsvTable(source=source, opener=opener, size=size, crs=options.crs)


class CheckedMember(io.BufferedIOBase):
    """A zip member read as a stream, refusing it clearly when its bytes are damaged.

    zipfile checks the member's checksum as it reaches the end and raises its own
    errors for a damaged or cut stream; they become a refusal naming the member.
    """

    def __init__(self, raw: IO[bytes], source: str) -> None:
        super().__init__()
        self._raw = raw
        self._source = source

    def read(self, size: int | None = -1) -> bytes:
        """Return up to ``size`` bytes (all that are left when -1 or None)."""
        try:
            return self._raw.read(-1 if size is None else size)
        except ZIP_DAMAGE as exc:
            refuse_damaged(self._source, exc)

    def readline(self, size: int | None = -1) -> bytes:
        """Return one line of at most ``size`` bytes."""
        try:
            return self._raw.readline(-1 if size is None else size)
        except ZIP_DAMAGE as exc:
            refuse_damaged(self._source, exc)

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        """Close the member (and with it the archive file)."""
        self._raw.close()
        super().close()


def main_csv(entries: list[str], source: str) -> str:
    """Return the CSV whose name every other one extends (ODK Central: form.csv, form-rep.csv)."""
    stems = {e: PurePosixPath(e).stem for e in entries}
    main = [e for e in entries if all(s.startswith(stems[e]) for s in stems.values())]
    if len(main) == 1:
        return main[0]
    refuse(
        source,
        f"{source} holds {len(entries)} CSV files and none of them is the main table "
        "of an ODK Central export.",
        hint="send the one CSV file to import, not the zip; the zip holds: " + ", ".join(entries),
    )


def _pick_shapefile(entries: list[str], layer: str | None, source: str) -> str:
    if layer is not None:
        match = [e for e in entries if PurePosixPath(e).stem == layer or e == layer]
        if len(match) == 1:
            return match[0]
        refuse(
            source,
            f"{source} holds no Shapefile named {layer!r}.",
            hint="its Shapefiles are: " + ", ".join(entries) + "; name one with --layer",
            field="layer",
            value=layer,
        )
    if len(entries) > 1:
        refuse(
            source,
            f"{source} holds {len(entries)} Shapefiles and it is not said which one to read.",
            hint="name one with --layer (its name without .shp); they are: " + ", ".join(entries),
            field="layer",
        )
    return entries[0]
