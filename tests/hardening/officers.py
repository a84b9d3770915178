"""Elvin, the IM officer the hardening tests act as through the API."""

from __future__ import annotations

from fastapi.testclient import TestClient

from mineaction.api.app import create_app
from mineaction.config import Settings, get_settings
from mineaction.services import auth, users
from mineaction.store.database import Database

PASSWORD = "harbour lantern quietly 7"


def elvin_token(db: Database) -> str:
    """Add Elvin (im_officer) to ``db`` and return an API token of his."""
    with db.session(actor="test-setup") as session:
        users.add_user(session=session, username="elvin", role="im_officer", password=PASSWORD)
        return auth.create_token(
            session=session, username="elvin", name="t", secret=get_settings().secret_key
        )


def elvin_client(db: Database, settings: Settings | None = None) -> TestClient:
    """Return a client of the app on ``db`` that sends Elvin's API token."""
    token = elvin_token(db)
    app = create_app(db.url, settings=settings or Settings())
    return TestClient(app, headers={"Authorization": f"Bearer {token}"})
