"""Rauf, a viewer at the agency, looks at the published risk map; the public cannot.

On the demo programme (both backends) Rashad has published a risk run for
Fuzuli.  Rauf sees the risk layer drawn on the map in Chromium (its
legend, a cell's popup), each hazard's risk on its page, and the candidate
areas on the risk page; the public is refused every risk route.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Browser
from sqlalchemy import func, select

from mineaction.store.tables import Hazard
from mineaction.store.tables.risk import RiskCandidate, RiskCell, RiskHazard, RiskRun
from tests.api.conftest import World, served
from tests.risk_runs import publish_fuzuli
from tests.web.chromium import sign_in


@pytest.fixture(scope="module")
def risk_world(demo_world: World, tmp_path_factory: pytest.TempPathFactory) -> World:
    with demo_world.db.session() as s:
        published = s.scalars(select(RiskRun.id)).first()
    if published is None:
        publish_fuzuli(demo_world.db, tmp_path_factory.mktemp("risk-web"))
    return demo_world


@pytest.fixture(scope="module")
def site(risk_world: World) -> Iterator[str]:
    with served(risk_world.app) as url:
        yield url


def test_the_public_is_refused_every_risk_route(risk_world: World) -> None:
    public = risk_world.client(None)
    for url in (
        "/api/risk/runs",
        "/api/risk/map?bbox=46.5,39.3,47.6,39.9",
        "/api/risk/hazards",
        "/api/risk/candidates?format=gpkg",
        "/api/risk/candidates?format=geojson",
    ):
        answer = public.get(url)
        assert answer.status_code == 401, url
        assert answer.json()["error"]["code"] == "unauthenticated"
    page = public.get("/map?risk=true", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "risk-layer.js" not in page.text
    assert "data-risk" not in page.text


def test_a_hazard_page_shows_its_risk_from_the_newest_run(risk_world: World) -> None:
    with risk_world.db.session() as s:
        run = s.scalars(select(RiskRun).order_by(RiskRun.id.desc())).first()
        assert run is not None
        row = s.scalars(
            select(RiskHazard)
            .where(RiskHazard.run_id == run.id)
            .order_by(RiskHazard.risk_mean.desc())
        ).first()
        assert row is not None
    rauf = risk_world.client("rauf")
    api = rauf.get(f"/api/risk/hazards/{row.hazard_id}").json()
    assert api["risk_mean"] == pytest.approx(row.risk_mean) and api["run_id"] == run.id
    page = rauf.get(f"/records/hazards/{row.hazard_id}", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert f"{row.risk_mean:.3f}" in page.text and "hazard-risk" in page.text
    # In Russian (and Azerbaijani) the decimal separator is a comma, as in every other figure.
    russian = rauf.get(
        f"/records/hazards/{row.hazard_id}",
        headers={"Accept": "text/html", "Accept-Language": "ru"},
    )
    assert f"{row.risk_mean:.3f}".replace(".", ",") in russian.text
    # A hazard the run does not cover is a 404 that says so.
    outside = rauf.get("/api/risk/hazards/999999")
    assert (
        outside.status_code == 404 and "no risk in this run" in outside.json()["error"]["message"]
    )


def test_the_risk_page_lists_the_candidate_areas(risk_world: World) -> None:
    with risk_world.db.session() as s:
        ranks = s.scalars(
            select(RiskCandidate.rank)
            .join(RiskRun)
            .where(RiskRun.id == s.scalar(select(RiskRun.id).order_by(RiskRun.id.desc())))
        ).all()
    page = risk_world.client("leyla").get("/risk", headers={"Accept": "text/html"})
    assert page.status_code == 200
    body = page.text
    start = body.index('data-testid="risk-candidates"')
    table = body[start : body.index("</table>", start)]
    assert table.count("<tr><td>") == min(len(ranks), 50) > 0
    listed = risk_world.client("leyla").get("/api/risk/candidates").json()["candidates"]
    assert [c["rank"] for c in listed] == sorted(ranks)


def test_the_risk_page_ranks_the_open_hazards_only(risk_world: World) -> None:
    with risk_world.db.session() as s:
        run_id = s.scalar(select(RiskRun.id).order_by(RiskRun.id.desc()))
        rows = s.execute(
            select(Hazard.reference, Hazard.status, RiskHazard.risk_mean)
            .join(RiskHazard, RiskHazard.hazard_id == Hazard.id)
            .where(RiskHazard.run_id == run_id)
        ).all()
    open_ = sorted((r for r in rows if r.status == "open"), key=lambda r: -r.risk_mean)
    others = [r for r in rows if r.status != "open"]
    assert open_ and others  # the demo run covers both, or this test proves nothing
    body = risk_world.client("rauf").get("/risk", headers={"Accept": "text/html"}).text
    start = body.index('data-testid="risk-hazards"')
    table = body[start : body.index("</table>", start)]
    listed = re.findall(r'<a href="/records/hazards/\d+">([^<]+)</a>', table)
    assert listed == [r.reference for r in open_][:20]
    assert f"{len(others)} closed or handed-over hazards" in body

    api = risk_world.client("rauf")
    closed = api.get("/api/risk/hazards?status=closed&limit=1000").json()["hazards"]
    assert {h["reference"] for h in closed} == {r.reference for r in rows if r.status == "closed"}
    assert len(api.get("/api/risk/hazards?limit=1000").json()["hazards"]) == len(rows)
    wrong = api.get("/api/risk/hazards?status=cleared")
    assert wrong.status_code == 422
    assert "'cleared' is not a hazard status" in wrong.json()["error"]["message"]


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)


def test_the_risk_layer_draws_on_the_map(
    risk_world: World, site: str, browser: Browser, tmp_path: Path
) -> None:
    with risk_world.db.session() as s:
        x0, y0, x1, y1 = s.execute(
            select(func.min(RiskCell.min_x), func.min(RiskCell.min_y),
                   func.max(RiskCell.max_x), func.max(RiskCell.max_y))
        ).one()  # fmt: skip
    lat, lon, zoom = (y0 + y1) / 2, (x0 + x1) / 2, 11  # the middle of the run's cells
    rauf = sign_in(browser, site, "rauf")
    rauf.goto(f"{site}/map?risk=true")
    rauf.wait_for_function("() => Number(document.getElementById('map').dataset.loadedrisk) > 0")
    rauf.evaluate(
        "() => { const el = document.getElementById('map'); el.dataset.loadedrisk = '';"
        f" el.mineaction.map.setView([{lat}, {lon}], {zoom}); return null; }}"
    )
    # The cells of the new view have arrived (the layer loads again when the map moves).
    rauf.wait_for_function("() => Number(document.getElementById('map').dataset.loadedrisk) > 0")
    rauf.wait_for_timeout(500)
    legend = rauf.locator("[data-testid=risk-legend]")
    assert legend.is_visible() and legend.locator("i").count() == 6
    with_risk = rauf.locator("#map").screenshot()
    (tmp_path / "risk-map.png").write_bytes(with_risk)
    # A cell's popup says its probability, percentile and why.
    box = rauf.locator("#map").bounding_box()
    assert box is not None
    rauf.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    popup = rauf.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5000)
    assert "Probability" in popup.inner_text() and "Percentile" in popup.inner_text()
    # The cells are drawn again when the map moves; the popup stays open.
    rauf.evaluate(
        "() => { const el = document.getElementById('map'); el.dataset.loadedrisk = '';"
        " el.mineaction.map.panBy([80, 40], {animate: false}); }"
    )
    rauf.wait_for_function("() => Number(document.getElementById('map').dataset.loadedrisk) > 0")
    assert popup.is_visible() and "Probability" in popup.inner_text()
    rauf.locator(".leaflet-popup-close-button").click()
    # Switching the layer off changes much of the picture: the cells were drawn.
    rauf.get_by_label("Contamination risk").uncheck()
    rauf.wait_for_timeout(500)
    without = rauf.locator("#map").screenshot()
    changed = (np.abs(_pixels(with_risk) - _pixels(without)).sum(axis=2) > 30).mean()
    assert changed > 0.05, f"only {changed:.1%} of the map changed with the risk layer"
    assert not legend.is_visible()
