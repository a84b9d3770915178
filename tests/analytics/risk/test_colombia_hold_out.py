"""The model on real data: RELand's grid, trained in Antioquia, scored in Caldas.

The settings are the ones spatial cross-validation on the training file
chose in bench/risk_validation.py (LightGBM defaults without the columns
that are constant within a municipality); the test file is only scored.
docs/risk-model.md reports these figures, the shortfall included.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mineaction.analytics.risk.model import TrainSettings
from mineaction.analytics.risk.table import read_table
from mineaction.analytics.risk.validation import hold_out

DATA = Path(__file__).resolve().parents[4] / "shared" / "data" / "colombia-reland-risk-grid"


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return hold_out(
        train_table=read_table(DATA / "train_all.csv"),
        test_table=read_table(DATA / "test_all.csv"),
        label="mines_outcome",
        group="Municipio",
        settings=TrainSettings(drop_group_constant=True),
    )


def test_only_columns_both_regions_have_are_used(result: dict[str, Any]) -> None:
    test_columns = set(read_table(DATA / "test_all.csv").frame.columns)
    assert set(result["features_used"]) <= test_columns
    assert "railways_dist" in result["features_absent_from_test"]
    # Municipal victim counts only name the municipality: left out.
    assert "Secuestro" in result["group_constant_dropped"]


def test_cross_validation_by_municipality_finds_skill(result: dict[str, Any]) -> None:
    assert result["cv"]["held_out"] == "held out by 'Municipio'"
    assert result["cv"]["roc_auc"] > 0.7


def test_the_model_beats_logistic_regression_on_the_hold_out(result: dict[str, Any]) -> None:
    model, logistic = result["model"], result["baselines"]["logistic regression"]
    assert result["model"]["n"] == 1305 and result["model"]["positives"] == 213
    assert model["roc_auc"] > logistic["roc_auc"]
    assert model["recall_top20"] > logistic["recall_top20"]
    assert model["roc_auc"] > 0.55


def test_the_documented_shortfall_still_holds(result: dict[str, Any]) -> None:
    # docs/risk-model.md says: in Caldas the model does not beat the best single
    # distance (to airports) nor default boosting.  If this fails because the
    # model got better, rerun bench/risk_validation.py and update the docs.
    singles = [v for k, v in result["baselines"].items() if k.startswith("distance:")]
    best_single = max(s["roc_auc"] for s in singles)
    assert result["model"]["roc_auc"] < best_single
    assert result["model"]["roc_auc"] < 0.75
