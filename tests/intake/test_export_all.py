"""`export all`: one GeoPackage that QGIS opens, and the `mineaction export` command."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyogrio
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pyogrio import raw

from mineaction.domain.vocab import EO_CATEGORY
from mineaction.intake.export import export_all, export_kind
from mineaction.intake.pipeline import import_file
from mineaction.services import admin_areas, findings, organisations
from mineaction.services.status import SYNTHETIC_FACT, set_fact
from mineaction.store.database import Database
from tests.conftest import fresh_database
from tests.intake.test_export import assert_same_rows, national_data, rows

LAYERS = {
    "organisations": 2,
    "findings": 3,
    "accidents": 2,
    "victims": 2,
    "land_releases": 2,
    "eore": 1,
    "assistance": 2,
    "equipment": 2,
    "projects": 2,
    "minefield_records": 2,
    "hazards": 2,
    "hazards_remaining": 2,
    "activities": 2,
    "progress": 3,
}


@pytest.fixture
def national(db: Database) -> Database:
    with db.session(actor="im-officer") as s:
        national_data(s)
        set_fact(s, SYNTHETIC_FACT, "true")
    return db


def test_export_all_is_one_geopackage_qgis_opens_layer_by_layer(
    national: Database, tmp_path: Path
) -> None:
    path = tmp_path / "national.gpkg"
    report = export_all(national, path)
    assert report.synthetic
    layers = {str(name): kind for name, kind in pyogrio.list_layers(path)}
    assert set(layers) == {*LAYERS, "admin_areas", "mineaction_about"}
    assert layers["projects"] == "Unknown"  # roads are lines, solar parks areas
    for name, count in LAYERS.items():
        info = pyogrio.read_info(path, layer=name)
        assert info["features"] == count, name
        if info["geometry_type"] is not None:
            assert info["crs"] == "EPSG:4326", name
        raw.read(path, layer=name)  # every feature reads
    assert layers["victims"] is None and layers["organisations"] is None  # plain tables
    assert layers["findings"] == "Point" and layers["land_releases"] == "MultiPolygon"
    areas = pyogrio.read_info(path, layer="admin_areas")
    assert areas["features"] > 60 and areas["geometry_type"] == "MultiPolygon"
    assert list(areas["fields"]) == [
        "id",
        "code",
        "name",
        "level",
        "parent",
        "country",
        "name_az",
        "name_ru",
        "aliases",
    ]
    hazard = raw.read(path, layer="hazards_remaining")
    assert list(hazard[0]["fields"]) == [
        "reference",
        "hazard_type",
        "contamination",
        "status",
        "area_ha",
        "released_ha",
        "remaining_ha",
    ]
    _meta, _fids, _geoms, (keys, values) = raw.read(path, layer="mineaction_about")
    about = dict(zip(keys, values, strict=True))
    assert about["synthetic"].startswith("yes") and about["features:findings"] == "3"
    description = pyogrio.read_info(path, layer="findings")["layer_metadata"]["DESCRIPTION"]
    assert description.startswith("SYNTHETIC DEMO DATA")  # QGIS shows it in the layer's info


def test_a_layer_of_export_all_imports_back_with_layer(
    national: Database, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    path = tmp_path / "national.gpkg"
    export_all(national, path)
    folder = tmp_path / "target"
    folder.mkdir()
    backend = "sqlite" if national.dialect == "sqlite" else "postgis"
    for target in fresh_database(backend, folder, request):
        import_file(target, "accidents", path, layer="accidents")
        import_file(target, "victims", path, layer="victims")
        assert_same_rows(rows(national, "victims"), rows(target, "victims"))


def test_export_all_refuses_a_file_that_is_not_a_geopackage(db: Database, tmp_path: Path) -> None:
    with pytest.raises(Exception, match="one GeoPackage"):
        export_all(db, tmp_path / "national.csv")


# --- the command ------------------------------------------------------------------


def test_the_command_exports_a_kind_in_the_format_of_its_extension(
    national: Database, tmp_path: Path, run
) -> None:
    path = tmp_path / "findings.geojson"
    result = run("export", "findings", str(path), "-d", national.url)
    assert result.code == 0, result.err
    assert "3 findings written (geojson)" in result.out and "synthetic" in result.err
    assert pyogrio.read_info(path)["features"] == 3


def test_the_command_takes_a_format_and_all(national: Database, tmp_path: Path, run) -> None:
    assert (
        run("export", "victims", str(tmp_path / "v.dat"), "-f", "csv", "-d", national.url).code == 0
    )
    assert (tmp_path / "v.dat").read_text().startswith("id,accident_id")
    result = run("export", "all", str(tmp_path / "all.gpkg"), "-d", national.url, "--json")
    assert result.code == 0 and '"land-releases": 2' in result.out


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["findings", "out.pdf"], "names no export format"),
        (["findings", "out.csv", "--format", "kml"], "not an export format"),
        (["nts", "out.csv"], "not a kind of record that can be exported"),
        (["all", "out.xlsx"], "one GeoPackage"),
        (["findings", "no/such/folder/out.csv"], "does not exist"),
    ],
)
def test_the_command_refuses_with_a_sentence_not_a_traceback(
    db: Database, tmp_path: Path, run, args: list[str], says: str
) -> None:
    args = [args[0], str(tmp_path / args[1]), *args[2:]]
    result = run("export", *args, "-d", db.url)
    assert result.code in (1, 2)
    assert says in " ".join(result.err.split()) and "Traceback" not in result.err


# --- property: any findings survive export and import -----------------------------

finding = st.fixed_dictionaries(
    {
        "found_date": st.dates(dt.date(2020, 11, 10), dt.date(2024, 12, 31)),
        "category": st.sampled_from(sorted(EO_CATEGORY)),
        "quantity": st.integers(1, 5000),
        "model": st.one_of(
            st.none(),
            st.text("ABCDEFGHIKLMNOPRSTUVZ-0123456789 ", min_size=1, max_size=12)
            .map(str.strip)
            .filter(bool),
        ),
        "lon": st.floats(46.85, 47.05, allow_nan=False),
        "lat": st.floats(39.93, 40.05, allow_nan=False),
    }
)


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    records=st.lists(finding, min_size=1, max_size=6), suffix=st.sampled_from([".csv", ".geojson"])
)
def test_any_findings_in_agdam_export_and_import_as_the_same_rows(
    records: list[dict],
    suffix: str,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> None:
    source_dir = tmp_path_factory.mktemp("source")
    target_dir = tmp_path_factory.mktemp("target")
    for source in fresh_database("sqlite", source_dir, request):
        with source.session() as s:
            anama = organisations.create_organisation(
                session=s, code="ANAMA", name="ANAMA", type="national_authority"
            )
            s.flush()
            for record in records:
                area = admin_areas.area_at(s, record["lon"], record["lat"])
                assume(area is not None and area.name.startswith("Agdam"))
                findings.create_finding(session=s, organisation_id=anama.id, **record)
        orgs, path = source_dir / "orgs.csv", source_dir / f"findings{suffix}"
        export_kind(source, "organisations", orgs)
        export_kind(source, "findings", path)
        for target in fresh_database("sqlite", target_dir, request):
            import_file(target, "organisations", orgs)
            assert import_file(target, "findings", path).created == len(records)
            assert_same_rows(rows(source, "findings"), rows(target, "findings"))
