"""The IM officer registers the minefield records handed over, as polygons or as drawn on paper."""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
from pathlib import Path

import pytest
from pyproj import Geod

from mineaction.domain.traverse import Leg
from mineaction.errors import ConflictError, GeometryError, ValidationError
from mineaction.geo import geodesic_area_m2
from mineaction.intake.export import export_kind
from mineaction.intake.pipeline import import_file
from mineaction.services import minefield_records as service
from mineaction.store.database import Database
from mineaction.store.tables import MinefieldRecord
from tests.conftest import BACKENDS, fresh_database
from tests.factories import AGDAM, metres_box

PDF = b"%PDF-1.4\n% a scanned minefield map\n"
_numbers = itertools.count(100)


@pytest.fixture(scope="module", params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """One register per backend for the module; every test registers its own references."""
    databases = fresh_database(request.param, tmp_path_factory.mktemp("records"), request)
    yield next(databases)
    next(databases, None)


def register(session, reference: str | None = None, **extra):
    reference = reference or f"MFR-{next(_numbers):04d}"
    values = {
        "session": session,
        "reference": reference,
        "source": "Handed over by the former adversary, 2021",
        "received_date": dt.date(2021, 6, 12),
        "laid_date": dt.date(1994, 5, 1),
        "geom": metres_box(*AGDAM, 0, 0, 300, 200),
        "expected_ap": 120,
        "expected_at": 40,
    }
    values.update(extra)
    return service.register_record(**values)


def test_a_record_is_registered_with_its_area_and_district(db: Database) -> None:
    with db.session(actor="im-officer") as session:
        record = register(
            session,
            mine_types=[
                service.MineType("ap_mine", "PMN-2", 120),
                service.MineType("at_mine", "TM-62M", 40),
            ],
        )
        assert record.area_m2 == pytest.approx(geodesic_area_m2(metres_box(*AGDAM, 0, 0, 300, 200)))
        assert record.admin_area is not None and "Agdam" in record.admin_area.name
        assert len(record.mine_types) == 2


def test_a_record_drawn_on_paper_becomes_its_polygon(db: Database) -> None:
    # From the landmark 100 m north to the first turning point, then a 200 × 100 m rectangle
    # with magnetic bearings, declination 6° east.
    traverse = service.TraverseSpec(
        reference_point=AGDAM,
        legs=[Leg(354, 100), Leg(84, 200), Leg(354, 100), Leg(264, 200), Leg(174, 100)],
        approach_legs=1,
        bearing_reference="magnetic",
        declination_deg=6.0,
    )
    with db.session(actor="im-officer") as session:
        record = register(session, geom=None, traverse=traverse)
        assert record.area_m2 == pytest.approx(200 * 100, rel=1e-3)
        landmark = record.reference_points.geoms[0]
        assert (landmark.x, landmark.y) == pytest.approx(AGDAM)
        # The perimeter starts 100 m due north of the landmark.
        south = min(
            record.geom.exterior.coords
            if hasattr(record.geom, "exterior")
            else record.geom.geoms[0].exterior.coords,
            key=lambda c: c[1],
        )
        _, _, metres = Geod(ellps="WGS84").inv(*AGDAM, AGDAM[0], south[1])
        assert metres == pytest.approx(100, abs=0.5)


def test_a_traverse_that_does_not_close_is_noted(db: Database) -> None:
    open_traverse = service.TraverseSpec(AGDAM, [Leg(0, 300), Leg(90, 400)])
    with db.session(actor="im-officer") as session:
        record = register(session, geom=None, traverse=open_traverse)
        assert "does not close" in record.notes and "500 m" in record.notes


def test_it_refuses_a_record_laid_after_it_was_received(db: Database) -> None:
    with db.session(actor="im-officer") as session, pytest.raises(ValidationError) as caught:
        register(session, laid_date=dt.date(2022, 1, 1))
    assert caught.value.problems[0].field == "laid_date"


def test_it_refuses_both_a_polygon_and_a_traverse(db: Database) -> None:
    traverse = service.TraverseSpec(AGDAM, [Leg(0, 100), Leg(90, 100), Leg(180, 100)])
    with db.session(actor="im-officer") as session, pytest.raises(ValidationError, match="both"):
        register(session, traverse=traverse)


def test_it_refuses_a_magnetic_traverse_without_declination(db: Database) -> None:
    traverse = service.TraverseSpec(
        AGDAM, [Leg(0, 100), Leg(90, 100), Leg(180, 100)], bearing_reference="magnetic"
    )
    with (
        db.session(actor="im-officer") as session,
        pytest.raises(GeometryError, match="declination"),
    ):
        register(session, geom=None, traverse=traverse)


def test_it_refuses_the_same_reference_twice(db: Database) -> None:
    with db.session(actor="im-officer") as session:
        reference = register(session).reference
    with db.session(actor="im-officer") as session, pytest.raises(ValidationError, match="already"):
        register(session, reference=reference)


def test_a_scanned_map_is_attached_once_with_its_checksum(db: Database) -> None:
    with db.session(actor="im-officer") as session:
        record = register(session)
        first = service.attach_file(
            session=session, record_id=record.id, content=PDF, filename="map.pdf"
        )
        again = service.attach_file(
            session=session, record_id=record.id, content=PDF, filename="copy.pdf"
        )
        assert first.id == again.id and len(first.sha256) == 64
        with pytest.raises(ValidationError, match="content is not"):
            service.attach_file(
                session=session, record_id=record.id, content=b"hello", filename="x.png"
            )
        with pytest.raises(ValidationError, match="PDF, PNG"):
            service.attach_file(
                session=session, record_id=record.id, content=PDF, filename="x.docx"
            )


def test_a_change_based_on_an_old_version_is_refused(db: Database) -> None:
    with db.session(actor="im-officer") as session:
        record = register(session)
        record_id, version = record.id, record.version
    with db.session(actor="im-officer") as session:
        changed = service.update_record(
            session=session,
            record_id=record_id,
            expected_version=version,
            changes={"expected_ap": 90, "geom": metres_box(*AGDAM, 0, 0, 150, 200)},
        )
        assert changed.expected_ap == 90
        assert changed.area_m2 == pytest.approx(
            geodesic_area_m2(metres_box(*AGDAM, 0, 0, 150, 200))
        )
    with db.session(actor="im-officer") as session, pytest.raises(ConflictError):
        service.update_record(
            session=session, record_id=record_id, expected_version=version, changes={"notes": "x"}
        )


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".csv"])
def test_records_round_trip_through_export_and_import(
    db: Database, tmp_path: Path, suffix: str, request: pytest.FixtureRequest
) -> None:
    with db.session(actor="im-officer") as session:
        register(session)
        register(session, geom=metres_box(*AGDAM, 1000, 0, 1200, 300), expected_at=None)
        total = session.query(MinefieldRecord).count()
    path = tmp_path / f"records{suffix}"
    assert export_kind(db, "minefield-records", path).layers == {"minefield-records": total}
    again = import_file(db, "minefield-records", path)
    assert (again.created, again.unchanged) == (0, total)
    # Into another (empty) database: the same records, references and areas.
    shutil.copy(request.getfixturevalue("sqlite_template"), tmp_path / "other.db")
    other = Database(f"sqlite:///{tmp_path / 'other.db'}")
    assert import_file(other, "minefield-records", path).created == total
    with db.session() as a, other.session() as b:
        mine = {r.reference: r for r in a.query(MinefieldRecord)}
        theirs = {r.reference: r for r in b.query(MinefieldRecord)}
        assert set(mine) == set(theirs)
        for reference, record in mine.items():
            copy = theirs[reference]
            assert (copy.expected_ap, copy.expected_at, copy.received_date, copy.laid_date) == (
                record.expected_ap,
                record.expected_at,
                record.received_date,
                record.laid_date,
            )
            assert copy.notes == record.notes
            assert copy.area_m2 == pytest.approx(record.area_m2, rel=1e-9)
    other.dispose()


def test_an_import_row_without_a_polygon_names_its_row(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "records.csv"
    path.write_text(
        "id,source,received_date,laid_date,expected_ap,expected_at,notes\n"
        "MFR-1,Handed over,2021-06-12,,10,0,\n"
    )
    with pytest.raises(ValidationError) as caught:
        import_file(db, "minefield-records", path)
    assert caught.value.problems[0].row == 1 or caught.value.problems[0].row == 2
    assert "polygon" in caught.value.problems[0].reason
