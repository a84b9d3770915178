"""Opening zip archives safely: no paths that climb out, no zip bombs.

Sizes are those the archive declares for its entries; Python's zipfile and
GDAL's /vsizip/ both stop at the declared size, so an entry cannot unpack to
more than it claims.
"""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import NoReturn

from mineaction.intake.readers.base import refuse

__all__ = [
    "DEFAULT_LIMITS",
    "ZIP_DAMAGE",
    "ZipLimits",
    "check_zip",
    "data_entries",
    "open_zip",
    "refuse_damaged",
]

#: What zipfile raises for a damaged archive or member: a bad header or checksum, a
#: compression method or version it does not know, a stream cut short, an offset that
#: points outside the file.
ZIP_DAMAGE = (zipfile.BadZipFile, NotImplementedError, zlib.error, EOFError, ValueError, OSError)


@dataclass(frozen=True)
class ZipLimits:
    """How much an archive may unpack to.

    ``max_total_bytes``: the entries together, 2 GB by default. An archive that
    unpacks to more than ``ratio_floor_bytes`` (100 MB) is also refused when it
    unpacks to more than ``max_ratio`` (100) times its packed size, which real
    spreadsheets and GIS layers never do and zip bombs always do.
    ``max_entries``: how many entries it may hold (10,000); a Shapefile has a
    handful, a workbook a few dozen, an archive of millions is an attack on
    whoever lists it.
    """

    max_total_bytes: int = 2 * 1024**3
    max_ratio: float = 100.0
    ratio_floor_bytes: int = 100 * 1024**2
    max_entries: int = 10_000


DEFAULT_LIMITS = ZipLimits()


def check_zip(zf: zipfile.ZipFile, *, source: str, limits: ZipLimits = DEFAULT_LIMITS) -> None:
    """Refuse an archive with an entry outside its folder, too many entries, or too much inside."""
    entries = zf.infolist()
    if len(entries) > limits.max_entries:
        refuse(
            source,
            f"{source} holds {len(entries):,} entries, more than the {limits.max_entries:,} "
            "accepted.",
            hint="zip only the files to import (a Shapefile's .shp, .shx, .dbf and .prj)",
            reason="too many entries in zip archive",
        )
    total = packed = 0
    for info in entries:
        name = info.filename.replace("\\", "/")
        parts = PurePosixPath(name).parts
        if name.startswith("/") or ".." in parts or (parts and parts[0].endswith(":")):
            refuse(
                source,
                f"{source} holds an entry whose path leads outside the archive ({info.filename}).",
                hint="make the zip again from the folder that holds the files",
                reason="unsafe path in zip archive",
                field=info.filename,
            )
        total += info.file_size
        packed += info.compress_size
    mb = total / 1024**2
    if total > limits.max_total_bytes:
        refuse(
            source,
            f"{source} unpacks to {mb:,.0f} MB, more than the "
            f"{limits.max_total_bytes / 1024**2:,.0f} MB accepted.",
            hint="split the data into several smaller files",
            reason="zip archive too large when unpacked",
        )
    if total > limits.ratio_floor_bytes and total > limits.max_ratio * max(packed, 1):
        refuse(
            source,
            f"{source} unpacks to {mb:,.0f} MB from {packed / 1024**2:,.1f} MB, more than "
            f"{limits.max_ratio:.0f} times its size: it is refused as a possible zip bomb.",
            hint="send the data files themselves, or a zip made directly from them",
            reason="zip archive compression ratio too high",
        )


def open_zip(path: Path, *, source: str) -> zipfile.ZipFile:
    """Return the archive at ``path`` opened for reading; refuse one too damaged to list."""
    try:
        return zipfile.ZipFile(path)
    except ZIP_DAMAGE as exc:
        refuse_damaged(source, exc)


def refuse_damaged(source: str, exc: BaseException) -> NoReturn:
    """Refuse ``source`` as a damaged zip archive (or a damaged member of one)."""
    detail = str(exc) or type(exc).__name__
    refuse(
        source,
        f"{source} is a damaged zip archive and cannot be read ({detail}).",
        hint="make the zip (or save the workbook) again from the original files and send it "
        "once more",
        reason="damaged zip archive",
    )


def data_entries(zf: zipfile.ZipFile, suffix: str) -> list[str]:
    """Return the entries ending in ``suffix``, leaving out macOS and hidden files."""
    return [
        n
        for n in zf.namelist()
        if n.lower().endswith(suffix)
        and not n.startswith("__MACOSX/")
        and not PurePosixPath(n).name.startswith(".")
    ]
