"""The risk layer is kept per saved run and view: asked again, it reads no cells."""

from __future__ import annotations

from sqlalchemy import event

from mineaction.services import map_layer
from tests.api.conftest import World
from tests.api.risk_run import saved_run

VIEW = "/api/risk/map?bbox=46.0,39.0,48.0,41.0&zoom=11"


def _cell_reads(world: World) -> tuple[list[str], object]:
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "risk_cells" in statement:
            seen.append(statement)

    event.listen(world.app.state.db.engine, "before_cursor_execute", record)
    return seen, record


def test_the_risk_layer_is_kept_per_run_and_view(world: World) -> None:
    run_id, _hazard = saved_run(world.db)
    elvin = world.client("elvin")
    seen, record = _cell_reads(world)
    try:
        first = elvin.get(f"{VIEW}&run={run_id}")
        assert first.status_code == 200 and len(first.json()["features"]) == 4
        again = elvin.get(f"{VIEW}&run={run_id}")
        assert again.content == first.content
        assert len(seen) == 1  # the second answer was kept
        narrower = elvin.get(f"{VIEW}&run={run_id}&min_probability=0.35")
        assert [f["properties"]["probability"] for f in narrower.json()["features"]] == [0.4]
        assert len(seen) == 2  # another view is another answer
    finally:
        event.remove(world.app.state.db.engine, "before_cursor_execute", record)
    map_layer.forget()
    assert elvin.get(f"{VIEW}&run={run_id}").content == first.content


def test_a_kept_risk_layer_is_still_refused_to_the_public(world: World) -> None:
    run_id, _hazard = saved_run(world.db)
    assert world.client("elvin").get(f"{VIEW}&run={run_id}").status_code == 200
    assert world.client(None).get(f"{VIEW}&run={run_id}").status_code == 401


def test_an_empty_or_bad_view_of_the_risk_layer_is_refused_with_a_reason(world: World) -> None:
    run_id, _hazard = saved_run(world.db)
    elvin = world.client("elvin")
    for bbox in ("", "47,39,46"):
        answer = elvin.get("/api/risk/map", params={"bbox": bbox, "run": run_id})
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["code"] == "invalid" and "bbox" in answer.text


def test_ids_past_the_databases_integers_name_no_run_and_no_hazard(world: World) -> None:
    """The fuzzer's find: a run id of 2**31 overflowed PostgreSQL's integer (a 500)."""
    run_id, hazard = saved_run(world.db)
    elvin = world.client("elvin")
    for path in (
        "/api/risk/hazards?limit=1&run=2147483648",
        f"/api/risk/hazards/{2**31}",
        f"/api/risk/hazards/{hazard}?run=2147483648",
    ):
        answer = elvin.get(path)
        assert answer.status_code == 404, (path, answer.text)
        assert answer.json()["error"]["code"] == "not_found"
    assert elvin.get(f"/api/risk/hazards?limit=1&run={run_id}").status_code == 200
