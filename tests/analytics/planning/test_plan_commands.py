"""An IM officer plans from the command line: priorities, weights, capacity, backtests.

The demo database is shared by the package (see conftest); expectations are
computed from its rows or from the input files, never from the planning code.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
import shapely.geometry
from sqlalchemy import select

from mineaction.store.database import Database
from mineaction.store.tables import Hazard, LandRelease

#: ../shared beside the project root, as in CI.
COLOMBIA = (
    Path(__file__).resolve().parents[4]
    / "shared"
    / "data"
    / "colombia-humanitarian-demining"
    / "desminado_humanitario_2005_2014.csv"
)
MONTH_DAYS = 365.25 / 12


def test_every_score_is_the_sum_of_its_explained_points(run, demo_db: Database) -> None:
    done = run("plan", "priorities", "-d", demo_db.url, "--format", "json")
    assert done.code == 0, done.err
    ranked = json.loads(done.out)["hazards"]
    assert [h["rank"] for h in ranked] == list(range(1, len(ranked) + 1))
    assert [h["score"] for h in ranked] == sorted((h["score"] for h in ranked), reverse=True)
    for h in ranked:
        parts = h["explanation"]
        assert sum(p["points"] for p in parts.values()) == pytest.approx(h["score"], abs=0.05)
        assert parts["effort"]["points"] <= 0 <= parts["beneficiaries"]["points"]


def test_a_planners_weights_change_what_counts(run, demo_db: Database, tmp_path: Path) -> None:
    weights = tmp_path / "weights.yaml"
    weights.write_text("criteria:\n  beneficiaries: {weight: 0}\n  projects: {weight: 100}\n")
    done = run("plan", "priorities", "-d", demo_db.url, "--weights", str(weights), "-f", "json")
    assert done.code == 0, done.err
    ranked = json.loads(done.out)["hazards"]
    assert all(h["explanation"]["beneficiaries"]["points"] == 0 for h in ranked)
    blocking = [h for h in ranked if h["projects"]]
    assert blocking and ranked[0]["projects"]  # a hazard blocking a project now comes first
    assert all(h["explanation"]["evidence"]["points"] >= 0 for h in ranked)  # defaults kept


def test_it_refuses_weights_naming_an_unknown_criterion(
    run, demo_db: Database, tmp_path: Path
) -> None:
    weights = tmp_path / "weights.yaml"
    weights.write_text("criteria:\n  popularity: {weight: 5}\n")
    done = run("plan", "priorities", "-d", demo_db.url, "--weights", str(weights))
    assert done.code == 1
    assert "popularity" in done.err and "What to do" in done.err
    assert "Traceback" not in done.err


def test_the_forecast_is_written_as_json_csv_and_a_page_with_its_fan_chart(
    run, demo_db: Database, tmp_path: Path
) -> None:
    done = run("plan", "forecast", "-d", demo_db.url, "-n", "300", "-f", "json")
    assert done.code == 0, done.err
    data = json.loads(done.out)
    assert {"national", "districts", "projects", "fan"} <= set(data)
    done = run("plan", "forecast", "-d", demo_db.url, "-n", "300", "-f", "csv")
    rows = list(csv.DictReader(done.out.splitlines()))
    assert rows[0]["scope"] == "national" and rows[0]["p50"] == data["national"]["p50"]
    assert {r["name"] for r in rows if r["scope"] == "district"} == {
        d["district"] for d in data["districts"]
    }
    page = tmp_path / "forecast.html"
    done = run("plan", "forecast", "-d", demo_db.url, "-n", "300", "-f", "html", "-o", str(page))
    assert done.code == 0, done.err
    html = page.read_text(encoding="utf-8")
    assert "Completion forecast" in html and "<svg" in html
    assert data["national"]["p50"] in html
    refused = run("plan", "forecast", "-d", demo_db.url, "-n", "300", "-f", "xlsx")
    assert refused.code == 1 and "--output" in refused.err


def test_an_edited_capacity_file_is_what_the_forecast_uses(
    run, demo_db: Database, tmp_path: Path
) -> None:
    done = run("plan", "capacity", "-d", demo_db.url, "--format", "csv")
    assert done.code == 0, done.err
    rows = list(csv.DictReader(done.out.splitlines()))
    assert rows and set(rows[0]) == {"operator", "method", "teams", "team_days_per_week"}
    rows[0]["teams"] = "9"
    edited = tmp_path / "capacity.csv"
    with edited.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    done = run(
        "plan", "forecast", "-d", demo_db.url, "-n", "200", "--capacity", str(edited), "-f", "json"
    )
    assert done.code == 0, done.err
    used = json.loads(done.out)["model"]["capacity"]
    assert [(r["operator"], r["method"], r["teams"]) for r in used] == [
        (r["operator"], r["method"], float(r["teams"])) for r in rows
    ]
    assert used[0]["teams"] == 9.0


def test_it_refuses_a_capacity_row_that_is_not_a_method(
    run, demo_db: Database, tmp_path: Path
) -> None:
    bad = tmp_path / "capacity.csv"
    bad.write_text("operator,method,teams,team_days_per_week\nANAMA,sweeping,2,4\n")
    done = run("plan", "forecast", "-d", demo_db.url, "-n", "200", "--capacity", str(bad))
    assert done.code == 1
    assert "row 2" in done.err and "sweeping" in done.err


def test_the_backtest_compares_with_the_land_actually_released(run, demo_db: Database) -> None:
    as_of = dt.date(2024, 1, 1)
    done = run(
        "plan",
        "backtest",
        "-d",
        demo_db.url,
        "--as-of",
        as_of.isoformat(),
        "--horizon",
        "6",
        "-n",
        "300",
        "-f",
        "json",
    )
    assert done.code == 0, done.err
    data = json.loads(done.out)
    with demo_db.session() as s:
        known = set(s.scalars(select(Hazard.id).where(Hazard.recorded_date < as_of)))
        releases = [
            (d, h, m2)
            for d, h, m2 in s.execute(
                select(LandRelease.release_date, LandRelease.hazard_id, LandRelease.area_m2)
            )
        ]
    national = [c for c in data["checks"] if c["scope"] == "national"]
    assert [c["month"] for c in national] == list(range(1, 7))
    for c in national:
        end = as_of + dt.timedelta(days=round(c["month"] * MONTH_DAYS))
        actual = sum(m2 for d, h, m2 in releases if h in known and as_of <= d < end)
        assert c["actual_ha"] == pytest.approx(actual / 10_000, abs=0.01)
        assert c["inside"] == (c["p10_ha"] <= c["actual_ha"] <= c["p90_ha"])
    inside = [c["inside"] for c in data["checks"]]
    assert data["summary"]["share_inside_p10_p90"] == pytest.approx(
        sum(inside) / len(inside), abs=0.001
    )


def test_it_refuses_a_backtest_with_nothing_after_the_date(run, demo_db: Database) -> None:
    done = run("plan", "backtest", "-d", demo_db.url, "--as-of", "2030-01-01")
    assert done.code == 1 and "nothing happened after" in done.err


def test_colombias_monthly_returns_are_backtested_against_what_followed(run) -> None:
    done = run(
        "plan",
        "backtest",
        "--series",
        str(COLOMBIA),
        "--as-of",
        "2012-01-01",
        "-n",
        "500",
        "-f",
        "json",
    )
    assert done.code == 0, done.err
    data = json.loads(done.out)
    with COLOMBIA.open(encoding="utf-8") as f:
        rows = [
            (int(r["ano"]), int(r["mes"]), float(r["areadespejada"])) for r in csv.DictReader(f)
        ]
    national = [c for c in data["checks"] if c["scope"] == "national"]
    assert len(national) == 12
    for c in national:
        actual = sum(m2 for y, m, m2 in rows if y == 2012 and m <= c["month"])
        assert c["actual_ha"] == pytest.approx(actual / 10_000, abs=0.001)
    assert 0.0 <= data["summary"]["share_inside_p10_p90"] <= 1.0


def test_the_ranking_is_a_map_layer_of_the_remaining_shapes(run, demo_db: Database) -> None:
    done = run("plan", "priorities", "-d", demo_db.url, "--format", "geojson")
    assert done.code == 0, done.err
    layer = json.loads(done.out)
    with demo_db.session() as s:
        remaining = {
            h.reference: h.remaining_geom if h.remaining_geom is not None else h.geom
            for h in s.scalars(select(Hazard).where(Hazard.status == "open"))
            if h.area_m2 - h.released_m2 >= 1.0
        }
    features = layer["features"]
    assert layer["type"] == "FeatureCollection" and len(features) == len(remaining)
    assert [f["properties"]["rank"] for f in features] == list(range(1, len(features) + 1))
    for f in features:
        expected = remaining[f["properties"]["hazard"]]
        assert shapely.geometry.shape(f["geometry"]).equals_exact(expected, 1e-9)
