"""The casualties report read from the casualty roll-ups gives, to the byte, what the raw rows give.

Story: the national IM officer publishes casualty statistics for any period
— the whole history, a week across two months, odd dates crossing month
ends, whole years — while accidents and victims keep arriving, are approved,
rejected, corrected (an accident moved to another month or district, a
victim to another accident), and deleted one by one or with their accident.
Whatever was written and however, the report's JSON (whole months from the
roll-ups, the ends from the records) must equal, byte for byte, a JSON made
here from the raw rows in Python, and the roll-ups must equal roll-ups made
afresh. On SQLite and on PostGIS.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from mineaction.analytics.reports import ReportParams, compute_report
from mineaction.intake.pipeline import import_file
from mineaction.services import approval, backup
from mineaction.services.catalogue import KINDS
from mineaction.services.policy import Principal
from mineaction.store import casualty_rollup_ddl
from mineaction.store.database import Database
from mineaction.store.tables import Accident, AdminArea, Victim, VictimRollup
from tests.intake.test_import import write_csv

FIRST_DAY = dt.date(2022, 1, 1)
DAYS = 3 * 365
STATES = ("approved",) * 5 + ("submitted", "draft", "rejected", "superseded")
DEVICES = ("ap_mine", "at_mine", "uxo", "ied", "unknown")
GROUPS = ("civilian", "military", "deminer", "unknown")
ELVIN = Principal("elvin", "im_officer")


# --- what the report must say, counted here from the raw rows ------------------------------


def _outcomes(counts: Counter[tuple[Any, str]], key: Any) -> dict[str, int]:
    return {"killed": counts[(key, "killed")], "injured": counts[(key, "injured")]}


def expected(session: Session, params: ReportParams) -> dict[str, Any]:
    """The report's data object, made from the raw rows in Python, in the contract's order."""
    counted = {"approved", "submitted", "draft"} if params.include_unapproved else {"approved"}
    names = dict(session.execute(select(AdminArea.id, AdminArea.name)).all())
    accidents = {
        a.id: a
        for a in session.execute(
            select(Accident.id, Accident.accident_date, Accident.device_category,
                   Accident.admin_area_id, Accident.approval)
        )
        if a.approval in counted and params.date_from <= a.accident_date <= params.date_to
    }  # fmt: skip
    kept = [
        (v, accidents[v.accident_id])
        for v in session.execute(
            select(Victim.accident_id, Victim.victim_group, Victim.sex, Victim.age_band,
                   Victim.outcome, Victim.approval)
        )
        if v.accident_id in accidents and v.approval in counted
    ]  # fmt: skip
    group, device, district, month, year = (Counter[tuple[Any, str]]() for _ in range(5))
    for v, a in kept:
        group[(v.victim_group, v.outcome)] += 1
        device[(a.device_category, v.outcome)] += 1
        district[(a.admin_area_id, v.outcome)] += 1
        month[(f"{a.accident_date:%Y-%m}", v.outcome)] += 1
        year[(a.accident_date.year, v.outcome)] += 1
    killed = sum(v.outcome == "killed" for v, _a in kept)
    bands = Counter({"elderly": "adult"}.get(v.age_band, v.age_band) for v, _a in kept)
    devices = sorted(
        {d for d, _o in device}, key=lambda d: (-sum(_outcomes(device, d).values()), d)
    )
    districts = sorted(
        ((names[d] if d is not None else None, d) for d in {d for d, _o in district}),
        key=lambda nd: (nd[0] is None, nd[0] or ""),
    )
    return {
        "period": {"from": params.date_from.isoformat(), "to": params.date_to.isoformat()},
        "totals": {
            "accidents": len(accidents),
            "victims": len(kept),
            "killed": killed,
            "injured": len(kept) - killed,
        },
        "by_group": {g: _outcomes(group, g) for g in GROUPS},
        "by_sex": {x: sum(v.sex == x for v, _a in kept) for x in ("male", "female", "unknown")},
        "by_age_band": {b: bands[b] for b in ("child", "adult", "unknown")},
        "by_device": [{"device": d, **_outcomes(device, d)} for d in devices],
        "by_district": [{"district": n, **_outcomes(district, d)} for n, d in districts],
        "by_month": [{"month": m, **_outcomes(month, m)} for m in sorted({m for m, _o in month})],
        "by_year": [{"year": y, **_outcomes(year, y)} for y in sorted({y for y, _o in year})],
    }


def monitor_expected(session: Session, params: ReportParams) -> dict[str, Any]:
    """The Landmine Monitor table made from the raw rows: per year, then the group × outcome."""
    counted = {"approved", "submitted", "draft"} if params.include_unapproved else {"approved"}
    days = dict(
        session.execute(
            select(Accident.id, Accident.accident_date).where(
                Accident.approval.in_(counted),
                Accident.accident_date.between(params.date_from, params.date_to),
            )
        ).all()
    )
    keys = ("casualties", "killed", "injured", "unknown_outcome", "civilian", "military",
            "deminer", "unknown_status", "children", "children_killed", "children_injured",
            "male", "female", "unknown_sex")  # fmt: skip
    years: dict[int, dict[str, int]] = {}
    groups = {g: {"killed": 0, "injured": 0, "unknown": 0} for g in GROUPS}
    victims = session.execute(
        select(Victim.accident_id, Victim.victim_group, Victim.sex, Victim.age_band,
               Victim.outcome, Victim.approval)
    ).all()  # fmt: skip
    for v in victims:
        if v.accident_id not in days or v.approval not in counted:
            continue
        t = years.setdefault(days[v.accident_id].year, dict.fromkeys(keys, 0))
        t["casualties"] += 1
        t[v.outcome] += 1
        t["unknown_status" if v.victim_group == "unknown" else v.victim_group] += 1
        if v.age_band == "child":
            t["children"] += 1
            t[f"children_{v.outcome}"] += 1
        t[v.sex if v.sex in ("male", "female") else "unknown_sex"] += 1
        groups[v.victim_group][v.outcome] += 1
    table = [{"year": y, **years[y]} for y in sorted(years)]
    return {
        "period": {"from": params.date_from.isoformat(), "to": params.date_to.isoformat()},
        "by_year": table,
        "totals": {k: sum(r[k] for r in table) for k in keys},
        "by_group": groups,
    }


def assert_exact(db: Database, periods: list[ReportParams]) -> None:
    """The roll-ups equal fresh ones, and each period's JSON is the raw rows' JSON, to the byte."""
    with db.engine.connect() as conn:
        assert casualty_rollup_ddl.differences(conn) == {"accident_rollup": 0, "victim_rollup": 0}
    with db.session() as s:
        for params in periods:
            data = compute_report(session=s, name="casualties", params=params)
            assert json.dumps(data) == json.dumps(expected(s, params)), params
            monitor = compute_report(session=s, name="landmine-monitor", params=params)
            assert json.dumps(monitor) == json.dumps(monitor_expected(s, params)), params


# --- the data ------------------------------------------------------------------------------


def fill_at_random(session: Session, seed: int) -> None:
    """Accidents over three years with 0–4 victims each: every approval state, places missing."""
    rng = random.Random(seed)
    districts = session.scalars(
        select(AdminArea.id).where(AdminArea.level == "district").order_by(AdminArea.id).limit(4)
    ).all()
    for _ in range(240):
        accident = Accident(
            accident_date=FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS)),
            accident_type=rng.choice(("mine", "demining")),
            device_category=rng.choice(DEVICES),
            admin_area_id=rng.choice([*districts, None]),
            approval=rng.choice(STATES),
        )
        session.add(accident)
        for _ in range(rng.randint(0, 4)):
            accident.victims.append(
                Victim(
                    victim_group=rng.choice(GROUPS),
                    sex=rng.choice(("male", "female", "unknown")),
                    age_band=rng.choice(("child", "adult", "elderly", "unknown")),
                    outcome=rng.choice(("killed", "injured")),
                    approval=rng.choice(STATES),
                )
            )


@pytest.fixture
def casualties(db: Database) -> Database:
    with db.session(actor="setup") as s:
        fill_at_random(s, seed=8)
    return db


#: The whole history, whole years only (no ends), a week across two months, odd dates
#: crossing month ends, a day, a part of one month, and the same with unapproved records.
FIXED = [
    ReportParams(dt.date(2020, 1, 2), dt.date(2026, 3, 30)),
    ReportParams(dt.date(2022, 1, 1), dt.date(2024, 12, 31)),
    ReportParams(dt.date(2023, 7, 31), dt.date(2023, 8, 6)),
    ReportParams(dt.date(2022, 2, 17), dt.date(2023, 3, 2)),
    ReportParams(dt.date(2023, 5, 9), dt.date(2023, 5, 9)),
    ReportParams(dt.date(2024, 2, 3), dt.date(2024, 2, 27), include_unapproved=True),
    ReportParams(dt.date(2022, 3, 31), dt.date(2024, 11, 1), include_unapproved=True),
    # Ends read as whole months less the days outside the period.
    ReportParams(dt.date(2022, 1, 2), dt.date(2024, 12, 30)),
    ReportParams(dt.date(2023, 3, 2), dt.date(2023, 3, 30), include_unapproved=True),
]


def test_every_period_gives_the_raw_rows_json_to_the_byte(casualties: Database):
    assert_exact(casualties, FIXED)
    with casualties.engine.connect() as conn:
        months = conn.execute(select(VictimRollup.month_start).distinct()).scalars().all()
        dimensions = conn.execute(select(VictimRollup.dimension).distinct()).scalars().all()
    assert months and all(d.day == 1 for d in months)
    assert sorted(dimensions) == ["age", "device", "district", "group", "sex"]


periods = st.builds(
    lambda start, length, unapproved: ReportParams(
        FIRST_DAY - dt.timedelta(days=40) + dt.timedelta(days=start),
        FIRST_DAY - dt.timedelta(days=40) + dt.timedelta(days=start + length),
        include_unapproved=unapproved,
    ),
    st.integers(0, DAYS + 80),
    st.integers(0, 800),
    st.booleans(),
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(params=periods)
def test_any_period_gives_the_raw_rows_json(casualties: Database, params: ReportParams):
    with casualties.session() as s:
        data = compute_report(session=s, name="casualties", params=params)
        assert json.dumps(data) == json.dumps(expected(s, params))


def test_what_falls_only_on_the_days_taken_away_is_not_listed(casualties: Database):
    # A submunition accident on 1 March, in a district of its own: a period from 2 March
    # reads March from the roll-ups and takes the 1st away, device and district with it.
    with casualties.session() as s:
        lone = s.scalars(select(AdminArea.id).where(AdminArea.level == "district")).all()[-1]
        accident = Accident(
            accident_date=dt.date(2023, 3, 1), accident_type="mine",
            device_category="submunition", admin_area_id=lone, approval="approved",
        )  # fmt: skip
        accident.victims.append(Victim(outcome="killed", approval="approved"))
        s.add(accident)
    params = ReportParams(dt.date(2023, 3, 2), dt.date(2023, 3, 30))
    with casualties.session() as s:
        data = compute_report(session=s, name="casualties", params=params)
    assert "submunition" not in [r["device"] for r in data["by_device"]]
    assert_exact(casualties, [params, ReportParams(dt.date(2023, 3, 1), dt.date(2023, 3, 30))])


# --- every write path ----------------------------------------------------------------------


def test_approvals_edits_moves_and_deletions_keep_the_report_exact(casualties: Database):
    db = casualties
    info_a, info_v = KINDS["accidents"], KINDS["victims"]
    # The officer approves submitted accidents and victims and rejects one of each.
    with db.session() as s:
        for kind, model, info in (("a", Accident, info_a), ("v", Victim, info_v)):
            pending = s.scalars(
                select(model).where(model.approval == "submitted").order_by(model.id).limit(4)
            ).all()
            assert len(pending) == 4, kind
            for record in pending[:3]:
                approval.step(session=s, info=info, record=record, who=ELVIN, action="approve")
            approval.step(
                session=s, info=info, record=pending[3], who=ELVIN, action="reject",
                reason="duplicate of another report",
            )  # fmt: skip
    assert_exact(db, FIXED)

    # Corrections through the ORM: accidents move to another month, district and device
    # (their victims with them); victims change outcome, group, and accident.
    with db.session() as s:
        with_victims = s.scalars(
            select(Accident).where(Accident.victims.any()).order_by(Accident.id).limit(6)
        ).all()
        for a in with_victims[:4]:
            a.accident_date = a.accident_date + dt.timedelta(days=23)
            a.admin_area_id = None
            a.device_category = "ied"
        with_victims[4].approval = "approved"
        with_victims[5].approval = "rejected"
        for v in s.scalars(select(Victim).order_by(Victim.id.desc()).limit(5)):
            v.outcome = "killed" if v.outcome == "injured" else "injured"
            v.victim_group = "deminer"
            v.accident_id = with_victims[0].id
            v.approval = "approved"
    assert_exact(db, FIXED)

    # Hand-written SQL: many accidents moved at once, victims moved between accidents.
    with db.engine.begin() as conn:
        ids = conn.execute(text("SELECT id FROM accidents ORDER BY id LIMIT 30")).scalars().all()
        for i, accident_id in enumerate(ids):
            conn.execute(
                text(
                    "UPDATE accidents SET accident_date = :d, approval = 'approved' WHERE id = :i"
                ),
                {"d": dt.date(2023, 1 + i % 12, 1 + i % 28), "i": accident_id},
            )
        conn.execute(text("UPDATE victims SET accident_id = :a WHERE id % 7 = 0"), {"a": ids[-1]})
        conn.execute(text("UPDATE victims SET sex = 'female', age_band = 'child' WHERE id % 5 = 1"))
    assert_exact(db, FIXED)

    # Deletions: victims one by one through the ORM, an accident with its victims through the
    # ORM, then accidents by hand (their victims go by the foreign key's cascade).
    with db.session() as s:
        for v in s.scalars(select(Victim).order_by(Victim.id).limit(4)):
            s.delete(v)
        s.delete(s.scalars(select(Accident).where(Accident.victims.any()).limit(1)).one())
    with db.engine.begin() as conn:
        conn.execute(
            text("DELETE FROM accidents WHERE accident_date BETWEEN :a AND :b"),
            {"a": dt.date(2023, 3, 1), "b": dt.date(2023, 6, 30)},
        )
        conn.execute(text("DELETE FROM victims WHERE approval = 'rejected'"))
        assert conn.execute(text("SELECT count(*) FROM victims")).scalar_one() > 100
    assert_exact(db, FIXED)


def test_imported_accidents_and_victims_reach_the_rollups(db: Database, tmp_path: Path):
    accidents = write_csv(
        tmp_path / "accidents.csv",
        ["id", "date", "lon", "lat", "district", "device_category", "accident_type"],
        [
            ["ACC-1", "2023-08-14", 47.12, 39.61, "", "ap_mine", "mine"],
            ["ACC-2", "2023-09-02", "", "", "Khojavand", "uxo", "mine"],
            ["ACC-3", "2023-09-30", "", "", "Khojavand", "uxo", "demining"],
        ],
    )
    victims = write_csv(
        tmp_path / "victims.csv",
        ["id", "accident_id", "sex", "age", "group", "outcome"],
        [
            ["V-1", "ACC-1", "male", 34, "civilian", "injured"],
            ["V-2", "ACC-1", "female", 12, "civilian", "killed"],
            ["V-3", "ACC-2", "", "", "military", "injured"],
            ["V-4", "ACC-3", "male", 40, "deminer", "killed"],
        ],
    )
    assert import_file(db, "accidents", accidents).created == 3
    assert import_file(db, "victims", victims, approval="submitted").created == 4
    periods = [
        ReportParams(dt.date(2023, 1, 1), dt.date(2023, 12, 31)),
        ReportParams(dt.date(2023, 8, 15), dt.date(2023, 9, 30), include_unapproved=True),
        ReportParams(dt.date(2023, 7, 1), dt.date(2023, 10, 31), include_unapproved=True),
    ]
    assert_exact(db, periods)
    with db.session() as s:
        data = compute_report(session=s, name="casualties", params=periods[2])
    assert data["totals"] == {"accidents": 3, "victims": 4, "killed": 2, "injured": 2}


# --- checked, rebuilt, restored ------------------------------------------------------------


def test_a_tampered_rollup_is_found_and_rebuilt(casualties: Database):
    with casualties.engine.begin() as conn:
        conn.execute(text("UPDATE victim_rollup SET victims = victims + 1 WHERE dimension = 'sex'"))
        conn.execute(text("DELETE FROM accident_rollup WHERE approval = 'approved'"))
        found = casualty_rollup_ddl.differences(conn)
        assert found["victim_rollup"] > 0 and found["accident_rollup"] > 0
        casualty_rollup_ddl.rebuild(conn)
    assert_exact(casualties, FIXED[:2])


def test_the_cli_checks_the_casualty_rollups_and_rebuilds_them(casualties: Database, run: Any):
    ok = run("db", "rollup", "--database", casualties.url)
    assert ok.code == 0 and "victim_rollup" in ok.out and "accident_rollup" in ok.out
    with casualties.engine.begin() as conn:
        gone = conn.execute(text("DELETE FROM victim_rollup WHERE dimension = 'district'"))
    bad = run("db", "rollup", "--database", casualties.url, "--format", "json")
    assert bad.code == 2
    differing = json.loads(bad.out)["differing"]
    assert differing["victim_rollup"] == gone.rowcount > 0
    assert differing["accident_rollup"] == differing["finding_rollup"] == 0
    fixed = run("db", "rollup", "--database", casualties.url, "--rebuild")
    assert fixed.code == 0 and "0 differ" in fixed.out
    assert_exact(casualties, FIXED[:1])


def test_a_restore_rebuilds_the_casualty_rollups(casualties: Database, tmp_path: Path):
    path = tmp_path / "casualties.mabackup"
    manifest = backup.backup(casualties, path)
    assert "victim_rollup" not in manifest.tables and "victims" in manifest.tables
    with casualties.engine.begin() as conn:  # a wrong roll-up must not survive the restore
        conn.execute(text("UPDATE victim_rollup SET victims = 1"))
    backup.restore(casualties, path, force=True)
    assert_exact(casualties, FIXED)
