"""The map's layers (/api/map/KIND): the records in the view, simplified for the zoom."""

from __future__ import annotations

import shapely
from shapely.geometry import shape
from sqlalchemy import select

from mineaction.services.map_layer import tolerance
from mineaction.store.tables import Finding, Hazard
from tests.api.conftest import World

WHOLE_COUNTRY = "44.7,38.3,50.7,41.95"


def _view(box: tuple[float, float, float, float]) -> str:
    return ",".join(f"{v:.6f}" for v in box)


def test_a_view_holds_the_records_whose_box_meets_it_with_their_popup_fields(
    world: World,
) -> None:
    with world.db.session() as s:
        findings = list(s.scalars(select(Finding).order_by(Finding.id)))
    box = (47.0, 39.5, 47.3, 39.7)
    expected = [f for f in findings if 47.0 <= f.geom.x <= 47.3 and 39.5 <= f.geom.y <= 39.7]
    assert expected
    answer = world.client("rauf").get("/api/map/findings", params={"bbox": _view(box), "zoom": 12})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/geo+json")
    body = answer.json()
    assert body["type"] == "FeatureCollection" and body["truncated"] is False
    assert [f["id"] for f in body["features"]] == [f.id for f in expected]
    for feature, record in zip(body["features"], expected, strict=True):
        assert feature["properties"]["category"] == record.category
        assert feature["properties"]["approval"] == record.approval
        assert shape(feature["geometry"]).equals(record.geom)
        assert "min_x" not in feature["properties"]


def test_outlines_are_simplified_to_a_tenth_of_a_pixel_of_the_zoom(world: World) -> None:
    with world.db.session() as s:
        hazards = {h.id: h.geom for h in s.scalars(select(Hazard))}
    rauf = world.client("rauf")
    for zoom in (6, 22):
        body = rauf.get("/api/map/hazards", params={"bbox": WHOLE_COUNTRY, "zoom": zoom}).json()
        assert sorted(f["id"] for f in body["features"]) == sorted(hazards)
        for feature in body["features"]:
            drawn, stored = shape(feature["geometry"]), hazards[feature["id"]]
            # Never further from the stored outline than the tolerance, never more vertices.
            assert drawn.hausdorff_distance(stored) <= tolerance(zoom) * 1.0001
            assert len(shapely.get_coordinates(drawn)) <= len(shapely.get_coordinates(stored))


def test_a_full_view_says_it_was_cut_short(world: World) -> None:
    body = (
        world.client("rauf")
        .get("/api/map/findings", params={"bbox": WHOLE_COUNTRY, "zoom": 8, "limit": 2})
        .json()
    )
    assert body["truncated"] is True and len(body["features"]) == body["numberReturned"] == 2


def test_the_public_sees_districts_but_never_hazards_on_the_map(world: World) -> None:
    public = world.client(None)
    districts = public.get("/api/map/districts", params={"bbox": WHOLE_COUNTRY, "zoom": 7})
    assert districts.status_code == 200 and districts.json()["features"]
    for kind in ("hazards", "findings", "accidents", "minefield-records"):
        answer = public.get(f"/api/map/{kind}", params={"bbox": WHOLE_COUNTRY, "zoom": 7})
        assert answer.status_code in (401, 403), kind
        assert "features" not in answer.json()


def test_a_kind_without_geometry_or_a_bad_view_is_refused_with_a_reason(world: World) -> None:
    rauf = world.client("rauf")
    answer = rauf.get("/api/map/victims", params={"bbox": WHOLE_COUNTRY})
    assert answer.status_code == 422 and "geometry" in answer.json()["error"]["message"]
    answer = rauf.get("/api/map/findings", params={"bbox": "47,39,46"})
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "invalid"
    for mode in ("auto", "clusters", "features"):
        answer = rauf.get("/api/map/accidents", params={"bbox": "", "zoom": 3, "mode": mode})
        assert answer.status_code == 422 and "bbox" in answer.json()["error"]["message"]
