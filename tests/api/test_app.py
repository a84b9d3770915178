"""The first web face: status as JSON and as a page, on both backends."""

from __future__ import annotations

from fastapi.testclient import TestClient

from mineaction.api.app import create_app
from mineaction.services.status import STATUS_KINDS, set_fact
from mineaction.store.database import Database


def test_status_endpoint_answers_the_counts(db: Database) -> None:
    client = TestClient(create_app(db.url))
    body = client.get("/api/status").json()
    assert list(body["counts"]) == list(STATUS_KINDS)
    assert body["counts"]["admin_areas"] == 81 and body["synthetic"] is False


def test_the_home_page_says_when_data_is_synthetic(db: Database) -> None:
    with db.session() as s:
        set_fact(s, "synthetic", "true")
    client = TestClient(create_app(db.url))
    page = client.get("/")
    assert page.status_code == 200
    assert "Synthetic demo data" in page.text and "geoBoundaries" in page.text
    assert client.get("/static/mineaction.css").status_code == 200
    assert "http" not in client.get("/static/mineaction.css").text  # nothing from a CDN


def test_the_openapi_description_is_served_locally(db: Database) -> None:
    client = TestClient(create_app(db.url))
    assert "/api/status" in client.get("/api/openapi.json").json()["paths"]
