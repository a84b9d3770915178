"""Planning and reports in a real browser (Debian's Chromium driven by Playwright).

Elvin, the IM officer, opens the planning page of the demo programme: the
priority map draws the hazards and explains a score in its popup, the fan
chart is drawn, a what-if adds a second forecast.  Then he previews the
year's operations summary and downloads it as PDF and XLSX: both hold the
number the JSON gives.
"""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import openpyxl
import pytest
from PIL import Image
from playwright.sync_api import Browser

from tests.web.chromium import sign_in

RUNS = "simulations=300&seed=5"


def _colours(png: bytes) -> int:
    return len(Image.open(io.BytesIO(png)).convert("RGB").getcolors(maxcolors=1_000_000) or [])


def test_a_planner_reads_the_map_the_fan_chart_and_a_what_if(
    demo_site: str, browser: Browser, tmp_path: Path
) -> None:
    elvin = sign_in(browser, demo_site, "elvin", downloads=True)
    elvin.click("nav.main a[href='/plan']")
    elvin.goto(f"{demo_site}/plan?{RUNS}")
    elvin.wait_for_function(
        "() => Number(document.getElementById('plan-map').dataset.loaded) > 0", timeout=60_000
    )
    shapes = elvin.locator("#plan-map path.leaflet-interactive")
    assert shapes.count() >= 10
    shot = elvin.locator("#plan-map").screenshot(path=str(tmp_path / "plan-map.png"))
    assert _colours(shot) > 20, "the priority map is blank"

    popup = elvin.locator(".leaflet-popup-content")
    # A click lands at the middle of a shape's box, which an irregular outline may not
    # cover: try shapes until one answers with its popup.
    for i in range(min(shapes.count(), 20)):
        shapes.nth(i).click(force=True)
        if popup.count():
            break
    popup.wait_for()
    text = popup.inner_text()
    assert "Criterion" in text and "effort" in text
    score = float(re.search(r"Score (-?[\d.]+)", text).group(1))  # type: ignore[union-attr]
    points = [float(v) for v in re.findall(r"\t([+-]?\d+\.\d)", text)]
    assert len(points) == 7 and sum(points) == pytest.approx(score, abs=0.5)
    elvin.locator(".leaflet-popup-close-button").click()

    fan = elvin.locator("[data-testid=fan-chart] svg")
    assert fan.count() == 1 and fan.locator("path").count() > 5
    chart = elvin.locator("[data-testid=fan-chart]").screenshot(path=str(tmp_path / "fan.png"))
    assert _colours(chart) > 10, "the fan chart is blank"
    assert elvin.locator("[data-testid=projects] tbody tr").count() >= 1

    elvin.select_option("[data-testid=what-if-method]", "clearance_manual")
    elvin.fill("[data-testid=what-if-teams]", "8")
    elvin.click("[data-testid=plan-run]")
    elvin.wait_for_selector("[data-testid=national-what-if]")
    assert "Manual clearance, +8 team(s)" in elvin.inner_text("[data-testid=national-what-if]")
    assert "Manual clearance, +8 team(s))" in elvin.inner_html("[data-testid=fan-chart]")
    elvin.screenshot(path=str(tmp_path / "plan-what-if.png"), full_page=True)


def test_a_report_is_previewed_and_downloaded_as_pdf_and_xlsx(
    demo_site: str, browser: Browser, tmp_path: Path
) -> None:
    elvin = sign_in(browser, demo_site, "elvin", downloads=True)
    elvin.click("nav.main a[href='/reports']")
    elvin.select_option("[data-testid=report-name]", "operations")
    elvin.fill("[data-testid=report-from]", "2024-01-01")
    elvin.fill("[data-testid=report-to]", "2024-12-31")
    elvin.click("[data-testid=report-preview-button]")
    preview = elvin.locator("[data-testid=report-preview]")
    preview.wait_for()
    elvin.screenshot(path=str(tmp_path / "reports.png"), full_page=True)
    json_url = elvin.get_attribute("[data-testid=download-json]", "href")
    assert json_url
    totals = elvin.request.get(f"{demo_site}{json_url}").json()["totals"]
    items = totals["items_total"]
    assert items > 0 and f"{items:,}" in preview.inner_text()

    with elvin.expect_download() as pdf_download:
        elvin.click("[data-testid=download-pdf]")
    pdf = tmp_path / "operations.pdf"
    pdf_download.value.save_as(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Operations summary" in text and f"{items:,}" in text

    with elvin.expect_download() as xlsx_download:
        elvin.click("[data-testid=download-xlsx]")
    xlsx = tmp_path / "operations.xlsx"
    xlsx_download.value.save_as(xlsx)
    book = openpyxl.load_workbook(xlsx)
    numbers = {c.value for sheet in book for row in sheet.iter_rows() for c in row}
    assert items in numbers and totals["area_released_ha"] in numbers


def test_the_public_is_offered_public_reports_and_no_planning(
    demo_site: str, browser: Browser
) -> None:
    page = browser.new_context().new_page()
    page.goto(f"{demo_site}/reports")
    offered = page.eval_on_selector_all(
        "[data-testid=report-name] option", "options => options.map(o => o.value)"
    )
    assert "land-release" not in offered and "operations" in offered
    assert page.locator("nav.main a[href='/plan']").count() == 0
    page.goto(f"{demo_site}/plan")
    assert page.url.startswith(f"{demo_site}/login")


@pytest.mark.parametrize(
    ("lang", "planning", "popup", "with_scenario", "reports", "preview"),
    [
        ("az", "Planlaşdırma", "Meyar", "ssenarisi ilə", "Hesabatlar", "Önbaxış"),
        ("ru", "Планирование", "Критерий", "По сценарию", "Отчёты", "Предпросмотр"),
    ],
)
def test_a_planner_plans_and_reports_in_azerbaijani_and_russian(
    demo_site: str,
    browser: Browser,
    tmp_path: Path,
    lang: str,
    planning: str,
    popup: str,
    with_scenario: str,
    reports: str,
    preview: str,
) -> None:
    elvin = sign_in(browser, demo_site, "elvin", downloads=True)
    elvin.click(f"[data-testid=languages] a[hreflang={lang}]")
    elvin.wait_for_selector(f"html[lang={lang}]")
    assert elvin.inner_text("nav.main a[href='/plan']") == planning
    elvin.goto(f"{demo_site}/plan?{RUNS}&method=clearance_manual&teams=8")
    assert elvin.inner_text("h1") == planning
    elvin.wait_for_function(
        "() => Number(document.getElementById('plan-map').dataset.loaded) > 0", timeout=60_000
    )
    content = elvin.locator(".leaflet-popup-content")
    for _attempt in range(3):  # a click while the map still settles may open nothing
        elvin.locator("#plan-map path.leaflet-interactive").first.click(force=True)
        if content.count():
            break
        elvin.wait_for_timeout(1_000)
    assert popup in content.inner_text()
    elvin.locator(".leaflet-popup-close-button").click()
    assert with_scenario in elvin.inner_text("[data-testid=forecast-summary]")
    shot = elvin.screenshot(path=str(tmp_path / f"plan-{lang}.png"), full_page=True)
    assert _colours(shot) > 20

    elvin.click("nav.main a[href='/reports']")
    assert elvin.inner_text("h1") == reports
    elvin.select_option("[data-testid=report-name]", "operations")
    elvin.fill("[data-testid=report-week]", "2024-W18")
    elvin.select_option("select[name=lang]", lang)
    elvin.click("[data-testid=report-preview-button]")
    elvin.locator("[data-testid=report-preview]").wait_for()
    assert preview in elvin.inner_text("main")
    elvin.screenshot(path=str(tmp_path / f"reports-{lang}.png"), full_page=True)
