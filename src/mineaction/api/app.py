"""The FastAPI application: JSON under /api, OGC API – Features under /ogc, pages at /.

Every asset is served from the package under /static (nothing from a CDN).
Every response carries security headers; every error has one JSON shape
(``mineaction.api.errors``) or, for a browser, an error page.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from mineaction import __version__
from mineaction.api import errors, ogc
from mineaction.api.headers import SecurityHeaders
from mineaction.api.hot_reads import HotReads
from mineaction.api.nul_guard import RefuseNul
from mineaction.api.routes import analytics, auth, imports, records, risk, users
from mineaction.api.upload_limit import UploadLimit
from mineaction.config import Settings, get_settings
from mineaction.services import data_version, public
from mineaction.services import status as status_service
from mineaction.services.loop_records import LoopRecords
from mineaction.store.database import Database
from mineaction.web import (
    admin_users,
    i18n,
    import_page,
    language_switch,
    pages,
    plan_page,
    reports_page,
    risk_page,
)


def create_app(database_url: str, *, settings: Settings | None = None) -> FastAPI:
    """Return the application serving the database at ``database_url``."""
    settings = settings or get_settings()
    db = Database(database_url)
    app = FastAPI(
        title="mineaction",
        version=__version__,
        description="National mine action information management. Sign in with "
        "POST /api/session or send `Authorization: Bearer TOKEN` (`mineaction users token`).",
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.db = db
    app.state.version_reader = data_version.LoopReader(db.engine)
    app.state.record_reader = LoopRecords(db.engine)
    app.state.settings = settings
    web = resources.files("mineaction.web")
    app.state.templates = Jinja2Templates(directory=str(web.joinpath("templates")))
    # Interface words go through _("English text"), shown in the request's language.
    i18n.install(app)
    app.mount("/static", StaticFiles(directory=str(web.joinpath("static"))), name="static")
    errors.install(app)
    # List pages, records and map layers are answered before FastAPI's request handling
    # (inside the upload limit, the NUL guard and the security headers, like every answer).
    app.add_middleware(HotReads)
    app.add_middleware(UploadLimit, max_bytes=settings.max_upload_bytes)
    app.add_middleware(RefuseNul)
    app.add_middleware(SecurityHeaders, secure_cookies=settings.secure_cookies)

    @app.get("/api/health", tags=["service"])
    def health() -> dict[str, str]:
        """Answer whether the service and its database are up."""
        db.check_connection()
        return {"status": "ok", "version": __version__}

    @app.get("/api/status", tags=["service"])
    def status() -> dict[str, Any]:
        """Return one count per kind of record, and whether the data is synthetic."""
        with db.session() as session:
            return {
                "counts": status_service.counts(session),
                "synthetic": status_service.is_synthetic(session),
            }

    @app.get("/api/public/summary", tags=["public"])
    def public_summary() -> dict[str, Any]:
        """Public statistics of approved records: hectares by district, items, casualties."""
        with db.session() as session:
            return public.summary(session)

    app.include_router(auth.router)
    app.include_router(records.router)
    app.include_router(imports.router)
    app.include_router(analytics.router)
    app.include_router(risk.router)
    app.include_router(users.router)
    app.include_router(ogc.router)
    app.include_router(pages.router)
    app.include_router(language_switch.router)
    app.include_router(plan_page.router)
    app.include_router(risk_page.router)
    app.include_router(reports_page.router)
    app.include_router(import_page.router)
    app.include_router(admin_users.router)
    return app
