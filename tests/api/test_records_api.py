"""Reading records through the API: filters, pages and GeoJSON, checked against the database."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from mineaction.services import admin_areas, browse
from mineaction.services.catalogue import get_kind_info
from mineaction.services.policy import ReadScope
from mineaction.store.tables import Finding, Hazard, Organisation
from tests.api.conftest import World


def _findings(world: World) -> list[Finding]:
    with world.db.session() as s:
        return list(s.scalars(select(Finding).order_by(Finding.id)))


def _org_id(world: World, code: str) -> int:
    with world.db.session() as s:
        return s.scalars(select(Organisation.id).where(Organisation.code == code)).one()


def test_a_viewer_pages_through_every_finding_once(world: World) -> None:
    rauf = world.client("rauf")
    expected = [f.id for f in _findings(world)]
    seen: list[int] = []
    offset = 0
    while True:
        page = rauf.get("/api/records/findings", params={"limit": 7, "offset": offset}).json()
        assert page["count"] == len(expected)
        seen += [item["id"] for item in page["items"]]
        offset += 7
        if offset >= page["count"]:
            break
    assert seen == expected


def test_filters_narrow_the_list_as_the_records_say(world: World) -> None:
    rauf = world.client("rauf")
    everything = _findings(world)
    with world.db.session() as s:
        agdam = admin_areas.find_area(s, "Aghdam").id
    mes = _org_id(world, "MES")
    cases = {
        (("period", "2024"),): [f for f in everything if f.found_date.year == 2024],
        (("period", "2023-03"),): [
            f for f in everything if (f.found_date.year, f.found_date.month) == (2023, 3)
        ],
        (("period", "2023-06-01/.."),): [
            f for f in everything if f.found_date >= dt.date(2023, 6, 1)
        ],
        (("operator", "MES"),): [f for f in everything if f.organisation_id == mes],
        (("district", "Ağdam"),): [f for f in everything if f.admin_area_id == agdam],
        (("status", "uxo"),): [f for f in everything if f.category == "uxo"],
        (("operator", "mes"), ("status", "at_mine")): [
            f for f in everything if f.organisation_id == mes and f.category == "at_mine"
        ],
        (("bbox", "47.0,39.5,47.3,39.7"),): [
            f for f in everything if 47.0 <= f.geom.x <= 47.3 and 39.5 <= f.geom.y <= 39.7
        ],
    }
    for params, expected in cases.items():
        body = rauf.get("/api/records/findings", params=dict(params) | {"limit": 1000}).json()
        assert [i["id"] for i in body["items"]] == [f.id for f in expected], params
        assert body["count"] == len(expected) > 0, params


def test_spatial_kinds_answer_geojson(world: World) -> None:
    body = (
        world.client("rauf")
        .get("/api/records/hazards", params={"format": "geojson", "district": "Fuzuli"})
        .json()
    )
    assert body["type"] == "FeatureCollection" and body["numberMatched"] == 1
    feature = body["features"][0]
    assert feature["geometry"]["type"] == "MultiPolygon"
    assert "geom" not in feature["properties"] and "min_x" not in feature["properties"]
    one = world.client("rauf").get(
        f"/api/records/hazards/{feature['id']}", params={"format": "geojson"}
    )
    assert one.json()["geometry"] == feature["geometry"]


def test_a_filter_that_does_not_apply_is_refused_not_ignored(world: World) -> None:
    answer = world.client("rauf").get("/api/records/victims", params={"bbox": "46,39,47,40"})
    assert answer.status_code == 422 and answer.json()["error"]["problems"][0]["field"] == "bbox"
    bad = world.client("rauf").get("/api/records/findings", params={"period": "last week"})
    assert bad.status_code == 422 and "period" in bad.json()["error"]["message"]


def test_the_public_gets_statistics_and_districts_but_no_records(world: World) -> None:
    public = world.client(None)
    for kind in ("hazards", "findings", "victims", "accidents", "land-releases"):
        assert public.get(f"/api/records/{kind}").status_code == 401, kind
    assert public.get("/api/records/districts", params={"limit": 5}).status_code == 200
    summary = public.get("/api/public/summary").json()
    expected_items: dict[str, int] = {}
    for f in _findings(world):
        if f.approval != "approved":
            continue  # the public counts approved records only
        expected_items[f.category] = expected_items.get(f.category, 0) + f.quantity
    assert summary["items_found_by_category"] == expected_items
    assert summary["casualties"] == {"killed": 1, "injured": 1}
    text = str(summary)
    assert "coordinates" not in text and "Polygon" not in text


def test_the_openapi_description_lists_the_record_endpoints(world: World) -> None:
    paths = world.client(None).get("/api/openapi.json").json()["paths"]
    assert {"/api/records/{kind}", "/api/records/{kind}/{record_id}", "/api/import/{kind}"} <= set(
        paths
    )
    docs = world.client(None).get("/api/docs", headers={"Accept": "text/html"})
    assert "vendor/swagger-ui/swagger-ui-bundle.js" in docs.text and "//cdn" not in docs.text
    assert world.client(None).get("/static/vendor/swagger-ui/swagger-ui-bundle.js").is_success


def test_a_long_list_is_counted_up_to_the_limit_and_says_so(world: World) -> None:
    info = get_kind_info("findings")
    everyone = ReadScope(everything=True)
    every = [f.id for f in _findings(world)]
    with world.db.session() as s:

        def page(offset: int, count_limit: int) -> browse.Page:
            return browse.list_records(
                s,
                info,
                scope=everyone,
                filters=browse.Filters(),
                limit=2,
                offset=offset,
                count_limit=count_limit,
            )

        capped = page(0, 3)
        assert (capped.total, capped.exact) == (3, False) and capped.more_after(0)
        assert [r.id for r in capped.rows] == every[:2]
        counted = page(0, len(every))
        assert (counted.total, counted.exact) == (len(every), True)
        last = page(len(every) - 2, len(every))
        assert [r.id for r in last.rows] == every[-2:] and not last.more_after(len(every) - 2)


def test_a_box_finds_the_hazards_whose_outline_box_meets_it(world: World) -> None:
    with world.db.session() as s:
        hazards = list(s.scalars(select(Hazard).order_by(Hazard.id)))
    assert hazards
    rauf = world.client("rauf")
    for hazard in hazards:
        x0, y0, x1, y1 = hazard.geom.bounds
        # A box that only touches the hazard's south-west corner region from outside.
        box = (x0 - 0.01, y0 - 0.01, x0 + (x1 - x0) / 10, y0 + (y1 - y0) / 10)
        expected = [
            h.id
            for h in hazards
            if h.geom.bounds[2] >= box[0]
            and h.geom.bounds[0] <= box[2]
            and h.geom.bounds[3] >= box[1]
            and h.geom.bounds[1] <= box[3]
        ]
        body = rauf.get(
            "/api/records/hazards",
            params={"bbox": ",".join(f"{v:.6f}" for v in box), "limit": 1000},
        ).json()
        assert [i["id"] for i in body["items"]] == expected
        assert hazard.id in expected and body["count_exact"] is True
