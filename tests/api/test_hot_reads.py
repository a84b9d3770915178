"""The hot reads answered before FastAPI (``api.hot_reads``): the same answers, the same refusals.

Every check compares what a reader gets once some other reader's answer is
kept with what that reader got before anything was kept, so an answer can
never depend on who asked first.
"""

from __future__ import annotations

import time

from sqlalchemy import func, select

from mineaction.services import data_version, map_layer, principal_cache, record_answers
from mineaction.services.data_version import LoopReader
from mineaction.store.database import Database
from mineaction.store.tables import Finding, Hazard
from tests.api.conftest import BY_ROLE, World

VIEW = "bbox=46.5,39.5,47.5,40.5&zoom=10"


def _forget() -> None:
    record_answers.forget()
    map_layer.forget()
    principal_cache.forget()


def _hot_paths(world: World) -> list[str]:
    with world.db.session() as s:
        finding = s.scalar(select(func.min(Finding.id)))
        hazard = s.scalar(select(func.min(Hazard.id)))
    return [
        "/api/records/findings?limit=4",
        "/api/records/hazards?format=geojson",
        "/api/records/accidents",
        "/api/records/victims?limit=2",
        f"/api/records/findings/{finding}",
        f"/api/records/hazards/{hazard}?format=geojson",
        f"/api/map/hazards?{VIEW}",
        f"/api/map/findings?{VIEW}&mode=features",
    ]


def test_every_role_gets_what_it_got_before_anything_was_kept(world: World) -> None:
    paths = _hot_paths(world)
    _forget()
    before = {}
    for role, persona in BY_ROLE.items():
        for path in paths:
            answer = world.client(persona).get(path)
            before[role, path] = (answer.status_code, answer.content)
            _forget()  # nothing this reader was answered is kept for the next one
    # Now every answer is kept (the IM officer's and the viewer's first), then asked by all.
    for persona in ("elvin", "rauf"):
        for path in paths:
            world.client(persona).get(path)
    for role, persona in BY_ROLE.items():
        for path in paths:
            answer = world.client(persona).get(path)
            assert (answer.status_code, answer.content) == before[role, path], (role, path)
    assert before["public", f"/api/map/hazards?{VIEW}"][0] == 401  # no live hazard geometry
    assert before["public", "/api/records/victims?limit=2"][0] == 401  # no victim data


def test_a_kept_answer_carries_the_headers_of_a_fresh_one(world: World) -> None:
    rauf = world.client("rauf")
    for path in _hot_paths(world):
        _forget()
        fresh = rauf.get(path)
        kept = rauf.get(path)
        assert fresh.status_code == kept.status_code == 200
        assert kept.content == fresh.content
        assert sorted(kept.headers.items()) == sorted(fresh.headers.items())
        assert kept.headers["cache-control"] == "no-store"
        assert "content-security-policy" in kept.headers


def test_a_repeated_parameter_is_read_as_fastapi_reads_it(world: World) -> None:
    rauf = world.client("rauf")
    four = rauf.get("/api/records/findings?limit=4").json()
    assert rauf.get("/api/records/findings?limit=4").json() == four  # kept
    repeated = rauf.get("/api/records/findings?limit=4&limit=5")
    assert repeated.json() == rauf.get("/api/records/findings?limit=5").json()
    assert len(repeated.json()["items"]) == 5 != len(four["items"])


def test_a_bad_value_is_refused_in_the_one_error_shape_though_answers_are_kept(
    world: World,
) -> None:
    rauf = world.client("rauf")
    for path in _hot_paths(world):
        assert rauf.get(path).status_code == 200
    for path, status in (
        ("/api/records/findings?limit=0", 422),
        ("/api/records/findings?limit=4&period=2024-13", 422),
        ("/api/records/findings/0", 422),
        ("/api/records/findings/9999999999999999999", 422),
        ("/api/records/nothing?limit=4", 404),
        ("/api/records/findings/1?format=xml", 422),
        (f"/api/map/findings?{VIEW}&zoom=23", 422),
        ("/api/map/findings?zoom=10", 422),
        (f"/api/map/nothing?{VIEW}", 404),
    ):
        answer = rauf.get(path)
        assert answer.status_code == status, (path, answer.text)
        assert set(answer.json()) == {"error"}
        assert set(answer.json()["error"]) == {"code", "message", "hint", "problems"}


def test_a_signed_out_session_is_refused_though_its_answer_was_kept(world: World) -> None:
    client, csrf = world.signed_in("rauf")
    path = "/api/records/hazards?limit=3"
    kept = client.get(path)
    assert kept.status_code == 200 and client.get(path).content == kept.content
    assert client.delete("/api/session", headers={"X-CSRF-Token": csrf}).status_code == 200
    refused = client.get(path)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthenticated"


def test_the_hot_reads_stay_in_the_openapi_document(world: World) -> None:
    paths = world.client(None).get("/api/openapi.json").json()["paths"]
    listed = {p["name"] for p in paths["/api/records/{kind}"]["get"]["parameters"]}
    assert {"kind", "limit", "offset", "bbox", "period", "format"} <= listed
    record = {p["name"] for p in paths["/api/records/{kind}/{record_id}"]["get"]["parameters"]}
    assert {"kind", "record_id", "format"} <= record
    view = {p["name"] for p in paths["/api/map/{kind}"]["get"]["parameters"]}
    assert {"kind", "bbox", "zoom", "mode"} <= view


def test_the_loop_reader_reads_the_version_the_session_reads(world: World) -> None:
    reader = LoopReader(world.db.engine)
    try:
        with world.db.session() as s:
            before = data_version.current(s)
        assert reader.read() == before
        row = {"date": "2024-07-09", "category": "uxo", "quantity": 2, "lon": 46.95, "lat": 39.97}
        assert world.client("elvin").post("/api/records/findings", json={"row": row}).is_success
        with world.db.session() as s:
            after = data_version.current(s)
        assert after != before
        assert reader.read() == after  # the same connection sees the new commit
        reader.close()  # a closed reader opens its connection again
        assert reader.read() == after
    finally:
        reader.close()


def test_the_loop_reader_cannot_tell_an_in_memory_database() -> None:
    reader = LoopReader(Database("sqlite://").engine)
    assert reader.read() is None


def test_it_reads_every_query_as_fastapi_does(world: World) -> None:
    # A repeated parameter sends the request on to FastAPI: the same query once more
    # (``limit`` repeated with its own value) is FastAPI's reading of it.
    rauf, public = world.client("rauf"), world.client(None)
    queries = [
        "/api/records/findings?limit=4&period=",
        "/api/records/findings?limit=4&offset=+2&unknown=1",
        "/api/records/findings?limit= 4&format=geojson",
        "/api/records/findings?limit=4&bbox=46.5,39.5,47.5,40.5&period=2023",
        "/api/records/findings?limit=4&bbox=",
        "/api/records/findings?limit=4&offset=-1",
        "/api/records/hazards?limit=4&status=open&approval=approved",
        "/api/records/victims?limit=4",
        f"/api/map/findings?limit=7&{VIEW}&mode=features&operator=",
        f"/api/map/hazards?limit=7&{VIEW}&period=2024",
        "/api/map/findings?limit=7&bbox=1,2,3&zoom=10",
        f"/api/map/findings?limit=7&{VIEW}&mode=cells",
    ]
    for client in (rauf, public):
        for query in queries:
            limit = query.split("limit=")[1].split("&")[0]
            via_fastapi = client.get(f"{query}&limit={limit}")
            answered = client.get(query)
            assert answered.status_code == via_fastapi.status_code, query
            assert answered.content == via_fastapi.content, query


def test_the_loop_reader_leaves_an_unreachable_server_to_the_caller() -> None:
    reader = LoopReader(Database("postgresql://postgres@127.0.0.1:1/nothing").engine)
    started = time.monotonic()
    assert reader.read() is None
    assert reader.read() is None  # not asked again at once
    assert time.monotonic() - started < data_version.LOOP_RETRY_S
