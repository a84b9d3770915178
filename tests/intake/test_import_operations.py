"""Hazards, activities, progress reports and the NTS / clearance-progress form submissions.

The national IM officer (Leyla) imports operators' files and their teams'
tablet exports; an operator's data officer (Murad, HALO) sends drafts.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import shapely
from shapely.geometry import Polygon
from sqlalchemy import func, select

from mineaction.geo import geodesic_area_m2
from mineaction.intake.pipeline import ImportRefused, import_file, import_rows
from mineaction.services import activities, admin_areas
from mineaction.store.database import Database
from mineaction.store.tables import Activity, Hazard, LandRelease, ProgressReport, Team
from tests.factories import AGDAM, hazard, metres_box, operator
from tests.intake.test_import import write_csv

HAZARD_HEADER = ["id", "reference", "name", "hazard_type", "contamination", "status"]
HAZARD_HEADER += ["evidence", "recorded_date", "operator", "district"]
HAZARD_HEADER += ["expected_beneficiaries", "blockages", "geometry"]
ACTIVITY_HEADER = ["id", "reference", "activity_type", "status", "operator", "team"]
ACTIVITY_HEADER += ["hazard_id", "district", "start_date", "end_date", "geometry"]
#: An ODK Central export of the NTS form: group prefixes, metadata, a geopoint and a geoshape.
NTS_HEADER = ["SubmissionDate", "id", "task-activity_id", "task-operator", "task-team"]
NTS_HEADER += ["task-date", "task-district", "hazard-hazard_id", "hazard-hazard_type"]
NTS_HEADER += ["hazard-contamination", "hazard-evidence", "hazard-evidence_notes"]
NTS_HEADER += ["hazard-blockages", "hazard-expected_beneficiaries", "position", "lon", "lat"]
NTS_HEADER += ["boundary", "surveyed_m2", "cancelled_m2", "team_days", "notes"]
NTS_HEADER += ["meta-instanceID", "KEY", "ReviewState"]


def count(db: Database, model: type) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def geoshape(polygon: Polygon) -> str:
    """Return a polygon as ODK writes a geoshape: 'lat lon alt acc' corners joined by ';'."""
    return ";".join(f"{y} {x} 512.0 4.5" for x, y in polygon.exterior.coords)


def hazard_rows() -> list[list[object]]:
    north = metres_box(*AGDAM, 0, 0, 300, 200)
    east = metres_box(*AGDAM, 1000, 0, 1200, 400)
    return [
        [
            "H-1",
            "HA-AGD-0101",
            "Kəngərli orchard",
            "cha",
            "ap_mines",
            "open",
            "direct",
            "2023-04-02",
            "ANAMA",
            "Ağdam",
            250,
            "road agriculture",
            north.wkt,
        ],
        ["H-2", "", "", "sha", "uxo", "", "informant", "2023-05-10", "", "", "", "", east.wkt],
    ]


def hazards_file(tmp_path: Path, rows: list[list[object]], name: str = "hazards.csv") -> Path:
    return write_csv(tmp_path / name, HAZARD_HEADER, rows)


def test_an_operators_hazard_file_is_recorded_with_its_areas_and_blockages(
    db: Database, tmp_path: Path
) -> None:
    with db.session() as s:
        operator(s)
    path = hazards_file(tmp_path, hazard_rows())
    report = import_file(db, "hazards", path)
    assert (report.created, report.unchanged) == (2, 0)
    with db.session() as s:
        h1, h2 = s.scalars(select(Hazard).order_by(Hazard.source_id)).all()
        assert (h1.reference, h1.organisation.code) == ("HA-AGD-0101", "ANAMA")
        assert h1.admin_area_id == admin_areas.find_area(s, "Agdam").id
        assert sorted(b.blockage for b in h1.blockages) == ["agriculture", "road"]
        assert h1.area_m2 == pytest.approx(300 * 200, rel=0.01)
        assert h2.reference == "H-2"  # no reference: the id is the reference
        assert h2.admin_area_id is not None  # taken from the polygon
    again = import_file(db, "hazards", path)
    assert (again.created, again.unchanged) == (0, 2)
    # A land release names the hazard by its id or by its reference.
    release = write_csv(
        tmp_path / "releases.csv",
        ["id", "date", "operator", "method", "area_m2", "hazard_id"],
        [
            ["R-1", "2024-05-02", "ANAMA", "cancelled", 1000, "H-2"],
            ["R-2", "2024-05-02", "ANAMA", "reduced", 2000, "HA-AGD-0101"],
        ],
    )
    assert import_file(db, "land-releases", release).created == 2
    with db.session() as s:
        query = select(Hazard.source_id, Hazard.released_m2)
        released = {source_id: m2 for source_id, m2 in s.execute(query)}
    assert released == {"H-1": 2000.0, "H-2": 1000.0}


FUTURE = (dt.date.today() + dt.timedelta(days=3)).isoformat()


#: One bad cell of the second hazard row, and what the refusal says.
BAD_HAZARD_CELLS = [
    ("contamination", "ap_mine", "Did you mean 'ap_mines'"),
    ("recorded_date", FUTURE, "in the future"),
    ("operator", "UNMAS", "UNMAS"),
    ("geometry", "POLYGON((10 50, 10.1 50, 10.1 50.1, 10 50))", "outside"),
    ("blockages", "road railway", "railway"),
]


def test_it_refuses_a_bad_hazard_row_and_writes_nothing(db: Database, tmp_path: Path) -> None:
    with db.session() as s:
        operator(s)
    for column, value, says in BAD_HAZARD_CELLS:
        rows = hazard_rows()
        rows[1][HAZARD_HEADER.index(column)] = value
        with pytest.raises(ImportRefused) as refused:
            import_file(db, "hazards", hazards_file(tmp_path, rows))
        problem = refused.value.report.problems[0]
        assert problem.row == 3, column
        assert says in f"{problem.reason} {problem.hint}", column
        assert count(db, Hazard) == 0


def test_a_submitted_hazard_is_corrected_and_redrawn_but_an_approved_one_is_not(
    db: Database, tmp_path: Path
) -> None:
    """Murad re-surveys his submitted hazard: a new version with the new shape."""
    with db.session() as s:
        operator(s)
    import_file(db, "hazards", hazards_file(tmp_path, hazard_rows()), approval="submitted")
    rows = hazard_rows()
    bigger = metres_box(*AGDAM, 0, 0, 300, 300)
    rows[0][11], rows[0][12] = "road", bigger.wkt
    report = import_file(
        db, "hazards", hazards_file(tmp_path, rows, "redrawn.csv"), approval="submitted"
    )
    assert (report.updated, report.unchanged) == (1, 1)
    with db.session() as s:
        h1 = s.scalars(select(Hazard).where(Hazard.source_id == "H-1")).one()
        assert [b.blockage for b in h1.blockages] == ["road"]
        assert h1.area_m2 == pytest.approx(geodesic_area_m2(bigger))
        assert h1.version > 1
        h1.approval = "approved"
    rows[0][5] = "handed_over"
    with pytest.raises(ImportRefused, match="changes the approved record 'H-1'"):
        import_file(db, "hazards", hazards_file(tmp_path, rows, "again.csv"))


def survey_setup(db: Database) -> None:
    """HALO and ANAMA, a hazard, and an NTS and a clearance task."""
    with db.session() as s:
        halo = operator(s, "HALO", "ngo")
        anama = operator(s)
        known = hazard(s, at=(AGDAM[0] + 0.05, AGDAM[1]))
        known.source_id = "HA-KNOWN"
        team, _ = activities.team_id(s, organisation_id=halo.id, code="NTS-03", capability="nts")
        activities.create_activity(
            session=s,
            reference="NTS-2024-0042",
            activity_type="nts",
            organisation_id=halo.id,
            team_id=team,
            start_date=dt.date(2024, 4, 1),
            source_id="A-NTS",
        )
        activities.create_activity(
            session=s,
            reference="CL-2024-0153",
            activity_type="clearance_manual",
            organisation_id=anama.id,
            hazard_id=known.id,
            start_date=dt.date(2024, 4, 1),
        )


def nts_row(sid: str, polygon: Polygon | None, **changes: object) -> list[object]:
    lon, lat = AGDAM[0] + 0.001, AGDAM[1] + 0.001
    values: dict[str, object] = {
        "SubmissionDate": "2024-05-03T07:12:44.000Z",
        "id": sid,
        "task-activity_id": "NTS-2024-0042",
        "task-operator": "HALO",
        "task-team": "NTS-03",
        "task-date": "2024-05-02",
        "task-district": "",
        "hazard-hazard_id": "",
        "hazard-hazard_type": "sha" if polygon is not None else "",
        "hazard-contamination": "ap_mines" if polygon is not None else "",
        "hazard-evidence": "informant" if polygon is not None else "",
        "hazard-evidence_notes": "A shepherd saw a PMN-2 by the canal",
        "hazard-blockages": "agriculture water" if polygon is not None else "",
        "hazard-expected_beneficiaries": 120 if polygon is not None else "",
        "position": f"{lat} {lon} 505.2 3.9",
        "lon": lon,
        "lat": lat,
        "boundary": geoshape(polygon) if polygon is not None else "",
        "surveyed_m2": 250_000,
        "cancelled_m2": 180_000,
        "team_days": 1,
        "notes": "",
        "meta-instanceID": f"uuid:{sid}",
        "KEY": f"uuid:{sid}",
        "ReviewState": "",
    }
    values.update({k.replace("__", "-"): v for k, v in changes.items()})
    return [values[c] for c in NTS_HEADER]


def nts_file(tmp_path: Path, rows: list[list[object]], name: str = "nts.csv") -> Path:
    return write_csv(tmp_path / name, NTS_HEADER, rows)


def test_an_nts_teams_tablet_export_becomes_a_hazard_and_cancelled_land(
    db: Database, tmp_path: Path
) -> None:
    survey_setup(db)
    outline = metres_box(*AGDAM, 100, 100, 400, 350)
    sid = "5f1e6c2a-8d7b-4a52-9a51-0c1d2e3f4a5b"
    path = nts_file(tmp_path, [nts_row(sid, outline)])
    report = import_file(db, "nts", path)
    assert (report.rows, report.created) == (1, 1)
    with db.session() as s:
        new = s.scalars(select(Hazard).where(Hazard.source_id == sid)).one()
        assert new.reference == f"NTS-2024-0042-{sid[:8]}"
        assert (new.hazard_type, new.contamination, new.evidence) == (
            "sha",
            "ap_mines",
            "informant",
        )
        assert new.evidence_notes == "A shepherd saw a PMN-2 by the canal"
        assert sorted(b.blockage for b in new.blockages) == ["agriculture", "water"]
        assert new.expected_beneficiaries == 120
        assert new.geom.equals(shapely.MultiPolygon([outline]))
        assert new.organisation.code == "HALO" and new.recorded_date == dt.date(2024, 5, 2)
        cancelled = s.scalars(select(LandRelease).where(LandRelease.source_id == sid)).one()
        assert (cancelled.method, cancelled.reported_area_m2, cancelled.area_m2) == (
            "cancelled",
            180_000.0,
            180_000.0,
        )
        assert cancelled.hazard_id is None and cancelled.geom is None
        assert cancelled.activity.reference == "NTS-2024-0042"
        assert cancelled.admin_area_id == new.admin_area_id  # both in Agdam
        progress = s.scalars(select(ProgressReport).where(ProgressReport.source_id == sid)).one()
        assert (progress.area_m2, progress.team_days) == (250_000.0, 1.0)
        assert (progress.geom.x, progress.geom.y) == (AGDAM[0] + 0.001, AGDAM[1] + 0.001)
    again = import_file(db, "nts", path)  # the same export next week: nothing changes
    assert (again.created, again.unchanged) == (0, 1)
    assert count(db, Hazard) == 2 and count(db, LandRelease) == 1


def test_an_edited_submission_updates_the_submitted_survey_but_not_the_counted_land(
    db: Database, tmp_path: Path
) -> None:
    """Murad's team leader corrects a submission in ODK Central; the export comes again."""
    survey_setup(db)
    sid = "f" * 36
    outline = metres_box(*AGDAM, 100, 100, 400, 350)
    import_file(db, "nts", nts_file(tmp_path, [nts_row(sid, outline)]), approval="submitted")
    wider = metres_box(*AGDAM, 100, 100, 500, 350)
    edited = nts_row(sid, wider, hazard__evidence="direct", surveyed_m2=260_000)
    report = import_file(
        db, "nts", nts_file(tmp_path, [edited], "edited.csv"), approval="submitted"
    )
    assert (report.created, report.updated) == (0, 1)
    with db.session() as s:
        new = s.scalars(select(Hazard).where(Hazard.source_id == sid)).one()
        assert new.evidence == "direct"
        assert new.area_m2 == pytest.approx(geodesic_area_m2(wider))
        progress = s.scalars(select(ProgressReport).where(ProgressReport.source_id == sid)).one()
        assert (progress.area_m2, progress.version) == (260_000.0, 2)
    recounted = nts_row(sid, wider, hazard__evidence="direct", surveyed_m2=260_000, cancelled_m2=1)
    with pytest.raises(ImportRefused, match="cancelled area the ledger has counted"):
        import_file(db, "nts", nts_file(tmp_path, [recounted], "recount.csv"), approval="submitted")


def test_a_survey_without_evidence_cancels_land_of_the_hazard_it_revisited(
    db: Database, tmp_path: Path
) -> None:
    survey_setup(db)
    row = nts_row("c" * 36, None, hazard__hazard_id="HA-KNOWN", cancelled_m2=15_000)
    import_file(db, "nts", nts_file(tmp_path, [row]))
    with db.session() as s:
        known = s.scalars(select(Hazard).where(Hazard.source_id == "HA-KNOWN")).one()
        assert known.released_m2 == pytest.approx(15_000)
        assert s.scalar(select(func.count()).select_from(Hazard)) == 1


SELF_CROSSING = "39.99 46.93 0 5;40.0 46.94 0 5;39.99 46.94 0 5;40.0 46.93 0 5"
LON_FIRST = "46.93 39.99 0 5;46.94 39.99 0 5;46.94 40.0 0 5"
#: One bad answer of the second submission, the column named and what the refusal says.
BAD_SUBMISSIONS = [
    ({"boundary": "40.0 46.9 0 5;40.0 46.91 0 5"}, "boundary", "distinct corner"),
    ({"boundary": "40.0 46.9 0 5;forty 46.91;40.01 46.9 0 5"}, "boundary", "Corner 2"),
    ({"boundary": ""}, "boundary", "needs the hazard's boundary"),
    ({"cancelled_m2": 300_000}, "cancelled_m2", "more than the 250,000"),
    ({"task__activity_id": "CL-2024-0153", "task__operator": "ANAMA"}, "activity_id", "not a"),
    ({"task__operator": "ANAMA"}, "operator", "task of HALO"),
    ({"task__date": "2024-03-02"}, "date", "before activity"),
    ({"task__date": "2024-05-01"}, "date", "has a progress report for 2024-05-01"),
    ({"boundary": SELF_CROSSING}, "boundary", "crosses itself"),
    ({"boundary": LON_FIRST}, "boundary", "swapped"),
]


def test_it_refuses_a_bad_submission_and_keeps_the_good_ones_out_too(
    db: Database, tmp_path: Path
) -> None:
    survey_setup(db)
    outline = metres_box(*AGDAM, 100, 100, 400, 350)
    good = nts_row("d" * 36, outline, task__date="2024-05-01")
    for change, column, says in BAD_SUBMISSIONS:
        bad = nts_row("e" * 36, outline, **change)
        with pytest.raises(ImportRefused) as refused:
            import_file(db, "nts", nts_file(tmp_path, [good, bad]))
        problem = refused.value.report.problems[0]
        assert (problem.row, problem.field) == (3, column) and says in problem.reason, change
        counts = (count(db, Hazard), count(db, LandRelease), count(db, ProgressReport))
        assert counts == (1, 0, 0)


def test_activities_name_their_team_and_hazard_and_end_after_they_start(
    db: Database, tmp_path: Path
) -> None:
    survey_setup(db)
    area = metres_box(*AGDAM, 0, 0, 50, 50)
    rows = [
        [
            "T-1",
            "TS-2024-0007",
            "ts",
            "ongoing",
            "HALO",
            "TS-01",
            "HA-KNOWN",
            "",
            "2024-04-03",
            "",
            area.wkt,
        ],
        ["T-2", "", "bac", "", "ANAMA", "", "", "Fuzuli", "2024-04-03", "2024-04-30", ""],
    ]
    path = write_csv(tmp_path / "activities.csv", ACTIVITY_HEADER, rows)
    report = import_file(db, "activities", path)
    assert report.created == 2
    assert [w.field for w in report.warnings] == ["team"]  # TS-01 was new: added, flagged
    with db.session() as s:
        t1 = s.scalars(select(Activity).where(Activity.source_id == "T-1")).one()
        assert (t1.team.code, t1.team.organisation.code, t1.hazard.source_id) == (
            "TS-01",
            "HALO",
            "HA-KNOWN",
        )
        t2 = s.scalars(select(Activity).where(Activity.source_id == "T-2")).one()
        assert (t2.reference, t2.status) == ("T-2", "planned")
        assert s.scalar(select(func.count()).select_from(Team)) == 2
    rows[1][9] = "2024-04-01"
    rows[1][0] = "T-3"
    with pytest.raises(ImportRefused, match="ends"):
        import_file(db, "activities", write_csv(tmp_path / "bad.csv", ACTIVITY_HEADER, rows))


#: A KoboToolbox export of the clearance-progress form (group paths, Kobo metadata).
PROGRESS_HEADER = ["_id", "_uuid", "id", "task/activity_id", "task/operator", "task/team"]
PROGRESS_HEADER += ["task/date", "task/hazard_id", "work/area_m2", "work/team_days"]
PROGRESS_HEADER += ["work/status", "work/depth_cm", "work/eo_found", "position", "lon", "lat"]
PROGRESS_HEADER += ["notes", "_submission_time"]


def test_clearance_progress_from_kobo_moves_the_task_to_completed(
    db: Database, tmp_path: Path, run
) -> None:
    survey_setup(db)
    rows = [
        [
            481,
            "k-1",
            "P-1",
            "CL-2024-0153",
            "ANAMA",
            "MC-07",
            "2024-05-01",
            "HA-KNOWN",
            900,
            1,
            "ongoing",
            13,
            2,
            "",
            "",
            "",
            "2 PMN-2 destroyed",
            "2024-05-01T18:00:00",
        ],
        [
            482,
            "k-2",
            "P-2",
            "CL-2024-0153",
            "ANAMA",
            "MC-07",
            "2024-05-02",
            "HA-KNOWN",
            1100,
            1,
            "completed",
            13,
            0,
            "",
            "",
            "",
            "",
            "2024-05-02T18:00:00",
        ],
    ]
    path = write_csv(tmp_path / "clearance_progress.csv", PROGRESS_HEADER, rows)
    result = run("import", "progress", str(path), "-d", db.url)
    assert result.code == 0, result.err
    with db.session() as s:
        task = s.scalars(select(Activity).where(Activity.reference == "CL-2024-0153")).one()
        assert (task.status, task.end_date, task.team.code) == (
            "completed",
            dt.date(2024, 5, 2),
            "MC-07",
        )
        reports = s.scalars(select(ProgressReport).order_by(ProgressReport.report_date)).all()
        assert [(r.area_m2, r.eo_found, r.status) for r in reports] == [
            (900.0, 2, "ongoing"),
            (1100.0, 0, "completed"),
        ]
    rows[1][2] = "P-3"  # a second report of the same task and day
    again = write_csv(tmp_path / "again.csv", PROGRESS_HEADER, rows)
    result = run("import", "progress", str(again), "-d", db.url)
    assert result.code == 1 and "has a progress report for 2024-05-02" in result.err
    assert "Traceback" not in result.err


def test_the_api_records_a_hazard_from_a_geojson_geometry_through_the_same_rules(
    db: Database,
) -> None:
    """A web form posts a hazard as a dict; import_rows gives it the file's rules."""
    with db.session() as s:
        operator(s)
    area = metres_box(*AGDAM, 0, 0, 120, 80)
    row = {
        "id": "WEB-1",
        "hazard_type": "sha",
        "contamination": "uxo",
        "recorded_date": "2024-02-01",
        "operator": "ANAMA",
        "blockages": "housing",
        "geometry": shapely.geometry.mapping(area),
    }
    report = import_rows(db, "hazards", [row], actor="murad")
    assert report.created == 1
    with db.session() as s:
        web = s.scalars(select(Hazard).where(Hazard.source_id == "WEB-1")).one()
        assert (web.reference, web.approval) == ("WEB-1", "submitted")
    with pytest.raises(ImportRefused) as refused:
        import_rows(db, "hazards", [{**row, "id": "WEB-2", "blockages": "pastur"}], actor="murad")
    problem = refused.value.report.problems[0]
    assert problem.field == "blockages" and "Did you mean 'pasture'" in (problem.hint or "")
