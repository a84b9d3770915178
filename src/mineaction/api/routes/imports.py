"""Importing a file over HTTP: the same pipeline and row-level report as `mineaction import`."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile

from mineaction.api.deps import CurrentPrincipal, DatabaseDep
from mineaction.services.catalogue import get_kind_info
from mineaction.services.imports import import_upload

router = APIRouter(prefix="/api", tags=["import"])


@router.post("/import/{kind}")
def import_file(
    kind: str,
    file: Annotated[UploadFile, File(description="CSV, XLSX, GeoJSON or GeoPackage file.")],
    who: CurrentPrincipal,
    db: DatabaseDep,
    dry_run: Annotated[bool, Form()] = False,
    status: Annotated[
        str | None, Form(description="draft, submitted or approved (national roles only).")
    ] = None,
) -> dict[str, Any]:
    """Import the uploaded file (operators' uploads arrive as submitted); return the report."""
    info = get_kind_info(kind)
    name = Path(file.filename or "upload.csv").name
    with tempfile.TemporaryDirectory(prefix="mineaction-upload-") as tmp:
        path = Path(tmp) / name
        with path.open("wb") as out:
            while chunk := file.file.read(1 << 20):
                out.write(chunk)
        return import_upload(db, info, path, who=who, dry_run=dry_run, status=status).as_dict()
