"""The EORE and assistance reports read from their roll-ups give what sums of the raw rows give.

Story: operators record risk-education sessions and assistance over three
years; the IM officer approves, rejects and corrects them, moves some to
another month, district or operator, deletes a few, and a batch arrives in
one statement. Whatever was written and however, each report (whole months
from the roll-up, the days at the ends from the records) must equal the JSON
built here from the raw rows — for the whole history, a week, odd periods, a
single day and with unapproved records — and each roll-up must equal one
made afresh. On SQLite and on PostGIS. A last test upgrades a database that
already holds records to the migration that adds the roll-ups, and back.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import delete, insert, select, text, update

from mineaction.analytics.reports import ReportParams, compute_report
from mineaction.services import backup
from mineaction.store import beneficiary_rollup_ddl, schema
from mineaction.store.database import Database
from mineaction.store.tables import (
    BENEFICIARY_COLUMNS,
    AdminArea,
    Assistance,
    EORESession,
    Organisation,
)
from tests.conftest import BACKENDS

FIRST_DAY = dt.date(2022, 1, 1)
DAYS = 3 * 365
STATES = ("approved",) * 4 + ("submitted", "draft", "rejected", "superseded")
METHODS = ("session", "school", "community", "media")
TYPES = ("medical", "rehabilitation", "psychosocial", "economic", "education")
#: The two reports as the raw rows see them: model, date, kind column, JSON keys.
REPORTS = {
    "eore": (EORESession, "session_date", "method", "method", "sessions"),
    "assistance": (Assistance, "assistance_date", "assistance_type", "type", "records"),
}
PERIODS = {
    "whole-history": ReportParams(dt.date(2021, 6, 1), dt.date(2025, 6, 30)),
    "one-week": ReportParams.for_week("2023-W18"),
    "odd-months": ReportParams(dt.date(2022, 2, 3), dt.date(2023, 9, 30)),
    "whole-months": ReportParams(dt.date(2023, 3, 1), dt.date(2024, 2, 29)),
    "one-day": ReportParams(dt.date(2023, 5, 2), dt.date(2023, 5, 2)),
    "with-unapproved": ReportParams(
        dt.date(2022, 1, 17), dt.date(2024, 12, 31), include_unapproved=True
    ),
}
NOW = dt.datetime(2024, 5, 2, 8, 30, tzinfo=dt.UTC)
#: The tie: two operators with the same beneficiaries in the week, named in reverse order.
TIED_DAY = dt.date(2023, 5, 2)


def _record(model: Any, rng: random.Random, orgs: list[int], areas: list[int | None]) -> Any:
    date, kind = REPORTS["eore" if model is EORESession else "assistance"][1:3]
    return model(
        **{
            date: FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS)),
            kind: rng.choice(METHODS if model is EORESession else TYPES),
        },
        organisation_id=rng.choice(orgs),
        admin_area_id=rng.choice(areas),
        approval=rng.choice(STATES),
        **{c: rng.choice((0, 0, rng.randint(1, 40))) for c in BENEFICIARY_COLUMNS},
    )


@pytest.fixture(scope="module")
def varied(module_db: Database) -> Database:
    rng = random.Random(11)
    with module_db.session() as s:
        for code, name in (("KK", "Karabakh Clearance"), ("MM", "Mid Demining")):
            s.add(Organisation(code=code, name=name, type="ngo"))
        s.flush()
        orgs = list(s.scalars(select(Organisation.id)))
        areas: list[int | None] = [
            None,
            *s.scalars(select(AdminArea.id).where(AdminArea.level == "district")).all()[:9],
        ]
        for model, n in ((EORESession, 1200), (Assistance, 1000)):
            s.add_all(_record(model, rng, orgs, areas) for _ in range(n))
        s.commit()
    with module_db.session() as s:
        # Corrections one record at a time: another month, district, operator, kind, state.
        for model in (EORESession, Assistance):
            date, kind = REPORTS["eore" if model is EORESession else "assistance"][1:3]
            records = s.scalars(select(model).order_by(model.id)).all()
            for r in rng.sample(records, 40):
                setattr(r, date, getattr(r, date) + dt.timedelta(days=rng.randint(-45, 45)))
            for r in rng.sample(records, 30):
                r.approval = rng.choice(STATES)
                r.admin_area_id = rng.choice(areas)
            for r in rng.sample(records, 20):
                r.organisation_id = rng.choice(orgs)
                setattr(r, kind, rng.choice(METHODS if model is EORESession else TYPES))
                r.female_adult = rng.randint(0, 60)
            for r in rng.sample(records, 15):
                s.delete(r)
            s.flush()
        s.commit()
    with module_db.engine.begin() as conn:
        # Statements touching many rows at once (one statement trigger on PostgreSQL).
        more = [_record(EORESession, rng, orgs, areas) for _ in range(150)]
        conn.execute(
            insert(EORESession),
            [
                {c: getattr(r, c) for c in ("session_date", "method", "organisation_id",
                                            "admin_area_id", "approval", *BENEFICIARY_COLUMNS)}
                for r in more
            ],
        )  # fmt: skip
        conn.execute(
            update(Assistance)
            .where(Assistance.id % 3 == 0)
            .values(male_adult=Assistance.male_adult + 2)
        )
        # A column that counts for nothing: the roll-up stays as it is.
        conn.execute(update(EORESession).where(EORESession.id % 5 == 0).values(location="x"))
        later = (
            "session_date + 20"
            if conn.dialect.name == "postgresql"
            else ("date(session_date, '+20 days')")
        )
        conn.execute(text(f"UPDATE eore_sessions SET session_date = {later} WHERE id % 7 = 0"))
        conn.execute(delete(Assistance).where(Assistance.id % 11 == 0))
        # Two operators with the same figures on one day: the report orders them by name.
        for code, name in (("ZZ", "Zafar Demining"), ("AA", "Alpha Demining")):
            org = conn.execute(
                insert(Organisation).values(code=code, name=name, type="ngo", active=True)
            ).inserted_primary_key[0]
            conn.execute(
                insert(EORESession).values(
                    session_date=TIED_DAY, organisation_id=org, method="school", male_child=7,
                    approval="approved", version=1, created_at=NOW, updated_at=NOW,
                )
            )  # fmt: skip
            conn.execute(
                insert(Assistance).values(
                    assistance_date=TIED_DAY, organisation_id=org, assistance_type="medical",
                    female_adult=1, approval="approved", version=1, created_at=NOW,
                    updated_at=NOW,
                )
            )  # fmt: skip
    return module_db


def expected(db: Database, name: str, params: ReportParams) -> dict[str, Any]:
    """The report's JSON, built here from the raw rows."""
    model, date, kind, kind_key, count_key = REPORTS[name]
    states = ("approved", "submitted", "draft") if params.include_unapproved else ("approved",)
    with db.session() as s:
        rows = s.execute(
            select(
                getattr(model, date), getattr(model, kind), model.admin_area_id,
                model.organisation_id, model.approval,
                *(getattr(model, c) for c in BENEFICIARY_COLUMNS),
            )
        ).all()  # fmt: skip
        districts = dict(s.execute(select(AdminArea.id, AdminArea.name)).all())
        operators = dict(s.execute(select(Organisation.id, Organisation.name)).all())
    kept = [r for r in rows if params.date_from <= r[0] <= params.date_to and r[4] in states]

    def figures(group: list[Any]) -> dict[str, int]:
        out = {count_key: len(group)}
        for i, c in enumerate(BENEFICIARY_COLUMNS):
            out[c] = sum(r[5 + i] for r in group)
        out["beneficiaries"] = sum(out[c] for c in BENEFICIARY_COLUMNS)
        return out

    def grouped(at: int) -> dict[Any, list[Any]]:
        groups: dict[Any, list[Any]] = defaultdict(list)
        for r in kept:
            groups[r[at]].append(r)
        return groups

    by_district = [{"district": districts.get(a), **figures(g)} for a, g in grouped(2).items()]
    by_operator = [{"operator": operators[o], **figures(g)} for o, g in grouped(3).items()]
    return {
        "period": {"from": params.date_from.isoformat(), "to": params.date_to.isoformat()},
        "totals": figures(kept),
        "by_district": sorted(
            by_district, key=lambda r: (r["district"] is None, r["district"] or "")
        ),
        "by_operator": sorted(by_operator, key=lambda r: (-r["beneficiaries"], r["operator"])),
        f"by_{kind_key}": [{kind_key: k, **figures(g)} for k, g in sorted(grouped(1).items())],
    }


def test_each_rollup_equals_one_made_afresh(varied: Database) -> None:
    with varied.engine.connect() as conn:
        assert beneficiary_rollup_ddl.differences(conn) == {
            "eore_rollup": 0,
            "assistance_rollup": 0,
        }
        for table in ("eore_rollup", "assistance_rollup"):
            # Every record counts once per dimension; emptied rows were deleted.
            counts = conn.exec_driver_sql(
                f"SELECT dimension, sum(records), min(records) FROM {table} GROUP BY dimension"
            ).all()
            assert len({int(n) for _d, n, _m in counts}) == 1 and len(counts) == 3
            assert min(int(m) for _d, _n, m in counts) >= 1


@pytest.mark.parametrize("period", PERIODS, ids=list(PERIODS))
@pytest.mark.parametrize("name", REPORTS)
def test_the_report_equals_the_raw_rows(varied: Database, name: str, period: str) -> None:
    params = PERIODS[period]
    with varied.session() as s:
        data = compute_report(session=s, name=name, params=params)
    want = expected(varied, name, params)
    assert want["totals"][REPORTS[name][4]] > 0, "the period has records"
    assert data == want
    assert list(data) == list(want), "the keys in the contract's order"


def test_operators_with_equal_beneficiaries_come_in_name_order(varied: Database) -> None:
    with varied.session() as s:
        data = compute_report(session=s, name="eore", params=ReportParams(TIED_DAY, TIED_DAY))
    names = [r["operator"] for r in data["by_operator"]]
    assert names.index("Alpha Demining") < names.index("Zafar Demining")


def test_a_tampered_rollup_is_found_by_the_cli_and_a_restore_rebuilds_it(
    varied: Database, run: Any, tmp_path: Path
) -> None:
    path = tmp_path / "programmes.mabackup"
    manifest = backup.backup(varied, path)
    assert "eore_rollup" not in manifest.tables and "eore_sessions" in manifest.tables
    with varied.engine.begin() as conn:
        conn.execute(text("UPDATE eore_rollup SET male_child = male_child + 1"))
        touched = conn.execute(text("SELECT count(*) FROM eore_rollup")).scalar_one()
        conn.execute(text("DELETE FROM assistance_rollup WHERE dimension = 'kind'"))
    bad = run("db", "rollup", "--database", varied.url, "--format", "json")
    assert bad.code == 2
    differing = json.loads(bad.out)["differing"]
    assert differing["eore_rollup"] == touched and differing["assistance_rollup"] > 0
    assert differing["finding_rollup"] == 0
    backup.restore(varied, path, force=True)
    ok = run("db", "rollup", "--database", varied.url)
    assert ok.code == 0 and "equal what the records make" in ok.out


@pytest.mark.parametrize("empty_db", BACKENDS, indirect=True)
def test_the_migration_fills_the_rollups_from_the_records_there_and_goes_back(
    empty_db: Database,
) -> None:
    db = empty_db
    script = ScriptDirectory.from_config(schema.alembic_config())
    before = script.get_revision("0014").down_revision
    assert isinstance(before, str)
    schema.upgrade(db, before)
    rng = random.Random(3)
    with db.engine.begin() as conn:
        org = conn.execute(
            insert(Organisation).values(code="HALO", name="HALO", type="ngo", active=True)
        ).inserted_primary_key[0]
        for model in (EORESession, Assistance):
            conn.execute(
                insert(model),
                [_plain(_record(model, rng, [org], [None])) for _ in range(60)],
            )
    schema.upgrade(db)
    params = ReportParams(FIRST_DAY, FIRST_DAY + dt.timedelta(days=DAYS))
    with db.engine.connect() as conn:
        assert beneficiary_rollup_ddl.differences(conn) == {
            "eore_rollup": 0,
            "assistance_rollup": 0,
        }
        assert conn.exec_driver_sql("SELECT count(*) FROM eore_rollup").scalar_one() > 0
    with db.session() as s:
        assert compute_report(session=s, name="eore", params=params) == expected(db, "eore", params)

    cfg = schema.alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, before)
    with db.engine.begin() as conn:
        tables = set(conn.dialect.get_table_names(conn))
        assert not tables & {"eore_rollup", "assistance_rollup"}
        # No trigger is left behind: writing a record still works.
        conn.execute(insert(Assistance), [_plain(_record(Assistance, rng, [org], [None]))])
    schema.upgrade(db)
    with db.engine.connect() as conn:
        assert beneficiary_rollup_ddl.differences(conn) == {
            "eore_rollup": 0,
            "assistance_rollup": 0,
        }
        assert (
            conn.exec_driver_sql(
                "SELECT sum(records) FROM assistance_rollup WHERE dimension = 'kind'"
            ).scalar_one()
            == 61
        )


def _plain(record: Any) -> dict[str, Any]:
    """The columns of an unsaved record, for a Core ``INSERT`` (with the defaults spelled out)."""
    values = {
        c.key: getattr(record, c.key)
        for c in record.__table__.columns
        if getattr(record, c.key, None) is not None
    }
    return {"version": 1, "created_at": NOW, "updated_at": NOW, **values}
