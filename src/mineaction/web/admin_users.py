"""The administrator's user page: list, add, disable or enable, reset a password, give a token.

Every change goes through ``services.users`` / ``services.auth`` with the
administrator as the actor, so it lands in the history exactly as the CLI's.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from mineaction.api.deps import CurrentPrincipal, DatabaseDep, SettingsDep
from mineaction.errors import MineActionError
from mineaction.services import auth, users
from mineaction.services.policy import USER_ROLES, Principal, require
from mineaction.store.database import Database
from mineaction.store.tables import Organisation
from mineaction.web.layout import render_page as render

router = APIRouter(prefix="/admin/users", include_in_schema=False)

#: The actions whose end the page announces (the words are in the template, translated).
NOTICES = frozenset({"added", "disabled", "enabled", "password"})


def _page(
    request: Request, who: Principal, db: Database, status_code: int = 200, **context: Any
) -> HTMLResponse:
    with db.session() as session:
        accounts = users.list_users(session)
        codes = list(session.scalars(select(Organisation.code).order_by(Organisation.code)))
    context.setdefault("values", {})
    return render(
        request,
        "admin_users.html",
        who,
        status_code,
        accounts=accounts,
        roles=USER_ROLES,
        organisations=codes,
        **context,
    )


@router.get("", response_class=HTMLResponse)
def users_page(
    request: Request, who: CurrentPrincipal, db: DatabaseDep, done: str = "", user: str = ""
) -> HTMLResponse:
    """List the accounts, with the form to add one and each account's actions."""
    require(who, "manage_users")
    notice = done if done in NOTICES else None
    return _page(request, who, db, notice=notice, notice_user=user if notice else "")


@router.post("", response_model=None)
def add(
    request: Request,
    who: CurrentPrincipal,
    db: DatabaseDep,
    username: Annotated[str, Form(max_length=200)],
    role: Annotated[str, Form(max_length=40)],
    password: Annotated[str, Form(max_length=1000)],
    organisation: Annotated[str, Form(max_length=80)] = "",
    full_name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Add the account; show the form again, filled in, with the reason when refused."""
    require(who, "manage_users")
    try:
        with db.session(actor=who.username, note=f"add user {username}") as session:
            users.add_user(
                session=session,
                username=username,
                role=role,
                password=password,
                organisation=organisation or None,
                full_name=full_name or None,
            )
    except MineActionError as exc:
        values = {"username": username, "role": role, "organisation": organisation,
                  "full_name": full_name}  # fmt: skip
        return _page(request, who, db, exc.http_status, error=exc, values=values)
    return _done("added", username)


def _done(notice: str, username: str) -> RedirectResponse:
    return RedirectResponse(f"/admin/users?{urlencode({'done': notice, 'user': username})}", 303)


@router.post("/{username}/disable", response_model=None)
def disable(request: Request, username: str, who: CurrentPrincipal, db: DatabaseDep) -> Response:
    """Disable the account: it is signed out everywhere and its tokens are revoked."""
    require(who, "manage_users")
    try:
        with db.session(actor=who.username, note=f"disable user {username}") as session:
            users.disable_user(session=session, username=username, by=who.username)
    except MineActionError as exc:
        return _page(request, who, db, exc.http_status, error=exc)
    return _done("disabled", username)


@router.post("/{username}/enable")
def enable(username: str, who: CurrentPrincipal, db: DatabaseDep) -> RedirectResponse:
    """Let the account sign in again."""
    require(who, "manage_users")
    with db.session(actor=who.username, note=f"enable user {username}") as session:
        users.enable_user(session=session, username=username)
    return _done("enabled", username)


@router.post("/{username}/password", response_model=None)
def reset_password(
    request: Request,
    username: str,
    who: CurrentPrincipal,
    db: DatabaseDep,
    password: Annotated[str, Form(max_length=1000)],
) -> Response:
    """Give the account a new password (the policy applies); its sessions end."""
    require(who, "manage_users")
    try:
        with db.session(actor=who.username, note=f"reset password of {username}") as session:
            users.reset_password(session=session, username=username, password=password)
    except MineActionError as exc:
        return _page(request, who, db, exc.http_status, error=exc, error_user=username)
    return _done("password", username)


@router.post("/{username}/token", response_class=HTMLResponse)
def issue_token(
    request: Request,
    username: str,
    who: CurrentPrincipal,
    db: DatabaseDep,
    settings: SettingsDep,
    label: Annotated[str, Form(max_length=80)] = "script",
) -> HTMLResponse:
    """Give the account a new API token and show it, this once."""
    require(who, "manage_users")
    with db.session(actor=who.username, note=f"API token for {username}") as session:
        token = auth.create_token(
            session=session, username=username, name=label or "script", secret=settings.secret_key
        )
    return _page(request, who, db, issued={"username": username, "label": label, "token": token})
