"""Within-region normalisation lets a model transfer to a region whose levels differ.

Synthetic but computed, not hard-coded: in every region a cell's risk
depends only on how far it lies from roads compared with the region's other
cells; each region's distances are shifted by its own level.  The new
region's levels lie beyond every training region's, so a model on raw
distances sees only values it never met, while a model on within-region
ranks sees the same relative positions as in training.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from mineaction.analytics.risk.model import RiskModel
from mineaction.analytics.risk.normalise import normalise_within
from mineaction.analytics.risk.table import read_table

ROADS = "Distancia a vías, km"
TOWN = "Municipio"


def _write(path: Path, levels: dict[str, float], rows: int, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow([TOWN, "mines_outcome", ROADS, "Pendiente", "Bosque"])
        for town, level in levels.items():
            relative = rng.normal(0.0, 1.0, rows)
            risk = 1 / (1 + np.exp(-2.5 * relative))
            label = (rng.random(rows) < risk).astype(int)
            label[rng.random(rows) < 0.1] = -1
            slope = rng.random(rows)
            forest = (rng.random(rows) < 0.3).astype(int)
            for i in range(rows):
                distance = round(level + 3 * relative[i], 4)
                w.writerow([town, label[i], distance, round(slope[i], 4), forest[i]])
    return path


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("shift")
    train_levels = {name: 10.0 * k for k, name in enumerate("ABCDEF")}
    return {
        "folder": folder,
        "train": _write(folder / "train.csv", train_levels, 250, seed=3),
        # The new region lies far beyond every training level.
        "test": _write(folder / "new.csv", {"NUEVO": 200.0, "OTRO": 260.0}, 300, seed=4),
    }


def _train(run, tables: dict[str, Path], name: str, *extra: str) -> Path:  # type: ignore[no-untyped-def]
    path = tables["folder"] / name
    result = run(
        "risk",
        "train",
        "--features",
        str(tables["train"]),
        "--label",
        "mines_outcome",
        "--group",
        TOWN,
        "--output",
        str(path),
        *extra,
    )
    assert result.code == 0, result.err
    return path


def _evaluate(run, model: Path, table: Path) -> dict:  # type: ignore[no-untyped-def,type-arg]
    result = run(
        "risk",
        "evaluate",
        "--model",
        str(model),
        "--features",
        str(table),
        "--label",
        "mines_outcome",
        "--format",
        "json",
    )
    assert result.code == 0, result.err
    return json.loads(result.out)  # type: ignore[no-any-return]


def _truth_auc(table: Path) -> float:
    """The best any ranking can hope for: ROC-AUC of the distance minus its region's mean."""
    frame = read_table(table).frame
    frame = frame[frame["mines_outcome"] != -1]
    relative = frame[ROADS] - frame.groupby(TOWN)[ROADS].transform("mean")
    return float(roc_auc_score(frame["mines_outcome"], relative))


def test_the_normalised_model_transfers_and_the_raw_one_does_not(run, tables) -> None:
    raw = _train(run, tables, "raw.json")
    ranked = _train(run, tables, "ranked.json", "--normalise-by", TOWN)
    truth = _truth_auc(tables["test"])
    assert truth > 0.75  # the signal is there to be found
    raw_figures = _evaluate(run, raw, tables["test"])
    ranked_figures = _evaluate(run, ranked, tables["test"])
    # Raw distances in the new region all exceed anything seen in training:
    # every cell falls in the same leaves and the ranking is no better than chance.
    assert raw_figures["roc_auc"] < 0.6
    assert ranked_figures["roc_auc"] > truth - 0.05
    assert ranked_figures["recall_top20"] > raw_figures["recall_top20"] + 0.1


def test_the_model_file_records_the_normalisation(run, tables) -> None:
    path = _train(run, tables, "zscore.json", "--normalise-by", TOWN, "--normalise", "zscore")
    body = json.loads(path.read_text(encoding="utf-8"))
    # Only the column with many values is normalised; the region column is no feature.
    assert body["normalisation"] == {
        "method": "zscore",
        "by": TOWN,
        "columns": [ROADS, "Pendiente"],
    }
    assert TOWN not in body["features"]
    assert body["training"]["normalised_within"] == TOWN
    figures = _evaluate(run, path, tables["test"])
    assert figures["roc_auc"] > _truth_auc(tables["test"]) - 0.05


def test_a_table_without_the_region_column_is_one_region(run, tables) -> None:
    ranked = RiskModel.load(_train(run, tables, "ranked-2.json", "--normalise-by", TOWN))
    frame = read_table(tables["test"]).frame
    one_town = frame[frame[TOWN] == "NUEVO"]
    with_column, missing = ranked.predict(one_town)
    without, missing_2 = ranked.predict(one_town.drop(columns=[TOWN]))
    assert missing == [] and missing_2 == [TOWN]
    np.testing.assert_allclose(with_column, without)


def test_a_missing_region_column_in_training_is_refused(run, tables) -> None:
    result = run(
        "risk",
        "train",
        "--features",
        str(tables["train"]),
        "--label",
        "mines_outcome",
        "--group",
        TOWN,
        "--normalise-by",
        "Departamento",
        "--output",
        str(tables["folder"] / "never.json"),
    )
    assert result.code != 0
    assert "Departamento" in result.err
    assert "Traceback" not in result.err
    assert not (tables["folder"] / "never.json").exists()


def test_a_method_without_a_region_column_is_refused(run, tables) -> None:
    result = run(
        "risk",
        "train",
        "--features",
        str(tables["train"]),
        "--label",
        "mines_outcome",
        "--group",
        TOWN,
        "--normalise",
        "zscore",
        "--output",
        str(tables["folder"] / "never-2.json"),
    )
    assert result.code != 0
    assert "--normalise-by" in result.err
    assert not (tables["folder"] / "never-2.json").exists()


def test_ranks_are_computed_within_each_region_independently() -> None:
    x = np.array([[5.0, 1.0], [1.0, 0.0], [3.0, np.nan], [100.0, 1.0], [300.0, 0.0]])
    out = normalise_within(x, ["a", "a", "a", "b", "b"], [0], "rank")
    assert out[:, 0].tolist() == [1.0, 1 / 3, 2 / 3, 0.5, 1.0]
    assert out[:, 1].tolist()[:2] == [1.0, 0.0] and np.isnan(out[2, 1])
