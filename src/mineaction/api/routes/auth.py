"""Signing in and out from scripts or the browser's JavaScript, and who am I."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from mineaction.api.deps import (
    SESSION_COOKIE,
    CurrentPrincipal,
    DatabaseDep,
    SettingsDep,
)
from mineaction.config import Settings
from mineaction.services import auth
from mineaction.services.auth import SignIn

router = APIRouter(prefix="/api", tags=["session"])


class LoginRequest(BaseModel):
    """A user name and password."""

    username: str = Field(max_length=80)
    password: str = Field(max_length=256)


def set_session_cookie(response: Response, signed: SignIn, settings: Settings) -> None:
    """Put the session cookie on ``response``: HttpOnly, SameSite=Lax, Secure when set."""
    response.set_cookie(
        SESSION_COOKIE,
        signed.cookie,
        max_age=int(settings.session_hours * 3600),
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )


def do_sign_in(db: Any, settings: Settings, username: str, password: str) -> SignIn:
    """Sign in with the settings' secret and limits (shared by the API and the login page)."""
    return auth.sign_in(
        db,
        username=username,
        password=password,
        secret=settings.secret_key,
        hours=settings.session_hours,
        attempts=settings.login_attempts,
        window_minutes=settings.login_window_minutes,
    )


@router.post("/session")
def login(
    body: LoginRequest, response: Response, db: DatabaseDep, settings: SettingsDep
) -> dict[str, Any]:
    """Sign in; the answer sets the session cookie and gives the CSRF token for changes."""
    signed = do_sign_in(db, settings, body.username, body.password)
    set_session_cookie(response, signed, settings)
    return {
        "username": signed.principal.username,
        "role": signed.principal.role,
        "csrf_token": signed.csrf_token,
    }


@router.delete("/session")
def logout(
    request: Request, response: Response, who: CurrentPrincipal, db: DatabaseDep,
    settings: SettingsDep,
) -> dict[str, bool]:  # fmt: skip
    """Sign out: the session ends on the server and the cookie is removed."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        with db.session(actor=who.username) as session:
            auth.sign_out(session=session, cookie=cookie, secret=settings.secret_key)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return {"signed_out": True}


@router.get("/me")
def me(who: CurrentPrincipal) -> dict[str, Any]:
    """Return who is asking: user name, role and organisation id (``public`` when no one)."""
    return {"username": who.username, "role": who.role, "organisation_id": who.organisation_id}
