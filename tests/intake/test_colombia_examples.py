"""The worked examples of docs/examples/ import Colombia's real registers without edits.

Each test imports the published file as it is, through the example's mapping,
and checks the database against totals counted here straight from the raw
CSV with the csv module, not through the mapping code.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from mineaction.analytics.reports import ReportParams, compute_report
from mineaction.intake.mapping import load_mapping
from mineaction.intake.pipeline import import_file
from mineaction.store.database import Database
from mineaction.store.tables import Accident, AdminArea, Finding, LandRelease, Victim
from tests.factories import operator

DATA = Path(__file__).parents[3] / "shared" / "data"
EXAMPLES = Path(__file__).parents[2] / "docs" / "examples"
VICTIMS = DATA / "colombia-map-muse-victims" / "situacion_victimas_map_20240103.csv"
DEMINING = DATA / "colombia-humanitarian-demining" / "desminado_humanitario_2005_2014.csv"
EVENTS = DATA / "colombia-map-muse-events" / "eventos_map_muse_1990_2019.csv"


def raw(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def year(text: str) -> int:
    return int(text.replace(",", ""))


def months(dates: list) -> Counter:
    return Counter((d.year, d.month) for d in dates)


@pytest.mark.slow
def test_the_victims_register_imports_as_accidents_and_victims(db: Database) -> None:
    rows = raw(VICTIMS)
    # At source `condicion` is the group, `genero` the outcome and `estado` the sex.
    group = {"Fuerza pública": "military", "Civil": "civilian"}
    outcome = {"Herido": "injured", "Muerto": "killed"}
    sex = {"Hombre": "male", "Mujer": "female", "Sin Información": "unknown"}
    expected = Counter((group[r["condicion"]], outcome[r["genero"]]) for r in rows)
    assert expected == {
        ("military", "injured"): 5_897,
        ("military", "killed"): 1_457,
        ("civilian", "injured"): 4_116,
        ("civilian", "killed"): 894,
    }
    accidents = import_file(
        db, "accidents", VICTIMS, mapping=load_mapping(EXAMPLES / "colombia-victims/accidents.yaml")
    )
    victims = import_file(
        db, "victims", VICTIMS, mapping=load_mapping(EXAMPLES / "colombia-victims/victims.yaml")
    )
    assert accidents.created == victims.created == len(rows) == 12_364
    with db.session() as s:
        stored = Counter(tuple(r) for r in s.execute(select(Victim.victim_group, Victim.outcome)))
        assert stored == expected
        assert Counter(s.scalars(select(Victim.sex))) == Counter(sex[r["estado"]] for r in rows)
        assert months(list(s.scalars(select(Accident.accident_date)))) == Counter(
            (year(r["ano"]), int(r["mes"])) for r in rows
        )
        assert set(s.scalars(select(Accident.date_precision))) == {"month"}
        assert s.scalar(select(func.count()).where(Accident.admin_area_id.is_(None))) == 0
        districts = s.scalar(
            select(func.count()).where(AdminArea.country == "COL", AdminArea.level == "district")
        )
        assert districts == len({(r["departamento"], r["municipio"]) for r in rows})
        demining = s.scalar(select(func.count()).where(Accident.accident_type == "demining"))
        assert demining == sum(r["Actividad"] == "Labores de desminado" for r in rows)
        # The casualties report over the whole register says what the raw rows say.
        years = [year(r["ano"]) for r in rows]
        whole = ReportParams(dt.date(min(years), 1, 1), dt.date(max(years), 12, 31))
        report = compute_report(session=s, name="casualties", params=whole)
    assert report["by_group"]["military"] == {"injured": 5_897, "killed": 1_457}
    assert report["by_group"]["civilian"] == {"injured": 4_116, "killed": 894}
    assert report["totals"]["victims"] == len(rows)
    assert report["by_sex"] == {k: Counter(sex[r["estado"]] for r in rows)[k] for k in sex.values()}


def test_the_demining_returns_import_as_land_cleared_and_devices_found(db: Database) -> None:
    rows = raw(DEMINING)
    with db.session() as s:
        operator(s, "CO-AICMA")
    releases = load_mapping(EXAMPLES / "colombia-demining/land-releases.yaml")
    found = load_mapping(EXAMPLES / "colombia-demining/findings.yaml")
    import_file(db, "land-releases", DEMINING, mapping=releases)
    import_file(db, "findings", DEMINING, mapping=found)
    cleared = [r for r in rows if float(r["areadespejada"]) > 0]
    with db.session() as s:
        total_m2 = s.scalar(select(func.sum(LandRelease.reported_area_m2)))
        assert total_m2 == pytest.approx(sum(float(r["areadespejada"]) for r in rows))
        assert round(total_m2) == 2_170_631
        assert months(list(s.scalars(select(LandRelease.release_date)))) == Counter(
            (int(r["ano"]), int(r["mes"])) for r in cleared
        )
        assert set(s.scalars(select(LandRelease.date_precision))) == {"month"}
        assert set(s.scalars(select(LandRelease.method))) == {"cleared"}
        by_category = dict(
            s.execute(
                select(Finding.category, func.sum(Finding.quantity)).group_by(Finding.category)
            ).all()
        )
        assert set(s.scalars(select(Finding.date_precision))) == {"month"}
        assert s.scalar(select(func.min(Finding.quantity))) >= 1
    assert by_category == {
        "ap_mine": sum(int(r["map"]) for r in rows),
        "uxo": sum(int(r["muse"]) for r in rows),
        "ied": sum(int(r["aei"]) for r in rows),
    }
    assert by_category == {"ap_mine": 3_871, "uxo": 494, "ied": 641}
    # The operations report over the whole period gives the returns' totals.
    years = [int(r["ano"]) for r in rows]
    whole = ReportParams(dt.date(min(years), 1, 1), dt.date(max(years), 12, 31))
    with db.session() as s:
        totals = compute_report(session=s, name="operations", params=whole)["totals"]
    assert totals["area_cleared_ha"] == round(2_170_631 / 10_000, 1)
    assert (totals["ap_mines"], totals["uxo"], totals["ieds"]) == (3_871, 494, 641)
    again = import_file(db, "findings", DEMINING, mapping=found)
    assert again.created == 0
    assert again.unchanged == sum(int(r[c]) > 0 for r in rows for c in ("map", "muse", "aei"))


@pytest.mark.slow
def test_the_geocoded_events_import_as_accidents_and_findings_by_type(db: Database) -> None:
    rows = raw(EVENTS)
    by_code = Counter(r["tipo_evento_code"] for r in rows)
    import_file(
        db, "accidents", EVENTS, mapping=load_mapping(EXAMPLES / "colombia-events/accidents.yaml")
    )
    import_file(
        db, "findings", EVENTS, mapping=load_mapping(EXAMPLES / "colombia-events/findings.yaml")
    )
    with db.session() as s:
        accidents = Counter(s.scalars(select(Accident.device_category)))
        found = Counter(s.scalars(select(Finding.category)))
        accident_years = Counter(d.year for d in s.scalars(select(Accident.accident_date)))
        precisions = set(s.scalars(select(Accident.date_precision))) | set(
            s.scalars(select(Finding.date_precision))
        )
        unplaced = s.scalar(select(func.count()).where(Finding.geom.is_(None)))
    assert (
        accidents
        == {"ap_mine": by_code["1"], "uxo": by_code["2"]}
        == {
            "ap_mine": 6_667,
            "uxo": 242,
        }
    )
    assert found == {"ap_mine": by_code["4"], "uxo": by_code["6"]} == {"ap_mine": 24_136, "uxo": 44}
    assert accident_years == Counter(
        int(r["year"]) for r in rows if r["tipo_evento_code"] in ("1", "2")
    )
    assert precisions == {"year"} and unplaced == 0
