"""Pages and records kept per data version: a write shows at once, a refusal is never kept."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from mineaction.services import data_version, record_answers
from mineaction.store.tables import Finding
from tests.api.conftest import World

ROW = {"date": "2024-07-09", "category": "uxo", "quantity": 2, "lon": 46.95, "lat": 39.97}


def _count_findings(world: World) -> int:
    with world.db.session() as s:
        return int(s.scalar(select(func.count(Finding.id))) or 0)


def test_a_new_record_is_counted_by_the_next_page_asked_for(world: World) -> None:
    elvin = world.client("elvin")
    first = elvin.get("/api/records/findings", params={"limit": 5}).json()
    assert first["count"] == _count_findings(world)
    assert elvin.post("/api/records/findings", json={"row": ROW}).status_code == 201
    again = elvin.get("/api/records/findings", params={"limit": 5}).json()
    assert again["count"] == first["count"] + 1 == _count_findings(world)


def test_a_changed_record_reads_changed_and_another_operator_is_still_refused(
    world: World,
) -> None:
    leyla, kamran = world.client("leyla"), world.client("kamran")
    draft = leyla.post("/api/records/findings", json={"row": ROW}).json()
    url = f"/api/records/findings/{draft['id']}"
    assert leyla.get(url).json()["quantity"] == 2
    assert kamran.get(url).status_code == 403  # MES's draft, kept for Leyla, is not SBS's
    edited = leyla.put(url, json={"row": ROW | {"quantity": 5}, "version": draft["version"]})
    assert edited.status_code == 200
    assert leyla.get(url).json()["quantity"] == 5
    assert leyla.get(url, params={"format": "geojson"}).json()["properties"]["quantity"] == 5
    assert kamran.get(url).status_code == 403


def test_a_kept_answer_reads_as_a_fresh_one(world: World) -> None:
    rauf = world.client("rauf")
    for path in ("/api/records/findings?limit=3&format=geojson", "/api/records/hazards"):
        kept = rauf.get(path)
        record_answers.forget()
        fresh = rauf.get(path)
        assert kept.content == fresh.content and kept.json()


def test_a_kept_answer_costs_one_query_the_data_version(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    rauf = world.client("rauf")
    with world.db.session() as s:
        first_id = s.scalar(select(func.min(Finding.id)))
    asked = (
        f"/api/records/findings/{first_id}",
        "/api/records/findings?limit=4",
        "/api/map/findings?zoom=10&bbox=46.5,39.5,47.5,40.5",
    )
    for path in asked:
        assert rauf.get(path).status_code == 200  # kept, and the token's principal too
    statements: list[str] = []
    versions: list[str | None] = []
    reader = world.app.state.version_reader
    read = reader.read

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    def counted_read() -> str | None:
        versions.append(read())
        return versions[-1]

    monkeypatch.setattr(reader, "read", counted_read)
    event.listen(world.app.state.db.engine, "before_cursor_execute", record)
    try:
        for path in asked:
            assert rauf.get(path).status_code == 200
    finally:
        event.remove(world.app.state.db.engine, "before_cursor_execute", record)
    # One read a request, the data version, on the server's loop; the engine is not asked.
    assert statements == []
    with world.db.session() as s:
        assert versions == [data_version.current(s)] * len(asked)
