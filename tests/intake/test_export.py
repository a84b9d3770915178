"""Exporting the national database: every kind, every format, imports back as the same records.

The IM officer exports; an operator's data officer (or a second national
database) imports the file into an empty database; the records must be the
same, row for row in the canonical import columns.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyogrio
import pytest
import shapely
from openpyxl import load_workbook
from sqlalchemy import select

from mineaction.errors import ValidationError
from mineaction.intake.export import EXPORTERS, choose_format, export_kind, exporter_class
from mineaction.intake.export.base import Exporter
from mineaction.intake.export.layers import kind_layer
from mineaction.intake.kinds import KINDS
from mineaction.intake.pipeline import import_file
from mineaction.intake.readers import open_table
from mineaction.services import (
    activities,
    admin_areas,
    casualties,
    equipment,
    findings,
    hazards,
    minefield_records,
    organisations,
    programmes,
    projects,
)
from mineaction.services.status import SYNTHETIC_FACT, set_fact
from mineaction.store.database import Database
from mineaction.store.tables import Hazard, Victim
from tests.conftest import fresh_database
from tests.factories import AGDAM, metres_box

FORMATS = {"csv": ".csv", "xlsx": ".xlsx", "geojson": ".geojson", "gpkg": ".gpkg", "shp": ".zip"}
#: What each kind needs in the database it is imported into, imported first, in order.
NEEDS = {
    "organisations": [],
    "findings": ["organisations"],
    "accidents": [],
    "victims": ["accidents"],
    "land-releases": ["organisations"],
    "hazards": ["organisations"],
    "activities": ["organisations", "hazards"],
    "progress": ["organisations", "hazards", "activities"],
    "eore": ["organisations"],
    "assistance": ["organisations", "accidents", "victims"],
    "equipment": ["organisations"],
    "projects": [],
    "admin-areas": [],
    "minefield-records": [],
}
#: Kinds the empty database holds already (its districts): an export imports as unchanged.
ALREADY_THERE = {"admin-areas"}
#: A Shapefile holds one geometry type; projects mix roads (lines) and solar parks (areas).
MIXED_GEOMETRY = {"projects"}
#: The country's outline is longer than the 32,767 characters an Excel cell holds.
TOO_BIG_FOR_XLSX = {"admin-areas"}
#: A Shapefile cuts field names to 10 characters; the zip's KIND_fields.csv restores them.
CUT_BY_SHAPEFILE = {
    "accidents": "device_category",
    "victims": "accident_id",
    "hazards": "hazard_type",
    "activities": "activity_type",
    "progress": "activity_id",
    "minefield-records": "received_date",
}
HAZARD_REFERENCE = "HA-AGD-0001"
VICTIM_NAME = "Aysel Məmmədova"


def national_data(session) -> None:
    """Record what an IM officer's database holds, through the services that own the rules."""
    anama = organisations.create_organisation(
        session=session,
        code="ANAMA",
        name="Mine Action Agency of the Republic of Azerbaijan",
        type="national_authority",
        source_id="ORG-ANAMA",
    )
    halo = organisations.create_organisation(
        session=session, code="HALO", name="HALO Trust — Ağdam, Азербайджан", type="ngo"
    )
    session.flush()
    fuzuli = admin_areas.find_area(session, "Fuzuli").id
    findings.create_finding(
        session=session,
        found_date=dt.date(2024, 5, 2),
        category="at_mine",
        model="TM-62M",
        quantity=2,
        lon=46.93,
        lat=39.99,
        organisation_id=anama.id,
        source_id="F-1",
    )
    findings.create_finding(
        session=session,
        found_date=dt.date(2024, 5, 3),
        category="uxo",
        model="=122 mm shell",  # looks like a formula: must stay text
        quantity=14,
        organisation_id=halo.id,
        admin_area_id=fuzuli,
    )
    findings.create_finding(
        session=session,
        found_date=dt.date(2023, 11, 30),
        category="ap_mine",
        quantity=1,
        lon=46.931234567891234,
        lat=39.991234567891233,
    )
    known = casualties.create_accident(
        session=session,
        accident_date=dt.date(2023, 8, 14),
        accident_type="mine",
        device_category="ap_mine",
        lon=47.12,
        lat=39.61,
        source_id="ACC-1",
    )
    unplaced = casualties.create_accident(
        session=session,
        accident_date=dt.date(2023, 9, 2),
        accident_type="demining",
        device_category="uxo",
        admin_area_id=admin_areas.find_area(session, "Khojavand").id,
    )
    session.flush()
    casualties.add_victim(
        session=session,
        accident=known,
        outcome="injured",
        sex="male",
        age=34,
        group="civilian",
        source_id="V-1",
    )
    named = casualties.add_victim(
        session=session, accident=unplaced, outcome="killed", sex="female", group="deminer"
    )
    named.name = VICTIM_NAME  # personal data: never exported
    hazard = survey_hazard(session)
    hazards.release_land(
        session=session,
        method="cleared",
        release_date=dt.date(2024, 5, 2),
        organisation_id=anama.id,
        hazard_id=hazard.id,
        geom=metres_box(*AGDAM, 0, 0, 100, 200),
        source_id="R-1",
    )
    minefield_records.register_record(
        session=session,
        reference="MFR-0001",
        source="Handed over by the former adversary, 2021",
        received_date=dt.date(2021, 6, 12),
        laid_date=dt.date(1994, 5, 1),
        laying_method="hand",
        expected_ap=120,
        expected_at=40,
        notes="Rows of PMN-2 along the road; «Ağdam»",
        geom=metres_box(*AGDAM, 0, 0, 300, 200),
        source_id="MFR-0001",
    )
    minefield_records.register_record(  # registered without an id of its own
        session=session,
        reference="MFR-0002",
        source="Handed over by the former adversary, 2022",
        received_date=dt.date(2022, 3, 15),
        geom=metres_box(*AGDAM, 1000, 0, 1200, 400),
    )
    hazards.release_land(
        session=session,
        method="cancelled",
        release_date=dt.date(2024, 5, 3),
        organisation_id=halo.id,
        reported_area_m2=5000.5,
        admin_area_id=fuzuli,
    )
    session.flush()
    programmes_and_assets(session, anama.id, halo.id, fuzuli)
    operations_data(session, anama.id, halo.id, hazard.id, fuzuli)


def operations_data(session, anama: int, halo: int, hazard: int, fuzuli: int) -> None:
    """Record a second hazard, two activities and their progress reports."""
    hazards.create_hazard(
        session=session,
        reference="HA-AGD-0002",
        name="Orchard east of Kəngərli",
        hazard_type="sha",
        contamination="mixed_mines",
        geom=metres_box(*AGDAM, 1000, 0, 1300, 250),
        recorded_date=dt.date(2022, 6, 1),
        organisation_id=halo,
        evidence="informant",
        blockages=["road", "agriculture"],
        expected_beneficiaries=120,
        source_id="H-2",
    )
    team, _ = activities.team_id(
        session, organisation_id=anama, code="MC-07", capability="clearance_manual"
    )
    clearance = activities.create_activity(
        session=session,
        reference="CL-2024-0153",
        activity_type="clearance_manual",
        status="ongoing",
        organisation_id=anama,
        team_id=team,
        hazard_id=hazard,
        start_date=dt.date(2024, 4, 1),
        geom=metres_box(*AGDAM, 0, 0, 100, 200),
        source_id="A-1",
    )
    survey = activities.create_activity(
        session=session,
        reference="NTS-2024-0042",
        activity_type="nts",
        organisation_id=halo,
        start_date=dt.date(2024, 3, 1),
        end_date=dt.date(2024, 3, 20),
        admin_area_id=fuzuli,
    )
    activities.add_progress(
        session=session,
        activity_id=clearance.id,
        report_date=dt.date(2024, 4, 7),
        area_m2=1250.5,
        team_days=6,
        status="ongoing",
        depth_cm=13,
        eo_found=2,
        lon=AGDAM[0] + 0.0004,
        lat=AGDAM[1] + 0.0007,
        notes="Ağdam: 2 × PMN-2, Азербайджан",
        source_id="P-1",
    )
    activities.add_progress(
        session=session,
        activity_id=clearance.id,
        report_date=dt.date(2024, 4, 14),
        area_m2=980.0,
        team_days=5.5,
    )
    activities.add_progress(
        session=session,
        activity_id=survey.id,
        report_date=dt.date(2024, 3, 20),
        area_m2=250_000.0,
        team_days=1.0,
        status="completed",
    )
    session.flush()


def programmes_and_assets(session, anama: int, halo: int, fuzuli: int) -> None:
    """Risk education, assistance (to a victim and to a programme), equipment, projects."""
    programmes.create_eore_session(
        session=session,
        session_date=dt.date(2024, 3, 12),
        organisation_id=anama,
        method="school",
        location="Füzuli məktəbi № 1",
        lon=47.15,
        lat=39.60,
        beneficiaries={"female_child": 12, "male_child": 15, "female_adult": 2},
        source_id="EORE-1",
    )
    victim = session.scalars(select(Victim).where(Victim.source_id == "V-1")).one()
    programmes.create_assistance(
        session=session,
        assistance_date=dt.date(2024, 2, 20),
        assistance_type="rehabilitation",
        organisation_id=halo,
        victim_id=victim.id,
        notes="prosthesis fitted",
    )
    programmes.create_assistance(
        session=session,
        assistance_date=dt.date(2024, 4, 1),
        assistance_type="economic",
        organisation_id=anama,
        admin_area_id=fuzuli,
        beneficiaries={"female_adult": 7, "male_adult": 4},
        source_id="VA-2",
    )
    equipment.create_equipment(
        session=session,
        equipment_type="detector",
        model="Vallon VMH4",
        serial="VMH4-0012345",
        organisation_id=anama,
        status="destroyed",
        status_date=dt.date(2023, 6, 1),
        acquired_date=dt.date(2021, 6, 1),
        source_id="EQ-1",
    )
    equipment.create_equipment(
        session=session,
        equipment_type="machine",
        serial="MV-10-007",
        organisation_id=halo,
        status_date=dt.date(2022, 1, 10),
        notes="flail",
    )
    projects.create_project(
        session=session,
        name="Fuzuli–Hadrut road",
        project_type="road",
        priority=1,
        planned_start=dt.date.today() + dt.timedelta(days=200),
        geom="LINESTRING(47.15 39.60, 47.05 39.55)",
        source_id="PRJ-1",
    )
    projects.create_project(
        session=session,
        name="Jabrayil solar park",
        project_type="solar",
        geom=metres_box(46.95, 39.40, 0, 0, 800, 600),
    )
    session.flush()


def survey_hazard(session) -> Hazard:
    """Record the hazard the land releases are made from (hazards are not an import kind)."""
    return hazards.create_hazard(
        session=session,
        reference=HAZARD_REFERENCE,
        hazard_type="cha",
        contamination="ap_mines",
        geom=metres_box(*AGDAM, 0, 0, 200, 200),
        recorded_date=dt.date(2021, 3, 1),
    )


@pytest.fixture
def national(db: Database) -> Database:
    with db.session(actor="im-officer") as s:
        national_data(s)
    return db


@pytest.fixture
def target(db: Database, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Database]:
    """An empty national database (schema and districts only), on the same backend as ``db``."""
    folder = tmp_path / "target"
    folder.mkdir()
    yield from fresh_database("sqlite" if db.dialect == "sqlite" else "postgis", folder, request)


def rows(db: Database, kind: str) -> dict[str, dict[str, Any]]:
    """Return the canonical rows of ``kind`` keyed by the id they are exported with."""
    with db.session() as s:
        return {f.values["id"]: f.values for f in kind_layer(s, KINDS[kind]).features}


def assert_same_rows(a: dict[str, dict[str, Any]], b: dict[str, dict[str, Any]]) -> None:
    """Equal rows; decimals to 12 significant digits, polygons to 1e-9 degrees."""
    assert a.keys() == b.keys()
    for key, row in a.items():
        other = b[key]
        assert row.keys() == other.keys()
        for name, value in row.items():
            theirs = other[name]
            if isinstance(value, float) and isinstance(theirs, float):
                assert math.isclose(value, theirs, rel_tol=1e-12), (key, name)
            elif name == "geometry" and value and theirs:
                assert shapely.from_wkt(value).equals_exact(shapely.from_wkt(theirs), 1e-9)
            else:
                assert value == theirs, (key, name, value, theirs)


def import_needs(source: Database, target: Database, kind: str, tmp_path: Path) -> None:
    if kind != "hazards":  # the hazards' own round trip brings it
        with target.session() as s:
            survey_hazard(s)
    for needed in NEEDS[kind]:
        path = tmp_path / f"{needed}-needed.csv"
        export_kind(source, needed, path)
        import_file(target, needed, path)


ROUND_TRIPS = [
    pytest.param(kind, fmt, id=f"{kind}-{fmt}")
    for kind in KINDS
    for fmt in FORMATS
    if not (fmt == "shp" and kind in MIXED_GEOMETRY)
    and not (fmt == "xlsx" and kind in TOO_BIG_FOR_XLSX)
]


@pytest.mark.parametrize(("kind", "fmt"), ROUND_TRIPS)
def test_an_export_imports_into_an_empty_database_as_the_same_records(
    national: Database, target: Database, tmp_path: Path, kind: str, fmt: str
) -> None:
    path = tmp_path / f"{kind}{FORMATS[fmt]}"
    report = export_kind(national, kind, path)
    assert report.format == fmt and report.layers == {kind: len(rows(national, kind))}
    import_needs(national, target, kind, tmp_path)
    imported = import_file(target, kind, path)
    if kind in ALREADY_THERE:
        assert (imported.created, imported.unchanged) == (0, report.total)
    else:
        assert imported.created == report.total
    assert_same_rows(rows(national, kind), rows(target, kind))
    if (kind, fmt) == ("land-releases", "shp"):
        return  # see test_a_shapefile_of_land_releases_imports_again_unchanged
    again = import_file(target, kind, path)  # the file is what is stored: nothing changes
    assert (again.created, again.unchanged) == (0, report.total)


def test_a_shapefile_of_land_releases_imports_again_unchanged(
    national: Database, tmp_path: Path
) -> None:
    path = tmp_path / "land-releases.zip"
    export_kind(national, "land-releases", path)
    again = import_file(national, "land-releases", path)
    assert again.unchanged == 2


def test_an_xlsx_refuses_an_outline_longer_than_a_cell_and_says_what_holds_it(
    national: Database, tmp_path: Path
) -> None:
    with pytest.raises(ValidationError, match="more than the 32,767") as refused:
        export_kind(national, "admin-areas", tmp_path / "areas.xlsx")
    assert "GeoPackage" in (refused.value.hint or "")


def test_a_shapefile_refuses_projects_that_mix_lines_and_areas(
    national: Database, tmp_path: Path
) -> None:
    with pytest.raises(ValidationError, match="mixes line, polygon geometries") as refused:
        export_kind(national, "projects", tmp_path / "projects.zip")
    assert "GeoPackage" in (refused.value.hint or "")
    assert not (tmp_path / "projects.zip").exists()


@pytest.mark.parametrize("kind", sorted(CUT_BY_SHAPEFILE))
def test_a_shapefile_cuts_long_field_names_and_its_zip_gives_them_back(
    national: Database, tmp_path: Path, kind: str
) -> None:
    path = tmp_path / f"{kind}.zip"
    export_kind(national, kind, path)
    stem = kind.replace("-", "_")  # the layer's name, as GIS software takes it
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        fields = dict(csv.reader(io.TextIOWrapper(zf.open(f"{stem}_fields.csv"), "utf-8")))
    assert {f"{stem}{s}" for s in (".shp", ".shx", ".dbf", ".prj", ".cpg")} <= names
    column = CUT_BY_SHAPEFILE[kind]
    assert fields[column[:10]] == column
    assert column in open_table(path).columns  # read back by its full name
    names.discard(f"{stem}_fields.csv")
    without_list = tmp_path / f"{kind}-cut.zip"
    with zipfile.ZipFile(path) as zf, zipfile.ZipFile(without_list, "w") as out:
        for name in names:
            out.writestr(name, zf.read(name))
    with pytest.raises(ValidationError, match=f"no column '{column}'"):
        import_file(national, kind, without_list)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_file_says_where_its_points_are_and_keeps_lon_lat(
    national: Database, tmp_path: Path, fmt: str
) -> None:
    path = tmp_path / f"findings{FORMATS[fmt]}"
    export_kind(national, "findings", path)
    if fmt in ("csv", "xlsx"):
        return  # no geometry: lon and lat are the position (checked by the round trip)
    gdal_path = f"/vsizip/{path}/findings.shp" if fmt == "shp" else str(path)
    info = pyogrio.read_info(gdal_path)
    assert info["crs"] == "EPSG:4326" and info["geometry_type"] == "Point"
    assert {"lon", "lat"} <= set(info["fields"]) and info["features"] == 3
    _meta, _fids, wkb, _fields = pyogrio.raw.read(gdal_path)
    points = shapely.from_wkb(wkb)
    assert sum(p is None for p in points) == 1  # the finding without a position
    if fmt == "geojson":  # its lon and lat are there, as null (GDAL drops a NaN property)
        features = json.loads(path.read_text(encoding="utf-8"))["features"]
        assert [f["properties"]["lon"] is None for f in features].count(True) == 1


def test_land_releases_are_polygons_in_gis_files_and_wkt_in_tables(
    national: Database, tmp_path: Path
) -> None:
    export_kind(national, "land-releases", tmp_path / "r.gpkg")
    export_kind(national, "land-releases", tmp_path / "r.csv")
    info = pyogrio.read_info(tmp_path / "r.gpkg")
    assert info["geometry_type"] == "MultiPolygon" and "geometry" not in info["fields"]
    with (tmp_path / "r.csv").open(encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    assert table[0]["geometry"].startswith("MULTIPOLYGON") and table[1]["geometry"] == ""
    assert table[0]["hazard_id"] == HAZARD_REFERENCE


def test_victims_names_are_never_exported(national: Database, tmp_path: Path) -> None:
    with national.session() as s:
        assert VICTIM_NAME in s.scalars(select(Victim.name)).all()
    for fmt, suffix in FORMATS.items():
        path = tmp_path / f"victims{suffix}"
        export_kind(national, "victims", path)
        data = path.read_bytes()
        if fmt == "xlsx" or fmt == "shp":
            with zipfile.ZipFile(path) as zf:
                data = b"".join(zf.read(n) for n in zf.namelist())
        assert VICTIM_NAME.encode() not in data, fmt
    assert "name" not in [f.name for f in kind_layer_fields("victims")]


def kind_layer_fields(kind: str) -> list[Any]:
    return kind_layer(None, KINDS[kind]).fields  # type: ignore[arg-type]  # fields need no session


def test_a_victim_of_an_accident_without_an_id_names_it_by_its_export_id(
    national: Database, tmp_path: Path
) -> None:
    accident_ids = set(rows(national, "accidents"))
    assert {v["accident_id"] for v in rows(national, "victims").values()} <= accident_ids


def test_xlsx_has_the_records_first_then_an_about_sheet(national: Database, tmp_path: Path) -> None:
    with national.session() as s:
        set_fact(s, SYNTHETIC_FACT, "true")
    path = tmp_path / "findings.xlsx"
    report = export_kind(national, "findings", path)
    assert report.synthetic
    wb = load_workbook(path)
    assert wb.sheetnames == ["findings", "about"]
    sheet = wb["findings"]
    header = [c.value for c in sheet[1]]
    assert header == ["id", *KINDS["findings"].column_names]
    models = [row[header.index("model")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "=122 mm shell" in models  # text, not a formula
    about = dict(wb["about"].iter_rows(min_row=2, values_only=True))
    assert about["synthetic"].startswith("yes")


def test_only_approved_records_are_exported_unless_asked(
    national: Database, tmp_path: Path
) -> None:
    with national.session() as s:
        findings.create_finding(
            session=s,
            found_date=dt.date(2024, 6, 1),
            category="ied",
            quantity=1,
            lon=46.94,
            lat=39.98,
            source_id="F-DRAFT",
            approval="draft",
        )
    assert export_kind(national, "findings", tmp_path / "a.csv").total == 3
    assert export_kind(national, "findings", tmp_path / "b.csv", include_unapproved=True).total == 4


def test_an_empty_kind_is_an_empty_file_with_its_columns(db: Database, tmp_path: Path) -> None:
    for fmt, suffix in FORMATS.items():
        report = export_kind(db, "accidents", tmp_path / f"none{suffix}")
        assert report.total == 0, fmt
    assert (tmp_path / "none.csv").read_text().strip() == "id," + ",".join(
        KINDS["accidents"].column_names
    )
    assert pyogrio.read_info(tmp_path / "none.gpkg")["features"] == 0


def test_a_file_is_replaced_whole_and_no_partial_file_is_left(
    national: Database, tmp_path: Path
) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    path = folder / "findings.gpkg"
    path.write_text("an old file")
    export_kind(national, "findings", path)
    assert pyogrio.read_info(path)["features"] == 3
    assert sorted(p.name for p in folder.iterdir()) == ["findings.gpkg"]


def test_a_shapefile_says_when_it_cut_a_long_text(db: Database, tmp_path: Path) -> None:
    long_name = "Национальное агентство Азербайджанской Республики по разминированию " * 3
    with db.session() as s:
        organisations.create_organisation(
            session=s, code="LONG", name=long_name[:200], type="national_authority"
        )
    report = export_kind(db, "organisations", tmp_path / "orgs.zip")
    assert report.notes and "254 bytes" in report.notes[0]


@pytest.mark.parametrize(
    ("name", "explicit", "says"),
    [
        ("out.txt", None, "names no export format"),
        ("out", None, "has no extension"),
        ("out.shp", None, "written as one zip"),
        ("out.csv", "pdf", "is not an export format"),
    ],
)
def test_it_refuses_a_format_it_cannot_tell_or_write(
    name: str, explicit: str | None, says: str
) -> None:
    with pytest.raises(ValidationError, match=says) as refused:
        choose_format(Path(name), explicit)
    assert refused.value.hint and ".zip" in refused.value.hint


def test_every_format_is_an_exporter_loaded_by_name() -> None:
    for name in EXPORTERS:
        cls = exporter_class(name)
        assert issubclass(cls, Exporter) and cls.name == name
        assert all(choose_format(Path(f"x{ext}")) == name for ext in cls.extensions)


def test_it_refuses_a_kind_it_does_not_know(db: Database, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="not a kind of record that can be exported"):
        export_kind(db, "nts", tmp_path / "h.csv")  # import-only: its records export as others
