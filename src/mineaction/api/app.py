"""The FastAPI application: JSON under /api, pages at /, assets from the package."""

from __future__ import annotations

from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from mineaction import __version__
from mineaction.errors import MineActionError
from mineaction.services import admin_areas
from mineaction.services import status as status_service
from mineaction.store.database import Database


def create_app(database_url: str) -> FastAPI:
    """Return the application serving the database at ``database_url``."""
    db = Database(database_url)
    app = FastAPI(
        title="mineaction",
        version=__version__,
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.db = db
    web = resources.files("mineaction.web")
    templates = Jinja2Templates(directory=str(web.joinpath("templates")))
    app.mount("/static", StaticFiles(directory=str(web.joinpath("static"))), name="static")

    @app.exception_handler(MineActionError)
    async def _error(request: Request, exc: MineActionError) -> JSONResponse:
        return JSONResponse(exc.as_dict(), status_code=exc.http_status)

    @app.get("/api/health")
    def health() -> dict[str, str]:
        """Answer whether the service and its database are up."""
        db.check_connection()
        return {"status": "ok", "version": __version__}

    @app.get("/api/status")
    def status() -> dict[str, Any]:
        """Return one count per kind of record, and whether the data is synthetic."""
        with db.session() as session:
            return {
                "counts": status_service.counts(session),
                "synthetic": status_service.is_synthetic(session),
            }

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request) -> HTMLResponse:
        """Show what the database holds."""
        with db.session() as session:
            counts = status_service.counts(session)
            synthetic = status_service.is_synthetic(session)
        return templates.TemplateResponse(
            request,
            "home.html",
            {
                "counts": counts,
                "labels": status_service.KIND_LABELS,
                "synthetic": synthetic,
                "version": __version__,
                "attribution": admin_areas.AZE_ATTRIBUTION,
            },
        )

    return app
