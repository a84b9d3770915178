"""The operations report read from the roll-ups gives what sums of the raw records give.

Story: the national IM officer asks for operations figures over any period —
a week across two months, a few days, two odd-dated years — while operators
keep submitting, the officer approves, rejects and corrects, a record is
deleted, and a season of findings arrives through the bulk import. Whatever
was written and however, the report (whole spans from the roll-ups, the ends
from the records) must equal figures summed here from the raw rows, and the
roll-up tables must equal a roll-up made afresh. On SQLite and on PostGIS.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import to_wkt
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from mineaction.analytics.reports import ReportParams, compute_report
from mineaction.intake.pipeline import import_file
from mineaction.services import approval, backup, rollups
from mineaction.services.catalogue import KINDS
from mineaction.services.findings import eo_model_id
from mineaction.services.policy import Principal
from mineaction.store import rollup_ddl
from mineaction.store.database import Database
from mineaction.store.tables import (
    AdminArea,
    EOModel,
    Finding,
    FindingRollup,
    Hazard,
    LandRelease,
    Organisation,
)
from tests.factories import AGDAM, hazard, metres_box, operator
from tests.intake.test_bulk import plain_rows, setup_references, write

FIRST_DAY = dt.date(2023, 1, 1)
DAYS = 730
STATES = ("approved", "approved", "approved", "submitted", "draft", "rejected", "superseded")
#: What the report calls each category (its JSON contract), written out here on purpose.
ITEM_KEY = {
    "ap_mine": "ap_mines",
    "at_mine": "at_mines",
    "uxo": "uxo",
    "submunition": "submunitions",
    "ied": "ieds",
    "abandoned_ordnance": "other",
    "other": "other",
}
MODELS = {"ap_mine": ["PMN-2", None], "at_mine": ["TM-62M"], "uxo": ["122 mm shell", None]}
ELVIN = Principal("elvin", "im_officer")


# --- what the report should say, summed here from the raw rows ---------------------------


def _label(day: dt.date, grouping: str) -> str:
    if grouping == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day.year}-{day.month:02d}"


def _figures(items: dict[str, int], m2: dict[str, float]) -> dict[str, Any]:
    out: dict[str, Any] = {k: items.get(k, 0) for k in dict.fromkeys(ITEM_KEY.values())}
    out["items_total"] = sum(items.values())
    for method in ("cancelled", "reduced", "cleared"):
        out[f"area_{method}_ha"] = round(m2.get(method, 0.0) / 10_000, 1)
    parts = (out["area_cancelled_ha"], out["area_reduced_ha"], out["area_cleared_ha"])
    out["area_released_ha"] = round(sum(parts), 1)
    return out


def expected(session: Session, params: ReportParams) -> dict[str, Any]:
    """Sum the raw findings and releases of the period as the report must."""
    counted = {"approved", "submitted", "draft"} if params.include_unapproved else {"approved"}
    orgs = dict(session.execute(select(Organisation.id, Organisation.name)).all())
    areas = dict(session.execute(select(AdminArea.id, AdminArea.name)).all())
    models = dict(session.execute(select(EOModel.id, EOModel.model)).all())
    grouping = params.group_by if params.group_by in ("week", "month") else None
    items: dict[tuple[str, Any], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    m2: dict[tuple[str, Any], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    by_model: dict[tuple[str, str | None], int] = defaultdict(int)
    for day, state, category, quantity, org, area, model in session.execute(
        select(
            Finding.found_date,
            Finding.approval,
            Finding.category,
            Finding.quantity,
            Finding.organisation_id,
            Finding.admin_area_id,
            Finding.eo_model_id,
        )
    ):
        if state not in counted or not params.date_from <= day <= params.date_to:
            continue
        key = ITEM_KEY[category]
        places = [("total", None), ("operator", orgs.get(org, "Unknown"))]
        places.append(("district", areas.get(area)))
        if grouping:
            places.append(("period", _label(day, grouping)))
        for place in places:
            items[place][key] += quantity
        by_model[(category, models.get(model))] += quantity
    for day, state, method, area_m2, org, area in session.execute(
        select(
            LandRelease.release_date,
            LandRelease.approval,
            LandRelease.method,
            LandRelease.area_m2,
            LandRelease.organisation_id,
            LandRelease.admin_area_id,
        )
    ):
        if state not in counted or not params.date_from <= day <= params.date_to:
            continue
        places = [("total", None), ("operator", orgs.get(org, "Unknown"))]
        places.append(("district", areas.get(area)))
        if grouping:
            places.append(("period", _label(day, grouping)))
        for place in places:
            m2[place][method] += area_m2
    places = set(items) | set(m2)
    out: dict[str, Any] = {
        "totals": _figures(items[("total", None)], m2[("total", None)]),
        "models": {k: n for k, n in by_model.items()},
    }
    for name in ("operator", "district", "period"):
        out[name] = {p[1]: _figures(items[p], m2[p]) for p in places if p[0] == name}
    return out


def report(session: Session, params: ReportParams) -> dict[str, Any]:
    """The report's figures, keyed as ``expected`` keys them."""
    data = compute_report(session=session, name="operations", params=params)

    def strip(row: dict[str, Any], key: str) -> dict[str, Any]:
        return {k: v for k, v in row.items() if k != key}

    return {
        "totals": data["totals"],
        "models": {(r["category"], r["model"]): r["items"] for r in data["by_model"]},
        "operator": {r["operator"]: strip(r, "operator") for r in data["by_operator"]},
        "district": {r["district"]: strip(r, "district") for r in data["by_district"]},
        "period": {r["period"]: strip(r, "period") for r in data.get("by_period", [])},
    }


def assert_exact(db: Database, periods: list[ReportParams]) -> None:
    """The roll-ups equal a fresh roll-up, and each period's report equals the raw sums."""
    with db.engine.connect() as conn:
        assert not any(rollup_ddl.differences(conn).values())
    with db.session() as s:
        for params in periods:
            assert report(s, params) == expected(s, params), params


# --- the data ------------------------------------------------------------------------------


def fill_at_random(session: Session, seed: int) -> None:
    """Findings and releases over two years: every approval state, unknown operators too."""
    rng = random.Random(seed)
    orgs = [operator(session, code).id for code in ("ANAMA", "MOD", "HALO")]
    districts = session.scalars(
        select(AdminArea.id).where(AdminArea.level == "district").order_by(AdminArea.id).limit(3)
    ).all()
    for _ in range(260):
        category = rng.choice(sorted(MODELS))
        session.add(
            Finding(
                found_date=FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS)),
                category=category,
                eo_model_id=eo_model_id(session, category, rng.choice(MODELS[category])),
                quantity=rng.choice([1, 1, 2, 3, 7]),
                organisation_id=rng.choice([*orgs, None]),
                admin_area_id=rng.choice([*districts, None]),
                approval=rng.choice(STATES),
            )
        )
    for _ in range(120):
        session.add(
            LandRelease(
                release_date=FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS)),
                method=rng.choice(["cancelled", "reduced", "cleared"]),
                organisation_id=rng.choice(orgs),
                admin_area_id=rng.choice([*districts, None]),
                # Halves of square metres add up exactly in any order, as the check demands.
                area_m2=rng.randrange(1, 4_000_000) / 2,
                approval=rng.choice(STATES),
            )
        )


@pytest.fixture
def national(db: Database) -> Database:
    with db.session(actor="setup") as s:
        fill_at_random(s, seed=4)
    return db


periods = st.builds(
    lambda start, length, group_by, unapproved: ReportParams(
        FIRST_DAY - dt.timedelta(days=20) + dt.timedelta(days=start),
        FIRST_DAY - dt.timedelta(days=20) + dt.timedelta(days=start + length),
        group_by=group_by,
        include_unapproved=unapproved,
    ),
    st.integers(0, DAYS + 40),
    st.integers(0, 500),
    st.sampled_from([None, "week", "month", "operator"]),
    st.booleans(),
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(params=periods)
def test_any_period_gives_the_sums_of_the_raw_rows(national: Database, params: ReportParams):
    with national.session() as s:
        assert report(s, params) == expected(s, params)


#: Periods whose ends cut spans, whole weeks across months, a day, the whole history.
FIXED = [
    ReportParams(dt.date(2024, 4, 29), dt.date(2024, 5, 5)),
    ReportParams(dt.date(2024, 4, 3), dt.date(2024, 6, 17), group_by="week"),
    ReportParams(dt.date(2023, 2, 28), dt.date(2024, 3, 1), group_by="month"),
    ReportParams(dt.date(2024, 5, 2), dt.date(2024, 5, 2), include_unapproved=True),
    ReportParams(dt.date(2020, 1, 1), dt.date(2025, 12, 31), include_unapproved=True),
]


def test_the_rollups_hold_what_a_fresh_rollup_holds_after_random_writes(national: Database):
    assert_exact(national, FIXED)
    with national.engine.connect() as conn:
        spans = conn.execute(select(FindingRollup.span_start).distinct()).scalars().all()
    # Every span starts on a Monday or on the first of a month.
    assert spans and all(d.weekday() == 0 or d.day == 1 for d in spans)


# --- every write path ----------------------------------------------------------------------


def _release_row(h: Hazard, west: float, east: float, day: str) -> dict[str, Any]:
    return {
        "date": day,
        "operator": "MES",
        "method": "cleared",
        "geometry": to_wkt(metres_box(*AGDAM, west, 0, east, 200)),
        "hazard_id": h.reference,
    }


def _finding_row(day: str, quantity: int) -> dict[str, Any]:
    return {
        "date": day,
        "operator": "MES",
        "category": "at_mine",
        "model": "TM-62M",
        "quantity": quantity,
        "lon": AGDAM[0],
        "lat": AGDAM[1],
    }


def test_approvals_corrections_edits_and_deletions_keep_the_report_exact(national: Database):
    db = national
    info_r, info_f = KINDS["land-releases"], KINDS["findings"]
    with db.session() as s:
        h = hazard(s, size_m=200)
        mes = operator(s, "MES", "ngo")
        leyla = Principal("leyla", "operator_officer", mes.id)
        first = approval.create(
            session=s, info=info_r, row=_release_row(h, 0, 120, "2024-04-30"), who=leyla,
            submit=True,
        )  # fmt: skip
        second = approval.create(
            session=s, info=info_r, row=_release_row(h, 80, 200, "2024-05-01"), who=leyla,
            submit=True,
        )  # fmt: skip
        find = approval.create(
            session=s, info=info_f, row=_finding_row("2024-05-02", 3), who=leyla, submit=True
        )
        ids = first.id, second.id, find.id
    assert_exact(db, FIXED)

    # The officer approves the second release, then the first: the ledger recounts both.
    with db.session() as s:
        for record_id in (ids[1], ids[0]):
            approval.step(
                session=s, info=info_r, record=s.get_one(LandRelease, record_id), who=ELVIN,
                action="approve",
            )  # fmt: skip
        approval.step(
            session=s, info=info_f, record=s.get_one(Finding, ids[2]), who=ELVIN, action="approve"
        )
    assert_exact(db, FIXED)

    # A correction of the approved finding (another date and count) supersedes it when approved.
    with db.session() as s:
        old = s.get_one(Finding, ids[2])
        fix = approval.update(
            session=s, info=info_f, record=old, row=_finding_row("2024-06-03", 5), who=ELVIN,
            version=old.version, submit=True,
        )  # fmt: skip
        approval.step(session=s, info=info_f, record=fix, who=ELVIN, action="approve")
        assert old.approval == "superseded"
    # And the first release is corrected to a narrower strip: its land goes back.
    with db.session() as s:
        old_release = s.get_one(LandRelease, ids[0])
        fixed = approval.update(
            session=s, info=info_r, record=old_release,
            row=_release_row(h, 0, 50, "2024-04-30"), who=ELVIN,
            version=old_release.version, submit=True,
        )  # fmt: skip
        approval.step(session=s, info=info_r, record=fixed, who=ELVIN, action="approve")
    assert_exact(db, FIXED)

    # Edits through the ORM move a record to another span, district, operator and count.
    with db.session() as s:
        for f in s.scalars(select(Finding).where(Finding.approval == "draft").limit(5)):
            f.found_date = f.found_date + dt.timedelta(days=17)
            f.quantity += 1
            f.organisation_id = None
            f.approval = "approved"
        for r in s.scalars(select(LandRelease).where(LandRelease.approval == "submitted").limit(3)):
            r.release_date = dt.date(2024, 5, 31)
            r.method = "reduced"
    assert_exact(db, FIXED)

    # Deletions: one by one through the ORM, then a whole span by hand.
    with db.session() as s:
        for f in s.scalars(select(Finding).order_by(Finding.id).limit(4)):
            s.delete(f)
    with db.engine.begin() as conn:
        conn.execute(
            text("DELETE FROM findings WHERE found_date BETWEEN :a AND :b"),
            {"a": dt.date(2024, 5, 1), "b": dt.date(2024, 5, 5)},
        )
        conn.execute(text("DELETE FROM land_releases WHERE approval = 'rejected'"))
    assert_exact(db, FIXED)


def test_the_bulk_import_adds_each_chunk_to_the_rollup(db: Database, tmp_path: Path):
    with db.session(actor="setup") as s:
        setup_references(s)
        rows = plain_rows(s, 400, seed=11)
    report_ = import_file(db, "findings", write(tmp_path / "season.csv", rows), bulk=True)
    assert report_.created == 400
    # Submitted ones too: the import's approval is part of the roll-up's key.
    more = [[f"X{r[0]}", *r[1:]] for r in rows[:50]]
    import_file(db, "findings", write(tmp_path / "more.csv", more), approval="submitted")
    assert_exact(
        db,
        [
            ReportParams(dt.date(2023, 1, 1), dt.date(2024, 5, 31)),
            ReportParams(dt.date(2023, 3, 15), dt.date(2023, 11, 2), group_by="week"),
            ReportParams(
                dt.date(2023, 1, 4), dt.date(2024, 2, 29), group_by="month", include_unapproved=True
            ),
        ],
    )


def test_a_tampered_rollup_is_found_and_rebuilt(national: Database):
    with national.engine.begin() as conn:
        conn.execute(text("UPDATE release_rollup SET area_m2 = area_m2 + 1 WHERE member_id > 0"))
        conn.execute(text("DELETE FROM finding_rollup WHERE dimension = 'model'"))
        conn.execute(text("DELETE FROM hazard_release_rollup"))
        found = rollup_ddl.differences(conn)
        assert all(found[t] > 0 for t in ("finding_rollup", "release_rollup"))
        assert found["hazard_release_rollup"] > 0
        rollup_ddl.rebuild(conn)
    assert_exact(national, FIXED[:2])


def test_the_cli_checks_the_rollups_and_rebuilds_them(national: Database, run: Any):
    ok = run("db", "rollup", "--database", national.url)
    assert ok.code == 0 and "equal what the records make" in ok.out
    with national.engine.begin() as conn:
        conn.execute(text("UPDATE finding_rollup SET items = items + 2 WHERE dimension = 'model'"))
        touched = conn.execute(
            text("SELECT count(*) FROM finding_rollup WHERE dimension = 'model'")
        ).scalar_one()
    bad = run("db", "rollup", "--database", national.url, "--format", "json")
    assert bad.code == 2
    assert json.loads(bad.out)["differing"] == {
        "finding_rollup": touched,
        "release_rollup": 0,
        "hazard_release_rollup": 0,
        "eore_rollup": 0,
        "assistance_rollup": 0,
        "accident_rollup": 0,
        "victim_rollup": 0,
    }
    fixed = run("db", "rollup", "--database", national.url, "--rebuild")
    assert fixed.code == 0 and "0 differ" in fixed.out
    assert_exact(national, FIXED[:1])


def test_a_restore_rebuilds_the_rollups_which_backups_leave_out(national: Database, tmp_path: Path):
    path = tmp_path / "national.mabackup"
    manifest = backup.backup(national, path)
    assert "finding_rollup" not in manifest.tables and "findings" in manifest.tables
    with national.engine.begin() as conn:  # a wrong roll-up must not survive the restore
        conn.execute(text("UPDATE finding_rollup SET items = 0"))
    backup.restore(national, path, force=True)
    assert_exact(national, FIXED)


def _analyzed(db: Database) -> set[str]:
    """Return the roll-up tables the planner has statistics of."""
    with db.engine.connect() as conn:
        if db.dialect == "postgresql":
            found = conn.execute(
                text("SELECT DISTINCT tablename FROM pg_stats WHERE schemaname = current_schema()")
            )
        else:
            found = conn.execute(text("SELECT DISTINCT tbl FROM sqlite_stat1"))
        return {name for (name,) in found} & set(rollups.TABLES)


def test_a_rebuild_and_a_restore_leave_the_planner_statistics_of_the_rollups(
    national: Database, tmp_path: Path
):
    assert rollups.TABLES and len(set(rollups.TABLES)) == len(rollups.TABLES) == 7
    path = tmp_path / "national.mabackup"
    backup.backup(national, path)
    rollups.rebuild(db=national)
    # Every roll-up the data set fills (an empty table has no statistics to gather).
    with national.engine.connect() as conn:
        filled = {t for t in rollups.TABLES if conn.exec_driver_sql(f"SELECT 1 FROM {t}").first()}
    assert len(filled) >= 3
    assert _analyzed(national) >= filled
    with national.engine.begin() as conn:  # forget them
        if national.dialect == "postgresql":
            for table in rollups.TABLES:
                conn.exec_driver_sql(
                    f"DELETE FROM pg_statistic WHERE starelid = '{table}'::regclass"
                )
        else:
            conn.exec_driver_sql("DELETE FROM sqlite_stat1")
    assert not _analyzed(national) & filled
    backup.restore(national, path, force=True)
    assert _analyzed(national) >= filled
