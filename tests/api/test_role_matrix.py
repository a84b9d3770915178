"""Every role × endpoint pair: allowed or refused exactly as the roles of issue 6 say.

Each endpoint names the roles that may use it; every other role must be
refused (401 for the public, 403 for a signed-in user; a page sends the
public to the sign-in form) and every named role must not be.  The
operator officer is Leyla of MES; records she acts on are MES's own.  The
matrix covers every route the application serves, API and pages alike: a
route added without a line here fails ``test_every_route_is_in_the_matrix``.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from mineaction.services import approval
from mineaction.services.catalogue import KINDS
from mineaction.services.policy import ROLES, Principal
from mineaction.store.tables import Finding, Organisation
from tests.api.conftest import BY_ROLE, World
from tests.api.risk_run import saved_run

ALL = frozenset(ROLES)
SIGNED_IN = ALL - {"public"}
NATIONAL = frozenset({"admin", "im_officer"})
ADMIN = frozenset({"admin"})
WRITERS = NATIONAL | {"operator_officer"}
READ_ALL = frozenset({"admin", "im_officer", "qa_officer", "viewer"})
ROW = {"date": "2024-05-02", "category": "uxo", "quantity": 1, "lon": 46.93, "lat": 39.99}
CSV = b"date,category,quantity,lon,lat\n2024-05-02,uxo,1,46.93,39.99\n"
ACCIDENTS_CSV = b"date,device_category,accident_type,lon,lat\n2024-05-02,ap_mine,mine,47.12,39.61\n"


def _mes_finding(world: World, state: str) -> int:
    """Return a new MES finding in ``state`` (draft, submitted or approved)."""
    with world.db.session() as s:
        mes = s.scalars(select(Organisation).where(Organisation.code == "MES")).one()
        leyla = Principal("leyla", "operator_officer", mes.id)
        elvin = Principal("elvin", "im_officer")
        record = approval.create(
            session=s, info=KINDS["findings"], row=ROW, who=leyla, submit=state != "draft"
        )
        if state == "approved":
            approval.step(
                session=s, info=KINDS["findings"], record=record, who=elvin, action="approve"
            )
        s.flush()
        return record.id


def _version(world: World, record_id: int) -> int:
    with world.db.session() as s:
        return s.get_one(Finding, record_id).version


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str | Callable[[World], str]
    allowed: frozenset[str]
    body: Callable[[World, str], dict[str, Any]] | None = None
    page: bool = False
    upload: bytes | None = None  # a file sent as a dry-run import
    form: Callable[[World, str], dict[str, Any]] | None = None  # a page's form fields

    def url(self, world: World) -> str:
        return self.path(world) if callable(self.path) else self.path


def _step(state: str, step: str, allowed: frozenset[str], reason: str | None = None) -> Endpoint:
    ids: dict[str, int] = {}

    def path(world: World) -> str:
        ids["id"] = _mes_finding(world, state)
        return f"/api/records/findings/{ids['id']}/{step}"

    return Endpoint(
        "POST",
        path,
        allowed,
        body=lambda w, _url: {"version": _version(w, ids["id"]), "reason": reason},
    )


def _page_step(state: str, action: str, allowed: frozenset[str]) -> Endpoint:
    ids: dict[str, int] = {}

    def path(world: World) -> str:
        ids["id"] = _mes_finding(world, state)
        return f"/records/findings/{ids['id']}/step"

    return Endpoint(
        "POST",
        path,
        allowed,
        page=True,
        form=lambda w, _url: {"action": action, "version": _version(w, ids["id"]), "reason": "x"},
    )


def _page_edit(state: str, allowed: frozenset[str]) -> Endpoint:
    ids: dict[str, int] = {}

    def path(world: World) -> str:
        ids["id"] = _mes_finding(world, state)
        return f"/records/findings/{ids['id']}/edit"

    return Endpoint(
        "POST",
        path,
        allowed,
        page=True,
        form=lambda w, _url: {**ROW, "version": _version(w, ids["id"])},
    )


def _put(state: str, allowed: frozenset[str]) -> Endpoint:
    ids: dict[str, int] = {}

    def path(world: World) -> str:
        ids["id"] = _mes_finding(world, state)
        return f"/api/records/findings/{ids['id']}"

    return Endpoint(
        "PUT", path, allowed, body=lambda w, _url: {"row": ROW, "version": _version(w, ids["id"])}
    )


ENDPOINTS: dict[str, Endpoint] = {
    "health": Endpoint("GET", "/api/health", ALL),
    "status": Endpoint("GET", "/api/status", ALL),
    "public summary": Endpoint("GET", "/api/public/summary", ALL),
    "me": Endpoint("GET", "/api/me", ALL),
    "kinds": Endpoint("GET", "/api/kinds", ALL),
    "openapi": Endpoint("GET", "/api/openapi.json", ALL),
    **{
        f"list {k.name}": Endpoint(
            "GET", f"/api/records/{k.name}?limit=5", ALL if k.public else SIGNED_IN
        )
        for k in KINDS.values()
    },
    **{
        f"map {k.name}": Endpoint(
            "GET", f"/api/map/{k.name}?bbox=44.7,38.3,50.7,41.95", ALL if k.public else SIGNED_IN
        )
        for k in KINDS.values()
        if k.geometry is not None
    },
    "read approved finding": Endpoint(
        "GET", lambda w: f"/api/records/findings/{_mes_finding(w, 'approved')}", SIGNED_IN
    ),
    "read own organisation's draft": Endpoint(
        "GET",
        lambda w: f"/api/records/findings/{_mes_finding(w, 'draft')}",
        READ_ALL | {"operator_officer"},
    ),
    "history of a draft": Endpoint(
        "GET",
        lambda w: f"/api/records/findings/{_mes_finding(w, 'draft')}/history",
        READ_ALL | {"operator_officer"},
    ),
    "create finding": Endpoint(
        "POST", "/api/records/findings", WRITERS, body=lambda w, u: {"row": ROW}
    ),
    "create organisation": Endpoint(
        "POST",
        "/api/records/organisations",
        NATIONAL,
        body=lambda w, u: {
            "row": {"code": f"ORG{abs(hash(u)) % 10**8}", "name": "New", "type": "ngo"}
        },
    ),
    "create hazard": Endpoint(
        "POST", "/api/records/hazards", frozenset(), body=lambda w, u: {"row": {}}
    ),
    "edit a draft": _put("draft", WRITERS),
    "correct an approved record": _put("approved", NATIONAL),
    "submit a draft": _step("draft", "submit", WRITERS),
    "approve": _step("submitted", "approve", NATIONAL),
    "reject": _step("submitted", "reject", NATIONAL, reason="Position outside the task"),
    "review queue": Endpoint("GET", "/api/review", NATIONAL),
    "import findings": Endpoint("POST", "/api/import/findings", WRITERS, upload=CSV),
    # Accident files name no operator, so only the national roles import them.
    "import accidents": Endpoint("POST", "/api/import/accidents", NATIONAL, upload=ACCIDENTS_CSV),
    "list users": Endpoint("GET", "/api/users", ADMIN),
    "add user": Endpoint(
        "POST",
        "/api/users",
        ADMIN,
        body=lambda w, u: {
            "username": f"u{abs(hash(u)) % 10**8}",
            "role": "viewer",
            "password": "harbour lantern quietly 7",
        },
    ),
    "change user": Endpoint("PATCH", "/api/users/aysel", ADMIN, body=lambda w, u: {}),
    "issue token": Endpoint(
        "POST", "/api/users/aysel/tokens", ADMIN, body=lambda w, u: {"name": "matrix"}
    ),
    "ogc landing": Endpoint("GET", "/ogc", ALL),
    "ogc conformance": Endpoint("GET", "/ogc/conformance", ALL),
    "ogc collections": Endpoint("GET", "/ogc/collections", ALL),
    "ogc districts": Endpoint("GET", "/ogc/collections/districts/items?limit=2", ALL),
    "ogc hazards": Endpoint("GET", "/ogc/collections/hazards/items?limit=2", SIGNED_IN),
    "ogc findings": Endpoint("GET", "/ogc/collections/findings/items?limit=2", SIGNED_IN),
    "ogc accidents": Endpoint("GET", "/ogc/collections/accidents/items?limit=2", SIGNED_IN),
    "ogc districts collection": Endpoint("GET", "/ogc/collections/districts", ALL),
    "ogc hazards collection": Endpoint("GET", "/ogc/collections/hazards", SIGNED_IN),
    "ogc one district": Endpoint(
        "GET", lambda w: f"/ogc/collections/districts/items/{_district(w)}", ALL
    ),
    "ogc one hazard": Endpoint(
        "GET", lambda w: f"/ogc/collections/hazards/items/{_any_id(w, 'hazards')}", SIGNED_IN
    ),
    "ogc one victim's accident": Endpoint(
        "GET", lambda w: f"/ogc/collections/accidents/items/{_any_id(w, 'accidents')}", SIGNED_IN
    ),
    "report list": Endpoint("GET", "/api/reports", ALL),
    "public report": Endpoint("GET", "/api/reports/casualties?format=json&week=2024-W18", ALL),
    "report for users": Endpoint(
        "GET", "/api/reports/operators?format=json&week=2024-W18", SIGNED_IN
    ),
    "report with unapproved records": Endpoint(
        "GET",
        "/api/reports/operations?format=json&week=2024-W18&include_unapproved=true",
        SIGNED_IN,
    ),
    "record verification": Endpoint("GET", "/api/minefield-records/verification", SIGNED_IN),
    "completion forecast": Endpoint("GET", "/api/plan/forecast", SIGNED_IN),
    "priorities": Endpoint("GET", "/api/plan/priorities", SIGNED_IN),
    # The risk map shows where live hazards probably are: signed-in users only.
    "risk runs": Endpoint("GET", lambda w: _risk(w, "/api/risk/runs"), SIGNED_IN),
    "risk map layer": Endpoint(
        "GET", lambda w: _risk(w, "/api/risk/map?bbox=44.7,38.3,50.7,41.95&zoom=9"), SIGNED_IN
    ),
    "risk per hazard": Endpoint("GET", lambda w: _risk(w, "/api/risk/hazards"), SIGNED_IN),
    "risk of one hazard": Endpoint(
        "GET", lambda w: _risk(w, "/api/risk/hazards/{hazard}"), SIGNED_IN
    ),
    "risk candidates": Endpoint("GET", lambda w: _risk(w, "/api/risk/candidates"), SIGNED_IN),
    "risk candidates as gpkg": Endpoint(
        "GET", lambda w: _risk(w, "/api/risk/candidates?format=gpkg"), SIGNED_IN
    ),
    "risk page": Endpoint("GET", lambda w: _risk(w, "/risk"), SIGNED_IN, page=True),
    "map page with the risk layer": Endpoint("GET", "/map?risk=true", ALL, page=True),
    "sign-in page": Endpoint("GET", "/login", ALL, page=True),
    "api docs page": Endpoint("GET", "/api/docs", ALL, page=True),
    "home page": Endpoint("GET", "/", ALL, page=True),
    "map page": Endpoint("GET", "/map", ALL, page=True),
    "dashboard page": Endpoint("GET", "/dashboard", SIGNED_IN, page=True),
    "review page": Endpoint("GET", "/review", NATIONAL, page=True),
    "new finding page": Endpoint("GET", "/records/findings/new", WRITERS, page=True),
    "findings list page": Endpoint("GET", "/records/findings", SIGNED_IN, page=True),
    "accidents list page": Endpoint("GET", "/records/accidents", SIGNED_IN, page=True),
    "districts list page": Endpoint("GET", "/records/districts", ALL, page=True),
    "approved finding page": Endpoint(
        "GET", lambda w: f"/records/findings/{_mes_finding(w, 'approved')}", SIGNED_IN, page=True
    ),
    "draft finding page": Endpoint(
        "GET",
        lambda w: f"/records/findings/{_mes_finding(w, 'draft')}",
        READ_ALL | {"operator_officer"},
        page=True,
    ),
    "edit form of a draft": Endpoint(
        "GET", lambda w: f"/records/findings/{_mes_finding(w, 'draft')}/edit", WRITERS, page=True
    ),
    "new finding (form)": Endpoint(
        "POST", "/records/findings/new", WRITERS, page=True, form=lambda w, u: dict(ROW)
    ),
    "edit a draft (form)": _page_edit("draft", WRITERS),
    "correct an approved record (form)": _page_edit("approved", NATIONAL),
    "submit a draft (form)": _page_step("draft", "submit", WRITERS),
    "approve (form)": _page_step("submitted", "approve", NATIONAL),
    "reject (form)": _page_step("submitted", "reject", NATIONAL),
    "planning page": Endpoint("GET", "/plan?simulations=200", SIGNED_IN, page=True),
    "priority map layer": Endpoint("GET", "/api/plan/priorities?format=geojson", SIGNED_IN),
    "forecast as csv": Endpoint("GET", "/api/plan/forecast?simulations=200&format=csv", SIGNED_IN),
    "reports page": Endpoint("GET", "/reports", ALL, page=True),
    "language switch": Endpoint("GET", "/language?lang=az&next=/map", ALL, page=True),
    "public report preview": Endpoint(
        "GET", "/reports?report=casualties&week=2023-W33", ALL, page=True
    ),
    "detailed report preview": Endpoint(
        "GET", "/reports?report=land-release&week=2024-W18", SIGNED_IN, page=True
    ),
    "import page": Endpoint("GET", "/import", WRITERS, page=True),
    "users page": Endpoint("GET", "/admin/users", ADMIN, page=True),
    "new land release page": Endpoint("GET", "/records/land-releases/new", WRITERS, page=True),
}
#: Routes outside the matrix: signing in and out is open to all, and tested in test_sessions.
EXEMPT = {("POST", "/api/session"), ("DELETE", "/api/session"), ("POST", "/login")}
EXEMPT |= {("POST", "/logout")}
#: Forms whose roles their own page tests check with real bodies (a line here would need a
#: user to disable or an upload to confirm): tests/web/test_admin_users_page.py and
#: tests/web/test_import_page.py (only an administrator, only the roles that may import).
EXEMPT |= {
    ("POST", "/admin/users"),
    ("POST", "/admin/users/{username}/disable"),
    ("POST", "/admin/users/{username}/enable"),
    ("POST", "/admin/users/{username}/password"),
    ("POST", "/admin/users/{username}/token"),
    ("POST", "/import"),
    ("POST", "/import/confirm"),
}


def _risk(world: World, url: str) -> str:
    """Return ``url`` once the world holds a saved risk run ({hazard}: a hazard it covers)."""
    _run, hazard = saved_run(world.db)
    return url.replace("{hazard}", str(hazard))


def _any_id(world: World, table: str) -> int:
    with world.db.engine.connect() as conn:
        return int(conn.exec_driver_sql(f"SELECT min(id) FROM {table}").scalar_one())


def _district(world: World) -> int:
    with world.db.engine.connect() as conn:
        return int(
            conn.exec_driver_sql(
                "SELECT min(id) FROM admin_areas WHERE level = 'district'"
            ).scalar_one()
        )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_each_role_is_allowed_or_refused(world: World, role: str, name: str) -> None:
    endpoint = ENDPOINTS[name]
    client = world.client(BY_ROLE[role])
    url = endpoint.url(world)
    kwargs: dict[str, Any] = {"follow_redirects": False}
    if endpoint.page:
        kwargs["headers"] = {"Accept": "text/html"}
    if endpoint.body is not None:
        kwargs["json"] = endpoint.body(world, url + role)
    if endpoint.form is not None:
        kwargs["data"] = endpoint.form(world, url + role)
    if endpoint.upload is not None:
        kwargs["files"] = {"file": ("week.csv", io.BytesIO(endpoint.upload), "text/csv")}
        kwargs["data"] = {"dry_run": "true"}
    answer = client.request(endpoint.method, url, **kwargs)
    location = answer.headers.get("location", "")
    if role in endpoint.allowed:
        done = answer.status_code < 300 or (
            endpoint.page and answer.status_code == 303 and not location.startswith("/login")
        )
        assert done, f"{role} refused {name}: {answer.status_code} {answer.text[:300]}"
    elif endpoint.page and role == "public":
        assert answer.status_code == 303 and location.startswith("/login"), answer.text[:300]
    else:
        expected = 401 if role == "public" else 403
        assert answer.status_code == expected, f"{role} allowed {name}: {answer.text[:300]}"


def test_an_operator_cannot_read_another_organisations_draft(world: World) -> None:
    url = f"/api/records/findings/{_mes_finding(world, 'draft')}"
    assert world.client("kamran").get(url).status_code == 403
    assert world.client("leyla").get(url).status_code == 200


def _routes(world: World) -> set[tuple[str, str]]:
    def flat(routes: Any) -> Any:  # FastAPI keeps included routers as one entry each
        for r in routes:
            inner = getattr(r, "original_router", None)
            yield from flat(inner.routes) if inner is not None else [r]

    return {
        (method, r.path)
        for r in flat(world.app.routes)
        if getattr(r, "methods", None) and not r.path.startswith("/static")
        for method in r.methods - {"HEAD"}
    }


def test_every_route_is_in_the_matrix(world: World) -> None:
    covered = set()
    for endpoint in ENDPOINTS.values():
        path = endpoint.path if isinstance(endpoint.path, str) else None
        if path is None:
            path = endpoint.url(world)
        covered.add((endpoint.method, path.split("?")[0]))
    missing = []
    for method, template in sorted(_routes(world) - EXEMPT):
        pattern = re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)) + "$")
        if not any(m == method and pattern.match(p) for m, p in covered):
            missing.append(f"{method} {template}")
    assert missing == [], f"routes with no line in the role matrix: {missing}"
