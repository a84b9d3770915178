"""The national IM officer verifies the minefield records against what was found.

One small world is built once per backend, in metres east/north of a spot in
Aghdam, where each record's class is plain from the geometry:

- MFR-A lies inside a cleared strip covering 80 % of it; four AP mines were
  found well inside it: accurate.
- MFR-B was cleared whole and nothing was found within 50 m: inaccurate.
- MFR-C was never worked; one AP mine was found in it in 2020: unverified
  when the period starts in 2021, partially accurate (too little worked)
  when every year counts.
- MFR-D was cleared whole; one mine lay inside it and three just beyond its
  east edge (30 m out): partially accurate, the map is misplaced.

Outside every record: one AP mine 1,800 m east of MFR-D, and three mines
close together far from every hazard (a proposed suspected area).  Three AP
mine accidents: one inside MFR-A, one in a hazard but outside every record,
one outside everything.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyogrio
import pytest
import shapely
from pyproj import Geod
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mineaction.analytics.verification import (
    SUMMARY_KEYS,
    Rules,
    Verification,
    load_rules,
    verify_records,
)
from mineaction.analytics.verification.spatial import worked_polygons
from mineaction.errors import ValidationError
from mineaction.geo import geodesic_area_m2
from mineaction.services import casualties, findings, hazards, minefield_records
from mineaction.store.database import Database
from mineaction.store.tables import Finding, Hazard
from tests.conftest import BACKENDS, fresh_database
from tests.factories import AGDAM, metres_box, operator

GEOD = Geod(ellps="WGS84")
M_LAT = 111_132.0


def at(east: float, north: float) -> tuple[float, float]:
    """Return lon/lat of the point ``east``/``north`` metres from the origin (as metres_box)."""
    import math

    lon0, lat0 = AGDAM
    return lon0 + east / (111_320.0 * math.cos(math.radians(lat0))), lat0 + north / M_LAT


def box(w: float, s: float, e: float, n: float):
    return metres_box(*AGDAM, w, s, e, n)


RECORDS = {
    "MFR-A": (box(0, 0, 200, 200), 10, 0),
    "MFR-B": (box(1000, 0, 1200, 200), 20, 5),
    "MFR-C": (box(2000, 0, 2200, 200), 15, 0),
    "MFR-D": (box(3000, 0, 3200, 200), 8, 0),
}
CLEARED = {
    "MFR-A": box(0, 0, 200, 160),
    "MFR-B": box(1000, 0, 1200, 200),
    "MFR-D": box(3000, 0, 3200, 200),
}
HAZARDS = [box(0, 0, 400, 400), box(1000, 0, 1400, 400), box(3000, 0, 3400, 400)]
RECENT = dt.date(2023, 5, 1)
MINES = [  # (east, north, category, date)
    *((x, y, "ap_mine", RECENT) for x, y in ((50, 50), (100, 100), (150, 50), (50, 150))),
    (120, 120, "uxo", RECENT),  # not a mine: does not count for the record
    (2100, 100, "ap_mine", dt.date(2020, 5, 1)),
    (3100, 100, "ap_mine", RECENT),
    *((3230, y, "ap_mine", RECENT) for y in (50, 100, 150)),
    (5000, 0, "ap_mine", RECENT),
    *((x, y, "at_mine", RECENT) for x, y in ((8000, 8000), (8100, 8000), (8000, 8100))),
]
ACCIDENTS = [(20, 20), (350, 350), (5000, 500)]


@pytest.fixture(scope="module", params=BACKENDS)
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    databases = fresh_database(request.param, tmp_path_factory.mktemp("verify"), request)
    db = next(databases)
    with db.session(actor="test") as session:
        org = operator(session)
        made = []
        for n, shape in enumerate(HAZARDS):
            made.append(
                hazards.create_hazard(
                    session=session,
                    reference=f"HA-V{n}",
                    hazard_type="cha",
                    contamination="ap_mines",
                    geom=shape,
                    recorded_date=dt.date(2021, 3, 1),
                )
            )
        for reference, (shape, ap, at_) in RECORDS.items():
            minefield_records.register_record(
                session=session,
                reference=reference,
                source="Handed over in 2021",
                received_date=dt.date(2021, 6, 1),
                geom=shape,
                expected_ap=ap,
                expected_at=at_,
            )
        for shape in CLEARED.values():
            hazard = next(h for h in made if h.geom.contains(shape.buffer(-1e-7)))
            hazards.release_land(
                session=session,
                method="cleared",
                release_date=dt.date(2023, 6, 1),
                organisation_id=org.id,
                hazard_id=hazard.id,
                geom=shape,
            )
        for east, north, category, day in MINES:
            lon, lat = at(east, north)
            findings.create_finding(
                session=session, found_date=day, category=category, lon=lon, lat=lat
            )
        for east, north in ACCIDENTS:
            lon, lat = at(east, north)
            casualties.create_accident(
                session=session,
                accident_date=RECENT,
                accident_type="mine",
                device_category="ap_mine",
                lon=lon,
                lat=lat,
            )
    yield db
    next(databases, None)


@pytest.fixture(scope="module")
def verified(world: Database) -> Iterator[Verification]:
    with world.session() as session:
        yield verify_records(session, start=dt.date(2021, 1, 1))


def by_id(v: Verification) -> dict[str, dict]:
    return {r["id"]: r for r in v.as_dict()["records"]}


def test_each_record_gets_the_class_its_geometry_makes_plain(verified: Verification) -> None:
    classes = {k: r["class"] for k, r in by_id(verified).items()}
    assert classes == {
        "MFR-A": "accurate",
        "MFR-B": "inaccurate",
        "MFR-C": "unverified",
        "MFR-D": "partially_accurate",
    }


def test_the_coverage_share_is_the_part_of_the_record_cleared(verified: Verification) -> None:
    records = by_id(verified)
    for reference, (shape, _ap, _at) in RECORDS.items():
        cleared = CLEARED.get(reference)
        expected = 0.0 if cleared is None else geodesic_area_m2(cleared) / geodesic_area_m2(shape)
        assert records[reference]["coverage_share"] == pytest.approx(expected, abs=1e-3)
    assert records["MFR-A"]["coverage_share"] == pytest.approx(0.8, abs=0.01)


def test_findings_are_counted_inside_and_in_the_buffer(verified: Verification) -> None:
    a, d = by_id(verified)["MFR-A"], by_id(verified)["MFR-D"]
    assert (a["findings_inside"], a["findings_buffer"], a["found_ap"], a["found_at"]) == (
        4,
        0,
        4,
        0,
    )
    assert (d["findings_inside"], d["findings_buffer"], d["found_ap"]) == (1, 3, 4)
    assert a["accidents_inside"] == 1
    assert "misplaced" in d["reason"]
    assert "no mine was found" in by_id(verified)["MFR-B"]["reason"]


def test_the_national_picture_counts_what_lies_outside(verified: Verification) -> None:
    s = verified.as_dict()["summary"]
    # Mines of the period: 4 in A, 1 + 3 at D, 1 far east, 3 in the cluster (the UXO and
    # the 2020 mine do not count).
    assert s["findings"] == 12
    assert s["findings_outside_records"] == 4
    assert (s["accidents"], s["accidents_outside_records"]) == (3, 2)
    assert s["accidents_outside_records_share"] == pytest.approx(2 / 3, abs=1e-4)
    assert s["accidents_outside_records_and_hazards"] == 1
    assert (s["records"], s["verified"], s["accurate"], s["unverified"]) == (4, 3, 1, 1)
    assert s["accurate_share"] == pytest.approx(1 / 3, abs=1e-4)


def test_each_outside_finding_knows_its_distance_to_the_nearest_record(
    verified: Verification,
) -> None:
    o = verified.outside
    assert set(o.nearest[o.kind == "finding"]) == {"MFR-D"}  # every one is east of it
    finds = [i for i in range(len(o)) if o.kind[i] == "finding"]
    i = min(finds, key=lambda k: o.distance_m[k])  # the mine 1,800 m east of MFR-D
    corner = at(3200, 0)  # the nearest point of MFR-D: its south-east corner
    _, _, metres = GEOD.inv(float(o.lon[i]), float(o.lat[i]), *corner)
    assert o.distance_m[i] == pytest.approx(metres, rel=2e-3)


def test_a_cluster_outside_every_hazard_is_proposed_for_survey(verified: Verification) -> None:
    (proposal,) = verified.as_dict()["proposed_areas"]
    assert (proposal["findings"], proposal["mines"], proposal["accidents"]) == (3, 3, 0)
    assert proposal["district"] is not None
    assert proposal["id"] == "PROPOSED-SHA-001"
    for east, north in ((8000, 8000), (8100, 8000), (8000, 8100)):
        from shapely.geometry import Point

        assert verified.proposed[0].geom.contains(Point(at(east, north)))


def test_the_json_has_exactly_the_documented_keys(verified: Verification) -> None:
    data = verified.as_dict()
    assert list(data) == [
        "summary",
        "records",
        "parameters",
        "outside_distances",
        "proposed_areas",
    ]
    assert tuple(data["summary"]) == SUMMARY_KEYS
    assert list(data["records"][0]) == [
        "id",
        "class",
        "coverage_share",
        "expected_ap",
        "expected_at",
        "found_ap",
        "found_at",
        "findings_inside",
        "findings_buffer",
        "accidents_inside",
        "reason",
    ]
    for record in data["records"]:
        assert 0.0 <= record["coverage_share"] <= 1.0
    json.dumps(data)  # JSON-ready as it is


def test_every_year_counts_without_a_period(world: Database) -> None:
    with world.session() as session:
        v = verify_records(session)
    c = by_id(v)["MFR-C"]
    assert c["findings_inside"] == 1
    assert c["class"] == "partially_accurate"
    assert "surveyed or cleared" in c["reason"]


def test_a_wider_buffer_takes_in_more_and_a_narrower_one_less(world: Database) -> None:
    with world.session() as session:
        narrow = verify_records(session, start=dt.date(2021, 1, 1), rules=Rules(buffer_m=10))
    d = by_id(narrow)["MFR-D"]
    assert (d["findings_inside"], d["findings_buffer"]) == (1, 0)
    assert narrow.as_dict()["summary"]["findings_outside_records"] == 7


def test_it_refuses_a_period_that_ends_before_it_starts(world: Database) -> None:
    with world.session() as session, pytest.raises(ValidationError, match="starts"):
        verify_records(session, start=dt.date(2024, 1, 1), end=dt.date(2023, 1, 1))


def test_rules_come_from_a_yaml_file_and_refuse_unknown_names(tmp_path: Path) -> None:
    good = tmp_path / "rules.yaml"
    good.write_text("min_coverage: 0.3\nbuffer_m: 75\ntypes_must_match: true\n")
    rules = load_rules(good)
    assert (rules.min_coverage, rules.buffer_m, rules.types_must_match) == (0.3, 75.0, True)
    bad = tmp_path / "bad.yaml"
    bad.write_text("min_coverag: 0.3\n")
    with pytest.raises(ValidationError, match="min_coverag"):
        load_rules(bad)
    with pytest.raises(ValidationError, match="between 0 and 1"):
        Rules(min_coverage=1.5)


def test_the_officer_verifies_from_the_command_line_in_every_format(
    world: Database, run, tmp_path: Path
) -> None:
    result = run("records", "verify", "-d", world.url, "--from", "2021-01-01", "-f", "json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["summary"]["accurate"] == 1
    gpkg = tmp_path / "verification.gpkg"
    result = run("records", "verify", "-d", world.url, "-f", "gpkg", "-o", str(gpkg))
    assert result.code == 0, result.err
    layers = {name for name, _ in pyogrio.list_layers(gpkg)}
    assert {"record_verification", "outside_records", "proposed_areas", "layer_styles"} <= layers
    meta = pyogrio.read_info(gpkg, layer="record_verification")
    assert meta["features"] == 4
    html = tmp_path / "verification.html"
    result = run("records", "verify", "-d", world.url, "-f", "html", "-o", str(html))
    assert result.code == 0, result.err
    assert "MFR-D" in html.read_text(encoding="utf-8")
    result = run("records", "verify", "-d", world.url, "-f", "gpkg")
    assert result.code != 0 and "--output" in (result.err + result.out)


def test_the_worked_land_of_many_boxes_is_that_of_each_box_alone(world: Database) -> None:
    # More boxes than one query of the SQLite path takes: every box gets the same
    # polygons, in the same order, as when asked alone.
    with world.session() as session:
        shapes = [shape for shape, _ap, _at in RECORDS.values()]
        boxes = [s.bounds for s in shapes] * 300
        many = worked_polygons(session, boxes, None)
        alone = [worked_polygons(session, [b], None)[0] for b in boxes[: len(shapes)]]
    assert len(many) == len(boxes)
    assert any(alone)
    for k, found in enumerate(many):
        assert [g.wkb for g in found] == [g.wkb for g in alone[k % len(shapes)]]
        for g in found:
            assert shapely.intersects(shapely.box(*g.bounds), shapely.box(*boxes[k]))


def test_a_verification_sees_what_its_own_transaction_has_just_written(world: Database) -> None:
    # On PostGIS the polygons are read in a second connection with this one's snapshot,
    # unless this transaction has written: then all in this one, to see its own rows.
    with world.session(actor="test") as session:
        lon, lat = at(1100, 100)  # inside MFR-B, cleared whole with nothing found
        findings.create_finding(
            session=session, found_date=RECENT, category="ap_mine", lon=lon, lat=lat
        )
        session.flush()
        session.execute(update(Finding).values(approval="approved"))
        hazards.create_hazard(
            session=session,
            reference="HA-V9",
            hazard_type="sha",
            contamination="ap_mines",
            geom=box(8000, 8000, 8100, 8100),  # over the three AT mines far from every hazard
            recorded_date=RECENT,
        )
        session.execute(update(Hazard).values(approval="approved"))
        v = verify_records(session, start=dt.date(2021, 1, 1))
        session.rollback()
    assert by_id(v)["MFR-B"]["findings_inside"] == 1
    assert v.proposed == []


def test_a_verification_reads_the_same_with_a_sibling_as_without(
    world: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A fresh session gets a sibling on either backend; an SQLite session that has read
    # already gets none and reads everything itself: the answers must not differ.
    from mineaction.analytics.verification import engine

    given: list[bool] = []
    real = engine.sibling_session

    @contextmanager
    def spied(session: Session) -> Iterator[Session | None]:
        with real(session) as sibling:
            given.append(sibling is not None)
            yield sibling

    monkeypatch.setattr(engine, "sibling_session", spied)
    with world.session() as session:
        beside = verify_records(session, start=dt.date(2021, 1, 1))
    with world.session() as session:
        session.execute(select(Finding.id).limit(1)).all()  # it has read
        alone = verify_records(session, start=dt.date(2021, 1, 1))
    assert given == [True, world.dialect == "postgresql"]
    assert json.dumps(beside.as_dict()) == json.dumps(alone.as_dict())
    assert beside.outside.ids.tolist() == alone.outside.ids.tolist()
    assert beside.outside.distance_m.tolist() == alone.outside.distance_m.tolist()
