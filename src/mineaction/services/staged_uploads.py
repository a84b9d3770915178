"""Uploads kept between a dry run and its confirmation: on the server, under a random id.

The import page checks a file (a dry run), shows its problems, and imports
the same bytes when the user confirms.  The file waits in a directory of its
own under the staging root, named by a random id; the browser holds only
that id, never a path.  Only the user who uploaded a file may confirm it; it
is deleted once confirmed, and an upload older than ``MAX_AGE`` is deleted
the next time anyone uploads (or when it is asked for).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from mineaction.errors import NotFoundError, ValidationError
from mineaction.services.policy import Principal

#: How long an upload waits for its confirmation.
MAX_AGE = dt.timedelta(hours=1)
_ID = re.compile(r"^[A-Za-z0-9_-]{32}$")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_META = "upload.json"
_CHUNK = 1 << 20


def default_root() -> Path:
    """Return the directory uploads wait in: ``mineaction-uploads`` in the system's temp dir."""
    return Path(tempfile.gettempdir()) / "mineaction-uploads"


@dataclass(frozen=True)
class StagedUpload:
    """A file (and its optional column mapping) waiting for the user to confirm its import."""

    id: str
    kind: str
    username: str
    status: str | None
    filename: str
    mapping_name: str | None
    directory: Path

    @property
    def path(self) -> Path:
        """Return where the uploaded file is kept."""
        return self.directory / self.filename

    @property
    def mapping_path(self) -> Path | None:
        """Return where the column mapping is kept, or None when there is none."""
        return self.directory / "mapping" / self.mapping_name if self.mapping_name else None


def safe_name(name: str | None, default: str) -> str:
    r"""Return ``name`` without its folders and with only safe characters (its suffix kept).

    >>> safe_name("../../etc/passwd", "upload.csv")
    'passwd'
    >>> safe_name("C:\\Users\\week 18.xlsx", "upload.csv")
    'week_18.xlsx'
    """
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _UNSAFE.sub("_", base).lstrip(".")[-120:]
    return cleaned or default


def stage(
    *,
    root: Path,
    kind: str,
    who: Principal,
    filename: str | None,
    data: BinaryIO,
    status: str | None = None,
    mapping_name: str | None = None,
    mapping_data: BinaryIO | None = None,
) -> StagedUpload:
    """Keep the uploaded ``data`` (and mapping) under a new random id; return the upload."""
    purge(root)
    staged_id = secrets.token_urlsafe(24)
    directory = root / staged_id
    directory.mkdir(mode=0o700, parents=True)
    upload = StagedUpload(
        id=staged_id,
        kind=kind,
        username=who.username,
        status=status,
        filename=safe_name(filename, "upload.csv"),
        mapping_name=safe_name(mapping_name, "mapping.yaml") if mapping_data else None,
        directory=directory,
    )
    _copy(data, upload.path)
    if upload.mapping_path is not None and mapping_data is not None:
        upload.mapping_path.parent.mkdir(mode=0o700)
        _copy(mapping_data, upload.mapping_path)
    if upload.path.stat().st_size == 0:
        discard(upload)
        raise ValidationError(
            f"The file {upload.filename} is empty.",
            hint="Choose the file again; it may not have finished saving.",
        )
    meta = {
        "kind": kind,
        "username": who.username,
        "status": status,
        "filename": upload.filename,
        "mapping_name": upload.mapping_name,
    }
    (directory / _META).write_text(json.dumps(meta), "utf-8")
    return upload


def _copy(data: BinaryIO, path: Path) -> None:
    with path.open("wb") as out:
        while chunk := data.read(_CHUNK):
            out.write(chunk)


def load(*, root: Path, staged_id: str, who: Principal) -> StagedUpload:
    """Return the upload ``staged_id`` of ``who``; refuse an unknown, expired or other's one."""
    gone = NotFoundError(
        "This upload is no longer waiting (it was imported, it expired, or it is not yours).",
        hint="Upload the file again and run the dry run again.",
    )
    if not _ID.match(staged_id or ""):
        raise gone
    directory = root / staged_id
    try:
        meta = json.loads((directory / _META).read_text("utf-8"))
    except (OSError, ValueError):
        raise gone from None
    if _expired(directory, dt.datetime.now(dt.UTC)):
        shutil.rmtree(directory, ignore_errors=True)
        raise gone
    if meta.get("username") != who.username:
        raise gone
    return StagedUpload(id=staged_id, directory=directory, **meta)


def discard(upload: StagedUpload) -> None:
    """Delete the upload and its mapping."""
    shutil.rmtree(upload.directory, ignore_errors=True)


def purge(root: Path, *, now: dt.datetime | None = None) -> int:
    """Delete every upload older than ``MAX_AGE``; return how many were deleted."""
    if not root.is_dir():
        return 0
    now = now or dt.datetime.now(dt.UTC)
    deleted = 0
    for directory in root.iterdir():
        if directory.is_dir() and _ID.match(directory.name) and _expired(directory, now):
            shutil.rmtree(directory, ignore_errors=True)
            deleted += 1
    return deleted


def _expired(directory: Path, now: dt.datetime) -> bool:
    try:
        modified = dt.datetime.fromtimestamp(directory.stat().st_mtime, dt.UTC)
    except OSError:
        return True
    return now - modified > MAX_AGE
