"""One error shape for every error the API answers, and a page for the browser.

Every error body is ``{"error": {"code", "message", "hint", "problems"}}``
(``problems`` empty unless the input broke rules), whatever raised it: the
system's own errors, request validation, unknown paths, or a bug.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from mineaction import __version__
from mineaction.errors import MineActionError, Problem
from mineaction.services.policy import ANONYMOUS
from mineaction.web.i18n import activate, language_of

log = logging.getLogger("mineaction.api")

_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 401: "unauthenticated"}


def error_body(
    code: str, message: str, hint: str | None = None, problems: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Return the one JSON error shape."""
    return {"error": {"code": code, "message": message, "hint": hint, "problems": problems or []}}


def _wants_json(request: Request) -> bool:
    path = request.url.path
    if path.startswith(("/api", "/ogc")):
        return True
    return "text/html" not in request.headers.get("accept", "")


def _respond(request: Request, status: int, body: dict[str, Any]) -> Response:
    if _wants_json(request):
        return JSONResponse(body, status_code=status)
    if status == 401:
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    from mineaction.web.layout import navigation

    templates = request.app.state.templates
    activate(language_of(request))  # a server error is answered outside the language middleware
    who = getattr(request.state, "principal", ANONYMOUS)
    context = {
        "error": body["error"],
        "status": status,
        "who": who,
        "csrf": getattr(request.state, "csrf", None),
        "nav": navigation(who),
        "version": __version__,
    }
    return templates.TemplateResponse(request, "error.html", context, status_code=status)


def refuse(request: Request, status: int, message: str, *, hint: str | None = None) -> Response:
    """Answer ``request`` with the one error shape (JSON or page) before any route runs."""
    return _respond(request, status, error_body("invalid", message, hint))


def install(app: FastAPI) -> None:
    """Register the handlers that give every error the one shape."""

    @app.exception_handler(MineActionError)
    async def _own(request: Request, exc: MineActionError) -> Response:
        body = exc.as_dict()
        body["error"].setdefault("problems", [])
        return _respond(request, exc.http_status, body)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            Problem(
                reason=str(e.get("msg")),
                field=".".join(str(p) for p in e.get("loc", ()) if p != "body") or None,
                value=e.get("input") if isinstance(e.get("input"), str | int | float) else None,
            ).as_dict()
            for e in exc.errors()
        ]
        first = problems[0] if problems else {"field": None, "reason": "invalid"}
        return _respond(
            request,
            422,
            error_body(
                "invalid",
                f"The request is not valid: {first['field'] or 'body'}: {first['reason']}",
                "See /api/docs for what this endpoint takes.",
                problems,
            ),
        )

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        code = _HTTP_CODES.get(exc.status_code, "error")
        message = "There is nothing at this address." if exc.status_code == 404 else exc.detail
        return _respond(request, exc.status_code, error_body(code, str(message)))

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s", request.url.path, exc_info=exc)
        return _respond(
            request,
            500,
            error_body(
                "internal",
                "Something went wrong on the server; nothing was changed.",
                "Try again; if it happens again, tell the administrator the time it happened.",
            ),
        )
