"""The schema on both backends: migrations, indexes, versions and the append-only history."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DatabaseError as SQLDatabaseError

from mineaction.errors import ConflictError
from mineaction.services.approval import history_query
from mineaction.services.records import update_record
from mineaction.store import schema
from mineaction.store.database import Database
from mineaction.store.tables import AuditEntry, Base, Organisation
from tests.conftest import BACKENDS
from tests.factories import hazard, operator


@pytest.mark.parametrize("empty_db", BACKENDS, indirect=True)
def test_init_creates_the_schema_and_is_safe_to_run_twice(empty_db: Database) -> None:
    assert schema.current_revision(empty_db) is None
    schema.upgrade(empty_db)
    schema.upgrade(empty_db)
    assert schema.current_revision(empty_db) == schema.head_revision()


def test_the_migrations_build_exactly_the_tables_the_code_declares(db: Database) -> None:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_name": schema.include_name, "compare_type": True}
        )
        assert compare_metadata(context, Base.metadata) == []


@pytest.mark.parametrize("column", ["activity_id", "hazard_id"])
def test_findings_by_activity_or_hazard_are_found_through_an_index_of_the_linked_rows(
    db: Database, column: str
) -> None:
    name = f"ix_findings_{column}"
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            definition = conn.exec_driver_sql(
                "SELECT indexdef FROM pg_indexes WHERE indexname = %s", (name,)
            ).scalar_one()
        else:
            definition = conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = ?", (name,)
            ).scalar_one()
        plan = _plan(conn, f"SELECT id FROM findings WHERE {column} = 7")
    assert f"{column} IS NOT NULL" in definition  # the rows without a link are left out
    assert name in plan


def test_a_records_history_is_found_through_an_index_not_a_scan_of_the_whole_log(
    db: Database,
) -> None:
    query = history_query("findings", 7).compile(
        dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}
    )
    with db.engine.connect() as conn:
        plan = _plan(conn, str(query))
    assert "ix_audit_log_record" in plan, plan


def _plan(conn: Connection, query: str) -> str:
    """Return the database's plan for ``query``, as one line of text."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a few rows: it would scan
        return " ".join(str(r[0]) for r in conn.exec_driver_sql(f"EXPLAIN {query}"))
    return " ".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {query}"))


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_db: Database) -> None:
    with sqlite_db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_postgis_stores_native_geometry_with_gist_indexes(postgis_db: Database) -> None:
    with postgis_db.engine.connect() as conn:
        kinds = dict(
            conn.execute(
                text(
                    "SELECT f_table_name, type FROM geometry_columns "
                    "WHERE f_geometry_column = 'geom'"
                )
            ).all()
        )
        indexes = (
            conn.execute(
                text("SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%USING gist%'")
            )
            .scalars()
            .all()
        )
    assert kinds["hazards"] == "MULTIPOLYGON" and kinds["findings"] == "POINT"
    assert "gix_hazards_geom" in indexes and "gix_findings_geom" in indexes


def test_a_bounding_box_query_finds_hazards_on_either_backend(db: Database) -> None:
    with db.session() as s:
        h = hazard(s, size_m=300)
        hid = h.id
    probe = (46.931, 39.991, 46.932, 39.992)
    with db.engine.connect() as conn:
        if db.dialect == "sqlite":
            found = (
                conn.execute(
                    text(
                        "SELECT id FROM rtree_hazards WHERE min_x <= :x2 AND max_x >= :x1 "
                        "AND min_y <= :y2 AND max_y >= :y1"
                    ),
                    dict(zip(("x1", "y1", "x2", "y2"), probe, strict=True)),
                )
                .scalars()
                .all()
            )
        else:
            found = (
                conn.execute(
                    text(
                        "SELECT id FROM hazards "
                        "WHERE geom && ST_MakeEnvelope(:x1, :y1, :x2, :y2, 4326)"
                    ),
                    dict(zip(("x1", "y1", "x2", "y2"), probe, strict=True)),
                )
                .scalars()
                .all()
            )
    assert found == [hid]


def test_the_sqlite_rtree_follows_updates_and_deletes(sqlite_db: Database) -> None:
    db = sqlite_db
    with db.session() as s:
        h = hazard(s, size_m=100)
    with db.session() as s:
        h = s.merge(h)
        from tests.factories import metres_box

        h.geom = metres_box(47.5, 39.5, 0, 0, 100, 100)
    with db.engine.connect() as conn:
        (min_x,) = conn.exec_driver_sql(f"SELECT min_x FROM rtree_hazards WHERE id = {h.id}").one()
        assert min_x == pytest.approx(47.5, abs=1e-5)
    with db.session() as s:
        s.delete(s.get(type(h), h.id))
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM rtree_hazards").scalar() == 0


def test_the_audit_log_refuses_updates_and_deletes(db: Database) -> None:
    with db.session(actor="alice") as s:
        operator(s)
    for statement in ("UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log"):
        with pytest.raises(SQLDatabaseError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(statement))
    with db.session() as s:
        assert [e.actor for e in s.query(AuditEntry).filter_by(kind="organisations")] == ["alice"]


def test_an_update_based_on_a_stale_version_is_refused(db: Database) -> None:
    with db.session() as s:
        org = operator(s, "MOD", "military")
    with db.session(actor="alice") as s:
        update_record(
            s, Organisation, org.id, expected_version=1, changes={"name": "Ministry of Defence"}
        )
    with pytest.raises(ConflictError, match="version 2"), db.session(actor="bob") as s:
        update_record(s, Organisation, org.id, expected_version=1, changes={"name": "MoD (stale)"})
    with db.session() as s:
        assert s.get(Organisation, org.id).name == "Ministry of Defence"


def test_two_sessions_racing_on_one_record_lose_no_update(db: Database) -> None:
    with db.session() as s:
        org = operator(s, "MES", "civil_protection")
    # Bob's session begins without the write lock (write=False): on SQLite a writing
    # session would hold it from its start, and alice would wait for bob instead.
    with pytest.raises(ConflictError), db.session(actor="bob", write=False) as second:
        stale = second.get(Organisation, org.id)  # bob reads version 1
        with db.session(actor="alice") as first:
            first.get(Organisation, org.id).name = "Ministry of Emergency Situations"
        stale.name = "MES (written over)"  # and saves over alice's change: refused
    with db.session() as s:
        stored = s.get(Organisation, org.id)
        assert (stored.name, stored.version) == ("Ministry of Emergency Situations", 2)


def test_every_change_is_in_the_history_with_who_when_before_and_after(db: Database) -> None:
    before = dt.datetime.now(dt.UTC)
    with db.session(actor="alice") as s:
        org = operator(s, "BORDER", "border_service")
    with db.session(actor="bob") as s:
        update_record(
            s, Organisation, org.id, expected_version=1, changes={"name": "State Border Service"}
        )
    with db.session() as s:
        entries = s.query(AuditEntry).filter_by(kind="organisations").order_by(AuditEntry.id).all()
    assert [(e.action, e.actor, e.record_version) for e in entries] == [
        ("create", "alice", 1),
        ("update", "bob", 2),
    ]
    assert entries[1].before == {"name": "BORDER operator"}
    assert entries[1].after == {"name": "State Border Service"}
    assert all(e.at >= before - dt.timedelta(seconds=1) for e in entries)
