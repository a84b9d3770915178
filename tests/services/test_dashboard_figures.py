"""The dashboard's and the public page's figures, read from the roll-ups, equal the records' sums.

Both read the report roll-ups instead of every finding and release (a
national database holds millions); the figures here are summed in Python
from the records themselves, every approval state among them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from sqlalchemy import select

from mineaction.services import dashboard, public
from mineaction.store.database import Database
from mineaction.store.tables import AdminArea, Finding, LandRelease
from tests.analytics.test_operations_rollup import fill_at_random


@pytest.fixture
def filled(db: Database) -> Database:
    with db.session(actor="setup") as s:
        fill_at_random(s, seed=11)
    with db.session(actor="setup") as s:  # a later change: the roll-up follows it
        first = s.scalars(
            select(Finding).where(Finding.approval == "approved").order_by(Finding.id)
        ).first()
        assert first is not None
        first.quantity += 5
    return db


@pytest.mark.parametrize(
    "today",
    [
        dt.date(2024, 5, 1),  # its week runs from April into May
        dt.date(2023, 12, 31),  # a Sunday: the week and the year end together
        dt.date(2024, 2, 29),
    ],
)
def test_the_dashboard_figures_are_the_sums_of_the_approved_records(
    filled: Database, today: dt.date
) -> None:
    with filled.session() as s:
        figures = dashboard.figures(s, today=today)
        findings = s.scalars(select(Finding).where(Finding.approval == "approved")).all()
        releases = s.scalars(select(LandRelease).where(LandRelease.approval == "approved")).all()
        for name, (start, end) in dashboard.periods(today).items():
            by_category: dict[str, int] = defaultdict(int)
            for f in findings:
                if start <= f.found_date <= end:
                    by_category[f.category] += f.quantity
            m2 = sum(r.area_m2 for r in releases if start <= r.release_date <= end)
            got = figures[name]
            assert got["items_by_category"] == dict(sorted(by_category.items())), name
            assert got["items_found"] == sum(by_category.values()), name
            assert got["hectares_released"] == round(m2 / 10_000, 1), name
    assert figures["year"]["items_found"] > figures["month"]["items_found"] > 0


def test_the_public_figures_are_the_sums_of_the_approved_records(filled: Database) -> None:
    with filled.session() as s:
        summary = public.summary(s)
        names = {i: n for i, n in s.execute(select(AdminArea.id, AdminArea.name))}
        items: dict[str, int] = defaultdict(int)
        for f in s.scalars(select(Finding).where(Finding.approval == "approved")):
            items[f.category] += f.quantity
        m2: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for r in s.scalars(select(LandRelease).where(LandRelease.approval == "approved")):
            m2[names.get(r.admin_area_id, "unknown")][r.method] += r.area_m2
    assert summary["items_found_by_category"] == dict(items)
    expected = {
        district: {method: round(a / 10_000, 1) for method, a in sorted(methods.items())}
        for district, methods in m2.items()
    }
    assert summary["released_hectares_by_district"] == expected
    assert "unknown" in expected  # releases with no district are counted, not dropped
