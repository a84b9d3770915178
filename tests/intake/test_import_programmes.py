"""Risk education, assistance, equipment, projects and administrative areas, imported."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from mineaction.intake.pipeline import ImportRefused, import_file
from mineaction.store.database import Database
from mineaction.store.tables import (
    AdminArea,
    Assistance,
    EORESession,
    Equipment,
    Finding,
    Project,
)
from tests.factories import operator
from tests.intake.test_import import findings_file, write_csv

EORE_HEADER = ["id", "date", "operator", "method", "district", "location", "lon", "lat"]
COUNTS = ["female_child", "male_child", "female_adult", "male_adult"]
EQUIPMENT_HEADER = ["id", "equipment_type", "model", "serial", "operator", "status", "status_date"]


def test_a_risk_education_session_counts_its_beneficiaries_by_sex_and_age(
    db: Database, tmp_path: Path
) -> None:
    with db.session() as s:
        operator(s)
    path = write_csv(
        tmp_path / "eore.csv",
        EORE_HEADER + COUNTS,
        [
            [
                "E-1",
                "2024-03-12",
                "ANAMA",
                "school",
                "",
                "Füzuli məktəbi",
                47.15,
                39.60,
                12,
                15,
                2,
                0,
            ],
            ["E-2", "2024-03-13", "ANAMA", "community", "Aghdam", "Quzanlı", "", "", 0, 0, 9, 11],
        ],
    )
    assert import_file(db, "eore", path).created == 2
    with db.session() as s:
        sessions = {e.source_id: e for e in s.scalars(select(EORESession))}
        assert sessions["E-1"].beneficiaries_total == 29
        assert sessions["E-1"].admin_area_id is not None  # from the position: Fuzuli
        assert sessions["E-2"].male_adult == 11 and sessions["E-2"].female_elderly == 0


def test_a_session_with_nobody_counted_or_a_negative_count_is_refused(
    db: Database, tmp_path: Path
) -> None:
    with db.session() as s:
        operator(s)
    path = write_csv(
        tmp_path / "eore.csv",
        EORE_HEADER + COUNTS,
        [
            ["E-1", "2024-03-12", "ANAMA", "school", "Fuzuli", "school", "", "", 0, 0, 0, 0],
            ["E-2", "2024-03-12", "ANAMA", "schol", "Fuzuli", "school", "", "", -3, 1, 0, 0],
        ],
    )
    with pytest.raises(ImportRefused) as refused:
        import_file(db, "eore", path)
    found = {(p.row, p.field): p for p in refused.value.problems}
    assert "at least one beneficiary" in found[(2, "female_child")].reason
    assert "cannot be negative" in found[(3, "female_child")].reason
    assert "Did you mean 'school'" in (found[(3, "method")].hint or "")


def test_assistance_serves_a_victim_or_a_programme_never_nobody(
    db: Database, tmp_path: Path
) -> None:
    with db.session() as s:
        operator(s)
    accidents = write_csv(
        tmp_path / "accidents.csv",
        ["id", "date", "lon", "lat", "district", "device_category", "accident_type"],
        [["ACC-1", "2023-08-14", 47.12, 39.61, "", "ap_mine", "mine"]],
    )
    victims = write_csv(
        tmp_path / "victims.csv",
        ["id", "accident_id", "sex", "age", "group", "outcome"],
        [["V-1", "ACC-1", "male", 34, "civilian", "injured"]],
    )
    import_file(db, "accidents", accidents)
    import_file(db, "victims", victims)
    header = ["id", "date", "operator", "assistance_type", "victim_id", "female_adult", "notes"]
    path = write_csv(
        tmp_path / "va.csv",
        header,
        [
            ["VA-1", "2024-02-20", "ANAMA", "rehabilitation", "V-1", "", "prosthesis"],
            ["VA-2", "2024-04-01", "ANAMA", "economic", "", 7, "grants"],
            ["VA-3", "2024-04-02", "ANAMA", "medical", "", "", ""],
            ["VA-4", "2024-04-02", "ANAMA", "medical", "V-99", "", ""],
        ],
    )
    with pytest.raises(ImportRefused) as refused:
        import_file(db, "assistance", path)
    assert [(p.row, p.field) for p in refused.value.problems] == [
        (4, "victim_id"),
        (5, "victim_id"),
    ]
    path = write_csv(tmp_path / "va-ok.csv", header, [r for r in _rows(path)][:2])
    assert import_file(db, "assistance", path).created == 2
    with db.session() as s:
        va1 = s.scalars(select(Assistance).where(Assistance.source_id == "VA-1")).one()
        assert va1.victim.source_id == "V-1" and va1.beneficiaries_total == 0


def _rows(path: Path) -> list[list[str]]:
    import csv

    with path.open(encoding="utf-8") as f:
        return list(csv.reader(f))[1:]


def test_a_destroyed_detector_adds_a_step_to_its_approved_history(
    db: Database, tmp_path: Path
) -> None:
    """The base with dozens of detectors destroyed: the status moves, the item stays."""
    with db.session() as s:
        operator(s)
    first = [["EQ-1", "detector", "Vallon VMH4", "VMH4-1", "ANAMA", "operational", "2022-01-10"]]
    import_file(db, "equipment", write_csv(tmp_path / "a.csv", EQUIPMENT_HEADER, first))
    destroyed = [["EQ-1", "detector", "Vallon VMH4", "VMH4-1", "ANAMA", "destroyed", "2023-06-01"]]
    report = import_file(
        db, "equipment", write_csv(tmp_path / "b.csv", EQUIPMENT_HEADER, destroyed)
    )
    assert report.updated == 1
    with db.session() as s:
        item = s.scalars(select(Equipment)).one()
        assert (item.status, item.approval) == ("destroyed", "approved")
        steps = [(c.changed_date.isoformat(), c.status) for c in item.status_history]
    assert steps == [("2022-01-10", "operational"), ("2023-06-01", "destroyed")]
    renamed = [["EQ-1", "detector", "Vallon VMH4", "VMH4-2", "ANAMA", "destroyed", "2023-06-01"]]
    with pytest.raises(ImportRefused) as refused:
        import_file(db, "equipment", write_csv(tmp_path / "c.csv", EQUIPMENT_HEADER, renamed))
    assert refused.value.problems[0].field == "serial"
    backwards = [["EQ-1", "detector", "Vallon VMH4", "VMH4-1", "ANAMA", "lost", "2023-01-01"]]
    with pytest.raises(ImportRefused) as refused:
        import_file(db, "equipment", write_csv(tmp_path / "d.csv", EQUIPMENT_HEADER, backwards))
    assert "only moves forward" in (refused.value.problems[0].hint or "")


def test_the_same_serial_twice_is_refused(db: Database, tmp_path: Path) -> None:
    with db.session() as s:
        operator(s)
    rows = [
        ["EQ-1", "detector", "", "VMH4-1", "ANAMA", "", "2022-01-10"],
        ["EQ-2", "detector", "", "VMH4-1", "ANAMA", "", "2022-01-11"],
    ]
    with pytest.raises(ImportRefused) as refused:
        import_file(db, "equipment", write_csv(tmp_path / "e.csv", EQUIPMENT_HEADER, rows))
    assert (refused.value.problems[0].row, refused.value.problems[0].field) == (3, "serial")


def test_projects_are_lines_areas_or_places_and_may_start_in_the_future(
    db: Database, tmp_path: Path
) -> None:
    later = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    header = ["id", "name", "project_type", "priority", "planned_start", "geometry"]
    good = [
        ["P-1", "Fuzuli–Hadrut road", "road", 1, later, "LINESTRING(47.15 39.60, 47.05 39.55)"],
        [
            "P-2",
            "Jabrayil solar",
            "solar",
            "",
            "",
            "POLYGON((46.95 39.40, 46.96 39.40, 46.96 39.41, 46.95 39.40))",
        ],
    ]
    assert import_file(db, "projects", write_csv(tmp_path / "p.csv", header, good)).created == 2
    with db.session() as s:
        stored = {p.source_id: p for p in s.scalars(select(Project))}
        assert stored["P-1"].geom.geom_type == "LineString" and stored["P-2"].priority == 3
    bad = [
        ["P-3", "Nowhere", "road", 9, "", "LINESTRING(47.15 39.60, 47.15 39.60)"],
        ["P-4", "Abroad", "wind", 2, "", "LINESTRING(30.0 50.0, 30.1 50.1)"],
    ]
    with pytest.raises(ImportRefused) as refused:
        import_file(db, "projects", write_csv(tmp_path / "bad.csv", header, bad))
    reasons = {(p.row, p.field): p.reason for p in refused.value.problems}
    assert "1 (most urgent) to 5" in reasons[(2, "priority")]
    assert "outside Azerbaijan" in reasons[(3, "geometry")]


def test_a_new_settlement_can_be_named_by_the_findings_that_follow(
    db: Database, tmp_path: Path
) -> None:
    with db.session() as s:
        operator(s)
    header = ["code", "name", "level", "parent", "name_az", "aliases", "geometry"]
    area = "POLYGON((46.00 40.00, 46.02 40.00, 46.02 40.02, 46.00 40.02, 46.00 40.00))"
    path = write_csv(
        tmp_path / "areas.csv",
        header,
        [["AZE.KLB.ISTISU", "Istisu", "settlement", "Kalbajar", "İstisu", "Istisu village", area]],
    )
    assert import_file(db, "admin-areas", path).created == 1
    assert import_file(db, "admin-areas", path).unchanged == 1  # found again by its code
    rows = [["F-1", "2024-04-29", "ANAMA", "İstisu", "uxo", "", 1, "", "", ""]]
    assert import_file(db, "findings", findings_file(tmp_path, rows)).created == 1
    with db.session() as s:
        istisu = s.scalars(select(AdminArea).where(AdminArea.code == "AZE.KLB.ISTISU")).one()
        assert istisu.parent is not None and istisu.parent.name.startswith("Kalbajar")
        assert s.scalars(select(Finding)).one().admin_area_id == istisu.id


def test_a_loaded_district_is_not_changed_by_an_import(db: Database, tmp_path: Path) -> None:
    with db.session() as s:
        code = s.scalars(select(AdminArea.code).where(AdminArea.name.like("Agdam%"))).first()
    path = write_csv(
        tmp_path / "areas.csv", ["code", "name", "level"], [[code, "Aghdam renamed", "district"]]
    )
    with pytest.raises(ImportRefused) as refused:
        import_file(db, "admin-areas", path)
    assert "approved record" in refused.value.problems[0].reason


@pytest.mark.parametrize("kind", ["eore", "equipment", "projects", "admin-areas"])
def test_each_template_imports_as_it_is(db: Database, tmp_path: Path, run, kind: str) -> None:
    with db.session() as s:
        operator(s)
    path = tmp_path / f"{kind}.csv"
    assert run("template", kind, "--output", str(path)).code == 0
    result = run("import", kind, str(path), "-d", db.url, "--json")
    assert result.code == 0, result.err


def test_an_odk_central_export_of_the_eore_form_imports_as_sessions(
    db: Database, tmp_path: Path
) -> None:
    """A team's tablets send EORE forms; ODK Central exports them with group prefixes."""
    from mineaction.intake.forms import form_columns

    with db.session() as s:
        operator(s)
    counts = ["female_child", "male_child", "female_adult", "male_adult"]
    counts += ["female_elderly", "male_elderly"]
    header = ["SubmissionDate", "start", "end", "id", "date", "operator", "team", "method"]
    header += ["district", "location", "position-Latitude", "position-Longitude"]
    header += ["position-Altitude", "position-Accuracy", "lon", "lat"]
    header += [f"beneficiaries-{c}" for c in counts]
    header += ["notes", "meta-instanceID", "meta-instanceName", "KEY", "SubmitterName"]
    plain = {h.split("-")[-1] for h in header} | {"position", "instanceID", "instanceName"}
    assert set(form_columns("eore")) <= plain  # the export holds every field of the form
    row = ["2024-03-12T10:00:00Z", "", "", "uuid-eore-1", "2024-03-12", "ANAMA", "T-1"]
    row += ["school", "", "Füzuli məktəbi", 39.6, 47.15, 300, 5, 47.15, 39.6]
    row += [12, 15, 2, 0, 0, 0, "", "uuid:1", "school", "uuid:1", "Leyla"]
    path = write_csv(tmp_path / "mineaction_eore.csv", header, [row])
    report = import_file(db, "eore", path, approval="submitted")
    assert report.created == 1
    with db.session() as s:
        stored = s.scalars(select(EORESession)).one()
        assert (stored.source_id, stored.beneficiaries_total) == ("uuid-eore-1", 29)
        assert stored.approval == "submitted" and stored.geom.y == pytest.approx(39.6)
