"""Verification against brute force, and the same verification on SQLite and PostGIS.

A random world of records, hazards, mine finds and accidents is built in
both backends.  Many finds sit on purpose just inside and just outside the
50 m buffer of a record or a hazard (49.6 to 50.4 m), where the PostGIS
joins cannot tell in their local metres and must settle the pair in the
projected metres as SQLite does.  The expected figures are computed here
from the raw positions: every point against every polygon, in the same
transverse Mercator projection (built with pyproj directly).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import Polygon
from sqlalchemy import literal_column, select
from sqlalchemy.orm import Session

from mineaction.analytics.spatial import Metric, PointSet, near_any, postgis
from mineaction.analytics.verification import Verification, verify_records
from mineaction.analytics.verification.spatial import finding_filter, load_findings
from mineaction.services import casualties, findings, hazards, minefield_records
from mineaction.store.database import Database
from mineaction.store.tables import Finding, Hazard
from tests.conftest import fresh_database
from tests.factories import AGDAM

BUFFER_M = 50.0
DAY = dt.date(2023, 5, 1)
rng = np.random.default_rng(20261130)


def _local() -> tuple[Transformer, Transformer]:
    crs = f"+proj=tmerc +lon_0={AGDAM[0]} +lat_0={AGDAM[1]} +k=1 +datum=WGS84 +units=m"
    return (
        Transformer.from_crs("EPSG:4326", crs, always_xy=True),
        Transformer.from_crs(crs, "EPSG:4326", always_xy=True),
    )


FWD, INV = _local()


def to_lonlat(geom: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(geom, lambda c: np.column_stack(INV.transform(c[:, 0], c[:, 1])))


def rotated_box(cx: float, cy: float, w: float, h: float, angle: float) -> Polygon:
    c, s = math.cos(angle), math.sin(angle)
    corners = [(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)]
    return Polygon([(cx + x * c - y * s, cy + x * s + y * c) for x, y in corners])


def near_edge(shape: Polygon, metres: float) -> tuple[float, float]:
    """Return a point ``metres`` outside the middle of the shape's first edge (local metres)."""
    (x0, y0), (x1, y1) = shape.exterior.coords[0], shape.exterior.coords[1]
    mx, my = (x0 + x1) / 2, (y0 + y1) / 2
    nx, ny = y1 - y0, -(x1 - x0)  # outward for a counter-clockwise ring
    norm = math.hypot(nx, ny)
    if not shape.exterior.is_ccw:
        nx, ny = -nx, -ny
    return mx + nx / norm * metres, my + ny / norm * metres


RECORDS = [rotated_box(x, y, 300, 200, a) for x, y, a in [
    (0, 0, 0.0), (1500, 200, 0.5), (3000, -400, 1.1), (800, 2500, 0.3), (4200, 1800, 2.0),
]]  # fmt: skip
HAZARDS = [rotated_box(x, y, 500, 400, a) for x, y, a in [
    (200, 100, 0.2), (1500, 400, 0.0), (6000, 6000, 0.7), (-2500, 3000, 1.3),
]]  # fmt: skip
FIGURES = ("findings_inside", "findings_buffer", "found_ap", "found_at", "accidents_inside")
BAND = (-120.0, -30.0, 0.0, 10.0, 49.6, 49.9, 50.1, 50.4, 80.0)


def _points() -> list[tuple[float, float, str]]:
    points = []
    for shape in RECORDS + HAZARDS:
        for metres in BAND:
            x, y = near_edge(shape, metres)
            points.append((x, y, str(rng.choice(["ap_mine", "at_mine"]))))
    for x, y in rng.uniform(-4000, 8000, (120, 2)):
        points.append((float(x), float(y), str(rng.choice(["ap_mine", "at_mine", "uxo"]))))
    for x, y in rng.normal(9000, 100, (4, 2)):  # a cluster outside everything
        points.append((float(x), float(y), "ap_mine"))
    return points


POINTS = _points()
ACCIDENTS = [near_edge(s, m) for s in RECORDS[:2] + HAZARDS[:2] for m in (10.0, 49.7, 50.3)] + [
    (float(x), float(y)) for x, y in rng.uniform(-4000, 8000, (12, 2))
]


def _build(db: Database) -> None:
    with db.session(actor="test") as session:
        for n, shape in enumerate(HAZARDS):
            hazards.create_hazard(
                session=session,
                reference=f"HA-B{n}",
                hazard_type="cha",
                contamination="ap_mines",
                geom=to_lonlat(shape),
                recorded_date=dt.date(2021, 3, 1),
            )
        for n, shape in enumerate(RECORDS):
            minefield_records.register_record(
                session=session,
                reference=f"MFR-{n:02d}",
                source="Handed over",
                received_date=dt.date(2021, 6, 1),
                geom=to_lonlat(shape),
                expected_ap=10,
                expected_at=2,
            )
        for x, y, category in POINTS:
            lon, lat = INV.transform(x, y)
            findings.create_finding(
                session=session, found_date=DAY, category=category, lon=lon, lat=lat
            )
        for x, y in ACCIDENTS:
            lon, lat = INV.transform(x, y)
            casualties.create_accident(
                session=session,
                accident_date=DAY,
                accident_type="mine",
                device_category="ap_mine",
                lon=lon,
                lat=lat,
            )


@pytest.fixture(scope="module")
def worlds(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Database]]:
    made = {}
    databases = []
    for backend in ("sqlite", "postgis"):
        gen = fresh_database(backend, tmp_path_factory.mktemp(backend), request)
        made[backend] = next(gen)
        databases.append(gen)
        _build(made[backend])
    yield made
    for gen in databases:
        next(gen, None)


def brute_force() -> dict[str, dict]:
    """Return each record's figures and the national counts from the raw positions."""
    lons, lats = INV.transform(np.array([p[0] for p in POINTS]), np.array([p[1] for p in POINTS]))
    acc_lon, acc_lat = INV.transform(*np.array(ACCIDENTS).T)
    records = [to_lonlat(r) for r in RECORDS]
    mines = np.array([p[2] in ("ap_mine", "at_mine") for p in POINTS])
    # The verification's projection: centred on the extent of the records and the points.
    xs = np.concatenate([lons[mines], acc_lon, *[np.array(r.bounds)[[0, 2]] for r in records]])
    ys = np.concatenate([lats[mines], acc_lat, *[np.array(r.bounds)[[1, 3]] for r in records]])
    crs = (
        f"+proj=tmerc +lon_0={(xs.min() + xs.max()) / 2:.6f} "
        f"+lat_0={(ys.min() + ys.max()) / 2:.6f} +k=1 +datum=WGS84 +units=m"
    )
    fwd = Transformer.from_crs("EPSG:4326", crs, always_xy=True)

    def metres(g: shapely.Geometry) -> shapely.Geometry:
        return shapely.transform(g, lambda c: np.column_stack(fwd.transform(c[:, 0], c[:, 1])))

    rec_m = [metres(r) for r in records]
    haz_m = [metres(to_lonlat(h)) for h in HAZARDS]
    out: dict[str, dict] = {}
    outside_findings = 0
    for i, (lon, lat, (_x, _y, category)) in enumerate(zip(lons, lats, POINTS, strict=True)):
        if not mines[i]:
            continue
        here = shapely.Point(*fwd.transform(lon, lat))
        near_any_record = False
        for n, (r_ll, r_m) in enumerate(zip(records, rec_m, strict=True)):
            fig = out.setdefault(f"MFR-{n:02d}", dict.fromkeys(FIGURES, 0))
            inside = r_ll.intersects(shapely.Point(lon, lat))
            if inside or here.distance(r_m) <= BUFFER_M:
                near_any_record = True
                fig["findings_inside" if inside else "findings_buffer"] += 1
                fig["found_ap" if category == "ap_mine" else "found_at"] += 1
        outside_findings += not near_any_record
    acc_outside = acc_unknown = 0
    for lon, lat in zip(acc_lon, acc_lat, strict=True):
        here = shapely.Point(*fwd.transform(lon, lat))
        for n, r_ll in enumerate(records):
            if r_ll.intersects(shapely.Point(lon, lat)):
                out[f"MFR-{n:02d}"]["accidents_inside"] += 1
        if all(here.distance(r) > BUFFER_M for r in rec_m):
            acc_outside += 1
            acc_unknown += all(here.distance(h) > BUFFER_M for h in haz_m)
    return {
        "records": out,
        "summary": {
            "findings": int(mines.sum()),
            "findings_outside_records": outside_findings,
            "accidents": len(ACCIDENTS),
            "accidents_outside_records": acc_outside,
            "accidents_outside_records_and_hazards": acc_unknown,
        },
    }


@pytest.fixture(scope="module")
def both(worlds: dict[str, Database]) -> dict[str, Verification]:
    made = {}
    for backend, db in worlds.items():
        with db.session() as session:
            made[backend] = verify_records(session)
    return made


@pytest.mark.parametrize("backend", ["sqlite", "postgis"])
def test_the_figures_are_those_of_every_point_against_every_record(
    both: dict[str, Verification], backend: str
) -> None:
    expected = brute_force()
    got = both[backend].as_dict()
    for key, value in expected["summary"].items():
        assert got["summary"][key] == value, key
    for record in got["records"]:
        figures = {k: record[k] for k in expected["records"][record["id"]]}
        assert figures == expected["records"][record["id"]], record["id"]


def test_sqlite_and_postgis_give_the_same_verification(both: dict[str, Verification]) -> None:
    sqlite, postgis = both["sqlite"], both["postgis"]
    assert sqlite.as_dict() == postgis.as_dict()
    for name in ("ids", "nearest", "in_hazard"):
        assert getattr(sqlite.outside, name).tolist() == getattr(postgis.outside, name).tolist()
    assert np.allclose(sqlite.outside.distance_m, postgis.outside.distance_m)
    # The band points really are there: some finds lie 49.6–50.4 m from a record.
    assert sqlite.as_dict()["summary"]["findings_outside_records"] > 0


def test_the_hazard_join_gives_the_same_in_postgis_and_in_process(
    worlds: dict[str, Database],
) -> None:
    """The spatial service's near_any: PostGIS's polygon-driven join = the in-process one."""
    with worlds["postgis"].session() as session:
        found, metric, points = _finding_points(session)
        x, y = points.x, points.y
        approved = [Hazard.approval == "approved"]
        in_db = near_any(session, Hazard, approved, points, BUFFER_M, metric)
        here = near_any(session, Hazard, approved, points, BUFFER_M, metric, in_database=False)
        plain_sql = _hazards_sql(session)
        lat = float(np.abs(found.lat).max())
        plain = postgis.outside_default_form(session, plain_sql, points.sql(session), BUFFER_M, lat)
    hazards_m = [
        shapely.transform(to_lonlat(h), lambda c: np.column_stack(metric.xy(c[:, 0], c[:, 1])))
        for h in HAZARDS
    ]
    expected = [
        any(shapely.Point(px, py).distance(h) <= BUFFER_M for h in hazards_m)
        for px, py in zip(x, y, strict=True)
    ]
    assert in_db.tolist() == here.tolist() == expected
    # The planner's form (kept for the benchmark) finds the same points outside.
    assert sorted(plain["point"].tolist()) == found.ids[~np.array(expected)].tolist()
    assert 0 < sum(expected) < len(expected)


def _finding_points(session: Session) -> tuple[Any, Metric, PointSet]:
    """Return the AP, AT and UXO finds, the metric centred on them and their point set."""
    categories = ["ap_mine", "at_mine", "uxo"]
    found = load_findings(session, categories, None, None)
    metric = Metric(float(np.mean(found.lon)), float(np.mean(found.lat)))
    x, y = metric.xy(found.lon, found.lat)
    where = finding_filter(categories, None, None)
    return found, metric, PointSet(Finding, where, found.ids, found.lon, found.lat, x, y)


def _hazards_sql(session: Session) -> str:
    query = select(Hazard.id.label("id"), literal_column("hazards.geom").label("geom"))
    return str(
        query.where(Hazard.approval == "approved").compile(
            dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}
        )
    )


def test_points_read_in_runs_of_a_few_ids_are_those_sqlite_reads(
    worlds: dict[str, Database], monkeypatch: pytest.MonkeyPatch
) -> None:
    from mineaction.domain.vocab import EO_CATEGORY

    with worlds["sqlite"].session() as session:
        expected = load_findings(session, tuple(EO_CATEGORY), None, None)
    monkeypatch.setattr(postgis, "PACK_ROWS", 7)  # a query per run of 7 ids
    with worlds["postgis"].session() as session:
        got = load_findings(session, tuple(EO_CATEGORY), None, None)
    assert len(got) == len(expected) > 14
    for name in ("ids", "lon", "lat", "category", "quantity", "day"):
        assert getattr(got, name).tolist() == getattr(expected, name).tolist()


def test_the_record_join_gives_the_same_in_postgis_and_in_process(
    worlds: dict[str, Database],
) -> None:
    """The spatial service's pairs_within: PostGIS's polygon-driven join = the in-process one."""
    from mineaction.analytics.spatial import Pairs, pairs_within, read_polygons
    from mineaction.store.tables import MinefieldRecord

    with worlds["postgis"].session() as session:
        _found, metric, points = _finding_points(session)
        shapes = read_polygons(session, MinefieldRecord, [], metric)
        in_db = pairs_within(session, shapes, points, BUFFER_M)
        here = pairs_within(session, shapes, points, BUFFER_M, in_database=False)

    def triples(p: Pairs) -> set[tuple[int, int, bool]]:
        return set(zip(p.polygon.tolist(), p.point.tolist(), p.inside.tolist(), strict=True))

    assert triples(in_db) == triples(here)
    assert 0 < int(here.inside.sum()) < len(here.point)  # points inside and in the buffer
