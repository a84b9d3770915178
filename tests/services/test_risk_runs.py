"""Rashad publishes the risk map for Fuzuli so that the survey teams see it on the web map.

The demo (seed 11, scale 0.03) is built once per backend; a 1 km grid over
Fuzuli is trained on and scored, then saved as a run.  Every figure the run
holds is checked against the cells read back from the database with plain
geometry: percentiles by counting, per-hazard risk by intersecting the
hazards with the saved cells, the map layer by testing each cell's box.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
import pytest
import shapely
from pyproj import Transformer
from sqlalchemy import func, select

from mineaction.analytics.risk.maps import RiskMap, score_map
from mineaction.demo import build_demo
from mineaction.errors import ValidationError
from mineaction.services import risk_layer, risk_runs
from mineaction.store.database import Database
from mineaction.store.tables import Hazard
from mineaction.store.tables.risk import RiskCandidate, RiskCell, RiskHazard, RiskRun
from tests.conftest import BACKENDS, fresh_database
from tests.risk_runs import publish_fuzuli


@pytest.fixture(scope="module", params=BACKENDS)
def published(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Database, RiskMap, int, dict[str, Path]]]:
    folder = tmp_path_factory.mktemp("risk-runs")
    databases = fresh_database(request.param, folder, request)
    db = next(databases)
    build_demo(db, seed=11, scale=0.03)
    scored, run_id, files = publish_fuzuli(db, folder)
    yield db, scored, run_id, files
    databases.close()


def _saved_cells(db: Database, run_id: int) -> dict[str, np.ndarray]:
    with db.session() as s:
        rows = s.execute(
            select(RiskCell.id, RiskCell.cell, RiskCell.geom, RiskCell.probability,
                   RiskCell.percentile, RiskCell.why)
            .where(RiskCell.run_id == run_id)
            .order_by(RiskCell.cell)
        ).all()  # fmt: skip
    columns = list(zip(*rows, strict=True))
    names = ("id", "cell", "geom", "probability", "percentile", "why")
    return {n: np.array(c, dtype=object if n in ("geom", "why") else float)
            for n, c in zip(names, columns, strict=True)}  # fmt: skip


def test_the_saved_run_holds_every_cell_with_its_risk(published: Any) -> None:
    db, scored, run_id, _files = published
    cells = _saved_cells(db, run_id)
    assert len(cells["id"]) == len(scored.frame)
    order = np.argsort(scored.frame["cell_id"].to_numpy())
    assert cells["probability"] == pytest.approx(scored.risk[order], abs=1e-5)
    p = cells["probability"]
    expected_pct = np.array([(p <= v).sum() / len(p) * 100 for v in p])
    assert cells["percentile"] == pytest.approx(expected_pct, abs=0.01)
    # The riskiest cells say why; the why names features of the model.
    explained = [w for w in cells["why"] if w]
    assert len(explained) >= 0.04 * len(p)
    assert all(name in scored.model.features for w in explained for name, _ in w)
    assert shapely.equals_exact(cells["geom"], scored.grid.cells[order], tolerance=1e-9).all()
    with db.session() as s:
        run = s.get_one(RiskRun, run_id)
        assert run.created_by == "rashad" and run.cells == len(p)
        assert run.summary["model"]["features"] == scored.model.features


def _utm(geoms: np.ndarray, epsg: int) -> np.ndarray:
    t = Transformer.from_crs(4326, epsg, always_xy=True)
    return shapely.transform(geoms, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))


def test_each_hazards_risk_comes_from_the_cells_it_covers(published: Any) -> None:
    db, scored, run_id, _files = published
    cells = _saved_cells(db, run_id)
    epsg = scored.grid.epsg
    cells_utm = _utm(cells["geom"], epsg)
    with db.session() as s:
        hazards = s.execute(select(Hazard.id, Hazard.geom, Hazard.remaining_geom)).all()
        saved = {
            r.hazard_id: r for r in s.scalars(select(RiskHazard).where(RiskHazard.run_id == run_id))
        }
    checked = 0
    for hazard_id, geom, remaining in hazards:
        shape = remaining if remaining is not None and not remaining.is_empty else geom
        shape_utm = shapely.make_valid(_utm(np.array([shape], dtype=object), epsg)[0])
        overlap = shapely.area(shapely.intersection(cells_utm, shape_utm))
        covered = overlap > 0
        if not covered.any():
            assert hazard_id not in saved
            continue
        row = saved[hazard_id]
        assert row.cells == covered.sum()
        assert row.risk_max == pytest.approx(cells["probability"][covered].max(), abs=2e-4)
        mean = (overlap * cells["probability"]).sum() / overlap.sum()
        assert row.risk_mean == pytest.approx(mean, abs=2e-4)
        checked += 1
    assert checked >= 3


def test_the_map_layer_sends_the_cells_in_view_riskiest_first(published: Any) -> None:
    db, _scored, run_id, _files = published
    cells = _saved_cells(db, run_id)
    lons, lats = shapely.get_coordinates(shapely.centroid(cells["geom"])).T
    box = (
        float(np.quantile(lons, 0.3)),
        float(np.quantile(lats, 0.3)),
        float(np.quantile(lons, 0.6)),
        float(np.quantile(lats, 0.6)),
    )
    meets = shapely.intersects(cells["geom"], shapely.box(*box))
    with db.session() as s:
        run = s.get_one(RiskRun, run_id)
        every = json.loads(risk_layer.cells_in_view(s, run, bbox=box, zoom=12))
        top = json.loads(risk_layer.cells_in_view(s, run, bbox=box, zoom=12, limit=5))
    assert {f["id"] for f in every["features"]} == set(cells["id"][meets].astype(int))
    assert every["truncated"] is False
    shown = [f["properties"]["probability"] for f in every["features"]]
    assert shown == sorted(shown, reverse=True)
    assert top["truncated"] is True and len(top["features"]) == 5
    expected_top = sorted(cells["probability"][meets], reverse=True)[:5]
    assert [f["properties"]["probability"] for f in top["features"]] == pytest.approx(expected_top)
    first = every["features"][0]["properties"]
    assert set(first) >= {"probability", "percentile"}


def test_a_wide_view_sends_the_riskiest_cells_of_the_run(published: Any) -> None:
    db, _scored, run_id, _files = published
    cells = _saved_cells(db, run_id)
    whole = tuple(float(v) for v in shapely.total_bounds(cells["geom"]))
    with db.session() as s:
        run = s.get_one(RiskRun, run_id)
        assert risk_layer.expected_cells(run, whole) > 4 * 100  # the walk by probability
        wide = json.loads(risk_layer.cells_in_view(s, run, bbox=whole, zoom=9, limit=100))
    order = sorted(zip(-cells["probability"], cells["id"].astype(int), strict=True))[:100]
    assert [f["id"] for f in wide["features"]] == [i for _p, i in order]
    assert wide["truncated"] is True
    explained = [f for f in wide["features"] if "why" in f["properties"]]
    assert explained and all(isinstance(f["properties"]["why"][0][0], str) for f in explained)


def test_candidates_lie_outside_every_hazard_and_download_as_a_geopackage(
    published: Any, tmp_path: Path
) -> None:
    db, scored, run_id, _files = published
    with db.session() as s:
        run = s.get_one(RiskRun, run_id)
        rows = risk_runs.candidates(s, run)
        hazards = shapely.union_all(s.scalars(select(Hazard.geom)).all())
        package = risk_runs.candidates_geopackage(run, rows)
    assert len(rows) == len(scored.candidates) > 0
    shapes = np.array([r.geom for r in rows], dtype=object)
    inside = shapely.area(shapely.intersection(shapes, hazards)) / shapely.area(shapes)
    assert (inside < 0.01).all()
    threshold = np.quantile(scored.risk, 0.95)
    assert all(r.risk_max >= threshold - 1e-6 for r in rows)
    assert [r.rank for r in rows] == list(range(1, len(rows) + 1))
    path = tmp_path / "candidates.gpkg"
    path.write_bytes(package)
    meta, _fid, wkb, fields = pyogrio.raw.read(path, layer="candidate_areas")
    assert len(wkb) == len(rows)
    assert list(fields[list(meta["fields"]).index("area_ha")]) == [r.area_ha for r in rows]


def test_publishing_again_keeps_only_the_newest_runs(published: Any) -> None:
    db, _scored, first_run, files = published
    made = []
    for _ in range(2):
        with db.session(actor="rashad") as session:
            scored = score_map(session, model=files["model"], grid=files["grid"], explain=0)
            made.append(
                risk_runs.publish(session, scored=scored, actor="rashad", top_share=0.05, keep=2).id
            )
    with db.session() as s:
        runs = [r.id for r in risk_runs.list_runs(s)]
        per_run = dict(
            s.execute(select(RiskCell.run_id, func.count()).group_by(RiskCell.run_id)).all()
        )
        stale = s.scalar(select(func.count()).select_from(RiskCandidate).where(
            RiskCandidate.run_id == first_run))  # fmt: skip
        assert risk_runs.get_run(s).id == made[-1]
    assert runs == made[::-1] and first_run not in runs
    assert set(per_run) == set(made) and stale == 0
    if db.dialect == "sqlite":
        with db.engine.connect() as conn:
            indexed = conn.exec_driver_sql("SELECT count(*) FROM rtree_risk_cells").scalar()
        assert indexed == sum(per_run.values())


def test_it_refuses_to_keep_no_run_and_writes_nothing(published: Any) -> None:
    db, _scored, _run, files = published
    with db.session() as s:
        before = s.scalar(select(func.count()).select_from(RiskRun))
    with pytest.raises(ValidationError, match="--keep 0"), db.session(actor="rashad") as session:
        scored = score_map(session, model=files["model"], grid=files["grid"], explain=0)
        risk_runs.publish(session, scored=scored, actor="rashad", top_share=0.05, keep=0)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(RiskRun)) == before
