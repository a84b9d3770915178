"""Rauf clicks a hazard on the map: the popup shows its name as typed and stays as the map moves.

The layers are redrawn whenever the map moves, the popup's own pan
included; a popup bound to a feature closed with it.  A name is text, never
markup, however an operator typed it.  Chromium, both backends.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import select

from mineaction.store.tables import Hazard
from tests.api.conftest import World
from tests.web.chromium import sign_in

MARKUP = '<b>Bold</b> & "quoted" hazard'


@pytest.fixture
def marked(demo_world: World) -> Iterator[tuple[float, float]]:
    """A point inside the largest hazard, renamed with markup for the test (named back after)."""
    with demo_world.db.session(actor="test-setup") as s:
        hazard = s.scalars(select(Hazard).order_by(Hazard.area_m2.desc())).first()
        assert hazard is not None and hazard.geom is not None
        hazard_id, before, hazard.name = hazard.id, hazard.name, MARKUP
        inside = hazard.geom.representative_point()
    yield inside.x, inside.y
    with demo_world.db.session(actor="test-setup") as s:
        s.get_one(Hazard, hazard_id).name = before


def _only(page: Page, label: str) -> None:
    """Leave only the overlay ``label`` on (and the risk layer off)."""
    boxes = page.locator(".leaflet-control-layers-overlays label")
    for i in range(boxes.count()):
        box = boxes.nth(i)
        tick = box.locator("input")
        if (box.inner_text().strip() == label) != tick.is_checked():
            tick.click()


def test_a_hazard_popup_shows_its_name_as_text_and_survives_a_pan(
    demo_world: World, demo_site: str, browser: Browser, marked: tuple[float, float]
) -> None:
    lon, lat = marked
    rauf = sign_in(browser, demo_site, "rauf")
    rauf.goto(f"{demo_site}/map")
    rauf.wait_for_function("() => Number(document.getElementById('map').dataset.loadedhazards) > 0")
    _only(rauf, "Hazardous areas")
    rauf.evaluate(
        "() => { const el = document.getElementById('map'); el.dataset.loadedhazards = '';"
        f" el.mineaction.map.setView([{lat}, {lon}], 15, {{animate: false}}); }}"
    )
    rauf.wait_for_function("() => Number(document.getElementById('map').dataset.loadedhazards) > 0")
    box = rauf.locator("#map").bounding_box()
    assert box is not None
    rauf.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    popup = rauf.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5000)
    assert popup.inner_text().startswith(MARKUP)
    assert popup.locator("b").count() == 0  # written as text, not as markup
    # The map moves and its layers are drawn again: the popup stays.
    rauf.evaluate(
        "() => { const el = document.getElementById('map'); el.dataset.loadedhazards = '';"
        " el.mineaction.map.panBy([80, 40], {animate: false}); }"
    )
    rauf.wait_for_function("() => Number(document.getElementById('map').dataset.loadedhazards) > 0")
    rauf.wait_for_timeout(300)
    assert popup.is_visible() and popup.inner_text().startswith(MARKUP)
