"""What routes share: the database, who is asking (session cookie or API token), CSRF."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Path, Request
from starlette.concurrency import run_in_threadpool

from mineaction.config import Settings
from mineaction.errors import MineActionError
from mineaction.services import auth, browse, data_version, principal_cache
from mineaction.services.policy import ANONYMOUS, AuthenticationRequired, Principal
from mineaction.store.database import Database

SESSION_COOKIE = "mineaction_session"
#: The cookie a sign-in form's CSRF token is checked against (before any session exists).
LOGIN_CSRF_COOKIE = "mineaction_login_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfRefused(MineActionError):
    """A change came with the session cookie but without the page's CSRF token."""

    code = "csrf"
    http_status = 403


async def get_db(request: Request) -> Database:
    """Return the application's database (async: FastAPI then needs no worker thread)."""
    db: Database = request.app.state.db
    return db


async def get_settings(request: Request) -> Settings:
    """Return the application's settings (async, as ``get_db``)."""
    settings: Settings = request.app.state.settings
    return settings


def resolve(request: Request) -> tuple[Principal, str | None, bool]:
    """Return who is asking, the session's CSRF token, and whether a token was used.

    Resolved once per request (kept in ``request.state``); the data version is read
    in the same transaction and kept there too (``seen_version``).
    """
    if hasattr(request.state, "principal"):
        return request.state.principal, request.state.csrf, request.state.bearer
    db: Database = request.app.state.db
    secret = request.app.state.settings.secret_key
    header = request.headers.get("authorization", "")
    principal, csrf, bearer = ANONYMOUS, None, False
    version: str | None = None
    if header.lower().startswith("bearer "):
        with db.session() as session:
            # The version labels what this request reads next, so it is read first, once.
            version = data_version.current(session)
            found = principal_cache.token_principal(
                session=session, token=header[7:].strip(), secret=secret, version=version
            )
        if found is None:
            raise AuthenticationRequired(
                "The API token is not valid (unknown, revoked, or its user is disabled).",
                hint="Ask an administrator for a new one: `mineaction users token NAME`.",
            )
        principal, bearer = found, True
    elif cookie := request.cookies.get(SESSION_COOKIE):
        with db.session() as session:
            version = data_version.current(session)
            signed = auth.session_principal(session=session, cookie=cookie, secret=secret)
        if signed is not None:
            principal, csrf = signed
    request.state.principal, request.state.csrf, request.state.bearer = principal, csrf, bearer
    request.state.data_version = version
    return principal, csrf, bearer


def resolve_on_loop(request: Request) -> bool:
    """Resolve who is asking as ``resolve`` does, from memory; False when that cannot be done.

    The public and a kept token's principal need only the data version, read
    on the event loop (``data_version.LoopReader``), so a kept answer needs no
    worker thread.  A session cookie, an API token not kept at this version,
    or a version the reader cannot tell: False, and ``resolve`` is called.
    """
    reader: data_version.LoopReader = request.app.state.version_reader
    header = request.headers.get("authorization", "")
    bearer = header.lower().startswith("bearer ")
    if not bearer and SESSION_COOKIE in request.cookies:
        return False
    version = reader.read()
    if version is None:
        return False
    principal = ANONYMOUS
    if bearer:
        found = principal_cache.kept(
            where=str(request.app.state.db.engine.url),
            token=header[7:].strip(),
            secret=request.app.state.settings.secret_key,
            version=version,
        )
        if found is None:
            return False
        principal = found
    request.state.principal, request.state.csrf, request.state.bearer = principal, None, bearer
    request.state.data_version = version
    return True


async def current_principal(request: Request) -> Principal:
    """Return who is asking; refuse a cookie-signed change that lacks the CSRF token.

    The public and a kept token are resolved from memory (``resolve_on_loop``);
    any other token or a session is looked up in a worker thread: a lookup
    made on the event loop would hold up every other request of the process.
    """
    if "principal" in request.scope.get("state", ()) or resolve_on_loop(request):
        principal, csrf, bearer = resolve(request)
    else:
        principal, csrf, bearer = await run_in_threadpool(resolve, request)
    if request.method in SAFE_METHODS or bearer or csrf is None:
        return principal
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        given = value if isinstance(value, str) else None
    if not given or not hmac.compare_digest(given, csrf):
        raise CsrfRefused(
            "This change came without the page's security token, so it was refused.",
            hint="Reload the page and try again; scripts send X-CSRF-Token or use an API token.",
        )
    return principal


async def seen_version(
    request: Request, _who: Annotated[Principal, Depends(current_principal)]
) -> str | None:
    """Return the data version read while resolving who asks (None when nothing was read).

    Read before anything the route reads, so it may label the route's answer
    (``services.data_version``): the route need not read it again.  (Async, so
    FastAPI calls it on the loop instead of sending it to a worker thread.)
    """
    version: str | None = getattr(request.state, "data_version", None)
    return version


def csrf_token(request: Request) -> str | None:
    """Return the CSRF token of the signed-in session (for forms), or None."""
    return resolve(request)[1]


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
#: A record id in a path: beyond what the database stores it is a 422, not a driver error.
RecordId = Annotated[int, Path(ge=1, le=browse.MAX_ID)]
DatabaseDep = Annotated[Database, Depends(get_db)]
#: The data version read with the caller's token or session (after ``CurrentPrincipal``).
SeenVersion = Annotated[str | None, Depends(seen_version)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
