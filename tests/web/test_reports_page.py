"""The reports page without a browser: who is offered which report, preview and downloads.

The public is offered the public reports only and is sent to sign in for the
others; every signed-in role is offered all of them.  The preview and every
download hold the numbers of the report's JSON (the CLI's and the API's).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile

import openpyxl
import pytest
from fastapi.testclient import TestClient

from mineaction.analytics.reports import FORMATS, REPORTS
from mineaction.render.labels import UNAPPROVED
from mineaction.services.policy import PUBLIC_REPORTS
from tests.api.conftest import BY_ROLE, World

HTML = {"Accept": "text/html"}
YEARS = {"date_from": "2023-01-01", "date_to": "2024-12-31"}
SIGNED_IN = [role for role, persona in BY_ROLE.items() if persona]


def _offered(page: str) -> set[str]:
    chooser = page.split('data-testid="report-name"', 1)[1].split("</select>", 1)[0]
    return set(re.findall(r'<option value="([^"]+)"', chooser))


def test_the_public_is_offered_the_public_reports_only(world: World) -> None:
    public = TestClient(world.app, follow_redirects=False)
    page = public.get("/reports", headers=HTML)
    assert page.status_code == 200
    assert _offered(page.text) == set(PUBLIC_REPORTS)
    assert 'data-testid="report-unapproved"' not in page.text
    detail = public.get("/reports", params=YEARS | {"report": "land-release"}, headers=HTML)
    assert detail.status_code == 303 and detail.headers["location"] == "/login?next=/reports"
    unapproved = YEARS | {"report": "operations", "include_unapproved": "true"}
    assert public.get("/reports", params=unapproved, headers=HTML).status_code == 303


@pytest.mark.parametrize("role", SIGNED_IN)
def test_every_signed_in_role_is_offered_every_report(world: World, role: str) -> None:
    page = world.client(BY_ROLE[role]).get("/reports", headers=HTML)
    assert page.status_code == 200 and 'href="/reports"' in page.text
    assert _offered(page.text) == set(REPORTS)
    assert 'data-testid="report-unapproved"' in page.text
    detail = world.client(BY_ROLE[role]).get(
        "/reports", params=YEARS | {"report": "land-release"}, headers=HTML
    )
    assert detail.status_code == 200 and 'data-testid="report-preview"' in detail.text


def test_the_preview_and_every_download_hold_the_reports_numbers(world: World) -> None:
    public = world.client(None)
    page = public.get("/reports", params=YEARS | {"report": "operations"}, headers=HTML).text
    data = public.get("/api/reports/operations", params={"from": "2023-01-01", "to": "2024-12-31"})
    totals = data.json()["totals"]
    preview = page.split('data-testid="report-preview">', 1)[1]
    assert "Operations summary" in preview
    assert f"<td class=num>{totals['items_total']:,}</td>" in preview
    links = dict(re.findall(r'href="([^"]+)" data-testid="download-(\w+)"', page))
    assert set(links.values()) == set(FORMATS)
    files = {fmt: public.get(url.replace("&amp;", "&")) for url, fmt in links.items()}
    assert all(answer.status_code == 200 for answer in files.values())
    assert files["json"].json()["totals"] == totals
    assert files["pdf"].content[:4] == b"%PDF"
    assert f"{totals['items_total']:,}" in files["html"].text
    assert str(totals["ap_mines"]) in files["text"].text
    book = openpyxl.load_workbook(io.BytesIO(files["xlsx"].content))
    numbers = {c.value for sheet in book for row in sheet.iter_rows() for c in row}
    assert totals["items_total"] in numbers
    with zipfile.ZipFile(io.BytesIO(files["csv"].content)) as archive:
        texts = [archive.read(n).decode("utf-8-sig") for n in archive.namelist()]
    cells = {c for text in texts for row in csv.reader(io.StringIO(text)) for c in row}
    assert str(totals["items_total"]) in cells


def test_a_week_group_language_and_unapproved_records_reach_the_downloads(world: World) -> None:
    elvin = world.client("elvin")
    chosen = {
        "report": "operations",
        "week": "2024-W18",
        "group_by": "operator",
        "lang": "az",
        "include_unapproved": "true",
    }
    page = elvin.get("/reports", params=chosen, headers=HTML)
    assert page.status_code == 200, page.text
    assert UNAPPROVED.az in page.text  # the preview speaks the chosen language
    link = re.search(r'href="([^"]+)" data-testid="download-json"', page.text)
    assert link
    url = link.group(1).replace("&amp;", "&")
    for part in ("week=2024-W18", "group_by=operator", "lang=az", "include_unapproved=true"):
        assert part in url
    data = elvin.get(url).json()
    assert data["period"] == {"from": "2024-04-29", "to": "2024-05-05"}
    assert "by_operator" in data


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from": "2024-05-05", "date_to": "2024-04-29"}, "after it ends"),
        ({"week": "2024-W60"}, "is not an ISO week"),
        ({"date_from": "2024-05-05"}, "A report needs a period"),
        ({"week": "2024-W18", "group_by": "month", "report": "casualties"}, "cannot be grouped"),
        ({"week": "2024-W18", "lang": "fr"}, "is not supported"),
    ],
)
def test_a_wrong_choice_is_explained_on_the_page(
    world: World, params: dict[str, str], message: str
) -> None:
    page = world.client("rauf").get(
        "/reports", params={"report": "operations"} | params, headers=HTML
    )
    assert page.status_code == 422
    error = page.text.split('data-testid="report-error"', 1)[1].split("</div>", 1)[0]
    assert message in error
    assert 'data-testid="report-preview"' not in page.text
