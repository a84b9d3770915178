"""A planner forecasts the demo programme: the JSON contract, ranges, what-ifs, projects.

Expectations come from the stored rows (SQL), never from the planning code's own figures.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest
from sqlalchemy import func, select

from mineaction.analytics.planning import ForecastParams, Scenario, forecast, forecast_model
from mineaction.analytics.planning import weights as weights_mod
from mineaction.analytics.planning.plan import prepare
from mineaction.geo import buffer_m
from mineaction.store.database import Database
from mineaction.store.tables import (
    Activity,
    AdminArea,
    Hazard,
    LandRelease,
    ProgressReport,
    Project,
)

RUNS = 1_000


@pytest.fixture(scope="module")
def baseline(demo_db: Database) -> dict:
    with demo_db.session() as s:
        return forecast(s, ForecastParams(simulations=RUNS, seed=11)).as_dict()


def open_hazards(db: Database) -> list[tuple[str, float, str]]:
    with db.session() as s:
        rows = s.execute(
            select(Hazard.reference, Hazard.area_m2 - Hazard.released_m2, AdminArea.name)
            .join(AdminArea, AdminArea.id == Hazard.admin_area_id)
            .where(Hazard.status == "open")
        ).all()
    return [(r, float(m2), d) for r, m2, d in rows if m2 >= 1.0]


def test_the_forecast_keeps_its_json_contract_with_iso_dates(baseline: dict) -> None:
    assert set(baseline["national"]) >= {"p10", "p50", "p90"}
    for row in baseline["districts"]:
        assert set(row) >= {"district", "p10", "p50", "p90"}
    for row in baseline["projects"]:
        assert set(row) >= {"project", "p50", "probability_on_time"}
    for row in [baseline["national"], *baseline["districts"], *baseline["projects"]]:
        dates = [dt.date.fromisoformat(row[k]) for k in ("p10", "p50", "p90")]
        assert dates == sorted(dates)
        assert dates[0] >= dt.date.fromisoformat(baseline["as_of"])


def test_it_forecasts_every_open_hazard_and_district_the_database_holds(
    demo_db: Database, baseline: dict
) -> None:
    hazards = open_hazards(demo_db)
    assert baseline["national"]["hazards"] == len(hazards)
    assert baseline["national"]["remaining_ha"] == pytest.approx(
        sum(m2 for _, m2, _ in hazards) / 10_000, abs=0.01
    )
    assert {d["district"] for d in baseline["districts"]} == {d for _, _, d in hazards}
    national_p90 = baseline["national"]["p90"]
    assert all(d["p90"] <= national_p90 for d in baseline["districts"])


def test_the_same_seed_gives_the_same_forecast(demo_db: Database, baseline: dict) -> None:
    with demo_db.session() as s:
        again = forecast(s, ForecastParams(simulations=RUNS, seed=11)).as_dict()
    assert again["national"] == baseline["national"]
    assert again["projects"] == baseline["projects"]


def test_more_teams_bring_the_end_no_later(demo_db: Database, baseline: dict) -> None:
    methods = [m for m, _ in baseline["model"]["method_mix"]["at_mines"].items()]
    scenario = Scenario(add_teams=tuple((m, 5.0) for m in methods))
    with demo_db.session() as s:
        more = forecast(s, ForecastParams(simulations=RUNS, seed=11, scenario=scenario)).as_dict()
    assert more["scenario"].startswith("+5")
    assert more["national"]["p50"] <= baseline["national"]["p50"]
    assert more["national"]["p90"] <= baseline["national"]["p90"]


def test_projects_are_blocked_by_the_open_hazards_within_the_buffer(
    demo_db: Database, baseline: dict
) -> None:
    buffer = weights_mod.load().project_buffer_m
    with demo_db.session() as s:
        hazards = [
            (h.reference, h.remaining_geom if h.remaining_geom is not None else h.geom)
            for h in s.scalars(select(Hazard).where(Hazard.status == "open"))
        ]
        projects = {p.name: buffer_m(p.geom, buffer) for p in s.scalars(select(Project))}
    for row in baseline["projects"]:
        zone = projects[row["project"]]
        expected = {ref for ref, shape in hazards if zone.intersects(shape)}
        assert set(row["blocking_hazards"]) == expected
        assert 0.0 <= row["probability_on_time"] <= 1.0


def test_optimising_for_projects_never_lowers_the_chance_of_a_chosen_one(
    demo_db: Database, baseline: dict
) -> None:
    with demo_db.session() as s:
        tuned = forecast(s, ForecastParams(simulations=RUNS, seed=11, optimise=True)).as_dict()
    allocation = tuned["allocation"]
    assert allocation["mode"] == "optimised" and allocation["solver"] == "OR-Tools CP-SAT"
    before = {p["project"]: p["probability_on_time"] for p in baseline["projects"]}
    for p in tuned["projects"]:
        if p["project"] in allocation["projects_first"]:
            assert p["probability_on_time"] >= before[p["project"]]


def test_productivity_is_area_over_team_days_from_the_reports(demo_db: Database) -> None:
    with demo_db.session() as s:
        plan = prepare(s, as_of=None, weights=weights_mod.load())
        model = forecast_model(plan)
        since = plan.as_of - dt.timedelta(days=730)
        for row in model["productivity"]:

            def totals(*where, method=row["method"]):
                return s.execute(
                    select(func.sum(ProgressReport.area_m2), func.sum(ProgressReport.team_days))
                    .join(Activity, Activity.id == ProgressReport.activity_id)
                    .where(
                        Activity.activity_type == method,
                        ProgressReport.team_days > 0,
                        *where,
                    )
                ).one()

            area, days = totals(ProgressReport.report_date >= since)
            if not days or days < 30:
                area, days = totals()
            if not days or days < 30:
                assert row["source"] == "prior"
                continue
            assert row["source"] == "history"
            assert row["m2_per_team_day"] == pytest.approx(area / days, abs=0.1)
            assert row["p10"] <= row["p50"] <= row["p90"]
    assert sum(model["seasonal"]) == pytest.approx(12.0, abs=1e-3)


def test_the_learned_method_mix_follows_the_released_area(demo_db: Database) -> None:
    with demo_db.session() as s:
        plan = prepare(s, as_of=None, weights=weights_mod.load())
        by_method = dict(
            s.execute(
                select(Activity.activity_type, func.sum(LandRelease.area_m2))
                .join(Activity, Activity.id == LandRelease.activity_id)
                .group_by(Activity.activity_type)
            ).all()
        )
    for shares in plan.mix.values():
        assert math.isclose(sum(shares.values()), 1.0, rel_tol=1e-9)
        assert set(shares) <= set(by_method)
