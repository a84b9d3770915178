"""In Chromium: Leyla draws the land she released and imports a file; Nigar adds a user.

The polygon is drawn with clicks, edited (a corner dragged, one deleted) and
submitted; the record holds the polygon the map wrote.  A bowtie is refused
with the import's words next to the field, and drawn again to be corrected.
A file is checked on the import page, its problems read, then imported.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import shapely
from playwright.sync_api import Browser, Page
from sqlalchemy import select

from mineaction.services import users
from mineaction.services.catalogue import KINDS
from mineaction.store.tables import Finding
from tests.api.conftest import PASSWORD, World, served
from tests.web.chromium import sign_in


@pytest.fixture(scope="module")
def site(world: World) -> Iterator[str]:
    with served(world.app) as url:
        yield url


def _shot(page: Page, name: str, tmp_path: Path) -> None:
    page.screenshot(path=str(tmp_path / name), full_page=True)


def _corners(page: Page) -> int:
    return int(page.get_attribute("#draw-map", "data-corners") or 0)


def _open_release_form(page: Page, site: str) -> None:
    page.goto(f"{site}/records/land-releases/new")
    page.wait_for_selector("#draw-map.leaflet-container")


def _on_map(page: Page, cx: float, cy: float) -> tuple[float, float]:
    """Return where the point (cx, cy) of the map is in the window now (buttons scroll it)."""
    page.locator("#draw-map").scroll_into_view_if_needed()
    box = page.locator("#draw-map").bounding_box()
    assert box is not None
    return box["x"] + cx, box["y"] + cy


def _click_map(page: Page, cx: float, cy: float) -> None:
    page.mouse.click(*_on_map(page, cx, cy))


def test_an_operator_draws_edits_and_submits_a_land_release(
    world: World, site: str, browser: Browser, tmp_path: Path
) -> None:
    leyla = sign_in(browser, site, "leyla", height=1000)
    _open_release_form(leyla, site)
    corners = [(200, 60), (320, 70), (330, 180), (260, 220), (190, 170)]
    for cx, cy in corners:
        _click_map(leyla, cx, cy)
    assert _corners(leyla) == 5 and leyla.input_value("#field-geometry") == ""  # not closed
    _click_map(leyla, 260, 220)  # select the fourth corner
    leyla.click("[data-testid=draw-delete]")
    assert _corners(leyla) == 4
    _click_map(leyla, 200, 60)  # the first corner closes the polygon
    assert leyla.get_attribute("#draw-map", "data-closed") == "true"
    before = shapely.from_wkt(leyla.input_value("#field-geometry"))
    leyla.mouse.move(*_on_map(leyla, 330, 180))
    leyla.mouse.down()
    leyla.mouse.move(*_on_map(leyla, 370, 210), steps=8)
    leyla.mouse.up()
    drawn = leyla.input_value("#field-geometry")
    after = shapely.from_wkt(drawn)
    assert len(after.exterior.coords) == 5 and after.is_valid
    assert after.area > before.area  # the dragged corner moved outwards
    _shot(leyla, "drawn.png", tmp_path)

    leyla.fill("#field-date", "2024-05-02")
    leyla.fill("#field-operator", "MES")
    leyla.fill("#field-method", "cleared")
    leyla.click("[data-testid=save-submit]")
    assert leyla.get_attribute("[data-testid=approval]", "data-state") == "submitted"
    _shot(leyla, "submitted.png", tmp_path)
    record_id = int(leyla.url.rsplit("/", 1)[1])
    with world.db.session() as s:
        release = s.get_one(KINDS["land-releases"].model, record_id)
        assert release.geom.equals(shapely.from_wkt(drawn))


def test_a_crossed_polygon_is_refused_beside_the_map_and_drawn_again(
    site: str, browser: Browser, tmp_path: Path
) -> None:
    leyla = sign_in(browser, site, "leyla", height=1000)
    _open_release_form(leyla, site)
    for cx, cy in ((200, 60), (320, 180), (320, 60), (200, 180)):
        _click_map(leyla, cx, cy)
    leyla.click("[data-testid=draw-close]")
    leyla.fill("#field-date", "2024-05-02")
    leyla.fill("#field-operator", "MES")
    leyla.fill("#field-method", "cleared")
    leyla.click("[data-testid=save-submit]")
    problem = leyla.inner_text("[data-testid=problem-geometry]")
    assert "crosses itself" in problem
    leyla.wait_for_selector("#draw-map.leaflet-container")
    assert _corners(leyla) == 4 and leyla.get_attribute("#draw-map", "data-closed") == "true"
    _shot(leyla, "refused.png", tmp_path)
    leyla.click("[data-testid=draw-clear]")
    assert _corners(leyla) == 0 and leyla.input_value("#field-geometry") == ""


def test_an_administrator_adds_a_user_through_the_page(
    world: World, site: str, browser: Browser, tmp_path: Path
) -> None:
    nigar = sign_in(browser, site, "nigar", height=1000)
    nigar.click("nav.main >> text=Users")
    nigar.fill("#new-username", "zaur")
    nigar.fill("#new-full-name", "Zaur H.")
    nigar.select_option("#new-role", "operator_officer")
    nigar.select_option("#new-organisation", "SBS")
    nigar.fill("#new-password", PASSWORD)
    nigar.click("[data-testid=add-user]")
    assert "zaur" in nigar.inner_text("[data-testid=notice]")
    assert "SBS" in nigar.inner_text("[data-testid=user-zaur]")
    _shot(nigar, "users.png", tmp_path)
    with world.db.session() as s:
        zaur = users.get_user(s, "zaur")
        assert zaur.role == "operator_officer" and users.verify_password(zaur, PASSWORD)
    sign_in(browser, site, "zaur", height=1000)  # the new account signs in


def test_an_operator_imports_a_file_after_reading_its_problems(
    world: World, site: str, browser: Browser, tmp_path: Path
) -> None:
    leyla = sign_in(browser, site, "leyla", height=1000)
    leyla.click("nav.main >> text=Import")
    bad = b"id,date,category,quantity,lon,lat\nBR-1,2024-05-02,uxo,x,46.93,39.99\n"
    leyla.select_option("#import-kind", "findings")
    leyla.set_input_files(
        "#import-file", files=[{"name": "week.csv", "mimeType": "text/csv", "buffer": bad}]
    )
    leyla.click("[data-testid=dry-run-button]")
    table = leyla.inner_text("[data-testid=problem-table]")
    assert "week.csv" in table and "quantity" in table
    _shot(leyla, "import-problems.png", tmp_path)

    good = bad.replace(b",x,", b",2,")
    leyla.set_input_files(
        "#import-file", files=[{"name": "week.csv", "mimeType": "text/csv", "buffer": good}]
    )
    leyla.click("[data-testid=dry-run-button]")
    assert leyla.inner_text("[data-testid=would-create]") == "1"
    _shot(leyla, "import-checked.png", tmp_path)
    leyla.click("[data-testid=confirm-import]")
    assert "submitted" in leyla.inner_text("[data-testid=imported]")
    with world.db.session() as s:
        found = s.scalars(select(Finding).where(Finding.source_id == "BR-1")).one()
        assert (found.approval, found.quantity) == ("submitted", 2)


def test_an_edit_starts_from_the_record_polygon(
    world: World, site: str, browser: Browser, tmp_path: Path
) -> None:
    site_polygon = "POLYGON ((46.9 39.95, 46.96 39.95, 46.96 39.99, 46.9 39.99, 46.9 39.95))"
    created = world.client("elvin").post(
        "/api/records/projects",
        json={"row": {"name": "Solar park", "project_type": "solar", "geometry": site_polygon}},
    )
    assert created.status_code == 201, created.text
    record_id = created.json()["id"]
    elvin = sign_in(browser, site, "elvin", height=1000)
    elvin.goto(f"{site}/records/projects/{record_id}/edit")
    elvin.wait_for_selector("#draw-map .draw-corner")
    assert _corners(elvin) == 4 and elvin.get_attribute("#draw-map", "data-closed") == "true"
    corner = elvin.locator("#draw-map .draw-corner").nth(2)
    corner.scroll_into_view_if_needed()
    box = corner.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    elvin.mouse.move(x, y)
    elvin.mouse.down()
    elvin.mouse.move(x + 40, y - 30, steps=8)
    elvin.mouse.up()
    moved = elvin.input_value("#field-geometry")
    assert not shapely.from_wkt(moved).equals(shapely.from_wkt(site_polygon))
    _shot(elvin, "edited.png", tmp_path)
    elvin.click("button[value=draft]")
    elvin.wait_for_selector("[data-testid=approval]")
    with world.db.session() as s:
        project = s.get_one(KINDS["projects"].model, record_id)
        assert project.geom.equals(shapely.from_wkt(moved))


def test_a_line_is_kept_as_written_not_redrawn(world: World, site: str, browser: Browser) -> None:
    road = "LINESTRING (47.15 39.6, 47.05 39.55)"
    created = world.client("elvin").post(
        "/api/records/projects",
        json={"row": {"name": "Road", "project_type": "road", "geometry": road}},
    )
    elvin = sign_in(browser, site, "elvin", height=1000)
    elvin.goto(f"{site}/records/projects/{created.json()['id']}/edit")
    elvin.wait_for_selector("#draw-map.leaflet-container")
    assert "not a single polygon" in elvin.inner_text("#draw-status")
    elvin.mouse.click(*_on_map(elvin, 100, 100))  # a click does not start a polygon
    assert shapely.from_wkt(elvin.input_value("#field-geometry")).equals(shapely.from_wkt(road))
