"""The saved risk map over HTTP: runs, the map layer, risk per hazard, candidate areas.

Thin routes over :mod:`mineaction.services.risk_runs` and
:mod:`mineaction.services.risk_layer`; every one is for signed-in users only
(``policy.require_risk``).  ``run`` names a saved run; without it the newest.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from mineaction.api.deps import CurrentPrincipal, DatabaseDep, RecordId
from mineaction.errors import NotFoundError
from mineaction.services import browse, map_layer, risk_layer, risk_runs
from mineaction.services.policy import require_risk

router = APIRouter(prefix="/api/risk", tags=["risk"])

RunId = Annotated[int | None, Query(ge=1, le=browse.MAX_ID, description="A saved run (newest).")]


@router.get("/runs")
def runs(who: CurrentPrincipal, db: DatabaseDep) -> list[dict[str, Any]]:
    """List the saved risk runs, newest first, with their model's summary."""
    require_risk(who)
    with db.session() as session:
        return [risk_runs.run_dict(r) for r in risk_runs.list_runs(session)]


class RiskView(BaseModel):
    """The map's view of the risk layer."""

    bbox: str = Field(description="The view: minlon,minlat,maxlon,maxlat (WGS84).")
    zoom: int = Field(12, ge=0, le=22, description="The map's zoom (simplification).")
    limit: int = Field(map_layer.MAX_FEATURES, ge=1, le=map_layer.MAX_FEATURES)
    min_probability: float = Field(0.0, ge=0, le=1, description="Leave out cells below it.")
    run: int | None = Field(None, ge=1, le=browse.MAX_ID, description="A saved run (newest).")


@router.get(
    "/map", response_class=Response, responses={200: {"content": {"application/geo+json": {}}}}
)
def risk_map(who: CurrentPrincipal, db: DatabaseDep, q: Annotated[RiskView, Query()]) -> Response:
    """Return the run's cells in the view as GeoJSON, riskiest first (at most ``limit``)."""
    require_risk(who)
    bbox = browse.require_view(browse.parse_bbox(q.bbox))
    with db.session() as session:
        run = risk_runs.get_run(session, q.run)
        body = risk_layer.cells_in_view(
            session, run, bbox=bbox, zoom=q.zoom, limit=q.limit, min_probability=q.min_probability
        )
    return Response(body, media_type="application/geo+json")


@router.get("/hazards")
def hazards(
    who: CurrentPrincipal,
    db: DatabaseDep,
    run: RunId = None,
    limit: Annotated[int, Query(ge=1, le=50_000)] = 100,
    status: Annotated[str | None, Query(description="open, closed or handed_over")] = None,
) -> dict[str, Any]:
    """Rank the hazards by the mean risk of their cells in the run, riskiest first."""
    require_risk(who)
    with db.session() as session:
        found = risk_runs.get_run(session, run)
        return {
            "run_id": found.id,
            "hazards": risk_runs.hazard_ranking(session, found, limit=limit, status=status),
        }


@router.get("/hazards/{hazard_id}")
def hazard(
    hazard_id: RecordId, who: CurrentPrincipal, db: DatabaseDep, run: RunId = None
) -> dict[str, Any]:
    """Return one hazard's risk in the run: its cells' highest and area-weighted mean."""
    require_risk(who)
    with db.session() as session:
        found = risk_runs.hazard_risk(session, hazard_id, run)
    if found is None:
        raise NotFoundError(
            f"Hazard {hazard_id} has no risk in this run (it is not in the run's grid).",
            hint="List the hazards the run covers at /api/risk/hazards.",
        )
    return found


@router.get("/candidates", response_model=None)
def candidates(
    who: CurrentPrincipal,
    db: DatabaseDep,
    run: RunId = None,
    format: Literal["json", "geojson", "gpkg"] = "json",
) -> Any:
    """Candidate new suspected hazardous areas for survey: JSON, GeoJSON or a GeoPackage."""
    require_risk(who)
    with db.session() as session:
        found = risk_runs.get_run(session, run)
        rows = risk_runs.candidates(session, found)
        if format == "gpkg":
            return Response(
                risk_runs.candidates_geopackage(found, rows),
                media_type="application/geopackage+sqlite3",
                headers={
                    "Content-Disposition": (
                        f'attachment; filename="risk-run-{found.id}-candidates.gpkg"'
                    )
                },
            )
        if format == "geojson":
            return {
                "type": "FeatureCollection",
                "run_id": found.id,
                "features": [
                    {
                        "type": "Feature",
                        "id": c.rank,
                        "geometry": c.geom.__geo_interface__,
                        "properties": risk_runs.candidate_dict(c),
                    }
                    for c in rows
                ],
            }
        return {
            "run": risk_runs.run_dict(found),
            "candidates": [risk_runs.candidate_dict(c) for c in rows],
        }
