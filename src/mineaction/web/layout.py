"""The frame every page shares: the navigation a user's role may follow, and the template."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from mineaction import __version__
from mineaction.api.deps import csrf_token
from mineaction.services.catalogue import KINDS
from mineaction.services.policy import Principal, may, planning_refusal, risk_refusal
from mineaction.web.i18n import gettext as _


def navigation(who: Principal) -> list[tuple[str, str]]:
    """Return the (path, label) links of the navigation bar that ``who`` may follow."""
    nav = [("/", _("Home")), ("/map", _("Map"))]
    if who.signed_in:
        nav[1:1] = [("/dashboard", _("Dashboard"))]
    if planning_refusal(who) is None:
        nav.append(("/plan", _("Planning")))
    if risk_refusal(who) is None:
        nav.append(("/risk", _("Risk")))
    nav.append(("/reports", _("Reports")))
    if who.signed_in:
        nav += [(f"/records/{k.name}", _(k.label)) for k in KINDS.values() if k.writable]
    if may(who, "approve"):
        nav.append(("/review", _("Review")))
    if may(who, "import"):
        nav.append(("/import", _("Import")))
    if may(who, "manage_users"):
        nav.append(("/admin/users", _("Users")))
    return nav


def render_page(
    request: Request, template: str, who: Principal, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """Return ``template`` rendered for ``who`` with the navigation, CSRF token and version."""
    templates = request.app.state.templates
    response: HTMLResponse = templates.TemplateResponse(
        request,
        template,
        {
            "who": who,
            "csrf": csrf_token(request),
            "nav": navigation(who),
            "version": __version__,
            **context,
        },
        status_code=status_code,
    )
    return response
