"""On the synthetic demo, every report agrees with the raw rows, in every format and from the CLI.

The demo is built once per backend (scale 0.01).  Expected figures are sums
over the ORM rows in Python; the reports aggregate in SQL.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from mineaction.analytics.reports import ReportParams, compute_report
from mineaction.demo import build_demo
from mineaction.store.database import Database
from mineaction.store.tables import (
    Accident,
    Finding,
    Hazard,
    LandRelease,
    Organisation,
    Victim,
)

WHOLE = ReportParams(dt.date(2020, 11, 10), dt.date(2024, 12, 31))
CATEGORY_KEYS = {
    "ap_mine": "ap_mines",
    "at_mine": "at_mines",
    "uxo": "uxo",
    "submunition": "submunitions",
    "ied": "ieds",
}


@pytest.fixture(scope="module")
def demo(module_db: Database) -> Database:
    build_demo(module_db, seed=11, scale=0.01)
    return module_db


def test_the_full_history_matches_the_raw_findings_and_releases(demo: Database) -> None:
    with demo.session() as s:
        finds = s.scalars(select(Finding).where(Finding.approval == "approved")).all()
        releases = s.scalars(select(LandRelease).where(LandRelease.approval == "approved")).all()
        data = compute_report(session=s, name="operations", params=WHOLE)
    items = Counter()
    for f in finds:
        if WHOLE.date_from <= f.found_date <= WHOLE.date_to:
            items[CATEGORY_KEYS.get(f.category, "other")] += f.quantity
    m2 = Counter()
    for r in releases:
        if WHOLE.date_from <= r.release_date <= WHOLE.date_to:
            m2[r.method] += r.area_m2
    assert items and m2, "the demo has finds and releases"
    for key in ("ap_mines", "at_mines", "uxo", "submunitions", "ieds", "other"):
        assert data["totals"][key] == items[key]
    for method in ("cancelled", "reduced", "cleared"):
        assert data["totals"][f"area_{method}_ha"] == round(m2[method] / 10_000, 1)


def test_casualties_and_land_release_match_the_raw_rows(demo: Database) -> None:
    with demo.session() as s:
        victims = s.execute(
            select(Victim.victim_group, Victim.outcome)
            .join(Accident)
            .where(Accident.approval == "approved", Victim.approval == "approved")
        ).all()
        hazards = s.scalars(select(Hazard)).all()
        casualties = compute_report(session=s, name="casualties", params=WHOLE)
        land = compute_report(session=s, name="land-release", params=WHOLE)
    expected = Counter(tuple(v) for v in victims)
    for (group, outcome), n in expected.items():
        assert casualties["by_group"][group][outcome] == n
    assert casualties["totals"]["victims"] == len(victims)
    # Every hazard was recorded by the end of 2024; remaining = area - released, never < 0.
    assert land["totals"]["hazards"] == len(hazards)
    assert land["totals"]["remaining_ha"] == pytest.approx(
        sum(max(h.area_m2 - h.released_m2, 0) for h in hazards) / 10_000, abs=0.1
    )


@pytest.mark.parametrize(
    "params",
    [WHOLE, ReportParams(dt.date(2022, 2, 3), dt.date(2022, 9, 30))],
    ids=["whole-history", "odd-ends"],
)
def test_the_operators_report_matches_the_raw_findings_and_releases(
    demo: Database, params: ReportParams
) -> None:
    # The report reads released area and items from the roll-ups and, for the
    # days at the period's ends, from the records; here every record is summed.
    with demo.session() as s:
        finds = s.execute(
            select(Finding.organisation_id, Finding.found_date, Finding.quantity).where(
                Finding.approval == "approved"
            )
        ).all()
        releases = s.execute(
            select(LandRelease.organisation_id, LandRelease.release_date, LandRelease.area_m2)
            .where(LandRelease.approval == "approved")
        ).all()  # fmt: skip
        names = dict(s.execute(select(Organisation.id, Organisation.name)).all())
        data = compute_report(session=s, name="operators", params=params)
    inside = params.date_from, params.date_to
    items: Counter[str] = Counter()
    for org, day, n in finds:
        if inside[0] <= day <= inside[1]:
            items[names.get(org, "Unknown")] += n
    m2: Counter[str] = Counter()
    for org, day, area in releases:
        if inside[0] <= day <= inside[1]:
            m2[names.get(org, "Unknown")] += area
    assert items and m2, "the demo has finds and releases in the period"
    rows = {r["operator"]: r for r in data["operators"]}
    assert set(rows) == set(items) | set(m2)
    for name, row in rows.items():
        assert row["items"] == items[name]
        assert row["released_ha"] == pytest.approx(round(m2[name] / 10_000, 1), abs=0.05)
    assert data["totals"]["items"] == sum(items.values())
    assert data["totals"]["released_ha"] == pytest.approx(
        round(sum(m2.values()) / 10_000, 1), abs=0.05
    )


def test_the_report_command_writes_each_format(demo: Database, run, tmp_path: Path) -> None:
    url = demo.url
    text = run("report", "operations", "--week", "2023-W20", "-d", url, "-f", "text")
    assert text.code == 0, text.err
    assert text.out.startswith("OPERATIONS SUMMARY") and "15 May – 21 May 2023" in text.out
    data = run("report", "casualties", "--from", "2021-01-01", "--to", "2021-12-31", "-d", url)
    assert data.code == 0 and '"by_group"' in data.out
    out = tmp_path / "article7.xlsx"
    done = run(
        "report", "article7", "--from", "2021-01-01", "--to", "2024-12-31", "-d", url,
        "-f", "xlsx", "--lang", "ru", "-o", str(out),
    )  # fmt: skip
    assert done.code == 0 and load_workbook(out).sheetnames[0] == "О документе"


def test_the_report_command_explains_mistakes(demo: Database, run) -> None:
    url = demo.url
    backwards = run("report", "operations", "--from", "2024-05-05", "--to", "2024-04-29", "-d", url)
    assert backwards.code == 1 and "starts (2024-05-05) after it ends" in backwards.err
    unknown = run("report", "weekly", "--week", "2024-W18", "-d", url)
    assert unknown.code == 1 and "operations, land-release" in unknown.err
    binary = run("report", "operations", "--week", "2024-W18", "-d", url, "-f", "pdf")
    assert binary.code == 2 and "--output" in binary.err
    half = run("report", "operations", "--from", "2024-01-01", "-d", url)
    assert half.code == 2 and "--to" in half.err
    bad_date = run("report", "operations", "--from", "1/5/2024", "--to", "2024-05-05", "-d", url)
    assert bad_date.code == 2 and "YYYY-MM-DD" in bad_date.err
