"""Rashad, an IM officer at the national agency, maps risk from the agency's own records.

The demo (scale 0.03) is built once per backend; the grid covers one
district.  Features and labels are checked against plain geometry.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely
from pyproj import Transformer
from sqlalchemy import func, select

from mineaction.analytics.risk.grid import Grid
from mineaction.analytics.risk.model import TrainSettings, train_on_grid
from mineaction.analytics.risk.sources import grid_from_database
from mineaction.analytics.risk.table import read_table
from mineaction.demo import build_demo
from mineaction.store.database import Database
from mineaction.store.tables.operations import Finding, Hazard
from mineaction.store.tables.records import MinefieldRecord
from mineaction.store.tables.risk import RiskCell, RiskRun
from tests.conftest import BACKENDS, fresh_database

DISTRICT = "Fuzuli"
CUTOFF = dt.date(2023, 1, 1)


@pytest.fixture(scope="module", params=BACKENDS)
def demo_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    databases = fresh_database(request.param, tmp_path_factory.mktemp("risk"), request)
    db = next(databases)
    build_demo(db, seed=11, scale=0.03)
    yield db
    databases.close()


@pytest.fixture(scope="module")
def grid(demo_db: Database) -> Grid:
    with demo_db.session() as session:
        return grid_from_database(session, cell_m=1000, districts=[DISTRICT])


@pytest.fixture(scope="module")
def finds(demo_db: Database) -> np.ndarray:
    with demo_db.session() as session:
        return np.array(session.scalars(select(Finding.geom)).all(), dtype=object)


def _utm(geoms: np.ndarray, epsg: int) -> np.ndarray:
    t = Transformer.from_crs(4326, epsg, always_xy=True)
    return shapely.transform(geoms, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))


def test_cells_with_a_find_are_labelled_1(grid: Grid, finds: np.ndarray) -> None:
    pts = _utm(finds, grid.epsg)
    holds = np.array([shapely.contains_properly(c, pts).any() for c in grid.cells_utm])
    labels = grid.frame["label"].to_numpy()
    assert (labels == 1).sum() > 0
    assert np.array_equal(labels == 1, holds)


def test_distance_to_finds_leaves_the_cell_own_finds_out(grid: Grid, finds: np.ndarray) -> None:
    pts = _utm(finds, grid.epsg)
    rng = np.random.default_rng(0)
    sample = rng.choice(len(grid.cells_utm), size=40, replace=False)
    labelled = np.flatnonzero(grid.frame["label"].to_numpy() == 1)[:10]
    for i in np.concatenate([sample, labelled]):
        cell = grid.cells_utm[i]
        others = pts[~shapely.contains_properly(cell, pts)]
        expected = shapely.distance(shapely.centroid(cell), others).min()
        assert grid.frame["dist_finding_m"].iloc[i] == pytest.approx(expected, abs=0.01)


def test_hazard_share_is_the_covered_part_of_each_cell(demo_db: Database, grid: Grid) -> None:
    with demo_db.session() as session:
        hazards = np.array(session.scalars(select(Hazard.geom)).all(), dtype=object)
    covered = shapely.union_all(shapely.make_valid(_utm(hazards, grid.epsg)))
    share = shapely.area(shapely.intersection(grid.cells_utm, covered)) / shapely.area(
        grid.cells_utm
    )
    assert grid.frame["hazard_share"].to_numpy() == pytest.approx(share, abs=1e-3)


def test_cells_touching_a_hazard_or_minefield_record_are_suspected(
    demo_db: Database, grid: Grid
) -> None:
    with demo_db.session() as session:
        shapes = [
            *session.scalars(select(Hazard.geom)).all(),
            *session.scalars(select(MinefieldRecord.geom).where(MinefieldRecord.geom.is_not(None))),
        ]
    covered = shapely.union_all(shapely.make_valid(_utm(np.array(shapes, dtype=object), grid.epsg)))
    overlap = shapely.area(shapely.intersection(grid.cells_utm, covered))
    suspected = grid.frame["cell_suspected"].to_numpy() == 1
    clear = (overlap == 0) | (overlap > 1e-3)  # leave slivers at the edge of precision aside
    assert 0 < suspected.sum() < len(suspected)
    assert np.array_equal(suspected[clear], overlap[clear] > 0)


def test_unlabelled_suspected_cells_are_never_background(grid: Grid) -> None:
    background = TrainSettings(unlabelled="negative")
    model = train_on_grid(grid.frame, block_km=5, settings=background)
    unknown = (grid.frame["label"] == -1) & (grid.frame["cell_suspected"] == 1)
    assert unknown.sum() > 0
    assert model.training["unlabelled_suspected_left_out"] == unknown.sum()
    # Trained and cross-validated on every other cell: the labelled, and the background.
    assert model.cv["n"] == len(grid.frame) - unknown.sum()
    assert model.cv["positives"] == (grid.frame["label"] == 1).sum()
    # Without the column (a table from elsewhere) every unlabelled row is background.
    model = train_on_grid(
        grid.frame.drop(columns="cell_suspected"), block_km=5, settings=background
    )
    assert model.cv["n"] == len(grid.frame)


def test_he_builds_trains_and_maps_from_the_command_line(
    run, demo_db: Database, tmp_path: Path
) -> None:
    url = demo_db.engine.url.render_as_string(hide_password=False)
    grid_file, model, out = tmp_path / "grid.gpkg", tmp_path / "m.json", tmp_path / "risk.gpkg"
    built = run(
        "risk",
        "build-grid",
        "-d",
        url,
        "--district",
        DISTRICT,
        "--cell-m",
        "1000",
        "--output",
        str(grid_file),
    )
    assert built.code == 0, built.err
    trained = run(
        "risk",
        "train",
        "--features",
        str(grid_file),
        "--label",
        "label",
        "--unlabelled",
        "negative",
        "--block-km",
        "5",
        "--output",
        str(model),
    )
    assert trained.code == 0, trained.err
    mapped = run(
        "risk",
        "map",
        "-d",
        url,
        "--model",
        str(model),
        "--grid",
        str(grid_file),
        "--output",
        str(out),
        "--format",
        "json",
    )
    assert mapped.code == 0, mapped.err
    layers = {name for name, _ in pyogrio.list_layers(out)}
    assert layers == {"risk_cells", "hazard_risk", "candidate_areas"}
    cells = read_table(out)
    assert cells.frame["risk"].between(0, 1).all()
    assert len(cells.frame) == len(read_table(grid_file).frame)
    # Candidates lie outside every recorded hazard.
    _, _, cand_wkb, _ = pyogrio.raw.read(out, layer="candidate_areas")
    with demo_db.session() as session:
        hazards = shapely.union_all(session.scalars(select(Hazard.geom)).all())
    candidates = shapely.from_wkb(cand_wkb)
    overlap = shapely.area(shapely.intersection(candidates, hazards)) / shapely.area(candidates)
    assert (overlap < 0.01).all()
    report = json.loads(mapped.out)
    assert all(h["risk_max"] >= h["risk_mean"] for h in report["hazards"] if h["cells"])

    # He saves the map for the web; asking to keep no run is refused, with no traceback.
    common = ["-d", url, "--model", str(model), "--grid", str(grid_file)]
    refused = run("risk", "publish", *common, "--keep", "0")
    assert refused.code == 1 and "--keep 0" in refused.err and "Traceback" not in refused.err
    published = run("risk", "publish", *common, "--note", "Fuzuli, weekly", "--format", "json")
    assert published.code == 0, published.err
    saved = json.loads(published.out)
    assert saved["cells"] == len(cells.frame) and saved["note"] == "Fuzuli, weekly"
    with demo_db.session() as session:
        runs = session.scalars(select(RiskRun)).all()
        assert [r.id for r in runs] == [saved["id"]]
        assert session.scalar(
            select(func.count()).select_from(RiskCell).where(RiskCell.run_id == saved["id"])
        ) == len(cells.frame)


def test_the_backtest_scores_the_finds_after_the_cutoff(run, demo_db: Database) -> None:
    url = demo_db.engine.url.render_as_string(hide_password=False)
    result = run(
        "risk",
        "backtest",
        "-d",
        url,
        "--district",
        DISTRICT,
        "--cell-m",
        "1000",
        "--cutoff",
        CUTOFF.isoformat(),
        "--block-km",
        "5",
        "--format",
        "json",
    )
    assert result.code == 0, result.err
    figures = json.loads(result.out)
    with demo_db.session() as session:
        later = np.array(
            session.scalars(select(Finding.geom).where(Finding.found_date >= CUTOFF)).all(),
            dtype=object,
        )
        grid = grid_from_database(session, cell_m=1000, districts=[DISTRICT], before=CUTOFF)
    pts = _utm(later, grid.epsg)
    cells_with_later = sum(shapely.contains_properly(c, pts).any() for c in grid.cells_utm)
    model = figures["all_cells"]["risk model"]
    assert model["positives"] == cells_with_later
    assert model["n"] == len(grid.frame)
    assert 0 <= model["recall_top20"] <= 1
    assert set(figures["all_cells"]) == {
        "risk model",
        "nearest earlier finding",
        "nearest recorded hazard",
    }


def test_the_tuned_backtest_chooses_as_train_tune_does(run, demo_db: Database) -> None:
    url = demo_db.engine.url.render_as_string(hide_password=False)
    command = ["risk", "backtest", "-d", url, "--district", DISTRICT, "--cell-m", "1000"]
    command += ["--block-km", "5", "--cutoff", CUTOFF.isoformat(), "--format", "json"]
    result = run(*command, "--tune")
    assert result.code == 0, result.err
    figures = json.loads(result.out)
    with demo_db.session() as session:
        before = grid_from_database(session, cell_m=1000, districts=[DISTRICT], before=CUTOFF)
    model = train_on_grid(
        before.frame, block_km=5, settings=TrainSettings(unlabelled="negative"), tune=True
    )
    assert figures["settings"] == model.cv["tuning"]["chosen"]
    assert figures["cv"]["roc_auc"] == pytest.approx(model.cv["roc_auc"])
    assert json.loads(run(*command).out)["settings"] == "default"


def test_it_refuses_an_empty_database(run, db: Database, tmp_path: Path) -> None:
    url = db.engine.url.render_as_string(hide_password=False)
    result = run("risk", "build-grid", "-d", url, "--output", str(tmp_path / "never.gpkg"))
    assert result.code == 1
    assert "nothing to build a risk grid from" in result.err
