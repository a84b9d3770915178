"""The import page: upload a file, see the dry run's problems row by row, confirm the import.

The file waits on the server between the dry run and the confirmation
(``services.staged_uploads``); the confirmation imports those same bytes
through ``services.imports.import_upload``, with the role's approval state.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse

from mineaction.api.deps import CurrentPrincipal, DatabaseDep
from mineaction.errors import MineActionError
from mineaction.intake.pipeline import ImportRefused, ImportReport, RowMapper
from mineaction.services import imports, staged_uploads
from mineaction.services.catalogue import KINDS, KindInfo, get_kind_info
from mineaction.services.policy import Principal, may, require
from mineaction.web.layout import render_page as render

router = APIRouter(include_in_schema=False)


def importable(who: Principal) -> list[KindInfo]:
    """Return the kinds ``who`` may import."""
    return [
        k
        for k in KINDS.values()
        if k.writable and may(who, "import", k.name) and may(who, "create", k.name)
    ]


def _page(request: Request, who: Principal, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("chosen", {})
    return render(
        request,
        "import.html",
        who,
        status_code,
        kinds=importable(who),
        states=imports.STATES if who.role != "operator_officer" else (),
        **context,
    )


@router.get("/import", response_class=HTMLResponse)
def import_form(request: Request, who: CurrentPrincipal) -> HTMLResponse:
    """Show the upload form: kind, file, optional column mapping, approval state."""
    require(who, "import")
    return _page(request, who)


@router.post("/import", response_class=HTMLResponse)
def dry_run(
    request: Request,
    who: CurrentPrincipal,
    db: DatabaseDep,
    kind: Annotated[str, Form()],
    file: Annotated[UploadFile, File()],
    mapping: Annotated[UploadFile | None, File()] = None,
    status: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Keep the file, check every row (nothing written); show the problems or the confirmation."""
    require(who, "import")
    info = get_kind_info(kind)
    chosen = {"kind": kind, "status": status}
    has_mapping = mapping is not None and bool(mapping.filename)
    try:
        imports.status_for(who, status or None)
        upload = staged_uploads.stage(
            root=staged_uploads.default_root(),
            kind=info.name,
            who=who,
            filename=file.filename,
            data=file.file,
            status=status or None,
            mapping_name=mapping.filename if mapping is not None and has_mapping else None,
            mapping_data=mapping.file if mapping is not None and has_mapping else None,
        )
    except MineActionError as exc:
        return _page(request, who, exc.http_status, error=exc, chosen=chosen)
    try:
        report = _import(db, info, upload, who, dry_run=True)
    except ImportRefused as refused:
        staged_uploads.discard(upload)
        return _page(request, who, 422, refused=refused.report, error=refused, chosen=chosen)
    except MineActionError as exc:
        staged_uploads.discard(upload)
        return _page(request, who, exc.http_status, error=exc, chosen=chosen)
    arrive_as = imports.status_for(who, upload.status)
    return _page(
        request, who, report=report, upload=upload, info=info, chosen=chosen, arrive_as=arrive_as
    )


@router.post("/import/confirm", response_class=HTMLResponse)
def confirm(
    request: Request,
    who: CurrentPrincipal,
    db: DatabaseDep,
    upload_id: Annotated[str, Form(max_length=64)],
) -> HTMLResponse:
    """Import the file the dry run checked, then delete it; show what was written."""
    require(who, "import")
    upload = staged_uploads.load(root=staged_uploads.default_root(), staged_id=upload_id, who=who)
    info = get_kind_info(upload.kind)
    try:
        report = _import(db, info, upload, who, dry_run=False)
    except ImportRefused as refused:
        return _page(request, who, 422, refused=refused.report, error=refused)
    except MineActionError as exc:
        return _page(request, who, exc.http_status, error=exc)
    finally:
        staged_uploads.discard(upload)
    state = imports.status_for(who, upload.status)
    return _page(request, who, report=report, info=info, imported=state)


def _import(
    db: Any, info: KindInfo, upload: staged_uploads.StagedUpload, who: Principal, *, dry_run: bool
) -> ImportReport:
    mapper: RowMapper | None = None
    if upload.mapping_path is not None:
        from mineaction.intake.mapping import load_mapping

        mapper = load_mapping(upload.mapping_path)
    return imports.import_upload(
        db, info, upload.path, who=who, dry_run=dry_run, mapping=mapper, status=upload.status
    )
