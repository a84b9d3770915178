"""Backup and restore, on each backend and across them (SQLite ⇄ PostGIS)."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import shapely
from shapely.geometry import LineString, MultiLineString, MultiPoint, Point
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from mineaction.errors import ConflictError, DatabaseError, NotFoundError, ValidationError
from mineaction.services import hazards
from mineaction.services.backup import Manifest, backup, restore, verify
from mineaction.services.records import update_record
from mineaction.store.database import Database
from mineaction.store.tables import (
    Accident,
    AdminArea,
    Assistance,
    AuditEntry,
    Base,
    DatasetFact,
    EOModel,
    Finding,
    Hazard,
    MinefieldRecord,
    Organisation,
    Project,
    RecordAttachment,
    User,
    Victim,
)
from tests.factories import AGDAM, hazard, metres_box, operator

DAY = dt.date(2024, 5, 2)
TARGETS = pytest.mark.parametrize(
    "empty_db", ["sqlite", "postgis"], indirect=True, ids=["to-sqlite", "to-postgis"]
)


def field_work(db: Database) -> None:
    """Record what a data officer of the national authority keeps: a bit of everything."""
    with db.session(actor="data-officer") as s:
        org = operator(s)
        ngo = operator(s, code="HALO", type_="ngo")
        h = hazard(s, size_m=300)
        hazards.release_land(
            session=s,
            method="cleared",
            release_date=DAY,
            organisation_id=ngo.id,
            hazard_id=h.id,
            geom=metres_box(*AGDAM, 0, 0, 100, 300),
        )
        update_record(
            s,
            Hazard,
            h.id,
            expected_version=h.version,
            changes={"name": "Shelled orchard", "expected_beneficiaries": 420},
        )
        tm62 = EOModel(category="at_mine", model="TM-62M", origin="USSR")
        s.add(tm62)
        s.flush()
        s.add(
            Finding(
                found_date=DAY,
                category="at_mine",
                eo_model_id=tm62.id,
                quantity=3,
                depth_cm=15,
                organisation_id=ngo.id,
                hazard_id=h.id,
                geom=Point(46.9312345678912, 39.9912345678912),
            )
        )
        accident = Accident(
            accident_date=dt.date(2023, 9, 14),
            accident_type="civilian",
            device_category="ap_mine",
            organisation_id=org.id,
            description="Shepherd stepped on a mine at dawn.",
            geom=Point(46.94, 40.0),
        )
        victim = Victim(
            accident=accident,
            sex="male",
            age=34,
            age_band="adult",
            victim_group="civilian",
            outcome="injured",
            tampering=False,
            name="Rəşad Məmmədov",
        )
        s.add_all([accident, victim])
        s.flush()
        s.add(
            Assistance(
                assistance_date=DAY,
                assistance_type="medical",
                organisation_id=ngo.id,
                victim_id=victim.id,
                male_adult=1,
            )
        )
        record = MinefieldRecord(
            reference="MR-0001",
            source="Handover 1994",
            received_date=dt.date(1994, 5, 1),
            anti_handling=True,
            expected_ap=120,
            geom=shapely.MultiPolygon([metres_box(46.95, 40.01, 0, 0, 50, 80)]),
            reference_points=MultiPoint([(46.95, 40.01), (46.9505, 40.0107)]),
            mine_rows=MultiLineString([[(46.9501, 40.0101), (46.9504, 40.0101)]]),
            area_m2=0.1 + 0.2,
        )
        s.add(record)
        s.flush()
        s.add(
            RecordAttachment(
                record_id=record.id,
                filename="map.tif",
                content_type="image/tiff",
                sha256="0" * 64,
                content=bytes(range(256)) * 4,
            )
        )
        s.add(
            Project(
                name="Aghdam–Fuzuli road",
                project_type="road",
                priority=1,
                geom=LineString([(46.90, 39.98), (46.97, 40.02)]),
            )
        )
        s.add(User(username="alice", role="data_officer", organisation_id=org.id))
        # A district re-parented under an area created after it: a forward reference.
        child = AdminArea(code="T-CHILD", name="Test village", level="settlement")
        s.add(child)
        s.flush()
        parent = AdminArea(code="T-PARENT", name="Test district", level="district")
        s.add(parent)
        s.flush()
        child.parent_id = parent.id
        # Case and punctuation sort differently under a locale than under C.
        for key in ("demo", "Zeta", "alpha", "_source", "Ağdam"):
            s.add(DatasetFact(key=key, value=f"fact {key}"))


def checksums(manifest: Manifest) -> dict[str, tuple[int, str]]:
    return {name: (d.rows, d.sha256) for name, d in manifest.tables.items()}


def rows(db: Database, table: str) -> int:
    with db.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(Base.metadata.tables[table])))


def utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


@pytest.fixture
def backup_file(db: Database, tmp_path: Path) -> tuple[Path, Manifest]:
    field_work(db)
    path = tmp_path / "national.mabackup"
    return path, backup(db, path)


# --- round trips -------------------------------------------------------------------------


@TARGETS
def test_a_restore_into_an_empty_database_gives_back_the_same_content(
    db: Database, empty_db: Database, backup_file: tuple[Path, Manifest], tmp_path: Path
) -> None:
    path, made = backup_file
    seen: dict[str, int] = {}
    restored = restore(empty_db, path, progress=lambda t, done, _: seen.__setitem__(t, done))
    assert checksums(restored) == checksums(made)
    assert seen == {name: d.rows for name, d in made.tables.items()}
    assert made.tables["hazards"].rows == 1 and made.tables["audit_log"].rows > 10
    # The target, backed up again, gives the very same checksums.
    assert checksums(backup(empty_db, tmp_path / "again.mabackup")) == checksums(made)


@TARGETS
def test_restored_records_are_identical_field_by_field(
    db: Database, empty_db: Database, backup_file: tuple[Path, Manifest]
) -> None:
    restore(empty_db, backup_file[0])
    with db.session() as a, empty_db.session() as b:
        before, after = a.scalars(select(Hazard)).one(), b.scalars(select(Hazard)).one()
        assert after.version == before.version > 1
        for field in ("geom", "remaining_geom", "benchmark_point"):
            assert shapely.to_wkb(getattr(after, field)) == shapely.to_wkb(getattr(before, field))
        assert (after.area_m2, after.released_m2) == (before.area_m2, before.released_m2)
        assert utc(after.updated_at) == utc(before.updated_at)
        victim = b.scalars(select(Victim)).one()
        assert (victim.name, victim.tampering, victim.age) == ("Rəşad Məmmədov", False, 34)
        record = b.scalars(select(MinefieldRecord)).one()
        assert record.area_m2 == 0.1 + 0.2
        assert record.anti_handling is True
        assert record.mine_rows.equals_exact(
            MultiLineString([[(46.9501, 40.0101), (46.9504, 40.0101)]]), 0
        )
        assert b.scalars(select(RecordAttachment)).one().content == bytes(range(256)) * 4
        child = b.scalars(select(AdminArea).filter_by(code="T-CHILD")).one()
        assert child.parent is not None and child.parent.code == "T-PARENT"

        def log(s: Any) -> list[tuple[Any, ...]]:
            return [
                (
                    e.id,
                    utc(e.at),
                    e.actor,
                    e.action,
                    e.kind,
                    e.record_id,
                    e.record_version,
                    e.before,
                    e.after,
                    e.note,
                )
                for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))
            ]

        assert log(b) == log(a)


@TARGETS
def test_after_a_restore_new_records_get_fresh_ids(
    db: Database, empty_db: Database, backup_file: tuple[Path, Manifest]
) -> None:
    restore(empty_db, backup_file[0])
    with empty_db.session(actor="alice") as s:
        last = s.scalar(select(func.max(Organisation.id)))
        org = operator(s, code="DDG", type_="ngo")
        h = hazard(s, at=(46.95, 40.03))
    assert org.id > last
    assert h.id == 2


@TARGETS
def test_after_a_restore_a_bbox_query_finds_the_restored_hazard(
    db: Database, empty_db: Database, backup_file: tuple[Path, Manifest]
) -> None:
    restore(empty_db, backup_file[0])
    lon, lat = AGDAM
    with empty_db.engine.connect() as conn:
        if empty_db.dialect == "sqlite":
            found = conn.execute(
                text(
                    "SELECT id FROM rtree_hazards WHERE min_x <= :x AND max_x >= :x "
                    "AND min_y <= :y AND max_y >= :y"
                ),
                {"x": lon + 0.001, "y": lat + 0.001},
            ).all()
            indexed = conn.scalar(text("SELECT count(*) FROM rtree_admin_areas"))
            assert indexed == rows(empty_db, "admin_areas") - 2  # the two test areas have no shape
            # The R*Trees are packed from the restored rows (store/rtree_pack.py): SQLite's
            # own check finds them sound.
            for tree in ("rtree_admin_areas", "rtree_hazards"):
                assert conn.scalar(text(f"SELECT rtreecheck('{tree}')")) == "ok"
        else:
            found = conn.execute(
                text("SELECT id FROM hazards WHERE geom && ST_MakeEnvelope(:x, :y, :x, :y, 4326)"),
                {"x": lon + 0.001, "y": lat + 0.001},
            ).all()
    assert [r.id for r in found] == [1]


# --- refusing and replacing -------------------------------------------------------------


def test_it_refuses_to_restore_over_a_database_with_content_and_leaves_it_unchanged(
    db: Database, backup_file: tuple[Path, Manifest]
) -> None:
    with db.session() as s:
        operator(s, code="LATE", type_="ngo")
    orgs, log = rows(db, "organisations"), rows(db, "audit_log")
    with pytest.raises(ConflictError, match="not empty: it holds") as err:
        restore(db, backup_file[0])
    assert "--force" in (err.value.hint or "")
    assert (rows(db, "organisations"), rows(db, "audit_log")) == (orgs, log)


def test_with_force_it_replaces_the_content(
    db: Database, backup_file: tuple[Path, Manifest], tmp_path: Path
) -> None:
    path, made = backup_file
    with db.session() as s:
        operator(s, code="LATE", type_="ngo")
        hazard(s, at=(46.95, 40.03))
    restored = restore(db, path, force=True)
    assert (
        checksums(backup(db, tmp_path / "after.mabackup")) == checksums(made) == checksums(restored)
    )
    with db.session() as s:
        assert s.scalars(select(Organisation).filter_by(code="LATE")).all() == []
        assert s.scalars(select(Hazard.id)).all() == [1]
    # The audit log is append-only again once the restore is over.
    with pytest.raises(DBAPIError, match="append-only"), db.session() as s:
        s.execute(text("DELETE FROM audit_log"))


def test_a_failed_restore_changes_nothing(
    db: Database, backup_file: tuple[Path, Manifest], tmp_path: Path
) -> None:
    path, _ = backup_file
    damaged = tmp_path / "damaged.mabackup"
    shutil.copy(path, damaged)
    with sqlite3.connect(damaged) as conn:  # a bit flipped in the last table of the file
        conn.execute("UPDATE victims SET age = 35")
    with db.session() as s:
        operator(s, code="LATE", type_="ngo")
    before = checksums(backup(db, tmp_path / "before.mabackup"))
    with pytest.raises(ValidationError, match="checksum of table victims"):
        restore(db, damaged, force=True)
    assert checksums(backup(db, tmp_path / "after.mabackup")) == before
    with pytest.raises(DBAPIError, match="append-only"), db.session() as s:
        s.execute(text("DELETE FROM audit_log"))


@pytest.mark.parametrize("empty_db", ["postgis"], indirect=True)
def test_a_restore_the_target_refuses_half_way_leaves_it_empty(
    sqlite_db: Database, empty_db: Database, tmp_path: Path
) -> None:
    field_work(sqlite_db)
    with sqlite_db.engine.begin() as conn:  # SQLite does not check geometry kinds; PostGIS does
        polygon = shapely.to_wkb(metres_box(*AGDAM, 0, 0, 300, 300))
        conn.execute(text("UPDATE hazards SET geom = :wkb"), {"wkb": polygon})
    path = tmp_path / "laptop.mabackup"
    backup(sqlite_db, path)
    with pytest.raises(DatabaseError, match="Table hazards could not be restored") as err:
        restore(empty_db, path)
    assert "Nothing was changed" in (err.value.hint or "")
    assert rows(empty_db, "admin_areas") == rows(empty_db, "organisations") == 0


# --- the backup file ---------------------------------------------------------------------


def test_a_backup_is_one_plain_sqlite_file_that_verifies(
    db: Database, backup_file: tuple[Path, Manifest]
) -> None:
    path, made = backup_file
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []
    assert made.dialect == db.engine.dialect.name
    assert made.created_at.tzinfo is not None
    assert checksums(verify(path)) == checksums(made)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM hazards").fetchone()[0] == 1
        wkb = conn.execute("SELECT geom FROM findings").fetchone()[0]
        assert shapely.from_wkb(wkb).equals_exact(Point(46.9312345678912, 39.9912345678912), 0)


def test_it_refuses_to_overwrite_an_existing_file(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "taken.mabackup"
    path.write_text("precious")
    with pytest.raises(ConflictError, match="already exists"):
        backup(db, path)
    assert path.read_text() == "precious"
    backup(db, path, overwrite=True)
    verify(path)


@pytest.mark.parametrize("empty_db", ["sqlite", "postgis"], indirect=True)
def test_it_refuses_to_back_up_a_database_without_schema(
    empty_db: Database, tmp_path: Path
) -> None:
    with pytest.raises(DatabaseError, match="nothing to back up") as err:
        backup(empty_db, tmp_path / "b.mabackup")
    assert "mineaction init" in (err.value.hint or "")
    assert list(tmp_path.glob("*b.mabackup*")) == []


def test_it_reports_a_missing_file(db: Database, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="no backup file"):
        restore(db, tmp_path / "nowhere.mabackup")
    with pytest.raises(NotFoundError):
        verify(tmp_path / "nowhere.mabackup")


@pytest.mark.parametrize(
    "content", [b"", b"PK\x03\x04 this is a zip, not a backup" * 100], ids=["empty", "garbage"]
)
def test_it_rejects_a_file_that_is_not_a_backup(
    db: Database, tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "not.mabackup"
    path.write_bytes(content)
    with pytest.raises(ValidationError, match="is not a mineaction backup"):
        restore(db, path, force=True)
    assert rows(db, "admin_areas") > 0


def test_it_rejects_a_plain_sqlite_database(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE hazards (id INTEGER PRIMARY KEY)")
    with pytest.raises(ValidationError, match="is not a mineaction backup"):
        verify(path)


def test_it_refuses_a_backup_of_another_schema_revision(
    db: Database, backup_file: tuple[Path, Manifest], empty_db: Database
) -> None:
    path, _ = backup_file
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE backup_manifest SET value = '0099' WHERE key = 'revision'")
    with pytest.raises(ValidationError, match=r"revision 0099; this mineaction is at revision"):
        restore(empty_db, path)
    assert not empty_db.has_schema()


def test_progress_is_reported_per_table(db: Database, tmp_path: Path) -> None:
    seen: dict[str, tuple[int, int]] = {}
    made = backup(
        db,
        tmp_path / "b.mabackup",
        progress=lambda table, done, total: seen.__setitem__(table, (done, total)),
    )
    assert seen == {name: (d.rows, d.rows) for name, d in made.tables.items()}


# --- consistency while others write -------------------------------------------------------


def test_a_backup_taken_while_others_write_is_one_snapshot(db: Database, tmp_path: Path) -> None:
    stop, written, during = threading.Event(), [0], [0]

    def field_office() -> None:
        while not stop.is_set():
            with db.session(actor="field-office") as s:
                s.add(Organisation(code=f"ORG-{written[0]:04d}", name="Mobile team", type="ngo"))
            written[0] += 1

    def slow_down(table: str, done: int, total: int) -> None:
        # The audit log is read before the organisations: let the field office
        # commit more organisations (with their audit entries) in between.
        if table == "audit_log" and done == total:
            start, deadline = written[0], time.monotonic() + 20
            while written[0] < start + 5 and time.monotonic() < deadline:
                stop.wait(0.01)
            during[0] = written[0] - start

    writer = threading.Thread(target=field_office, daemon=True)
    writer.start()
    try:
        while written[0] < 3:
            stop.wait(0.01)
        path = tmp_path / "busy.mabackup"
        made = backup(db, path, progress=slow_down)
    finally:
        stop.set()
        writer.join(timeout=30)
    assert during[0] >= 5
    verify(path)
    with sqlite3.connect(path) as conn:
        for name, digest in made.tables.items():
            assert conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] == digest.rows
        orgs = {r[0] for r in conn.execute("SELECT id FROM organisations")}
        created = {
            r[0]
            for r in conn.execute(
                "SELECT record_id FROM audit_log WHERE kind = 'organisations' AND action = 'create'"
            )
        }
    assert orgs == created and len(orgs) >= 3
    assert rows(db, "organisations") >= len(orgs) + 5
