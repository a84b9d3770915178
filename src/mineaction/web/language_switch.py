"""The language switch: ``/language?lang=az&next=/map`` remembers the choice and goes back."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter
from fastapi.responses import RedirectResponse

from mineaction.api.deps import SettingsDep
from mineaction.render.labels import check_lang
from mineaction.web.i18n import LANGUAGE_COOKIE

router = APIRouter(include_in_schema=False)
ONE_YEAR = 365 * 24 * 3600


def local_path(target: str) -> str:
    r"""Return ``target`` when it is a path on this site, else the home page (no open redirect).

    >>> local_path("/map?period=2024"), local_path("//evil.example/"), local_path("/\\evil")
    ('/map?period=2024', '/', '/')
    """
    parts = urlsplit(target)
    unsafe = (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target[1:2] in ("/", "\\")
        or any(c.isspace() or ord(c) < 32 for c in target)
    )
    return "/" if unsafe else target


@router.get("/language")
def switch_language(settings: SettingsDep, lang: str, next: str = "/") -> RedirectResponse:
    """Remember ``lang`` (en, az or ru) in a cookie and go back to ``next``."""
    response = RedirectResponse(local_path(next), status_code=303)
    response.set_cookie(
        LANGUAGE_COOKIE,
        check_lang(lang),
        max_age=ONE_YEAR,
        path="/",
        samesite="lax",
        httponly=True,
        secure=settings.secure_cookies,
    )
    return response
