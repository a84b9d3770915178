"""Every migration, from the first schema to the last, on a database that holds data.

Story: a national authority installed the first release and has worked
with it since.  Each upgrade is applied one revision at a time to a
database filled with what that revision could hold (organisations, a
hazard polygon, findings, an activity with progress reports, users, audit
entries with non-ASCII JSON, sign-in bookkeeping), and after each step
every row written so far must still be there with the same values.  At the
head the schema equals the models; then every downgrade runs back to the
first revision, the data that the older schema can hold survives it, and
the upgrade runs once more.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import shapely
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    Date,
    Float,
    Integer,
    String,
    Text,
    column,
    func,
    insert,
    select,
    table,
)
from sqlalchemy.sql.expression import TableClause

from mineaction.services.audit import verify_chain
from mineaction.store import rollup_ddl, schema
from mineaction.store.database import Database
from mineaction.store.tables import Base, Organisation
from mineaction.store.types import Geometry, UTCDateTime
from tests.conftest import BACKENDS

NOW = dt.datetime(2024, 5, 2, 8, 30, 15, 123456, tzinfo=dt.UTC)
DAY = dt.date(2024, 5, 2)
SQUARE = shapely.MultiPolygon([shapely.box(46.93, 39.99, 46.94, 40.0)])
RECORD = {"version": 1, "approval": "approved", "created_at": NOW, "updated_at": NOW}


def tbl(table_name: str, /, **types: Any) -> TableClause:
    """A table as a migration sees it: just the columns a step writes or reads."""
    return table(table_name, *(column(c, t) for c, t in types.items()))


ORGS = tbl("organisations", id=Integer, code=String, name=String, type=String, active=Boolean)
HAZARDS = tbl(
    "hazards",
    id=Integer,
    reference=String,
    hazard_type=String,
    contamination=String,
    status=String,
    recorded_date=Date,
    geom=Geometry("MULTIPOLYGON"),
    area_m2=Float,
    released_m2=Float,
)
FINDINGS = tbl(
    "findings", id=Integer, found_date=Date, category=String, quantity=Integer, geom=Geometry()
)
ACTIVITIES = tbl(
    "activities",
    id=Integer,
    reference=String,
    activity_type=String,
    status=String,
    organisation_id=Integer,
    start_date=Date,
)
REPORTS = tbl(
    "progress_reports",
    id=Integer,
    activity_id=Integer,
    report_date=Date,
    area_m2=Float,
    team_days=Float,
)
USERS = tbl("users", id=Integer, username=String, role=String, disabled=Boolean)
AUDIT = tbl(
    "audit_log",
    id=Integer,
    at=UTCDateTime(),
    actor=String,
    action=String,
    kind=String,
    record_id=Integer,
    record_version=Integer,
    before=JSON,
    after=JSON,
    note=Text,
)
FAILURES = tbl("login_failures", id=Integer, username=String, at=UTCDateTime())
SUBMISSIONS = tbl(
    "submissions",
    id=Integer,
    kind=String,
    record_id=Integer,
    organisation_id=Integer,
    created_by=String,
)


def widen(clause: TableClause, *extra: Any) -> TableClause:
    """``clause`` with more columns: those a later revision adds, or the record bookkeeping."""
    return table(clause.name, *(column(c.name, c.type) for c in clause.c), *extra)


def bookkeeping() -> list[Any]:
    return [
        column("version"),
        column("approval"),
        *(column(k, UTCDateTime()) for k in ("created_at", "updated_at")),
    ]


def record(row: dict[str, Any]) -> dict[str, Any]:
    return {**RECORD, **row}


def at_0001(conn: Connection) -> None:
    orgs = [
        {"id": 1, "code": "ANAMA", "name": "Agency", "type": "national_authority", "active": True},
        {"id": 2, "code": "HALO", "name": "Şuşa ekipi", "type": "ngo", "active": True},
    ]
    with_record = [
        *((ORGS, record(org)) for org in orgs),
        (
            HAZARDS,
            record(
                {
                    "id": 1,
                    "reference": "CHA-001",
                    "hazard_type": "cha",
                    "contamination": "ap_mines",
                    "status": "open",
                    "recorded_date": DAY,
                    "geom": SQUARE,
                    "area_m2": 1_000_000.5,
                    "released_m2": 0.0,
                }
            ),
        ),
        (
            FINDINGS,
            record(
                {
                    "id": 1,
                    "found_date": DAY,
                    "category": "at_mine",
                    "quantity": 3,
                    "geom": shapely.Point(46.935, 39.995),
                }
            ),
        ),
        (
            ACTIVITIES,
            record(
                {
                    "id": 1,
                    "reference": "ACT-1",
                    "activity_type": "clearance_manual",
                    "status": "ongoing",
                    "organisation_id": 1,
                    "start_date": DAY,
                }
            ),
        ),
        (
            REPORTS,
            record(
                {"id": 1, "activity_id": 1, "report_date": DAY, "area_m2": 250.0, "team_days": 1}
            ),
        ),
        (USERS, record({"id": 1, "username": "im.officer", "role": "im_officer", "disabled": 0})),
    ]
    for clause, row in with_record:
        conn.execute(insert(widen(clause, *bookkeeping())), [row])
    conn.execute(
        insert(AUDIT),
        [
            {
                "id": i,
                "at": NOW + dt.timedelta(seconds=i),
                "actor": "data-officer",
                "action": "create",
                "kind": "hazards",
                "record_id": 1,
                "record_version": i,
                "before": None if i == 1 else {"name": "Ağdam", "area_m2": 0.1},
                "after": {"name": "Füzuli", "area_m2": 1e-7 * i, "tags": ["a", "b"]},
                "note": "import of CHA.csv" if i % 2 else None,
            }
            for i in range(1, 6)
        ],
    )


def at_0002(conn: Connection) -> None:
    conn.execute(
        insert(widen(FINDINGS, column("date_precision"), *bookkeeping())),
        [
            record(
                {
                    "id": 2,
                    "found_date": dt.date(2024, 5, 1),
                    "date_precision": "month",
                    "category": "uxo",
                    "quantity": 1,
                    "geom": None,
                }
            )
        ],
    )


def at_0006(conn: Connection) -> None:
    conn.execute(insert(FAILURES), [{"id": 1, "username": "intruder", "at": NOW}])
    conn.execute(
        insert(SUBMISSIONS),
        [{"id": 1, "kind": "hazards", "record_id": 1, "organisation_id": 2, "created_by": "x"}],
    )


def at_0009(conn: Connection) -> None:
    more = (column("status"), column("depth_cm"), column("eo_found"), column("geom", Geometry()))
    conn.execute(
        insert(widen(REPORTS, *more, *bookkeeping())),
        [
            record(
                {
                    "id": 2,
                    "activity_id": 1,
                    "report_date": DAY + dt.timedelta(days=1),
                    "area_m2": 300.0,
                    "team_days": 1.5,
                    "status": "ongoing",
                    "depth_cm": 13,
                    "eo_found": 2,
                    "geom": shapely.Point(46.931, 39.991),
                }
            )
        ],
    )


FILL: dict[str, Callable[[Connection], None]] = {
    "0001": at_0001,
    "0002": at_0002,
    "0006": at_0006,
    "0009": at_0009,
}

#: What must survive, per table: the columns compared, ordered by id.
KEPT: dict[str, TableClause] = {
    "organisations": ORGS,
    "hazards": HAZARDS,
    "findings": FINDINGS,
    "activities": ACTIVITIES,
    "progress_reports": REPORTS,
    "users": USERS,
    "audit_log": AUDIT,
    "login_failures": FAILURES,
    "submissions": SUBMISSIONS,
}


def move_sequences(conn: Connection) -> None:
    """Rows were written with their ids, as the application never does: catch PostgreSQL up."""
    if conn.dialect.name != "postgresql":
        return
    for name in set(conn.dialect.get_table_names(conn)) & set(KEPT):
        conn.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), max(id)) FROM {name} "
            "HAVING max(id) IS NOT NULL"
        )


def revisions() -> list[str]:
    script = ScriptDirectory.from_config(schema.alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def contents(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every kept table's rows (the compared columns), geometry as WKT, by id."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with db.engine.connect() as conn:
        present = set(conn.dialect.get_table_names(conn))
        for name, clause in KEPT.items():
            if name not in present:
                continue
            rows = conn.execute(select(*clause.c).order_by(clause.c.id)).all()
            out[name] = [tuple(_plain(v) for v in row) for row in rows]
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, shapely.Geometry):
        return shapely.to_wkt(value, rounding_precision=-1)
    if isinstance(value, bool):
        return int(value)
    return value


def same_schema_as_models(db: Database) -> list[Any]:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_name": schema.include_name, "compare_type": True}
        )
        return list(compare_metadata(context, Base.metadata))


@pytest.mark.parametrize("empty_db", BACKENDS, indirect=True)
def test_every_migration_keeps_the_data_from_the_first_schema_to_the_last(
    empty_db: Database,
) -> None:
    db = empty_db
    steps = revisions()
    assert steps[0] == "0001" and steps[-1] == schema.head_revision()
    history: list[dict[str, list[tuple[Any, ...]]]] = []
    for revision in steps:
        schema.upgrade(db, revision)
        assert schema.current_revision(db) == revision
        before = history[-1] if history else {}
        now = contents(db)
        for name, rows in before.items():
            assert now[name] == rows, f"{name} changed when upgrading to {revision}"
        if revision in FILL:
            with db.engine.begin() as conn:
                FILL[revision](conn)
                move_sequences(conn)
        history.append(contents(db))

    final = history[-1]
    assert len(final["audit_log"]) == 5 and len(final["findings"]) == 2
    assert len(final["progress_reports"]) == 2 and final["login_failures"]
    # The findings written before 0002 knew only the day, and say so.
    with db.engine.connect() as conn:
        precision = conn.execute(select(column("date_precision")).select_from(table("findings")))
        assert sorted(precision.scalars()) == ["day", "month"]
    assert same_schema_as_models(db) == []
    # The report roll-ups were filled from the findings already there (3 + 1 items).
    with db.engine.connect() as conn:
        assert not any(rollup_ddl.differences(conn).values())
        sums = conn.exec_driver_sql(
            "SELECT dimension, sum(items) FROM finding_rollup GROUP BY dimension"
        ).all()
        assert sorted((d, int(n)) for d, n in sums) == [
            ("district", 4),
            ("model", 4),
            ("operator", 4),
        ]
    # The entries written before 0010 were chained by it; new ones follow on.
    assert verify_chain(db).intact and verify_chain(db).entries == 5
    with db.session(actor="im-officer") as s:
        s.add(Organisation(code="MOD", name="Ministry of Defence", type="military"))
    report = verify_chain(db)
    assert report.intact and report.entries == 6
    snapshot = contents(db)

    # Down, one revision at a time, to the first schema: what the older schema holds survives.
    for revision in reversed(steps[:-1]):
        schema_downgrade(db, revision)
        assert schema.current_revision(db) == revision
        now = contents(db)
        for name, rows in now.items():
            assert rows == snapshot[name], f"{name} changed when downgrading to {revision}"
        assert set(now) <= set(snapshot)
    assert "login_failures" not in contents(db)

    # And up again: the chain is rebuilt over what is there, and still verifies.
    schema.upgrade(db)
    assert verify_chain(db).entries == 6 and verify_chain(db).intact
    assert same_schema_as_models(db) == []
    with db.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(table("hazards"))) == 1
        assert not any(rollup_ddl.differences(conn).values())
        assert conn.scalar(select(func.count()).select_from(table("finding_rollup"))) == 6


def schema_downgrade(db: Database, revision: str) -> None:
    cfg = schema.alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
