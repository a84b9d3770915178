"""Reports, verification and forecasts over HTTP: the CLI's numbers, and who may see them."""

from __future__ import annotations

from tests.api.conftest import CATEGORIES, World

WHOLE = {"from": "2023-01-01", "to": "2024-12-31"}


def expected_items() -> dict[str, int]:
    """Count the items the API world holds per category, from how it was built."""
    counts = dict.fromkeys(CATEGORIES, 0)
    for n in range(24):
        counts[CATEGORIES[n % 3]] += 1 + n % 4
    return counts


def test_the_public_reads_the_operations_statement_the_cli_gives(world: World) -> None:
    answer = world.client(None).get("/api/reports/operations", params=WHOLE)
    assert answer.status_code == 200, answer.text
    data = answer.json()
    items = expected_items()
    assert data["period"] == {"from": "2023-01-01", "to": "2024-12-31"}
    totals = data["totals"]
    assert (totals["ap_mines"], totals["at_mines"], totals["uxo"]) == (
        items["ap_mine"],
        items["at_mine"],
        items["uxo"],
    )
    assert totals["items_total"] == sum(items.values())
    assert totals["area_cleared_ha"] == 1.0  # the one 100 m × 100 m release


def test_a_week_is_a_shortcut_for_its_monday_to_sunday(world: World) -> None:
    answer = world.client(None).get("/api/reports/casualties", params={"week": "2023-W33"})
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["period"] == {"from": "2023-08-14", "to": "2023-08-20"}
    assert (data["totals"]["killed"], data["totals"]["injured"]) == (1, 1)


def test_detail_and_unapproved_figures_need_a_signed_in_user(world: World) -> None:
    public = world.client(None)
    assert public.get("/api/reports/land-release", params=WHOLE).status_code == 401
    unapproved = {**WHOLE, "include_unapproved": "true"}
    assert public.get("/api/reports/operations", params=unapproved).status_code == 401
    assert public.get("/api/minefield-records/verification").status_code == 401
    assert public.get("/api/plan/forecast").status_code == 401
    rauf = world.client("rauf")
    assert rauf.get("/api/reports/land-release", params=WHOLE).status_code == 200


def test_a_report_comes_as_a_pdf_and_a_bad_period_is_explained(world: World) -> None:
    elvin = world.client("elvin")
    pdf = elvin.get("/api/reports/operations", params={**WHOLE, "format": "pdf"})
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content[:4] == b"%PDF"
    bad = elvin.get("/api/reports/operations", params={"from": "2024-05-05", "to": "2024-04-29"})
    assert bad.status_code == 422
    assert "after it ends" in bad.json()["error"]["message"]
    unknown = elvin.get("/api/reports/harvest", params=WHOLE)
    assert unknown.status_code == 422 and "operations" in unknown.json()["error"]["hint"]


def test_the_im_officer_gets_verification_and_a_forecast(world: World) -> None:
    elvin = world.client("elvin")
    verified = elvin.get("/api/minefield-records/verification")
    assert verified.status_code == 200, verified.text
    assert verified.json()["summary"]["records"] == 0  # the API world has no records
    forecast = elvin.get("/api/plan/forecast", params={"simulations": 200, "seed": 7})
    assert forecast.status_code == 200, forecast.text
    national = forecast.json()["national"]
    if national["p50"] is not None:
        assert national["p10"] <= national["p50"] <= national["p90"]
    listed = elvin.get("/api/reports").json()
    assert {"operations", "casualties"} <= {r["name"] for r in listed["reports"]}
