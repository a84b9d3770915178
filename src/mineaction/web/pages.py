"""The web pages: thin handlers over the same services and policy as the API.

Forms post with the session's CSRF token; a rule broken by a form shows the
same problems, with the same words, as an import's report.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mineaction.api.deps import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    CurrentPrincipal,
    DatabaseDep,
    RecordId,
    SettingsDep,
)
from mineaction.api.routes.auth import do_sign_in, set_session_cookie
from mineaction.domain import workflow
from mineaction.errors import MineActionError, NotFoundError, ValidationError
from mineaction.intake.kinds import get_kind
from mineaction.services import (
    admin_areas,
    approval,
    auth,
    browse,
    dashboard,
    public,
    records,
    risk_runs,
)
from mineaction.services import status as status_service
from mineaction.services.catalogue import KINDS, KindInfo, get_kind_info
from mineaction.services.policy import (
    AuthenticationRequired,
    Principal,
    may,
    read_scope,
    require,
    risk_refusal,
)
from mineaction.web.i18n import current_language
from mineaction.web.i18n import gettext as _
from mineaction.web.language_switch import local_path
from mineaction.web.layout import render_page as _render
from mineaction.web.record_refs import references

router = APIRouter(include_in_schema=False)
PAGE = 50


def _signed_in(who: Principal) -> None:
    if not who.signed_in:
        raise AuthenticationRequired(_("Sign in to see this page."))


@router.get("/", response_class=HTMLResponse)
def home(request: Request, who: CurrentPrincipal, db: DatabaseDep) -> HTMLResponse:
    """Show what the database holds and the public statistics."""
    with db.session() as session:
        counts = status_service.counts(session)
        synthetic = status_service.is_synthetic(session)
        summary = public.summary(session)
        district_names = admin_areas.local_names(session, current_language())
    return _render(
        request,
        "home.html",
        who,
        counts=counts,
        labels=status_service.KIND_LABELS,
        synthetic=synthetic,
        summary=summary,
        district_names=district_names,
        attribution=admin_areas.AZE_ATTRIBUTION,
    )


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, who: CurrentPrincipal, next: str = "/dashboard") -> Response:
    """Show the sign-in form (with a CSRF token of its own, checked against a cookie)."""
    token = secrets.token_urlsafe(32)
    response = _render(request, "login.html", who, next=_local(next), login_csrf=token)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/login")
    return response


def _local(target: str) -> str:
    """Return ``target`` when it is a path on this site, else the dashboard (no open redirect)."""
    return local_path(target, fallback="/dashboard")


@router.post("/login", response_model=None)
def login(
    request: Request,
    who: CurrentPrincipal,
    db: DatabaseDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=80)],
    password: Annotated[str, Form(max_length=256)],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/dashboard",
) -> Response:
    """Sign in from the form; show the form again with the reason when refused."""
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    try:
        if not expected or not secrets.compare_digest(expected, csrf_token):
            raise ValidationError(
                _("The sign-in form expired."), hint=_("Reload the page and sign in again.")
            )
        signed = do_sign_in(db, settings, username, password)
    except MineActionError as exc:
        token = secrets.token_urlsafe(32)
        status = exc.http_status if exc.http_status in (401, 429) else 400
        response = _render(
            request, "login.html", who, status, next=_local(next), login_csrf=token, error=exc
        )
        response.set_cookie(
            LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/login"
        )
        return response
    redirect = RedirectResponse(_local(next), status_code=303)
    set_session_cookie(redirect, signed, settings)
    redirect.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return redirect


@router.post("/logout")
def logout(
    request: Request, who: CurrentPrincipal, db: DatabaseDep, settings: SettingsDep
) -> RedirectResponse:
    """Sign out and go back to the home page."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        with db.session(actor=who.username) as session:
            auth.sign_out(session=session, cookie=cookie, secret=settings.secret_key)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(request: Request, who: CurrentPrincipal, db: DatabaseDep) -> HTMLResponse:
    """Show approved work this week, month and year, and what waits for review."""
    _signed_in(who)
    require(who, "read_aggregates")
    with db.session() as session:
        figures = dashboard.figures(session, today=dt.date.today())
        synthetic = status_service.is_synthetic(session)
    return _render(request, "dashboard.html", who, figures=figures, synthetic=synthetic)


@router.get("/map", response_class=HTMLResponse)
def map_page(request: Request, who: CurrentPrincipal, risk: bool = False) -> HTMLResponse:
    """Show the map; its layers are the spatial kinds the user may read (and risk, signed in).

    ``risk=true`` opens it with the risk layer switched on.
    """
    layers = [k for k in KINDS.values() if k.geometry and may(who, "read", k.name)]
    may_risk = risk_refusal(who) is None
    return _render(request, "map.html", who, layers=layers, risk=may_risk, risk_on=risk)


@router.get("/records/{kind}", response_class=HTMLResponse)
def list_page(
    request: Request,
    kind: str,
    who: CurrentPrincipal,
    db: DatabaseDep,
    approval_state: str | None = None,
    page: Annotated[int, Query(le=browse.MAX_OFFSET // PAGE)] = 1,
) -> HTMLResponse:
    """List records of a kind the user may read, newest first, 50 a page."""
    info = get_kind_info(kind)
    require(who, "read", info.name)
    page = max(page, 1)
    with db.session() as session:
        found = browse.list_records(
            session,
            info,
            scope=read_scope(who, info.name),
            filters=browse.Filters(approval=approval_state or None),
            limit=PAGE,
            offset=(page - 1) * PAGE,
        )
        items = [browse.as_dict(r, geometry=False) for r in found.rows]
    return _render(
        request,
        "records.html",
        who,
        info=info,
        items=items,
        total=found.total,
        exact=found.exact,
        page=page,
        pages=max(1, -(-found.total // PAGE)),
        has_next=found.more_after((page - 1) * PAGE),
        approval_state=approval_state or "",
        can_create=info.writable is not None and may(who, "create", info.name),
    )


def _form_fields(info: KindInfo) -> list[Any]:
    assert info.writable is not None
    return list(get_kind(info.writable).columns)


@router.get("/records/{kind}/new", response_class=HTMLResponse)
def new_page(request: Request, kind: str, who: CurrentPrincipal) -> HTMLResponse:
    """Show the form for a new record (a map to place a point for point kinds)."""
    info = get_kind_info(kind)
    require(who, "create", info.name)
    return _form(request, who, info, values={}, record=None)


def _form(
    request: Request,
    who: Principal,
    info: KindInfo,
    *,
    values: dict[str, Any],
    record: dict[str, Any] | None,
    error: MineActionError | None = None,
) -> HTMLResponse:
    kind = get_kind(info.writable or "")
    return _render(
        request,
        "record_form.html",
        who,
        422 if error else 200,
        info=info,
        fields=_form_fields(info),
        point=kind.geometry == "point",
        polygon=kind.geometry in ("polygon", "any"),
        values=values,
        record=record,
        error=error,
    )


async def _row_from_form(request: Request, info: KindInfo) -> tuple[dict[str, Any], bool]:
    form = await request.form()
    names = {c.name for c in _form_fields(info)}
    row = {k: v for k, v in form.items() if k in names and isinstance(v, str) and v.strip()}
    return row, form.get("then") == "submit"


@router.post("/records/{kind}/new", response_model=None)
async def create_page(
    request: Request, kind: str, who: CurrentPrincipal, db: DatabaseDep
) -> Response:
    """Create the record from the form; show the form again with the problems when refused."""
    info = get_kind_info(kind)
    row, submit = await _row_from_form(request, info)
    try:
        with db.session(actor=who.username) as session:
            record = approval.create(session=session, info=info, row=row, who=who, submit=submit)
            session.flush()
            record_id = record.id
    except ValidationError as exc:
        return _form(request, who, info, values=row, record=None, error=exc)
    return RedirectResponse(f"/records/{info.name}/{record_id}", status_code=303)


@router.get("/records/{kind}/{record_id}", response_class=HTMLResponse)
def detail_page(
    request: Request, kind: str, record_id: RecordId, who: CurrentPrincipal, db: DatabaseDep
) -> HTMLResponse:
    """Show one record, its history and the workflow steps the user may take."""
    info = get_kind_info(kind)
    with db.session() as session:
        record = records.get_record(session, info.model, record_id)
        facts = browse.facts(session, info, record)
        require(who, "read", info.name, facts)
        data = browse.as_dict(record, geometry=False)
        history = approval.history(session, info, record)
        row = get_kind(info.writable).row_of(record) if info.writable else None
        refs = references(session, data) if row is None else {}  # an import row names them
        # What the ledger worked out from a release's polygon, which its import row cannot say.
        derived = (
            {"counted_area_m2": data.get("area_m2"), "overlap_m2": data.get("overlap_m2")}
            if row is not None and info.name == "land-releases"
            else {}
        )
        risk = _hazard_risk(session, who, record.id) if info.name == "hazards" else None
    steps = [s for s in workflow.allowed_steps(record.approval) if may(who, s, info.name, facts)]
    editable = info.writable is not None and may(who, "update", info.name, facts)
    return _render(
        request,
        "record.html",
        who,
        info=info,
        record=data,
        row=row,
        refs=refs,
        derived=derived,
        history=history,
        steps=steps,
        editable=editable and record.approval != "submitted",
        risk=risk,
    )


def _hazard_risk(session: Any, who: Principal, hazard_id: int) -> dict[str, Any] | None:
    """Return the hazard's risk in the newest saved run, if any and if ``who`` may see it."""
    if risk_refusal(who) is not None:
        return None
    try:
        return risk_runs.hazard_risk(session, hazard_id)
    except NotFoundError:  # no run published yet
        return None


@router.get("/records/{kind}/{record_id}/edit", response_class=HTMLResponse)
def edit_page(
    request: Request, kind: str, record_id: RecordId, who: CurrentPrincipal, db: DatabaseDep
) -> HTMLResponse:
    """Show the form to change a record (an approved one is superseded by a new draft)."""
    info = get_kind_info(kind)
    with db.session() as session:
        record = records.get_record(session, info.model, record_id)
        require(who, "update", info.name, browse.facts(session, info, record))
        row = get_kind(info.writable or "").row_of(record)
        data = browse.as_dict(record, geometry=False)
    values = {k: ("" if v is None else str(v)) for k, v in row.items()}
    return _form(request, who, info, values=values, record=data)


@router.post("/records/{kind}/{record_id}/edit", response_model=None)
async def edit(
    request: Request, kind: str, record_id: RecordId, who: CurrentPrincipal, db: DatabaseDep
) -> Response:
    """Save the change; show the form again with the problems when refused."""
    info = get_kind_info(kind)
    row, submit = await _row_from_form(request, info)
    version = int(str((await request.form()).get("version") or 0))
    try:
        with db.session(actor=who.username) as session:
            record = records.get_record(session, info.model, record_id)
            data = browse.as_dict(record, geometry=False)
            changed = approval.update(
                session=session,
                info=info,
                record=record,
                row=row,
                who=who,
                version=version,
                submit=submit,
            )
            session.flush()
            changed_id = changed.id
    except ValidationError as exc:
        return _form(request, who, info, values=row, record=data, error=exc)
    return RedirectResponse(f"/records/{info.name}/{changed_id}", status_code=303)


@router.post("/records/{kind}/{record_id}/step")
def step_page(
    kind: str,
    record_id: RecordId,
    who: CurrentPrincipal,
    db: DatabaseDep,
    action: Annotated[str, Form()],
    version: Annotated[int, Form()],
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> RedirectResponse:
    """Take a workflow step from the record's page, then show the record again."""
    info = get_kind_info(kind)
    with db.session(actor=who.username) as session:
        record = records.get_record(session, info.model, record_id)
        approval.step(
            session=session,
            info=info,
            record=record,
            who=who,
            action=action,
            reason=reason,
            version=version,
        )
    return RedirectResponse(f"/records/{info.name}/{record_id}", status_code=303)


@router.get("/review", response_class=HTMLResponse)
def review_page(request: Request, who: CurrentPrincipal, db: DatabaseDep) -> HTMLResponse:
    """Show the IM officer's queue: every submitted record, by kind."""
    require(who, "approve")
    with db.session() as session:
        queue = {
            info: [browse.as_dict(r, geometry=False) for r in approval.review_queue(session, info)]
            for info in KINDS.values()
            if info.writable is not None
        }
    return _render(request, "review.html", who, queue=queue)


@router.get("/api/docs", response_class=HTMLResponse)
def api_docs(request: Request, who: CurrentPrincipal) -> HTMLResponse:
    """Show the interactive API documentation (Swagger UI, served from the package)."""
    return _render(request, "api_docs.html", who)


def query(**params: Any) -> str:
    """Return a query string of the non-empty ``params``."""
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})
