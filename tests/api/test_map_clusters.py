"""The map's clusters: counts per screen cell for dense views, kept until the data changes."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter

import pytest
from sqlalchemy import select

from mineaction.services import cluster_grid, map_layer
from mineaction.store.tables import Finding
from tests.api.conftest import World

WHOLE_COUNTRY = (44.7, 38.3, 50.7, 41.95)
#: A corner of the country no other test puts a record in.
QUIET = (48.9, 41.2)


def _view(box: tuple[float, float, float, float]) -> str:
    return ",".join(f"{v:.6f}" for v in box)


def _tile_xy(lon: float, lat: float, zoom: int) -> tuple[int, int]:
    """The column and row of the web-map tile holding ``lon, lat`` (written here again)."""
    n = 2**zoom
    x = math.floor((lon + 180) / 360 * n)
    y = math.floor((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def _tile(lon: float, lat: float, zoom: int) -> tuple[float, float, float, float]:
    """The bounds of the web-map tile holding ``lon, lat``."""
    n = 2**zoom
    x, y = _tile_xy(lon, lat, zoom)

    def lat_of(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return x / n * 360 - 180, lat_of(y + 1), (x + 1) / n * 360 - 180, lat_of(y)


def _clusters(world: World, persona: str | None, box, zoom: int, **params) -> dict:
    answer = world.client(persona).get(
        "/api/map/findings", params={"bbox": _view(box), "zoom": zoom, "mode": "clusters", **params}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def _expected_cells(findings: list[Finding], box, zoom: int) -> Counter:
    """Count the findings in the view per tile two zooms deeper, straight from their points."""
    x0, y0, x1, y1 = box
    cells: Counter = Counter()
    for f in findings:
        x, y = f.geom.x, f.geom.y
        if x0 <= x < x1 and y0 <= y < y1:
            cx, cy = _tile_xy(x, y, zoom + 2)
            cells[f"{zoom + 2}/{cx}/{cy}"] += 1
    return cells


@pytest.mark.parametrize(
    ("persona", "zoom"),
    [("rauf", 7), ("rauf", 10), ("rauf", 12), ("elvin", 10)],
    ids=["viewer-country", "viewer-tile-from-grid", "viewer-zoom-12", "im-officer-tile"],
)
def test_cluster_counts_are_the_findings_in_each_cell(
    world: World, persona: str, zoom: int
) -> None:
    box = WHOLE_COUNTRY if zoom == 7 else _tile(46.93, 39.99, zoom)
    body = _clusters(world, persona, box, zoom)
    with world.db.session() as s:
        findings = list(s.scalars(select(Finding)))
    expected = _expected_cells(findings, box, zoom)
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
    tile = _tile(46.93, 39.99, 9)
    for box, zoom in ((WHOLE_COUNTRY, 7), (tile, 9)):
        body = _clusters(world, "rauf", box, zoom, period="2023")
        expected = _expected_cells(findings, box, zoom)
        assert {f["id"]: f["properties"]["count"] for f in body["features"]} == dict(expected)
        assert sum(expected.values()) > 0


@pytest.mark.parametrize("remake", [0.0, 3600.0], ids=["grid-made-again", "rows-meanwhile"])
def test_a_write_changes_the_counts_at_once_and_scope_is_respected(
    world: World, remake: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cluster_grid, "REMAKE_SECONDS", remake)
    box = _tile(*QUIET, 10)
    people = ("rauf", "elvin", "leyla", "kamran")
    before = {p: _clusters(world, p, box, 10)["numberMatched"] for p in people}
    row = {"date": "2024-06-01", "category": "uxo", "quantity": 1, "lon": QUIET[0], "lat": QUIET[1]}
    created = world.client("kamran").post("/api/records/findings", json={"row": row})
    assert created.status_code == 201, created.text
    after = {p: _clusters(world, p, box, 10)["numberMatched"] for p in people}
    # The IM officer, the viewer and SBS's own officer see SBS's new draft; MES's does not.
    assert after == {
        "rauf": before["rauf"] + 1,
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


def test_a_tile_added_up_from_the_grid_equals_one_counted_from_the_rows(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cluster_grid, "CHUNK", 7)  # the grid is made of several chunks
    tile = _tile(46.93, 39.99, 10)
    cluster_grid.forget()
    map_layer.forget()
    from_grid = _clusters(world, "rauf", tile, 10)
    assert cluster_grid._grids, "the viewer's unfiltered tile was added up from the grid"
    # A period that holds every finding makes the same view be counted from the rows.
    from_rows = _clusters(world, "rauf", tile, 10, period="1900-01-01/2100-12-31")
    assert from_grid["features"] == from_rows["features"] and from_grid["numberMatched"] > 0
