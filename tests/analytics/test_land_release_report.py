"""The land-release report against figures made here from the raw rows, on both backends.

A period that holds every release reads each hazard's all-time sums from
``hazard_release_rollup``; any other period makes one grouped pass over the
releases. Both are checked against plain Python sums over every release and
hazard, for approved records only and with unapproved ones, after some
releases and a hazard were moved out of the approved state.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from mineaction.analytics.reports import ReportParams, compute_report, land_release
from mineaction.analytics.reports.base import ha
from mineaction.demo import build_demo
from mineaction.store import rollup_ddl
from mineaction.store.database import Database
from mineaction.store.tables import AdminArea, Base, Finding, Hazard, LandRelease

ALL_TIME = ReportParams(dt.date(2000, 1, 1), dt.date(2030, 12, 31))
UNAPPROVED_TOO = ("approved", "submitted", "draft")
HA_FIELDS = (
    "cancelled_ha",
    "reduced_ha",
    "cleared_ha",
    "released_ha",
    "released_to_date_ha",
    "hazard_area_ha",
    "remaining_ha",
)


@pytest.fixture(scope="module")
def demo(module_db: Database) -> Database:
    """The demo, with some releases and one released-from hazard no longer approved."""
    build_demo(module_db, seed=5, scale=0.01)
    with module_db.session() as s:
        ids = s.scalars(select(LandRelease.id).order_by(LandRelease.id)).all()
        for state, chosen in (("draft", ids[::9]), ("rejected", ids[4::11])):
            s.execute(update(LandRelease).where(LandRelease.id.in_(chosen)).values(approval=state))
        worked = s.scalar(
            select(LandRelease.hazard_id).where(LandRelease.hazard_id.is_not(None)).limit(1)
        )
        s.execute(update(Hazard).where(Hazard.id == worked).values(approval="submitted"))
        s.commit()
    return module_db


def periods(session: Session) -> list[ReportParams]:
    """Periods taking both paths: every release, and periods cut inside the history."""
    first, last = session.execute(
        select(func.min(LandRelease.release_date), func.max(LandRelease.release_date))
    ).one()
    middle = first + (last - first) / 2
    return [
        ALL_TIME,
        ReportParams(first, last),  # exactly the recorded history: still the roll-up
        ReportParams(first, middle),  # ends before the last release
        ReportParams(middle, last + dt.timedelta(days=400)),  # starts after the first
        ReportParams(middle - dt.timedelta(days=3), middle + dt.timedelta(days=40)),
        ReportParams(dt.date(1990, 1, 1), first - dt.timedelta(days=1)),  # before any
    ]


def expected(session: Session, params: ReportParams) -> dict[str, Any]:
    """The report's figures summed here from every release and hazard."""
    ok = UNAPPROVED_TOO if params.include_unapproved else ("approved",)
    start, end = params.date_from, params.date_to
    releases = session.execute(
        select(
            LandRelease.hazard_id,
            LandRelease.admin_area_id,
            LandRelease.method,
            LandRelease.release_date,
            LandRelease.area_m2,
            LandRelease.approval,
        )
    ).all()
    hazards = session.execute(
        select(
            Hazard.id,
            Hazard.reference,
            Hazard.admin_area_id,
            Hazard.status,
            Hazard.area_m2,
            Hazard.recorded_date,
            Hazard.approval,
        )
    ).all()
    names = dict(session.execute(select(AdminArea.id, AdminArea.name)).all())
    district: dict[Any, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    now: dict[int, float] = defaultdict(float)
    count: dict[int, int] = defaultdict(int)
    done: dict[int, float] = defaultdict(float)
    for hazard_id, area, method, day, m2, state in releases:
        if state not in ok or day > end:
            continue
        district[area]["to_date"] += m2
        if hazard_id is not None:
            done[hazard_id] += m2
        if day >= start:
            district[area][method] += m2
            if hazard_id is not None:
                now[hazard_id] += m2
                count[hazard_id] += 1
    status: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    worked = []
    for i, ref, area, state_of_work, m2, recorded, state in hazards:
        if state not in ok:
            continue
        left = max(m2 - done[i], 0.0)
        if recorded <= end:
            for tally in (district[area], status[state_of_work]):
                tally["hazards"] += 1
                tally["area"] += m2
                tally["remaining"] += left
        if count[i]:
            worked.append((ref, names.get(area), state_of_work, m2, now[i], done[i], left))

    def ha(m2: float) -> float:
        return round(m2 / 10_000, 1)

    def figures(t: dict[str, float]) -> dict[str, Any]:
        return {
            "cancelled_ha": ha(t["cancelled"]),
            "reduced_ha": ha(t["reduced"]),
            "cleared_ha": ha(t["cleared"]),
            "released_ha": ha(t["cancelled"] + t["reduced"] + t["cleared"]),
            "released_to_date_ha": ha(t["to_date"]),
            "hazards": int(t["hazards"]),
            "hazard_area_ha": ha(t["area"]),
            "remaining_ha": ha(t["remaining"]),
        }

    total: dict[str, float] = defaultdict(float)
    for t in district.values():
        for key, value in t.items():
            total[key] += value
    worked.sort(key=lambda w: (-w[4], w[0]))
    return {
        "totals": figures(total),
        "by_district": {names.get(a): figures(t) for a, t in district.items()},
        "by_status": {
            s: {
                "hazards": int(t["hazards"]),
                "area_ha": ha(t["area"]),
                "remaining_ha": ha(t["remaining"]),
            }
            for s, t in status.items()
        },
        "hazards": [
            {
                "hazard": ref,
                "district": district_name,
                "status": state_of_work,
                "area_ha": ha(m2),
                "released_in_period_ha": ha(in_period),
                "released_to_date_ha": ha(to_date),
                "remaining_ha": ha(left),
                "progress_percent": round(100 * min(to_date / m2, 1.0), 1),
            }
            for ref, district_name, state_of_work, m2, in_period, to_date, left in worked
        ],
    }


def without(row: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != key}


def close(got: dict[str, Any], want: dict[str, Any]) -> None:
    """Counts equal; hectares equal to the 0.1 ha shown, or one step off at a rounding edge."""
    assert got.keys() == want.keys()
    for key, value in want.items():
        if key.endswith("_ha"):
            assert got[key] == pytest.approx(value, abs=0.1 + 1e-9), key
        else:
            assert got[key] == value, key


@pytest.mark.parametrize("unapproved", [False, True], ids=["approved", "with-unapproved"])
def test_every_period_gives_the_figures_of_the_raw_rows(demo: Database, unapproved: bool):
    with demo.session() as s:
        for base in periods(s):
            params = ReportParams(base.date_from, base.date_to, include_unapproved=unapproved)
            data = compute_report(session=s, name="land-release", params=params)
            want = expected(s, params)
            close(data["totals"], want["totals"])
            assert {r["district"] for r in data["by_district"]} == set(want["by_district"])
            for row in data["by_district"]:
                close(without(row, "district"), want["by_district"][row["district"]])
            assert {r["status"] for r in data["by_status"]} == set(want["by_status"])
            for row in data["by_status"]:
                close(without(row, "status"), want["by_status"][row["status"]])
            assert [h["hazard"] for h in data["hazards"]] == [h["hazard"] for h in want["hazards"]]
            for got, row in zip(data["hazards"], want["hazards"], strict=True):
                close(got, row)


def test_the_demo_exercises_both_paths_and_the_unapproved_rows(demo: Database):
    with demo.session() as s:
        whole = compute_report(session=s, name="land-release", params=ALL_TIME)
        wider = compute_report(
            session=s,
            name="land-release",
            params=ReportParams(ALL_TIME.date_from, ALL_TIME.date_to, include_unapproved=True),
        )
        first, last = s.execute(
            select(func.min(LandRelease.release_date), func.max(LandRelease.release_date))
        ).one()
    assert len(whole["hazards"]) > 10 and whole["totals"]["released_ha"] > 0
    # The draft releases count only with unapproved records; the rejected ones never.
    assert wider["totals"]["released_ha"] > whole["totals"]["released_ha"]
    assert wider["totals"]["hazards"] == whole["totals"]["hazards"] + 1
    assert first < last


def test_a_full_history_reads_the_hazard_rollup_and_a_cut_period_does_not(demo: Database):
    """Tampering with the roll-up moves the full history only; a rebuild puts it right."""
    with demo.session() as s:
        cut = periods(s)[2]
        before = {
            p: compute_report(session=s, name="land-release", params=p) for p in (ALL_TIME, cut)
        }
    with demo.engine.begin() as conn:
        conn.execute(text("UPDATE hazard_release_rollup SET area_m2 = 0 WHERE member_id > 0"))
        assert rollup_ddl.differences(conn)["hazard_release_rollup"] > 0
    try:
        with demo.session() as s:
            tampered = compute_report(session=s, name="land-release", params=ALL_TIME)
            assert compute_report(session=s, name="land-release", params=cut) == before[cut]
        assert tampered["totals"]["remaining_ha"] > before[ALL_TIME]["totals"]["remaining_ha"]
    finally:
        with demo.engine.begin() as conn:
            rollup_ddl.rebuild(conn)
    with demo.session() as s:
        assert compute_report(session=s, name="land-release", params=ALL_TIME) == before[ALL_TIME]


def test_writes_of_every_kind_keep_the_hazard_rollup_exact(demo: Database):
    """Inserts, updates of each counted column and deletes, by plain SQL, on both backends."""
    # Releases no other record points at, so that one of them can be deleted.
    pointing = [
        fk.parent
        for t in Base.metadata.tables.values()
        for fk in t.foreign_keys
        if fk.column.table.name == "land_releases"
    ]
    free = LandRelease.hazard_id.is_not(None)
    for column in pointing:
        free = free & LandRelease.id.not_in(select(column).where(column.is_not(None)))
    with demo.engine.begin() as conn:
        rows = conn.execute(
            select(LandRelease.id).where(free).order_by(LandRelease.id).limit(6)
        ).all()
        other = conn.execute(select(func.max(Hazard.id))).scalar_one()
        a, b, c, d, e, f = (r.id for r in rows)

        def change(ids: tuple[int, ...], **values: Any) -> None:
            conn.execute(update(LandRelease).where(LandRelease.id.in_(ids)).values(**values))

        change((a,), area_m2=LandRelease.area_m2 + 7.5)
        change((b,), hazard_id=other)
        change((c,), hazard_id=None)
        change((d,), approval="rejected")
        change((e, f), approval="draft")
        conn.execute(text("DELETE FROM land_releases WHERE id = :id"), {"id": f})
        assert rollup_ddl.differences(conn)["hazard_release_rollup"] == 0
    with demo.session() as s:
        params = ReportParams(ALL_TIME.date_from, ALL_TIME.date_to)
        data = compute_report(session=s, name="land-release", params=params)
        close(data["totals"], expected(s, params)["totals"])


def article7_expected(session: Session, params: ReportParams) -> dict[str, Any]:
    """Article 7's totals summed here from every release, finding and hazard."""
    ok = UNAPPROVED_TOO if params.include_unapproved else ("approved",)
    start, end = params.date_from, params.date_to
    totals: dict[str, float] = defaultdict(float)
    done: dict[int, float] = defaultdict(float)
    releases = session.execute(
        select(
            LandRelease.hazard_id,
            LandRelease.method,
            LandRelease.release_date,
            LandRelease.area_m2,
            LandRelease.approval,
        )
    ).all()
    for hazard_id, method, day, m2, state in releases:
        if state in ok and day <= end:
            if hazard_id is not None:
                done[hazard_id] += m2
            if day >= start:
                totals[f"{method}_areas"] += 1
                totals[f"{method}_m2"] += m2
    finds = session.execute(
        select(Finding.category, Finding.quantity, Finding.found_date, Finding.approval)
    ).all()
    for category, n, day, state in finds:
        if state in ok and start <= day <= end:
            totals[{"ap_mine": "ap_mines", "at_mine": "at_mines"}.get(category, "other_items")] += n
    hazards = session.execute(
        select(
            Hazard.id, Hazard.area_m2, Hazard.recorded_date, Hazard.contamination, Hazard.approval
        )
    ).all()
    for i, m2, recorded, contamination, state in hazards:
        left = m2 - done[i]
        if (
            state in ok
            and recorded <= end
            and contamination in ("ap_mines", "mixed_mines")
            and left > 0
        ):
            totals["remaining_areas"] += 1
            totals["remaining_m2"] += left
    totals["total_m2"] = sum(totals[f"{m}_m2"] for m in ("cancelled", "reduced", "cleared"))
    return totals


@pytest.mark.parametrize("unapproved", [False, True], ids=["approved", "with-unapproved"])
def test_article7_gives_the_figures_of_the_raw_rows_for_every_period(
    demo: Database, unapproved: bool
):
    with demo.session() as s:
        for base in periods(s):
            params = ReportParams(base.date_from, base.date_to, include_unapproved=unapproved)
            got = compute_report(session=s, name="article7", params=params)["totals"]
            want = article7_expected(s, params)
            for key, value in got.items():
                if key.endswith("_m2"):  # rounded to the m² per district, then added
                    assert value == pytest.approx(want[key], abs=0.5 * len(got) + 1e-6), key
                else:
                    assert value == want[key], (key, params)


def test_the_hazard_rows_sort_by_hundredths_then_reference_and_round_as_one_by_one() -> None:
    class Name:
        en = "Tartar"

    worked = [  # (reference, district, status, area, released in period, released to date)
        ("HA-B", 7, "active", 53_500.0, 1_000.004, 2_000.0),
        ("HA-A", 7, "active", 10_000.0, 1_000.001, 12_000.0),  # same 0.01 m², reference first
        ("HA-C", None, "closed", 0.0, 5.0, 5.0),  # no area: no progress
        ("HA-D", 7, "active", 4.0, 2_000.0, 1.0),
    ]
    rows = land_release.hazard_rows(worked, {7: Name(), None: None})
    assert [r["hazard"] for r in rows] == ["HA-D", "HA-A", "HA-B", "HA-C"]
    by_ref = {r["hazard"]: r for r in rows}
    for ref, _area, _status, m2, now, done in worked:
        row = by_ref[ref]
        assert row["area_ha"] == ha(m2)
        assert row["released_in_period_ha"] == ha(now)
        assert row["released_to_date_ha"] == ha(done)
        assert row["remaining_ha"] == ha(max(m2 - done, 0.0))
        want = round(100 * min(done / m2, 1.0), 1) if m2 else None
        assert row["progress_percent"] == want
    assert by_ref["HA-C"]["district"] is None and by_ref["HA-A"]["district"] == "Tartar"
    assert land_release.hazard_rows([], {}) == []
