"""Azerbaijan's districts as shipped: names, aliases, hierarchy, lookup by position."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from shapely.geometry import shape
from sqlalchemy import func, select

from mineaction.errors import NotFoundError
from mineaction.geo import geodesic_area_m2
from mineaction.services import admin_areas
from mineaction.store.database import Database
from mineaction.store.tables import AdminArea

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "azerbaijan-adm2-geoboundaries"


@pytest.mark.parametrize(
    ("spelling", "code"),
    [
        ("Aghdam", "AZE.agdam"),
        ("Agdam", "AZE.agdam"),
        ("Ağdam rayonu", "AZE.agdam"),
        ("Qubadli", "AZE.qubadli"),
        ("Gubadli", "AZE.qubadli"),
        ("Khojavend", "AZE.khojavend"),
        ("Khojavand", "AZE.khojavend"),
        ("Lachin", "AZE.lachin"),
        ("Lacin", "AZE.lachin"),
        ("Laçın", "AZE.lachin"),
        ("Khankendi", "AZE.khankendi-city"),
        ("Xankəndi", "AZE.khankendi-city"),
        ("Fizuli", "AZE.fuzuli"),
        ("Jabrail", "AZE.jabrayil"),
        ("Kelbajar", "AZE.kalbajar"),
        ("Shusha", "AZE.shusha"),
        ("Shusha City", "AZE.shusha-city"),
        ("Terter", "AZE.tartar"),
        ("Агдам", "AZE.agdam"),
    ],
)
def test_both_spellings_of_a_district_match(session, spelling: str, code: str) -> None:
    assert admin_areas.find_area(session, spelling).code == code


def test_an_unknown_name_says_where_to_look(session) -> None:
    with pytest.raises(NotFoundError, match="Atlantis") as caught:
        admin_areas.find_area(session, "Atlantis")
    assert "admin-areas list" in (caught.value.hint or "")


def test_every_geoboundaries_feature_is_loaded_once(session) -> None:
    features = json.loads((SHARED / "aze_adm2_simplified.geojson").read_text())["features"]
    names = {f["properties"]["shapeName"] for f in features}  # Lankaran District twice
    districts = session.scalar(
        select(func.count()).select_from(AdminArea).where(AdminArea.level == "district")
    )
    assert districts == len(names) == 78
    parts = [
        shape(f["geometry"])
        for f in features
        if f["properties"]["shapeName"] == "Lankaran District"
    ]
    lankaran = admin_areas.find_area(session, "Lankaran District")
    assert lankaran.area_m2 == pytest.approx(sum(geodesic_area_m2(p) for p in parts), rel=1e-3)


def test_the_liberated_districts_sit_in_their_economic_regions(session) -> None:
    karabakh = admin_areas.find_area(session, "Karabakh")
    zangazur = admin_areas.find_area(session, "East Zangazur")
    assert admin_areas.find_area(session, "Aghdam").parent_id == karabakh.id
    assert admin_areas.find_area(session, "Zangilan").parent_id == zangazur.id
    assert karabakh.parent.code == "AZE"
    assert admin_areas.find_area(session, "Goranboy").parent.code == "AZE"


def test_district_areas_match_the_provenance_figures(session) -> None:
    # PROVENANCE.md lists areas computed from the same polygons (km²)
    expected = {
        "Aghdam": 1040,
        "Fuzuli": 1402,
        "Jabrayil": 1052,
        "Zangilan": 765,
        "Lachin": 1778,
        "Kalbajar": 2845,
        "Khankendi": 29,
    }
    for name, km2 in expected.items():
        assert admin_areas.find_area(session, name).area_m2 / 1e6 == pytest.approx(km2, rel=0.02)


def test_a_position_finds_its_district(session) -> None:
    features = json.loads((SHARED / "aze_adm2_simplified.geojson").read_text())["features"]
    for feature in features:
        name = feature["properties"]["shapeName"]
        inside = shape(feature["geometry"]).representative_point()
        assert admin_areas.area_at(session, inside.x, inside.y).name == name
    assert admin_areas.area_at(session, 30.0, 30.0) is None


def test_loading_again_changes_nothing(db: Database) -> None:
    with db.session() as s:
        before = {a.code: a.version for a in s.scalars(select(AdminArea))}
        admin_areas.load_azerbaijan(s)
    with db.session() as s:
        assert {a.code: a.version for a in s.scalars(select(AdminArea))} == before


def test_an_area_named_in_a_register_is_created_once_without_boundary(session) -> None:
    region, created = admin_areas.ensure_area(
        session, name="Nariño", level="region", parent=None, country="COL"
    )
    assert created and region.geom is None and region.code == "COL.narino"
    district, created = admin_areas.ensure_area(
        session,
        name="La Unión",
        level="district",
        parent=region,
        country="COL",
        aliases=["La Unión, Nariño"],
    )
    assert created and district.parent_id == region.id
    again, created = admin_areas.ensure_area(
        session, name="la union", level="district", parent=region, country="COL"
    )
    assert not created and again.id == district.id
    assert admin_areas.find_area(session, "La Unión, Nariño").id == district.id
