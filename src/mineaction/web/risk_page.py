"""The risk page: the newest saved risk run, its riskiest open hazards and the candidate areas.

A thin face over :mod:`mineaction.services.risk_runs` (the same functions as
``/api/risk``); the map itself is the map page with its risk layer.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from mineaction.api.deps import CurrentPrincipal, DatabaseDep
from mineaction.errors import NotFoundError
from mineaction.services import risk_runs
from mineaction.services.policy import require_risk
from mineaction.web.layout import render_page

router = APIRouter(include_in_schema=False)

#: Hazards and candidate areas listed on the page (the API and the downloads have them all).
TOP_HAZARDS = 20
TOP_CANDIDATES = 50


@router.get("/risk", response_class=HTMLResponse)
def risk_page(request: Request, who: CurrentPrincipal, db: DatabaseDep) -> HTMLResponse:
    """Show the newest risk run: what model made it, riskiest open hazards, candidate areas."""
    require_risk(who)
    context: dict[str, Any] = {"run": None}
    with db.session() as session:
        try:
            run = risk_runs.get_run(session)
        except NotFoundError:
            run = None
        if run is not None:
            every = risk_runs.candidates(session, run)
            context = {
                "run": risk_runs.run_dict(run),
                "hazards": risk_runs.hazard_ranking(session, run, limit=TOP_HAZARDS, status="open"),
                "hazards_not_open": sum(
                    n
                    for status, n in risk_runs.hazard_counts(session, run).items()
                    if status != "open"
                ),
                "candidates": [risk_runs.candidate_dict(c) for c in every[:TOP_CANDIDATES]],
                "candidate_count": len(every),
            }
    return render_page(request, "risk.html", who, **context)
