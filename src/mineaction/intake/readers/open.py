"""Opening any supported file as a Table: choose the reader, open, check there are rows."""

from __future__ import annotations

from pathlib import Path

from mineaction.intake.readers.base import OpenOptions, Table, refuse
from mineaction.intake.readers.crs import parse_crs
from mineaction.intake.readers.registry import reader_class
from mineaction.intake.readers.sniff import detect_format
from mineaction.intake.readers.zip_safety import ZipLimits

__all__ = ["open_table"]


def open_table(
    path: Path,
    *,
    layer: str | None = None,
    crs: str | None = None,
    sheet: str | None = None,
    zip_limits: ZipLimits | None = None,
) -> Table:
    """Return the file at ``path`` opened for streaming, its header or layer checked.

    The reader is chosen by extension, then by content (see ``sniff``). ``layer``
    names a GeoPackage layer or a Shapefile in a zip; ``sheet`` an Excel sheet;
    ``crs`` the CRS of a file that declares none. Raises ValidationError naming
    the file, and the row and column where there is one, for a file that cannot
    be read or has no data rows.
    """
    path = Path(path)
    if crs is not None:
        parse_crs(crs, source=path.name)  # refuse an unknown CRS before reading anything
    options = OpenOptions(layer=layer, crs=crs, sheet=sheet, zip_limits=zip_limits)
    table = reader_class(detect_format(path)).open(path, options)
    ensure_rows(table)
    return table


def ensure_rows(table: Table) -> None:
    """Refuse a table with a header but no data rows."""
    rows = table.rows()
    try:
        first = next(rows, None)
    finally:
        close = getattr(rows, "close", None)  # a generator: let it close its file now
        if close is not None:
            close()
    if first is None:
        refuse(
            table.source,
            f"{table.source} has a header but no data rows.",
            hint="fill in at least one row under the header, or check that you sent the "
            "right file (or sheet)",
        )
