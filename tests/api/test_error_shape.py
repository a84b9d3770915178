"""Every error the API answers has one JSON shape, whatever raised it (pinned here)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import World

SHAPE = {"code", "message", "hint", "problems"}
FINDING = {"date": "2024-05-02", "category": "at_mine", "quantity": 1, "lon": 46.93, "lat": 39.99}


def _assert_shape(answer, status: int, code: str) -> dict:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == SHAPE
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["problems"], list)
    return body["error"]


def test_every_kind_of_error_has_the_same_shape(world: World) -> None:
    public, elvin = world.client(None), world.client("elvin")
    _assert_shape(public.get("/api/records/hazards"), 401, "unauthenticated")
    _assert_shape(
        world.client("rauf").post("/api/records/findings", json={"row": FINDING}), 403, "forbidden"
    )
    _assert_shape(elvin.get("/api/no-such-thing"), 404, "not_found")
    _assert_shape(elvin.get("/api/records/findings/987654"), 404, "not_found")
    _assert_shape(elvin.get("/api/records/unicorns"), 404, "not_found")
    _assert_shape(elvin.delete("/api/records/findings"), 405, "method_not_allowed")
    invalid = _assert_shape(elvin.get("/api/records/findings?limit=0"), 422, "invalid")
    assert invalid["problems"][0]["field"] == "query.limit"
    refused = _assert_shape(
        elvin.post("/api/records/findings", json={"row": FINDING | {"quantity": 0}}),
        422,
        "import_refused",
    )
    assert refused["problems"][0]["field"] == "quantity"
    assert set(refused["problems"][0]) == {"source", "row", "field", "value", "reason", "hint"}
    _assert_shape(elvin.get("/api/records/victims?period=2024"), 422, "invalid")
    bad_token = TestClient(world.app, headers={"Authorization": "Bearer not-a-token"})
    _assert_shape(bad_token.get("/api/me"), 401, "unauthenticated")


def test_a_stale_version_is_a_conflict_in_the_same_shape(world: World) -> None:
    elvin = world.client("elvin")
    created = elvin.post("/api/records/findings", json={"row": FINDING}).json()
    stale = elvin.put(
        f"/api/records/findings/{created['id']}",
        json={"row": FINDING | {"quantity": 3}, "version": created["version"] - 1},
    )
    error = _assert_shape(stale, 409, "conflict")
    assert "version" in error["message"] and error["hint"]


def test_a_change_without_the_csrf_token_is_refused_in_the_same_shape(world: World) -> None:
    client, _ = world.signed_in("elvin")
    _assert_shape(client.post("/api/records/findings", json={"row": FINDING}), 403, "csrf")
