"""The planning page without a browser: who may see it, and that it shows the API's numbers.

Every signed-in role plans; the public is sent to sign in. The page's
figures are compared with /api/plan (the same functions as `mineaction plan`)
and with the stored rows, never with the page's own code.
"""

from __future__ import annotations

import csv
import io
import json
import re

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from mineaction.services import organisations, plan_view
from mineaction.store.tables import Project
from tests.api.conftest import BY_ROLE, World

HTML = {"Accept": "text/html"}
RUNS = {"simulations": 300, "seed": 5}
SIGNED_IN = [role for role, persona in BY_ROLE.items() if persona]


def _cell(page: str, testid: str, end: str = "</") -> str:
    match = re.search(rf'data-testid="{testid}"[^>]*>(.*?){end}', page, flags=re.S)
    assert match, f"no {testid} on the page"
    return match.group(1).strip()


def _project_names(world: World) -> list[str]:
    with world.db.session() as session:
        return list(session.scalars(select(Project.name)))


@pytest.mark.parametrize("role", SIGNED_IN)
def test_every_signed_in_role_plans(demo_world: World, role: str) -> None:
    page = demo_world.client(BY_ROLE[role]).get("/plan", params=RUNS, headers=HTML)
    assert page.status_code == 200, page.text
    assert 'href="/plan"' in page.text  # the navigation offers it
    assert 'id="plan-map"' in page.text and "<svg" in _fan(page.text)
    names = _project_names(demo_world)
    assert names and all(name in page.text for name in names)


def test_the_public_is_sent_to_sign_in_and_gets_no_planning_data(demo_world: World) -> None:
    public = TestClient(demo_world.app, follow_redirects=False)
    page = public.get("/plan", headers=HTML)
    assert page.status_code == 303 and page.headers["location"] == "/login?next=/plan"
    assert public.get("/api/plan/priorities", params={"format": "geojson"}).status_code == 401
    home = public.get("/", headers=HTML).text
    assert 'href="/plan"' not in home and 'href="/reports"' in home


def _fan(page: str) -> str:
    match = re.search(r'data-testid="fan-chart">(.*?)</figure>', page, flags=re.S)
    assert match, "no fan chart"
    return match.group(1)


def test_the_page_shows_the_forecast_and_ranking_the_api_gives(demo_world: World) -> None:
    elvin = demo_world.client("elvin")
    page = elvin.get("/plan", params=RUNS | {"top": 7}, headers=HTML).text
    forecast = elvin.get("/api/plan/forecast", params=RUNS).json()
    national = forecast["national"]
    summary = _cell(page, "forecast-summary", "</p>")
    for key in ("p10", "p50", "p90"):
        assert national[key] and national[key] in summary
    assert f"{national['remaining_ha']:,.1f}" in summary
    for project in forecast["projects"]:
        chance = project["probability_on_time"]
        assert f"{chance:.0%}" in page and (project["p50"] or "") in page
    ranked = elvin.get("/api/plan/priorities", params={"limit": 7}).json()["hazards"]
    rows = re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td>", page)
    assert [(int(r), h) for r, h in rows] == [(h["rank"], h["hazard"]) for h in ranked]
    for district in forecast["districts"]:
        assert district["district"] in page and (district["p50"] or "") in page


def test_a_what_if_shows_both_forecasts(demo_world: World) -> None:
    elvin = demo_world.client("elvin")
    what_if = {"method": "clearance_mechanical", "teams": 10}
    page = elvin.get("/plan", params=RUNS | what_if, headers=HTML)
    assert page.status_code == 200, page.text
    baseline = elvin.get("/api/plan/forecast", params=RUNS).json()["national"]
    api = elvin.get(
        "/api/plan/forecast", params=RUNS | {"add_teams": "clearance_mechanical:10"}
    ).json()
    row = _cell(page.text, "national-what-if", "</tr>")
    assert row.startswith("<td>+10 clearance_mechanical team(s)</td>")
    assert all(api["national"][k] in row for k in ("p10", "p50", "p90"))
    national = _cell(page.text, "national", "</table>")
    assert national.count("<tr") == 3  # header, baseline, what-if
    assert all(baseline[k] in national for k in ("p10", "p50", "p90"))
    assert "P50 (+10 clearance_mechanical team(s))" in _fan(page.text)  # two bands drawn
    assert "export-forecast-pdf" in page.text and "add_teams=clearance_mechanical%3A10" in page.text


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"method": "harvesting", "teams": 3}, "'harvesting' is not a method."),
        ({"method": "clearance_manual", "teams": 0}, "The what-if adds no teams."),
        ({"teams": 4}, "The what-if adds 4 teams of no method."),
        ({"as_of": "2024-13-01"}, "as_of='2024-13-01' is not a date."),
    ],
)
def test_a_wrong_plan_form_is_explained_on_the_page(
    demo_world: World, params: dict[str, object], message: str
) -> None:
    page = demo_world.client("rauf").get("/plan", params=RUNS | params, headers=HTML)
    assert page.status_code == 422
    assert message in _cell(page.text, "plan-error", "</div>").replace("&#39;", "'")
    assert 'data-testid="plan-form"' in page.text and "Traceback" not in page.text


def test_too_many_simulations_are_refused_with_the_limit(demo_world: World) -> None:
    page = demo_world.client("rauf").get("/plan", params={"simulations": 50}, headers=HTML)
    assert page.status_code == 422 and "greater than or equal to 100" in page.text


def test_the_ranked_list_and_forecast_download_in_every_format(demo_world: World) -> None:
    aysel = demo_world.client("aysel")
    ranked = aysel.get("/api/plan/priorities", params={"limit": 12}).json()["hazards"]
    answer = aysel.get("/api/plan/priorities", params={"limit": 12, "format": "csv"})
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [r["hazard"] for r in rows] == [h["hazard"] for h in ranked]
    assert float(rows[0]["points_projects"]) == ranked[0]["explanation"]["projects"]["points"]
    layer = aysel.get("/api/plan/priorities", params={"limit": 12, "format": "geojson"}).json()
    assert [f["properties"]["hazard"] for f in layer["features"]] == [h["hazard"] for h in ranked]
    assert all(f["geometry"]["type"].endswith("Polygon") for f in layer["features"])
    xlsx = aysel.get("/api/plan/priorities", params={"limit": 12, "format": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    cells = {c.value for sheet in book for row in sheet.iter_rows() for c in row}
    assert {h["hazard"] for h in ranked} <= cells
    pdf = aysel.get("/api/plan/priorities", params={"limit": 12, "format": "pdf"})
    assert pdf.content[:4] == b"%PDF" and "attachment" in pdf.headers["content-disposition"]
    forecast = aysel.get("/api/plan/forecast", params=RUNS | {"format": "csv"})
    data = aysel.get("/api/plan/forecast", params=RUNS).json()
    first = next(csv.DictReader(io.StringIO(forecast.text)))
    assert (first["scope"], first["p50"]) == ("national", data["national"]["p50"])
    html = aysel.get("/api/plan/forecast", params=RUNS | {"format": "html"})
    assert "inline" in html.headers["content-disposition"] and "<svg" in html.text
    assert json.loads(aysel.get("/api/plan/forecast", params=RUNS | {"format": "json"}).text)


def test_the_page_is_answered_again_from_memory_until_the_data_changes(
    demo_world: World,
) -> None:
    request = plan_view.PlanRequest(simulations=200, seed=3, top=5)
    with demo_world.db.session() as session:
        first = plan_view.plan_view(session, request)
        again = plan_view.plan_view(session, request)
    assert again.baseline is first.baseline and again.fan_svg is first.fan_svg
    with demo_world.db.session(actor="test") as session:
        organisations.create_organisation(
            session=session, code="HALO", name="HALO Trust (test)", type="ngo"
        )
    with demo_world.db.session() as session:
        changed = plan_view.plan_view(session, request)
    assert changed.baseline is not first.baseline
    assert changed.baseline["national"] == first.baseline["national"]  # same seed, same data


def test_an_error_page_keeps_the_navigation_of_the_users_role(demo_world: World) -> None:
    refused = demo_world.client("rauf").get("/review", headers=HTML)
    assert refused.status_code == 403
    assert 'href="/plan"' in refused.text and 'href="/reports"' in refused.text
    assert 'href="/review"' not in refused.text.split("<main>", 1)[0]
