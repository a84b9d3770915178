"""A small national database with a team of users, built once per backend for the API tests.

Three operators (ANAMA, MES, SBS), two hazards in Aghdam and Fuzuli, 24
findings spread over 2023 and 2024 in both districts, one release, one
accident with two victims: all approved, as if imported by the IM officer.

Personas: Nigar (admin), Elvin (IM officer), Leyla (MES's data officer),
Kamran (SBS's data officer), Aysel (QA officer), Rauf (viewer) and the
anonymous public.  Each signs in with an API token; tests that need the
browser's cookie sign in through /api/session.
"""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from mineaction.api.app import create_app
from mineaction.config import Settings, get_settings
from mineaction.services import auth, casualties, findings, hazards, organisations, users
from mineaction.store.database import Database
from tests.conftest import BACKENDS, fresh_database
from tests.factories import AGDAM, hazard, metres_box

FUZULI = (47.12, 39.61)
CATEGORIES = ("ap_mine", "at_mine", "uxo")

PASSWORD = "harbour lantern quietly 7"
PERSONAS = {
    "nigar": ("admin", None),
    "elvin": ("im_officer", None),
    "leyla": ("operator_officer", "MES"),
    "kamran": ("operator_officer", "SBS"),
    "aysel": ("qa_officer", None),
    "rauf": ("viewer", None),
}
#: The persona of each role (public: nobody signed in); Leyla is the operator officer.
BY_ROLE = {
    "admin": "nigar",
    "im_officer": "elvin",
    "operator_officer": "leyla",
    "qa_officer": "aysel",
    "viewer": "rauf",
    "public": None,
}


@dataclass
class World:
    """The database, the application and one API token per persona."""

    db: Database
    app: FastAPI
    tokens: dict[str, str] = field(default_factory=dict)

    clients: dict[str | None, TestClient] = field(default_factory=dict)

    def client(self, persona: str | None) -> TestClient:
        """Return a client acting as ``persona`` (None: the public), one per persona."""
        if persona not in self.clients:
            headers = {"Authorization": f"Bearer {self.tokens[persona]}"} if persona else {}
            self.clients[persona] = TestClient(self.app, headers=headers)
        return self.clients[persona]

    def signed_in(self, persona: str) -> tuple[TestClient, str]:
        """Return a client signed in with the session cookie, and its CSRF token."""
        client = TestClient(self.app)
        answer = client.post("/api/session", json={"username": persona, "password": PASSWORD})
        assert answer.status_code == 200, answer.text
        return client, answer.json()["csrf_token"]


@pytest.fixture(scope="package", params=BACKENDS)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    databases = fresh_database(request.param, tmp_path_factory.mktemp("api"), request)
    db = next(databases)
    try:
        build_national_data(db)
        secret = get_settings().secret_key
        tokens = {}
        with db.session(actor="test-setup") as session:
            for name, (role, org) in PERSONAS.items():
                users.add_user(
                    session=session, username=name, role=role, password=PASSWORD, organisation=org
                )
                tokens[name] = auth.create_token(
                    session=session, username=name, name="tests", secret=secret
                )
        settings = Settings(login_attempts=3)  # each failed try costs an argon2 check
        yield World(db=db, app=create_app(db.url, settings=settings), tokens=tokens)
    finally:
        databases.close()


def build_national_data(db: Database) -> None:
    """Write the approved records every API test starts from (see the module's docstring)."""
    with db.session(actor="test-setup") as session:
        orgs = {}
        for code, kind in (("ANAMA", "national_authority"), ("MES", "civil_protection"),
                           ("SBS", "border_service")):  # fmt: skip
            orgs[code] = organisations.create_organisation(
                session=session, code=code, name=f"{code} (test)", type=kind
            )
        session.flush()
        agdam_hazard = hazard(session, size_m=400, at=AGDAM)
        hazard(session, size_m=300, at=FUZULI)
        session.flush()
        for n in range(24):
            lon, lat = AGDAM if n % 3 else FUZULI
            findings.create_finding(
                session=session,
                found_date=dt.date(2023 + n % 2, 1 + n % 12, 1 + n),
                category=CATEGORIES[n % 3],
                quantity=1 + n % 4,
                lon=lon + 0.001 * (n % 5),
                lat=lat + 0.001 * (n % 4),
                organisation_id=orgs[("ANAMA", "MES", "SBS")[n % 3]].id,
            )
        hazards.release_land(
            session=session,
            method="cleared",
            release_date=dt.date(2024, 5, 3),
            organisation_id=orgs["ANAMA"].id,
            hazard_id=agdam_hazard.id,
            geom=metres_box(*AGDAM, 0, 0, 100, 100),
        )
        accident = casualties.create_accident(
            session=session,
            accident_date=dt.date(2023, 8, 14),
            accident_type="mine",
            device_category="ap_mine",
            lon=FUZULI[0],
            lat=FUZULI[1],
        )
        for outcome in ("killed", "injured"):
            casualties.add_victim(session=session, accident=accident, outcome=outcome)


@contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port; yield its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
