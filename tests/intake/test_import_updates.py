"""Changed rows, flagged areas, positions outside their district, and rows sent by the API."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from mineaction.geo import geodesic_area_m2
from mineaction.intake.pipeline import ImportRefused, import_file, import_rows
from mineaction.store.database import Database
from mineaction.store.tables import AuditEntry, Finding, LandRelease
from tests.factories import AGDAM, hazard, metres_box, operator
from tests.intake.test_import import findings_file, good_rows, write_csv

RELEASE_HEADER = ["id", "date", "operator", "district", "method", "area_m2", "geometry"]
RELEASE_HEADER.append("hazard_id")


def test_an_operators_draft_is_corrected_by_importing_the_changed_row(
    db: Database, tmp_path: Path
) -> None:
    """The operator's data officer sends drafts, then a corrected file: a new version."""
    with db.session() as s:
        operator(s)
    import_file(db, "findings", findings_file(tmp_path, good_rows()), approval="draft")
    rows = good_rows()
    rows[0][6] = 5  # quantity 2 → 5
    report = import_file(
        db, "findings", findings_file(tmp_path, rows, "corrected.csv"), approval="draft"
    )
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    with db.session() as s:
        f1 = s.scalars(select(Finding).where(Finding.source_id == "F-1")).one()
        assert (f1.quantity, f1.version) == (5, 2)
        history = s.scalars(
            select(AuditEntry).where(AuditEntry.kind == "findings", AuditEntry.record_id == f1.id)
        ).all()
    assert [h.action for h in history] == ["create", "update"]
    assert history[-1].note == "import findings corrected.csv"


def test_a_bad_correction_of_a_draft_leaves_the_draft_as_it_was(
    db: Database, tmp_path: Path
) -> None:
    with db.session() as s:
        operator(s)
    import_file(db, "findings", findings_file(tmp_path, good_rows()), approval="submitted")
    rows = good_rows()
    rows[0][4] = "at_mines"
    with pytest.raises(ImportRefused) as refused:
        import_file(db, "findings", findings_file(tmp_path, rows, "bad.csv"), approval="submitted")
    assert "Did you mean 'at_mine'" in (refused.value.problems[0].hint or "")
    with db.session() as s:
        f1 = s.scalars(select(Finding).where(Finding.source_id == "F-1")).one()
        assert (f1.category, f1.version) == ("at_mine", 1)


def test_a_point_far_outside_its_named_district_is_refused(db: Database, tmp_path: Path) -> None:
    """47.12, 39.61 lies in Fuzuli, tens of kilometres from Aghdam."""
    with db.session() as s:
        operator(s)
    rows = [["F-9", "2024-04-29", "ANAMA", "Aghdam", "uxo", "", 1, 47.12, 39.61, ""]]
    with pytest.raises(ImportRefused) as refused:
        import_file(db, "findings", findings_file(tmp_path, rows))
    problem = refused.value.problems[0]
    assert problem.field == "district" and "outside Agdam" in problem.reason
    assert "Fuzuli" in refused.value.message or "Fuzuli" in (problem.reason + str(problem.hint))


def test_a_point_just_across_a_coarse_boundary_is_accepted(db: Database, tmp_path: Path) -> None:
    """A finding inside Fuzuli named as Fuzuli is kept; tolerance is for coarse lines only."""
    with db.session() as s:
        operator(s)
    rows = [["F-8", "2024-04-29", "ANAMA", "Fuzuli", "uxo", "", 1, 47.12, 39.61, ""]]
    assert import_file(db, "findings", findings_file(tmp_path, rows)).created == 1


def test_a_reported_area_far_from_its_polygon_is_flagged_and_the_polygon_counts(
    db: Database, tmp_path: Path
) -> None:
    with db.session() as s:
        operator(s)
        reference = hazard(s, size_m=200).reference
    polygon = metres_box(*AGDAM, 0, 0, 100, 100)
    measured = geodesic_area_m2(polygon)
    path = write_csv(
        tmp_path / "releases.csv",
        RELEASE_HEADER,
        [
            [
                "R-1",
                "2024-05-02",
                "ANAMA",
                "",
                "cleared",
                round(measured * 1.2),
                polygon.wkt,
                reference,
            ],
            [
                "R-2",
                "2024-05-02",
                "ANAMA",
                "",
                "cleared",
                round(measured * 1.03),
                metres_box(*AGDAM, 100, 0, 200, 100).wkt,
                reference,
            ],
        ],
    )
    report = import_file(db, "land-releases", path)
    assert report.created == 2
    assert [(w.row, w.field) for w in report.warnings] == [(2, "area_m2")]
    assert "20%" in report.warnings[0].reason
    with db.session() as s:
        r1 = s.scalars(select(LandRelease).where(LandRelease.source_id == "R-1")).one()
        assert r1.area_m2 == pytest.approx(measured, rel=1e-3)


def test_a_submitted_release_changes_its_date_but_not_its_counted_polygon(
    db: Database, tmp_path: Path
) -> None:
    with db.session() as s:
        operator(s)
        reference = hazard(s, size_m=200).reference
    polygon = metres_box(*AGDAM, 0, 0, 100, 100).wkt
    first = [["R-1", "2024-05-02", "ANAMA", "", "cleared", "", polygon, reference]]
    import_file(
        db,
        "land-releases",
        write_csv(tmp_path / "a.csv", RELEASE_HEADER, first),
        approval="submitted",
    )
    moved = [["R-1", "2024-05-03", "ANAMA", "", "reduced", "", polygon, reference]]
    report = import_file(
        db,
        "land-releases",
        write_csv(tmp_path / "b.csv", RELEASE_HEADER, moved),
        approval="submitted",
    )
    assert report.updated == 1
    bigger = [
        [
            "R-1",
            "2024-05-03",
            "ANAMA",
            "",
            "reduced",
            "",
            metres_box(*AGDAM, 0, 0, 150, 100).wkt,
            reference,
        ]
    ]
    with pytest.raises(ImportRefused) as refused:
        import_file(
            db,
            "land-releases",
            write_csv(tmp_path / "c.csv", RELEASE_HEADER, bigger),
            approval="submitted",
        )
    assert refused.value.problems[0].field == "geometry"
    assert "reject" in (refused.value.problems[0].hint or "")
    with db.session() as s:
        r1 = s.scalars(select(LandRelease)).one()
        assert (r1.method, r1.release_date.isoformat(), r1.version) == ("reduced", "2024-05-03", 2)


def test_rows_sent_by_the_api_pass_the_same_checks_as_a_file(db: Database) -> None:
    with db.session() as s:
        operator(s)
    row = {
        "id": "API-1",
        "date": "2024-05-01",
        "operator": "ANAMA",
        "category": "ap_mine",
        "quantity": "1",
        "geometry": {"type": "Point", "coordinates": [46.93, 39.99]},
    }
    report = import_rows(db, "findings", [row], actor="officer@anama")
    assert (report.created, report.source) == (1, "request")
    with db.session() as s:
        f = s.scalars(select(Finding)).one()
        assert (f.approval, round(f.geom.x, 2)) == ("submitted", 46.93)
    with pytest.raises(ImportRefused) as refused:
        import_rows(db, "findings", [{**row, "id": "API-2", "quantity": "0"}], actor="x")
    assert (refused.value.problems[0].row, refused.value.problems[0].field) == (1, "quantity")
