"""In Chromium, on the app served by uvicorn: Elvin reads the pages in Azerbaijani and Russian.

He switches from the header and stays on the page he was reading; the
dashboard, the map's layer names and zoom buttons, and a record's form read in
the chosen language.  Screenshots of each are kept in the test's directory to
be looked at.  Readers asking at the same time in different languages each get
their own.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page

from tests.api.conftest import World, served
from tests.web.chromium import sign_in


@pytest.fixture(scope="module")
def site(world: World) -> Iterator[str]:
    with served(world.app) as url:
        yield url


def _switch(page: Page, lang: str) -> None:
    page.click(f"[data-testid=languages] a[hreflang={lang}]")
    page.wait_for_selector(f"html[lang={lang}]")


def _not_blank(png: bytes) -> bool:
    colours = Image.open(io.BytesIO(png)).convert("RGB").getcolors(maxcolors=1_000_000) or []
    return len(colours) > 20


@pytest.mark.parametrize(
    ("lang", "dashboard", "hazards", "zoom_in"),
    [
        ("az", "İdarə paneli", "Təhlükəli ərazilər", "Yaxınlaşdır"),
        ("ru", "Панель показателей", "Опасные районы", "Приблизить"),
    ],
)
def test_the_header_switch_translates_the_dashboard_and_the_map(
    site: str,
    browser: Browser,
    tmp_path: Path,
    lang: str,
    dashboard: str,
    hazards: str,
    zoom_in: str,
) -> None:
    elvin = sign_in(browser, site, "elvin")
    _switch(elvin, lang)
    assert elvin.url == f"{site}/dashboard"
    assert elvin.inner_text("h1") == dashboard
    shot = elvin.screenshot(path=str(tmp_path / f"dashboard-{lang}.png"), full_page=True)
    assert _not_blank(shot)

    elvin.goto(f"{site}/map?period=2024")
    _switch(elvin, "en")
    assert elvin.url == f"{site}/map?period=2024" and elvin.inner_text("h1") == "Map"
    _switch(elvin, lang)
    assert elvin.url == f"{site}/map?period=2024"
    elvin.wait_for_function(
        "() => Number(document.getElementById('map').dataset.loadedfindings) > 0"
    )
    assert hazards in elvin.inner_text(".leaflet-control-layers")
    assert elvin.get_attribute(".leaflet-control-zoom-in", "title") == zoom_in
    shot = elvin.screenshot(path=str(tmp_path / f"map-{lang}.png"), full_page=True)
    assert _not_blank(shot)

    elvin.goto(f"{site}/records/findings/1/edit")
    elvin.wait_for_selector("#pick-map.leaflet-container")
    assert elvin.get_attribute("html", "lang") == lang
    assert elvin.get_attribute("#pick-map .leaflet-control-zoom-in", "title") == zoom_in
    elvin.screenshot(path=str(tmp_path / f"record-form-{lang}.png"), full_page=True)


def test_simultaneous_readers_each_get_their_own_language(site: str) -> None:
    def fetch(n: int) -> tuple[str, str]:
        lang = ("en", "az", "ru")[n % 3]
        answer = httpx.get(f"{site}/map", cookies={"mineaction_lang": lang})
        return lang, answer.text.split('<html lang="', 1)[1][:2]

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(fetch, range(60)))
    assert all(asked == got for asked, got in answers), answers
