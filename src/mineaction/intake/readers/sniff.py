"""Which reader a file needs: by its extension, then by what its first bytes say.

Content wins over the extension when it is unmistakable (a zip holding an Excel
workbook, a SQLite/GeoPackage database, JSON); plain text is only read as CSV
when the name says so, or when the file has no extension at all.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import NoReturn

from mineaction.intake.readers.base import refuse
from mineaction.intake.readers.zip_safety import ZIP_DAMAGE

__all__ = ["EXTENSIONS", "detect_format", "sniff_content"]

#: Extension → reader name in ``registry.READERS``.
EXTENSIONS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".geojson": "geojson",
    ".json": "geojson",
    ".gpkg": "gpkg",
    ".shp": "shp",
    ".zip": "zip",
}
SUPPORTED = "CSV (.csv, .txt), Excel (.xlsx), GeoJSON, GeoPackage (.gpkg) or a zipped Shapefile"

_HEAD_BYTES = 8192
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_XLS_HINT = (
    "open it in Excel and save it as 'Excel Workbook (.xlsx)' without a password, or as 'CSV UTF-8'"
)


def sniff_content(head: bytes) -> str:
    """Return what the first bytes look like: zip, ole, sqlite, pdf, json, text or binary."""
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head.startswith(_OLE):
        return "ole"
    if head.startswith(b"SQLite format 3\x00"):
        return "sqlite"
    if head.startswith(b"%PDF"):
        return "pdf"
    if b"\x00" in head:
        return "binary"
    stripped = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if stripped[:1] in (b"{", b"["):
        return "json"
    return "text"


def detect_format(path: Path) -> str:
    """Return the name of the reader for ``path``; refuse a file no reader can take."""
    source = path.name
    if not path.is_file():
        refuse(
            source,
            f"{source} does not exist or is not a file.",
            hint="check the file name and folder",
        )
    with path.open("rb") as f:
        head = f.read(_HEAD_BYTES)
    if not head.removeprefix(b"\xef\xbb\xbf").strip():
        refuse(source, f"{source} is empty.", hint="check that you sent the right file")
    ext = path.suffix.lower()
    by_name = EXTENSIONS.get(ext)
    content = sniff_content(head)
    if content == "ole":
        refuse(
            source,
            f"{source} is not an Excel .xlsx file: it is an old .xls workbook "
            "or a password-protected one.",
            hint=_XLS_HINT,
        )
    if content == "pdf":
        refuse(
            source,
            f"{source} is a PDF document, not a table.",
            hint=f"send the data itself as {SUPPORTED}",
        )
    if content == "zip":
        return "xlsx" if _is_xlsx(path) else _zip_named(path, by_name)
    if content == "sqlite":
        return "gpkg"
    if content == "json" and by_name in ("geojson", "csv", None):
        return "geojson"
    if by_name == "shp":
        return "shp"
    if by_name == "csv" or (ext == "" and content in ("text", "binary")):
        return "csv"
    _refuse_mismatch(source, ext, by_name, content)


def _is_xlsx(path: Path) -> bool:
    """Return True if the zip at ``path`` holds an Excel workbook."""
    try:
        with zipfile.ZipFile(path) as zf:
            return "xl/workbook.xml" in zf.namelist()
    except ZIP_DAMAGE:
        return False


def _zip_named(path: Path, by_name: str | None) -> str:
    """Return the reader for a zip that is not a workbook; refuse one named .xlsx."""
    source = path.name
    if by_name == "xlsx":
        refuse(
            source,
            f"{source} is not an Excel .xlsx file: it is a zip archive without a workbook "
            "inside, or a damaged file.",
            hint=_XLS_HINT,
        )
    try:
        zipfile.ZipFile(path).close()
    except ZIP_DAMAGE:
        refuse(
            source,
            f"{source} is a damaged zip archive and cannot be opened.",
            hint="make the zip again and send it once more",
        )
    return "zip"


def _refuse_mismatch(source: str, ext: str, by_name: str | None, content: str) -> NoReturn:
    """Refuse a file whose content does not fit its extension, or an unknown extension."""
    what = {
        "text": "plain text",
        "json": "JSON text",
        "binary": "binary data",
        "pdf": "a PDF document",
    }.get(content, content)
    if by_name is None:
        refuse(
            source,
            f"{source} cannot be read: files ending in {ext or '(no extension)'} "
            "are not supported.",
            hint=f"send {SUPPORTED}",
            value=ext,
        )
    expected = {
        "xlsx": "an Excel .xlsx file",
        "geojson": "GeoJSON",
        "gpkg": "a GeoPackage",
        "zip": "a zip archive",
    }[by_name]
    hint = f"send {SUPPORTED}"
    if by_name == "xlsx" and content == "text":
        hint = "it looks like a CSV file: rename it to .csv, or open it in Excel and save as .xlsx"
    elif by_name == "geojson":
        hint = "export the layer again as GeoJSON (a text file starting with '{')"
    refuse(source, f"{source} is not {expected}: it holds {what}.", hint=hint)
