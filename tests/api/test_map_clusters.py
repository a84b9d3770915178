"""The map's clusters: counts per screen cell for dense views, kept until the data changes."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter

import pytest
from sqlalchemy import select

from mineaction.services import map_layer
from mineaction.store.tables import Finding
from tests.api.conftest import World

WHOLE_COUNTRY = (44.7, 38.3, 50.7, 41.95)
#: A corner of the country no other test puts a record in.
QUIET = (48.9, 41.2)


def _view(box: tuple[float, float, float, float]) -> str:
    return ",".join(f"{v:.6f}" for v in box)


def _tile(lon: float, lat: float, zoom: int) -> tuple[float, float, float, float]:
    """The web-map tile holding ``lon, lat`` (written here again, not taken from the code)."""
    n = 2**zoom
    x = math.floor((lon + 180) / 360 * n)
    y = math.floor((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)

    def lat_of(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return x / n * 360 - 180, lat_of(y + 1), (x + 1) / n * 360 - 180, lat_of(y)


def _clusters(world: World, persona: str | None, box, zoom: int, **params) -> dict:
    answer = world.client(persona).get(
        "/api/map/findings", params={"bbox": _view(box), "zoom": zoom, "mode": "clusters", **params}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def _expected_cells(findings: list[Finding], box, columns: int, rows: int) -> Counter:
    """Count the findings per cell straight from their stored points."""
    x0, y0, x1, y1 = box
    cells: Counter = Counter()
    for f in findings:
        x, y = f.geom.x, f.geom.y
        if x0 <= x < x1 and y0 <= y < y1:
            c = min(columns - 1, int((x - x0) / ((x1 - x0) / columns)))
            r = min(rows - 1, int((y - y0) / ((y1 - y0) / rows)))
            cells[f"{c}/{r}"] += 1
    return cells


@pytest.mark.parametrize("zoom", [7, 10])
def test_cluster_counts_are_the_findings_in_each_cell(world: World, zoom: int) -> None:
    box = WHOLE_COUNTRY if zoom == 7 else _tile(46.93, 39.99, zoom)
    body = _clusters(world, "rauf", box, zoom)
    with world.db.session() as s:
        findings = list(s.scalars(select(Finding)))
    expected = _expected_cells(findings, box, body["grid"]["columns"], body["grid"]["rows"])
    assert body["clustered"] is True and sum(expected.values()) > 0
    assert {f["id"]: f["properties"]["count"] for f in body["features"]} == dict(expected)
    assert body["numberMatched"] == sum(expected.values())
    x0, y0, x1, y1 = box
    for feature in body["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert x0 <= lon < x1 and y0 <= lat < y1  # drawn where its findings are


def test_the_cells_of_neighbouring_tiles_count_each_finding_once(world: World) -> None:
    with world.db.session() as s:
        points = [(f.geom.x, f.geom.y) for f in s.scalars(select(Finding))]
    tiles = {_tile(x, y, 11) for x, y in points}
    x0 = min(t[0] for t in tiles)
    y0 = min(t[1] for t in tiles)
    x1 = max(t[2] for t in tiles)
    y1 = max(t[3] for t in tiles)
    counted = sum(_clusters(world, "rauf", t, 11)["numberMatched"] for t in tiles)
    assert counted == sum(1 for x, y in points if x0 <= x < x1 and y0 <= y < y1) == len(points)


def test_clusters_take_the_filters_of_the_map(world: World) -> None:
    with world.db.session() as s:
        in_2023 = Finding.found_date.between(dt.date(2023, 1, 1), dt.date(2023, 12, 31))
        findings = list(s.scalars(select(Finding).where(in_2023)))
    body = _clusters(world, "rauf", WHOLE_COUNTRY, 7, period="2023")
    expected = _expected_cells(
        findings, WHOLE_COUNTRY, body["grid"]["columns"], body["grid"]["rows"]
    )
    assert body["numberMatched"] == sum(expected.values()) > 0


def test_a_write_changes_the_counts_at_once_and_scope_is_respected(world: World) -> None:
    box = _tile(*QUIET, 10)
    before = {
        p: _clusters(world, p, box, 10)["numberMatched"] for p in ("elvin", "leyla", "kamran")
    }
    row = {"date": "2024-06-01", "category": "uxo", "quantity": 1, "lon": QUIET[0], "lat": QUIET[1]}
    created = world.client("kamran").post("/api/records/findings", json={"row": row})
    assert created.status_code == 201, created.text
    after = {p: _clusters(world, p, box, 10)["numberMatched"] for p in ("elvin", "leyla", "kamran")}
    # The IM officer and SBS's own officer see SBS's new draft; MES's officer does not.
    assert after == {
        "elvin": before["elvin"] + 1,
        "kamran": before["kamran"] + 1,
        "leyla": before["leyla"],
    }


def test_the_public_gets_no_clusters_of_findings(world: World) -> None:
    answer = world.client(None).get(
        "/api/map/findings", params={"bbox": _view(WHOLE_COUNTRY), "zoom": 7, "mode": "clusters"}
    )
    assert answer.status_code in (401, 403) and "features" not in answer.json()


def test_auto_draws_a_dense_low_zoom_view_as_clusters_and_a_close_one_as_findings(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(map_layer, "SPARSE", 3)
    rauf = world.client("rauf")
    far = rauf.get("/api/map/findings", params={"bbox": _view(WHOLE_COUNTRY), "zoom": 8}).json()
    near = rauf.get("/api/map/findings", params={"bbox": _view(WHOLE_COUNTRY), "zoom": 13}).json()
    assert far.get("clustered") is True
    assert all(f["properties"]["count"] >= 1 for f in far["features"])
    assert "clustered" not in near and all(isinstance(f["id"], int) for f in near["features"])
    # Districts are outlines to read the map by: never clustered.
    districts = rauf.get("/api/map/districts", params={"bbox": _view(WHOLE_COUNTRY), "zoom": 8})
    assert "clustered" not in districts.json()
