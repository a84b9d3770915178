"""The planning page: priority map, ranked list, fan chart, districts, projects and a what-if.

A thin face over :mod:`mineaction.services.plan_view` (the same planning
functions as ``mineaction plan`` and ``/api/plan``); the map loads the ranked
hazards from ``/api/plan/priorities?format=geojson``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from mineaction.analytics.planning.plan import METHODS
from mineaction.api.deps import CurrentPrincipal, DatabaseDep
from mineaction.domain.rules import parse_day
from mineaction.domain.vocab import ACTIVITY_TYPE, CONTAMINATION
from mineaction.errors import ValidationError
from mineaction.render.labels import number
from mineaction.services import plan_view
from mineaction.services.policy import require_planning
from mineaction.web.i18n import current_language
from mineaction.web.i18n import gettext as _
from mineaction.web.layout import render_page
from mineaction.web.localise import term
from mineaction.web.pages import query

router = APIRouter(include_in_schema=False)

#: Hazards drawn on the priority map (the best ranked; the list links to the whole layer).
MAP_LIMIT = 5_000


@router.get("/plan", response_class=HTMLResponse)
def plan_page(
    request: Request,
    who: CurrentPrincipal,
    db: DatabaseDep,
    as_of: str | None = None,
    top: Annotated[int, Query(ge=1, le=500)] = 20,
    simulations: Annotated[int, Query(ge=100, le=10_000)] = 2_000,
    seed: int = 2020,
    method: str = "",
    teams: Annotated[float, Query(ge=-500, le=500)] = 0,
) -> HTMLResponse:
    """Show priorities, the completion forecast and, with ``method``/``teams``, a what-if."""
    require_planning(who)
    form = {
        "as_of": as_of or "",
        "top": top,
        "simulations": simulations,
        "seed": seed,
        "method": method,
        "teams": teams,
    }
    context: dict[str, Any] = {"form": form, "methods": METHODS}
    try:
        plan_request = plan_view.PlanRequest(
            as_of=as_of_day(as_of),
            top=top,
            simulations=simulations,
            seed=seed,
            what_if=(method, teams) if method or teams else None,
            lang=current_language(),
            what_if_name=scenario_names(method, teams)["what_if"],
        )
        with db.session() as session:
            view = plan_view.plan_view(session, plan_request)
    except ValidationError as exc:
        return render_page(request, "plan.html", who, 422, error=exc, view=None, **context)
    lang = current_language()
    common = {"as_of": as_of, "simulations": simulations, "seed": seed}
    add_teams = f"{method}:{teams:g}" if plan_request.what_if else None
    return render_page(
        request,
        "plan.html",
        who,
        view=view,
        reasons={h["hazard"]: biggest_reasons(h) for h in view.priorities["hazards"]},
        scenario_names=scenario_names(method, teams),
        contamination_terms={code: CONTAMINATION.label(code, lang) for code in CONTAMINATION},
        fan=Markup(view.fan_svg),  # drawn by matplotlib from our own numbers only
        synthetic=view.baseline["synthetic"],
        layer_url="/api/plan/priorities?" + query(format="geojson", limit=MAP_LIMIT, as_of=as_of),
        priority_query=query(as_of=as_of, limit=top),
        all_query=query(as_of=as_of, limit=50_000),
        forecast_query=query(**common),
        scenario_query=query(**common, add_teams=add_teams) if add_teams else None,
        **context,
    )


def scenario_names(method: str, teams: float) -> dict[str, str]:
    """Return the baseline's and the what-if's names as the page writes them, translated."""
    return {
        "baseline": _("baseline: capacity as the database shows it"),
        "what_if": _(
            "{method}, {teams} team(s)",
            method=term(method, ACTIVITY_TYPE.name),
            teams=f"{teams:+g}",
        ),
    }


def as_of_day(text: str | None) -> dt.date | None:
    """Return the form's "As of" day (None when empty); refuse what is not a date, translated."""
    try:
        return parse_day(text, "as_of")
    except ValidationError:
        raise ValidationError(
            _("As of: {value} is not a date.", value=(text or "").strip()),
            hint=_("Write dates as YYYY-MM-DD."),
        ) from None


def biggest_reasons(hazard: dict[str, Any], count: int = 3) -> str:
    """Return the criteria that moved a score most, e.g. ``projects +12.5, effort -1.0``.

    The criteria are named in the page's language (the words of the map's popup).

    >>> points = {"effort": -1.0, "projects": 12.5, "accidents": 0.0}
    >>> biggest_reasons({"explanation": {n: {"points": v} for n, v in points.items()}})
    'projects +12.5, effort -1.0'
    """
    parts = sorted(hazard["explanation"].items(), key=lambda kv: -abs(kv[1]["points"]))
    lang = current_language()
    return ", ".join(
        f"{_(n)} {'+' if p['points'] > 0 else '-'}{number(abs(p['points']), lang, 1)}"
        for n, p in parts[:count]
        if p["points"]
    )
