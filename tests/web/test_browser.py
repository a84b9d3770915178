"""In a real browser (Debian's Chromium driven by Playwright), on the app served by uvicorn.

Leyla, MES's data officer, places a finding on the map and submits it;
Elvin, the IM officer, approves it from his review queue; the dashboard
counts it; the map shows features; the public reaches no hazard geometry.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page

from tests.api.conftest import World, served
from tests.web.chromium import sign_in


@pytest.fixture(scope="module")
def site(world: World) -> Iterator[str]:
    with served(world.app) as url:
        yield url


def _items_this_week(page: Page, site: str) -> int:
    page.goto(f"{site}/dashboard")
    return int(page.inner_text("[data-testid=items-week]").replace(",", ""))


def test_a_finding_goes_from_the_field_to_the_dashboard(
    world: World, site: str, browser: Browser, tmp_path: Path
) -> None:
    elvin = sign_in(browser, site, "elvin")
    before = _items_this_week(elvin, site)

    leyla = sign_in(browser, site, "leyla")
    leyla.goto(f"{site}/records/findings/new")
    leyla.wait_for_selector("#pick-map.leaflet-container")
    leyla.click("#pick-map", position={"x": 300, "y": 150})
    assert leyla.input_value("#field-lon") and leyla.input_value("#field-lat")
    leyla.fill("#field-date", dt.date.today().isoformat())
    leyla.fill("#field-category", "ap_mine")
    leyla.fill("#field-quantity", "3")
    leyla.click("[data-testid=save-submit]")
    assert leyla.get_attribute("[data-testid=approval]", "data-state") == "submitted"
    record_url = leyla.url
    leyla.screenshot(path=str(tmp_path / "leyla-submitted.png"))

    elvin.goto(f"{site}/review")
    record_id = record_url.rsplit("/", 1)[1]
    elvin.click(f"[data-testid=review-findings-{record_id}]")
    elvin.click("[data-testid=step-approve]")
    assert elvin.get_attribute("[data-testid=approval]", "data-state") == "approved"
    assert _items_this_week(elvin, site) == before + 3

    elvin.goto(f"{site}/map")
    elvin.wait_for_function(
        "() => Number(document.getElementById('map').dataset.loadedfindings) > 0"
    )
    assert elvin.locator(".leaflet-overlay-pane path, .leaflet-overlay-pane canvas").count() > 0
    shot = Image.open(io.BytesIO(elvin.locator("#map").screenshot())).convert("RGB")
    (tmp_path / "map.png").write_bytes(elvin.locator("#map").screenshot())
    colours = shot.getcolors(maxcolors=1_000_000) or []
    assert len(colours) > 20, "the map screenshot is blank"


def test_a_wrong_form_shows_the_import_problems(site: str, browser: Browser) -> None:
    leyla = sign_in(browser, site, "leyla")
    leyla.goto(f"{site}/records/findings/new")
    leyla.fill("#field-date", "2024-05-02")
    leyla.fill("#field-category", "at_mnie")
    leyla.fill("#field-quantity", "1")
    leyla.fill("#field-lon", "46.93")
    leyla.fill("#field-lat", "39.99")
    leyla.click("[data-testid=save-submit]")
    problems = leyla.inner_text("[data-testid=problems]")
    assert (
        "'at_mnie' is not a known eo category." in problems and "Did you mean 'at_mine'" in problems
    )


def test_the_public_cannot_reach_hazard_geometry(site: str, browser: Browser) -> None:
    page = browser.new_context().new_page()
    page.goto(f"{site}/")
    assert "Land released by district" in page.content()
    for path in (
        "/api/records/hazards?format=geojson",
        "/api/records/hazards/1",
        "/ogc/collections/hazards/items",
        "/ogc/collections/hazards/items/1",
    ):
        answer = page.request.get(f"{site}{path}")
        assert answer.status == 401, path
        assert "coordinates" not in answer.text()
    page.goto(f"{site}/map")
    page.wait_for_function(
        "() => Number(document.getElementById('map').dataset.loadeddistricts) > 0"
    )
    assert page.evaluate("JSON.parse(document.getElementById('map').dataset.layers)") == [
        {"name": "districts", "label": "Administrative areas", "filters": False, "operator": False}
    ]
    page.goto(f"{site}/dashboard")
    assert page.url.startswith(f"{site}/login")
