"""The model on real data: RELand's grid, trained in Antioquia, scored in Caldas.

The configuration is the one bench/risk_transfer_search.py chose by
leave-one-municipality-out cross-validation on the training file: LightGBM
defaults without the coordinates (left out a priori: they cannot carry over
to another region) and without the columns constant within a municipality.
The test file is only scored.  docs/risk-model.md reports these figures, the
shortfall included.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from mineaction.analytics.risk.model import TrainSettings
from mineaction.analytics.risk.table import read_table
from mineaction.analytics.risk.validation import hold_out

DATA = Path(__file__).resolve().parents[4] / "shared" / "data" / "colombia-reland-risk-grid"
COORDINATES = ["LATITUD_Y", "LONGITUD_X"]


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return hold_out(
        train_table=read_table(DATA / "train_all.csv"),
        test_table=read_table(DATA / "test_all.csv"),
        label="mines_outcome",
        group="Municipio",
        settings=TrainSettings(drop_group_constant=True),
        exclude=COORDINATES,
    )


def test_only_columns_both_regions_have_are_used(result: dict[str, Any]) -> None:
    test_columns = set(read_table(DATA / "test_all.csv").frame.columns)
    assert set(result["features_used"]) <= test_columns
    assert "railways_dist" in result["features_absent_from_test"]
    # Municipal victim counts only name the municipality; coordinates only
    # name a place in the training region: both left out.
    assert "Secuestro" in result["group_constant_dropped"]
    assert not set(COORDINATES) & set(result["features_used"])
    assert len(result["features_used"]) == 23


def test_cross_validation_by_municipality_finds_skill(result: dict[str, Any]) -> None:
    assert result["cv"]["held_out"] == "held out by 'Municipio'"
    assert result["cv"]["roc_auc"] > 0.65


def test_the_model_beats_logistic_regression_on_the_hold_out(result: dict[str, Any]) -> None:
    model, logistic = result["model"], result["baselines"]["logistic regression"]
    assert model["n"] == 1305 and model["positives"] == 213
    assert model["roc_auc"] > logistic["roc_auc"]
    assert model["recall_top20"] > logistic["recall_top20"]
    assert model["roc_auc"] > 0.55


def test_the_per_municipality_figures_are_computed_from_the_rows(result: dict[str, Any]) -> None:
    # Recompute one municipality's ROC-AUC from the raw rows and the model's
    # own predictions, independently of validation.py's bookkeeping.
    from mineaction.analytics.risk.model import spatial_groups, train

    table = read_table(DATA / "train_all.csv")
    groups, held_out = spatial_groups(table, group="Municipio", coords=None, block_km=10)
    model = train(
        table=table,
        label="mines_outcome",
        groups=groups,
        held_out=held_out,
        exclude=["Municipio", *COORDINATES, *result["features_absent_from_test"]],
        settings=TrainSettings(drop_group_constant=True),
    )
    test = read_table(DATA / "test_all.csv").frame
    rows = (test["Municipio"] == "NORCASIA") & (test["mines_outcome"] != -1)
    risk, _ = model.predict(test.loc[rows])
    expected = roc_auc_score(test.loc[rows, "mines_outcome"].to_numpy(), risk)
    assert np.isclose(result["model_within_group"]["NORCASIA"], expected, atol=1e-4)


def test_the_documented_shortfall_still_holds(result: dict[str, Any]) -> None:
    # docs/risk-model.md says: in Caldas the model does not beat default
    # boosting on all features nor the best single distance, and its ROC-AUC
    # is below 0.75.  If this fails because the model got better, rerun
    # bench/risk_validation.py and update the docs.
    singles = [v for k, v in result["baselines"].items() if k.startswith("distance:")]
    best_single = max(s["roc_auc"] for s in singles)
    default = result["baselines"]["gradient boosting, default settings"]
    assert result["model"]["roc_auc"] < default["roc_auc"]
    assert result["model"]["roc_auc"] < best_single
    assert result["model"]["recall_top20"] < max(s["recall_top20"] for s in singles)
    assert result["model"]["roc_auc"] < 0.75
