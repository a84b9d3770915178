"""The casualties report against the raw rows, on several hundred varied victims, both backends.

Accidents and victims are written straight into the tables (random groups,
sexes, bands, devices, districts — some missing — and approvals over three
years); the expected figures are counted in Python from the rows read back,
not through the report's SQL. The whole history is read by a table scan on
SQLite, a shorter period through the date index; both must agree.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import select

from mineaction.analytics.reports import ReportParams, compute_report
from mineaction.demo import build_demo
from mineaction.store.database import Database
from mineaction.store.tables import Accident, AdminArea, Victim

WHOLE = ReportParams(dt.date(2019, 1, 1), dt.date(2024, 12, 31))
PERIODS = [WHOLE, ReportParams(dt.date(2022, 3, 1), dt.date(2022, 8, 31))]
DEVICES = ("ap_mine", "at_mine", "uxo", "ied", "submunition", "unknown")
APPROVALS = ("approved",) * 6 + ("submitted", "draft", "rejected")


@pytest.fixture(scope="module")
def varied(module_db: Database) -> Database:
    build_demo(module_db, seed=5, scale=0.01)
    rng = random.Random(7)
    with module_db.session() as s:
        areas = [
            None,
            *s.scalars(select(AdminArea.id).where(AdminArea.level == "district")).all()[:12],
        ]
        for _ in range(300):
            accident = Accident(
                accident_date=dt.date(2021, 1, 1) + dt.timedelta(days=rng.randrange(3 * 365)),
                accident_type=rng.choice(("mine", "demining")),
                device_category=rng.choice(DEVICES),
                admin_area_id=rng.choice(areas),
                approval=rng.choice(APPROVALS),
            )
            s.add(accident)
            for _ in range(rng.randint(0, 4)):
                accident.victims.append(
                    Victim(
                        victim_group=rng.choice(("civilian", "military", "deminer", "unknown")),
                        sex=rng.choice(("male", "female", "unknown")),
                        age_band=rng.choice(("child", "adult", "elderly", "unknown")),
                        outcome=rng.choice(("killed", "injured")),
                        approval=rng.choice(APPROVALS),
                    )
                )
        s.commit()
    return module_db


def _outcomes(rows: list[dict[str, Any]], key: str) -> Counter[Any]:
    return Counter({(r[key], o): r[o] for r in rows for o in ("killed", "injured") if r[o]})


@pytest.mark.parametrize("params", PERIODS, ids=["whole-history", "six-months"])
def test_every_casualty_breakdown_matches_the_raw_victims(
    varied: Database, params: ReportParams
) -> None:
    with varied.session() as s:
        accidents = s.execute(
            select(Accident.id, Accident.accident_date, Accident.device_category,
                   Accident.admin_area_id, Accident.approval)
        ).all()  # fmt: skip
        victims = s.execute(
            select(Victim.accident_id, Victim.victim_group, Victim.sex, Victim.age_band,
                   Victim.outcome, Victim.approval)
        ).all()  # fmt: skip
        names = dict(s.execute(select(AdminArea.id, AdminArea.name)).all())
        data = compute_report(session=s, name="casualties", params=params)
    counted = {
        a.id: a
        for a in accidents
        if a.approval == "approved" and params.date_from <= a.accident_date <= params.date_to
    }
    kept = [
        (v, counted[v.accident_id])
        for v in victims
        if v.accident_id in counted and v.approval == "approved"
    ]
    assert len(kept) > 40, "the period has victims"
    group, device, district, month, year = (Counter[Any]() for _ in range(5))
    for v, a in kept:
        group[(v.victim_group, v.outcome)] += 1
        device[(a.device_category, v.outcome)] += 1
        district[(names.get(a.admin_area_id), v.outcome)] += 1
        month[(a.accident_date.strftime("%Y-%m"), v.outcome)] += 1
        year[(a.accident_date.year, v.outcome)] += 1
    assert data["totals"] == {
        "accidents": len(counted),
        "victims": len(kept),
        "killed": sum(v.outcome == "killed" for v, _a in kept),
        "injured": sum(v.outcome == "injured" for v, _a in kept),
    }
    assert group == Counter(
        {(g, o): n for g, v in data["by_group"].items() for o, n in v.items() if n}
    )
    assert data["by_sex"] == {
        x: sum(v.sex == x for v, _a in kept) for x in ("male", "female", "unknown")
    }
    bands = Counter({"elderly": "adult"}.get(v.age_band, v.age_band) for v, _a in kept)
    assert data["by_age_band"] == {b: bands[b] for b in ("child", "adult", "unknown")}
    assert _outcomes(data["by_device"], "device") == device
    assert _outcomes(data["by_district"], "district") == district
    assert _outcomes(data["by_month"], "month") == month
    assert _outcomes(data["by_year"], "year") == year
    assert [r["month"] for r in data["by_month"]] == sorted({m for m, _o in month})
    totals = [(-(r["killed"] + r["injured"]), r["device"]) for r in data["by_device"]]
    assert totals == sorted(totals), "devices by victims, most first, then by name"
